package dev.filewall.rules;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;

/** Reads a rule file in either form: .yaml/.yml is YAML, anything else the line form. */
public final class RuleFiles {
    private RuleFiles() {}

    public enum Format { YAML, ILOCKER }

    public static Format detect(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".yaml") || n.endsWith(".yml") ? Format.YAML : Format.ILOCKER;
    }

    public static RuleSet load(Path file, Format format) throws RuleException {
        return load(file, format, file.toString());
    }

    /** The same, naming the file {@code name} in errors (a copy reports as its original). */
    public static RuleSet load(Path file, Format format, String name) throws RuleException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new RuleException(List.of(new RuleError(name, 0, 0, "cannot read: " + e)));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new RuleException(List.of(new RuleError(name, 1, 1, "not UTF-8 text")));
        }
        return parse(text, name, format == null ? detect(file) : format);
    }

    public static RuleSet parse(String text, String name, Format format) throws RuleException {
        return format == Format.YAML ? YamlFormat.parse(text, name) : LineFormat.parse(text, name);
    }
}
