package dev.filewall.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests. No Java library on
 * Maven Central parses this format (the Prometheus client's exposition-textformats module only
 * writes it), so this follows the format's grammar: HELP and TYPE lines, samples with optional
 * labels and timestamp, escapes, and the rules that a family's lines are contiguous, that TYPE
 * precedes its samples and appears once, and that no series repeats. Any violation throws.
 */
final class PrometheusText {
    record Sample(String name, Map<String, String> labels, double value) {}

    record Family(String name, String type, String help, List<Sample> samples) {
        /** The value of the sample with exactly these labels (given as name, value, name, value...). */
        double value(String... labels) {
            Map<String, String> want = new TreeMap<>();
            for (int i = 0; i < labels.length; i += 2) want.put(labels[i], labels[i + 1]);
            return samples.stream().filter(s -> s.labels().equals(want)).findFirst()
                    .orElseThrow(() -> new AssertionError(name + " has no sample " + want)).value();
        }
    }

    static final class ParseException extends RuntimeException {
        ParseException(int line, String message) {
            super("line " + line + ": " + message);
        }
    }

    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    private final Map<String, Family> families = new LinkedHashMap<>();
    private final Set<String> closed = new HashSet<>(), series = new HashSet<>();
    private String current;
    private int lineNo;
    private String line;
    private int pos;

    static Map<String, Family> parse(String text) {
        PrometheusText p = new PrometheusText();
        if (!text.isEmpty() && !text.endsWith("\n")) throw new ParseException(text.split("\n", -1).length, "the last line does not end in \\n");
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            p.lineNo = i + 1;
            p.line = lines[i];
            p.pos = 0;
            p.parseLine();
        }
        return p.families;
    }

    private void parseLine() {
        if (line.isBlank()) return;
        if (line.startsWith("#")) {
            String[] f = line.substring(1).strip().split("[ \t]+", 3);
            if (f[0].equals("HELP") || f[0].equals("TYPE")) {
                if (f.length < 2 || !f[1].matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) throw error("bad metric name in " + f[0]);
                Family fam = enter(f[1]);
                if (f[0].equals("HELP")) {
                    if (fam.help() != null) throw error("second HELP for " + f[1]);
                    families.put(f[1], new Family(f[1], fam.type(), unescapeHelp(f.length > 2 ? f[2] : ""), fam.samples()));
                } else {
                    if (f.length < 3 || !TYPES.contains(f[2])) throw error("bad TYPE for " + f[1]);
                    if (fam.type() != null) throw error("second TYPE for " + f[1]);
                    if (!fam.samples().isEmpty()) throw error("TYPE for " + f[1] + " after its samples");
                    families.put(f[1], new Family(f[1], f[2], fam.help(), fam.samples()));
                }
            }
            return; // any other comment
        }
        skipBlanks();
        String name = token("[a-zA-Z_:]", "[a-zA-Z0-9_:]", "metric name");
        Map<String, String> labels = new TreeMap<>();
        int afterName = pos;
        skipBlanks();
        if (pos < line.length() && line.charAt(pos) == '{') {
            pos++;
            skipBlanks();
            while (peek() != '}') {
                String label = token("[a-zA-Z_]", "[a-zA-Z0-9_]", "label name");
                if (label.startsWith("__")) throw error("reserved label name " + label);
                skipBlanks();
                expect('=');
                skipBlanks();
                expect('"');
                if (labels.put(label, labelValue()) != null) throw error("label " + label + " twice");
                skipBlanks();
                if (peek() == ',') {
                    pos++;
                    skipBlanks();
                } else if (peek() != '}') {
                    throw error("expected , or }");
                }
            }
            pos++;
        } else if (pos == afterName) {
            throw error("expected a blank or { after the metric name");
        }
        skipBlanks();
        String[] rest = line.substring(pos).strip().split("[ \t]+");
        if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) throw error("expected a value and an optional timestamp");
        double value = value(rest[0]);
        if (rest.length == 2 && !rest[1].matches("-?[0-9]+")) throw error("bad timestamp " + rest[1]);
        Family fam = enter(familyOf(name));
        if (!series.add(name + labels)) throw error("series " + name + labels + " twice");
        fam.samples().add(new Sample(name, labels, value));
    }

    /** A histogram's or summary's samples carry suffixes; every other sample is named as its family. */
    private String familyOf(String sample) {
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (!sample.endsWith(suffix)) continue;
            Family f = families.get(sample.substring(0, sample.length() - suffix.length()));
            if (f != null && ("histogram".equals(f.type()) || ("summary".equals(f.type()) && !suffix.equals("_bucket"))))
                return f.name();
        }
        return sample;
    }

    /** A family's lines must be contiguous: entering another one closes the current one for good. */
    private Family enter(String name) {
        if (!name.equals(current)) {
            if (closed.contains(name)) throw error("lines of " + name + " are not contiguous");
            if (current != null) closed.add(current);
            current = name;
        }
        return families.computeIfAbsent(name, n -> new Family(n, null, null, new ArrayList<>()));
    }

    private String labelValue() {
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= line.length()) throw error("unterminated label value");
            char c = line.charAt(pos++);
            if (c == '"') return b.toString();
            if (c == '\\') {
                if (pos >= line.length()) throw error("unterminated escape");
                char e = line.charAt(pos++);
                switch (e) {
                    case '\\' -> b.append('\\');
                    case '"' -> b.append('"');
                    case 'n' -> b.append('\n');
                    default -> throw error("bad escape \\" + e + " in a label value");
                }
            } else {
                b.append(c);
            }
        }
    }

    private String unescapeHelp(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (++i >= s.length()) throw error("unterminated escape in HELP");
            switch (s.charAt(i)) {
                case '\\' -> b.append('\\');
                case 'n' -> b.append('\n');
                default -> throw error("bad escape \\" + s.charAt(i) + " in HELP");
            }
        }
        return b.toString();
    }

    private double value(String s) {
        return switch (s) {
            case "NaN" -> Double.NaN;
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> {
                if (!s.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?")) throw error("bad value " + s);
                yield Double.parseDouble(s);
            }
        };
    }

    private String token(String first, String rest, String what) {
        int start = pos;
        if (pos >= line.length() || !String.valueOf(line.charAt(pos)).matches(first)) throw error("expected a " + what);
        pos++;
        while (pos < line.length() && String.valueOf(line.charAt(pos)).matches(rest)) pos++;
        return line.substring(start, pos);
    }

    private char peek() {
        if (pos >= line.length()) throw error("unexpected end of line");
        return line.charAt(pos);
    }

    private void expect(char c) {
        if (peek() != c) throw error("expected " + c);
        pos++;
    }

    private void skipBlanks() {
        while (pos < line.length() && (line.charAt(pos) == ' ' || line.charAt(pos) == '\t')) pos++;
    }

    private ParseException error(String message) {
        return new ParseException(lineNo, message + ": " + line);
    }
}
