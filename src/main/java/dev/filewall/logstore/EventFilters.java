package dev.filewall.logstore;

import dev.filewall.rules.Glob;
import dev.filewall.rules.Operation;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The filters of {@code filewall log} and of the web view, from the text an operator typed: one
 * parser, so a filter means the same and is refused with the same words in both. A message names
 * the filter as {@code prefix + name}: "--since" for a flag, "since" for a URL parameter.
 */
public final class EventFilters {
    private EventFilters() {}

    /** The filters' names, as {@code filewall log} spells its flags without the dashes. */
    public static final List<String> NAMES = List.of("since", "until", "op", "action", "uid", "pid", "rule", "limit", "exe", "path");

    /** A filter value that is not valid; the message says which and what was expected. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    /** The query of the filters given in {@code values} (by {@link #NAMES}; a name left out does not filter). */
    public static EventQuery parse(Map<String, String> values, String prefix, int maxLimit, Instant now, ZoneId zone) throws Invalid {
        EventQuery q = EventQuery.ALL;
        String since = values.get("since"), until = values.get("until"), op = values.get("op"), action = values.get("action");
        if (since != null) q = q.withSince(time(prefix + "since", since, now, zone));
        if (until != null) q = q.withUntil(time(prefix + "until", until, now, zone));
        if (q.since() != null && q.until() != null && !q.since().isBefore(q.until()))
            throw new Invalid(prefix + "since " + since + " is not before " + prefix + "until " + until);
        if (op != null) q = q.withOp(Operation.parse(op).orElseThrow(() ->
                new Invalid(prefix + "op '" + op + "': expected one of " + Arrays.toString(Operation.values()))));
        if (action != null) {
            if (!EventQuery.ACTIONS.contains(action))
                throw new Invalid(prefix + "action '" + action + "': expected pass, log, deny or dryrun-deny");
            q = q.withAction(action);
        }
        if (values.get("uid") != null) q = q.withUid(number(prefix + "uid", values.get("uid"), 0, 0xFFFF_FFFFL));
        if (values.get("pid") != null) q = q.withPid((int) number(prefix + "pid", values.get("pid"), 0, Integer.MAX_VALUE));
        if (values.get("rule") != null) q = q.withRule((int) number(prefix + "rule", values.get("rule"), -1, Integer.MAX_VALUE));
        if (values.get("limit") != null) q = q.withLimit((int) number(prefix + "limit", values.get("limit"), 1, maxLimit));
        if (values.get("exe") != null) q = q.withExe(glob(prefix + "exe", values.get("exe")));
        if (values.get("path") != null) q = q.withPath(glob(prefix + "path", values.get("path")));
        return q;
    }

    public static long number(String name, String s, long min, long max) throws Invalid {
        try {
            long v = Long.parseLong(s);
            if (v >= min && v <= max) return v;
        } catch (NumberFormatException ignored) {
            // reported below with the range
        }
        throw new Invalid(name + " '" + s + "': expected an integer from " + min + " to " + max);
    }

    public static Glob glob(String name, String s) throws Invalid {
        try {
            return Glob.parse(s);
        } catch (Glob.SyntaxError e) {
            throw new Invalid(name + " '" + s + "': at character " + (e.index + 1) + ": " + e.getMessage());
        }
    }

    public static ZoneId zone(String name, String s) throws Invalid {
        try {
            return ZoneId.of(s);
        } catch (DateTimeException e) {
            throw new Invalid(name + " '" + s + "': expected a zone such as UTC, Europe/Berlin or +02:00");
        }
    }

    private static final Pattern AGO = Pattern.compile("(\\d{1,9})([smhd])");

    /** A duration back from {@code now}, or an ISO-8601 instant, date-time, date or time of day in {@code zone}. */
    public static Instant time(String name, String s, Instant now, ZoneId zone) throws Invalid {
        Matcher m = AGO.matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return now.minus(d);
        }
        String t = s.replace(' ', 'T');
        try {
            return Instant.parse(t);
        } catch (DateTimeException ignored) {
            // not this form: try the next
        }
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeException ignored) {
            // not this form: try the next
        }
        try {
            return LocalDateTime.parse(t).atZone(zone).toInstant();
        } catch (DateTimeException ignored) {
            // not this form: try the next
        }
        try {
            return LocalDate.parse(t).atStartOfDay(zone).toInstant();
        } catch (DateTimeException ignored) {
            // not this form: try the next
        }
        try {
            return LocalDate.ofInstant(now, zone).atTime(LocalTime.parse(t)).atZone(zone).toInstant();
        } catch (DateTimeException ignored) {
            // reported below with the forms
        }
        throw new Invalid(name + " '" + s + "': expected a time back from now (30s, 10m, 2h, 3d) or an ISO-8601 time such as "
                + "2026-11-26T10:00, 2026-11-26 10:00:00, 2026-11-26, 10:00 or 2026-11-26T10:00:00Z");
    }
}
