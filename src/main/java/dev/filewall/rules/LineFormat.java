package dev.filewall.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * iLocker's line form: {@code key=value,key=value,...}, one rule per line, keys in any order,
 * a left-out key meaning {@code *}. A key given twice adds a value to its list. {@code \,}
 * {@code \=} {@code \#} and {@code \\} stand for the character itself; any other backslash is
 * kept for the pattern (so {@code \*} is a literal star). A line starting with {@code #} is a
 * comment, {@code default_action=deny} alone on a line sets the default.
 */
public final class LineFormat {
    private LineFormat() {}

    public static RuleSet parse(String text, String file) throws RuleException {
        RuleBuilder b = new RuleBuilder(file);
        List<Rule> rules = new ArrayList<>();
        Action defaultAction = null;
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = stripTrailing(lines[n]);
            int start = 0;
            while (start < line.length() && (line.charAt(start) == ' ' || line.charAt(start) == '\t')) start++;
            if (start == line.length() || line.charAt(start) == '#') continue;
            List<RuleBuilder.Field> fields = fields(line, start, n + 1, b);
            if (fields == null) continue;
            if (fields.size() == 1 && fields.getFirst().key().text().equals("default_action")) {
                RuleBuilder.Located v = fields.getFirst().values().getFirst();
                if (defaultAction != null) b.error(fields.getFirst().key(), "default_action given twice");
                defaultAction = Action.parse(v.text().strip()).orElse(null);
                if (defaultAction == null) b.error(v, "unknown default_action '" + v.text() + "': expected pass, deny or log");
                continue;
            }
            Rule r = b.build(fields, n + 1, start + 1);
            if (r != null) rules.add(r);
        }
        checkCount(b, rules.size());
        if (!b.errors.isEmpty()) throw new RuleException(b.errors);
        return new RuleSet(defaultAction == null ? Action.PASS : defaultAction, rules);
    }

    static void checkCount(RuleBuilder b, int count) {
        if (count > Limits.RULES_MAX)
            b.error(1, 1, count + " rules, at most " + Limits.RULES_MAX + " in one set");
    }

    /** Only a CR goes: a pattern may end in a space, and keywords are trimmed where they are read. */
    private static String stripTrailing(String s) {
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Splits a line into key=value items, merging repeated keys into one list. */
    private static List<RuleBuilder.Field> fields(String line, int start, int lineNo, RuleBuilder b) {
        List<RuleBuilder.Field> fields = new ArrayList<>();
        int errorsBefore = b.errors.size();
        int i = start;
        while (true) {
            while (i < line.length() && line.charAt(i) == ' ') i++;
            int keyStart = i;
            while (i < line.length() && line.charAt(i) != '=' && line.charAt(i) != ',') i++;
            String key = line.substring(keyStart, i).strip();
            if (i >= line.length() || line.charAt(i) != '=') {
                b.error(lineNo, keyStart + 1, key.isEmpty() ? "expected key=value" : "expected '=' after '" + key + "'");
                return null;
            }
            i++;
            int valueStart = i;
            StringBuilder value = new StringBuilder();
            for (; i < line.length() && line.charAt(i) != ','; i++) {
                char c = line.charAt(i);
                if (c == '\\' && i + 1 < line.length()) {
                    char e = line.charAt(i + 1);
                    if (e == ',' || e == '=' || e == '#' || e == '\\') {
                        value.append(e);
                        i++;
                        continue;
                    }
                } else if (c == '=' || c == '#') {
                    b.error(lineNo, i + 1, "unescaped '" + c + "' in the value of '" + key + "': write \\" + c);
                }
                value.append(c);
            }
            RuleBuilder.Located k = new RuleBuilder.Located(key, lineNo, keyStart + 1);
            RuleBuilder.Located v = new RuleBuilder.Located(value.toString(), lineNo, valueStart + 1);
            RuleBuilder.Field existing = fields.stream().filter(f -> f.key().text().equals(key)).findFirst().orElse(null);
            if (existing == null) fields.add(new RuleBuilder.Field(k, new ArrayList<>(List.of(v))));
            else if (key.equals("name") || key.equals("action") || key.equals("default_action"))
                b.error(k, "'" + key + "' given twice");
            else existing.values().add(v);
            if (i >= line.length()) break;
            i++;
        }
        return b.errors.size() > errorsBefore ? null : fields;
    }

    public static String print(RuleSet set) {
        StringBuilder out = new StringBuilder();
        if (set.defaultAction() != Action.PASS) out.append("default_action=").append(set.defaultAction().word()).append('\n');
        for (Rule r : set.rules()) out.append(print(r)).append('\n');
        return out.toString();
    }

    public static String print(Rule r) {
        List<String> items = new ArrayList<>();
        if (r.name() != null) items.add("name=" + escape(r.name()));
        r.uids().forEach(u -> items.add("uid=" + u));
        r.exePaths().forEach(g -> items.add("exe_path=" + escape(g.source())));
        r.cmdlines().forEach(g -> items.add("cmdline=" + escape(g.source())));
        r.operations().stream().sorted().forEach(o -> items.add("operation=" + o.name()));
        r.filePaths().forEach(g -> items.add("file_path=" + escape(g.source())));
        items.add("action=" + r.action().word());
        return String.join(",", items);
    }

    static String escape(String v) {
        if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0)
            throw new IllegalArgumentException("'" + v.replace("\n", "\\n") + "' holds a line break, which the line form cannot write: keep this rule set in YAML");
        return v.chars().mapToObj(c -> switch (c) {
            case ',', '=', '#', '\\' -> "\\" + (char) c;
            default -> String.valueOf((char) c);
        }).collect(Collectors.joining());
    }
}
