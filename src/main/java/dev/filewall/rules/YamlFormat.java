package dev.filewall.rules;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * rules.yaml: {@code default_action} and a list of {@code rules}, each a mapping of the line
 * form's keys, where uid, exe_path, cmdline, operation and file_path take one value or a list.
 * The file is read token by token so that every error keeps its line and column.
 */
public final class YamlFormat {
    private YamlFormat() {}

    private sealed interface Node permits Scalar, Seq, Mapping {
        int line();
        int column();
    }
    private record Scalar(String text, int line, int column) implements Node {}
    private record Seq(List<Node> items, int line, int column) implements Node {}
    private record Entry(Scalar key, Node value) {}
    private record Mapping(List<Entry> entries, int line, int column) implements Node {}

    private static final YAMLFactory FACTORY = new YAMLFactory();
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    public static RuleSet parse(String text, String file) throws RuleException {
        RuleBuilder b = new RuleBuilder(file);
        Node root;
        try (JsonParser p = FACTORY.createParser(text)) {
            if (p.nextToken() == null) throw new RuleException(List.of(new RuleError(file, 1, 1,
                    "empty file: expected a mapping with default_action and rules")));
            root = read(p, b);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String hint = e.getOriginalMessage().contains("alias") ? " (a lone * is YAML syntax: quote it, '*')" : "";
            throw new RuleException(List.of(new RuleError(file, at == null ? 1 : at.getLineNr(),
                    at == null ? 1 : at.getColumnNr(), "YAML: " + firstLine(e.getOriginalMessage()) + hint)));
        } catch (IOException e) {
            throw new RuleException(List.of(new RuleError(file, 1, 1, "YAML: " + e.getMessage())));
        }
        Action defaultAction = Action.PASS;
        List<Rule> rules = new ArrayList<>();
        if (!(root instanceof Mapping top)) {
            b.error(root.line(), root.column(), "expected a mapping with default_action and rules");
            throw new RuleException(b.errors);
        }
        boolean sawRules = false;
        for (Entry e : top.entries()) {
            switch (e.key().text()) {
                case "default_action" -> {
                    if (e.value() instanceof Scalar s && Action.parse(s.text().strip()).isPresent())
                        defaultAction = Action.parse(s.text().strip()).get();
                    else b.error(e.value().line(), e.value().column(), "default_action: expected pass, deny or log");
                }
                case "rules" -> {
                    sawRules = true;
                    if (e.value() instanceof Seq seq) {
                        for (Node item : seq.items()) {
                            Rule r = rule(item, b);
                            if (r != null) rules.add(r);
                        }
                    } else if (!(e.value() instanceof Scalar s && s.text().isEmpty())) {
                        b.error(e.value().line(), e.value().column(), "rules: expected a list of rules");
                    }
                }
                default -> b.error(e.key().line(), e.key().column(),
                        "unknown key '" + e.key().text() + "': expected default_action or rules");
            }
        }
        if (!sawRules) b.error(top.line(), top.column(), "no 'rules' list");
        LineFormat.checkCount(b, rules.size());
        if (!b.errors.isEmpty()) throw new RuleException(b.errors);
        return new RuleSet(defaultAction, rules);
    }

    private static Rule rule(Node item, RuleBuilder b) {
        if (!(item instanceof Mapping m)) {
            b.error(item.line(), item.column(), "expected a rule: a mapping of keys such as file_path and action");
            return null;
        }
        List<RuleBuilder.Field> fields = new ArrayList<>();
        for (Entry e : m.entries()) {
            List<RuleBuilder.Located> values = new ArrayList<>();
            switch (e.value()) {
                case Scalar s -> values.add(located(s));
                case Seq seq -> {
                    for (Node n : seq.items()) {
                        if (n instanceof Scalar s) values.add(located(s));
                        else b.error(n.line(), n.column(), e.key().text() + ": expected a single value in the list");
                    }
                    if (seq.items().isEmpty()) b.error(seq.line(), seq.column(), e.key().text() + ": empty list");
                }
                case Mapping mm -> b.error(mm.line(), mm.column(), e.key().text() + ": expected a value or a list, not a mapping");
            }
            if ((e.key().text().equals("name") || e.key().text().equals("action")) && values.size() > 1)
                b.error(e.value().line(), e.value().column(), e.key().text() + ": takes one value, not a list");
            fields.add(new RuleBuilder.Field(located(e.key()), values));
        }
        return b.build(fields, m.line(), m.column());
    }

    private static RuleBuilder.Located located(Scalar s) {
        return new RuleBuilder.Located(s.text(), s.line(), s.column());
    }

    private static Node read(JsonParser p, RuleBuilder b) throws IOException {
        JsonLocation at = p.currentTokenLocation();
        int line = at.getLineNr(), col = at.getColumnNr();
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            List<Entry> entries = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                JsonLocation k = p.currentTokenLocation();
                Scalar key = new Scalar(p.currentName(), k.getLineNr(), k.getColumnNr());
                if (entries.stream().anyMatch(e -> e.key().text().equals(key.text())))
                    b.error(key.line(), key.column(), "'" + key.text() + "' given twice in one mapping");
                p.nextToken();
                entries.add(new Entry(key, read(p, b)));
            }
            return new Mapping(entries, line, col);
        }
        if (t == JsonToken.START_ARRAY) {
            List<Node> items = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) items.add(read(p, b));
            return new Seq(items, line, col);
        }
        return new Scalar(t == JsonToken.VALUE_NULL ? "" : p.getText(), line, col);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Written by hand: plain scalars where YAML reads them back unchanged, JSON-quoted otherwise. */
    public static String print(RuleSet set) {
        StringBuilder out = new StringBuilder("default_action: " + set.defaultAction().word()
                + (set.rules().isEmpty() ? "\nrules: []\n" : "\nrules:\n"));
        for (Rule r : set.rules()) {
            String lead = "  - ";
            if (r.name() != null) lead = field(out, lead, "name", List.of(scalar(r.name())));
            lead = field(out, lead, "uid", r.uids().stream().map(u -> u.lo() == u.hi() ? u.toString() : scalar(u.toString())).toList());
            lead = field(out, lead, "exe_path", r.exePaths().stream().map(g -> scalar(g.source())).toList());
            lead = field(out, lead, "cmdline", r.cmdlines().stream().map(g -> scalar(g.source())).toList());
            lead = field(out, lead, "operation", r.operations().stream().sorted().map(Enum::name).toList());
            lead = field(out, lead, "file_path", r.filePaths().stream().map(g -> scalar(g.source())).toList());
            field(out, lead, "action", List.of(r.action().word()));
        }
        return out.toString();
    }

    private static String field(StringBuilder out, String lead, String key, List<String> values) {
        if (values.isEmpty()) return lead;
        out.append(lead).append(key).append(':');
        if (values.size() == 1) out.append(' ').append(values.getFirst()).append('\n');
        else values.forEach(v -> out.append("\n      - ").append(v));
        if (values.size() > 1) out.append('\n');
        return "    ";
    }

    private static final java.util.regex.Pattern PLAIN = java.util.regex.Pattern.compile("[A-Za-z_/.][A-Za-z0-9_/.*?!+@%=-]*");
    private static final java.util.Set<String> RESERVED = java.util.Set.of("true", "false", "yes", "no", "on", "off",
            "null", "y", "n", ".nan", ".inf");

    private static String scalar(String s) {
        boolean plain = PLAIN.matcher(s).matches() && !RESERVED.contains(s.toLowerCase(java.util.Locale.ROOT));
        if (plain) return s;
        try {
            // a JSON string is a YAML double-quoted scalar, once the characters YAML 1.1 reads as
            // line breaks or rejects (C1 controls, NEL, LS, PS, BOM) are escaped too
            StringBuilder q = new StringBuilder();
            JSON.writeValueAsString(s).chars().forEach(c -> {
                if (c >= 0x7f && c <= 0x9f || c == 0x2028 || c == 0x2029 || c >= 0xfeff && (c == 0xfeff || c >= 0xfffe))
                    q.append(String.format("\\u%04x", c));
                else q.append((char) c);
            });
            return q.toString();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
