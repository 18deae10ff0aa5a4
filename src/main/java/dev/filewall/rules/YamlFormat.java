package dev.filewall.rules;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    public static String print(RuleSet set) {
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("default_action", set.defaultAction().word());
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Rule r : set.rules()) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (r.name() != null) m.put("name", r.name());
            put(m, "uid", r.uids().stream().map(u -> u.lo() == u.hi() ? (Object) u.lo() : u.toString()).toList());
            put(m, "exe_path", r.exePaths().stream().map(Glob::source).toList());
            put(m, "cmdline", r.cmdlines().stream().map(Glob::source).toList());
            put(m, "operation", r.operations().stream().sorted().map(Enum::name).toList());
            put(m, "file_path", r.filePaths().stream().map(Glob::source).toList());
            m.put("action", r.action().word());
            rules.add(m);
        }
        top.put("rules", rules);
        try {
            return new YAMLMapper().writeValueAsString(top);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing YAML", e);
        }
    }

    private static void put(Map<String, Object> m, String key, List<?> values) {
        if (values.size() == 1) m.put(key, values.getFirst());
        else if (!values.isEmpty()) m.put(key, values);
    }
}
