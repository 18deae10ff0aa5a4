package dev.filewall.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** "0", "250ms", "10s", "5m", "2h", "3d": what an operator types for a window or an age. */
final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern FORM = Pattern.compile("(\\d+)(ms|s|m|h|d)?");

    @Override
    public Duration convert(String value) {
        Matcher m = FORM.matcher(value.strip());
        if (!m.matches()) throw new TypeConversionException("'" + value + "' is not a duration: use e.g. 0, 250ms, 10s, 5m, 2h or 3d");
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2);
        if (unit == null && n != 0) throw new TypeConversionException("'" + value + "' needs a unit: ms, s, m, h or d");
        return switch (unit == null ? "s" : unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
