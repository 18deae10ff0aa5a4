package dev.filewall.rules;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Turns the raw fields of one rule, as either input form read them, into a {@link Rule},
 * collecting every error with its position instead of stopping at the first.
 */
final class RuleBuilder {
    /** A value as written, and where: column of its first character. */
    record Located(String text, int line, int column) {}

    record Field(Located key, List<Located> values) {}

    static final List<String> KEYS = List.of("name", "uid", "exe_path", "cmdline", "operation", "file_path", "action");

    private final String file;
    final List<RuleError> errors = new ArrayList<>();

    RuleBuilder(String file) {
        this.file = file;
    }

    void error(int line, int column, String message) {
        errors.add(new RuleError(file, line, column, message));
    }

    void error(Located at, String message) {
        error(at.line(), at.column(), message);
    }

    /** Returns null when the rule has errors (they are recorded). */
    Rule build(List<Field> fields, int line, int column) {
        int before = errors.size();
        String name = null;
        List<UidRange> uids = new ArrayList<>();
        List<Glob> exes = new ArrayList<>(), cmds = new ArrayList<>(), paths = new ArrayList<>();
        Set<Operation> ops = EnumSet.noneOf(Operation.class);
        boolean anyUid = false, anyOp = false;
        Action action = null;
        List<String> seen = new ArrayList<>();
        for (Field f : fields) {
            String key = f.key().text();
            if (!KEYS.contains(key)) {
                error(f.key(), "unknown key '" + key + "': expected one of " + String.join(", ", KEYS));
                continue;
            }
            if (seen.contains(key) && (key.equals("name") || key.equals("action"))) {
                error(f.key(), "'" + key + "' given twice");
                continue;
            }
            seen.add(key);
            if (f.values().isEmpty()) error(f.key(), "'" + key + "' has no value");
            if (f.values().size() > Limits.LIST_MAX)
                error(f.key(), "'" + key + "' lists " + f.values().size() + " values, at most " + Limits.LIST_MAX);
            for (Located v : f.values()) {
                String t = key.equals("action") || key.equals("uid") || key.equals("operation") ? v.text().strip() : v.text();
                if (t.isEmpty() && !key.equals("name")) {
                    error(v, "empty value for '" + key + "' (write * to match anything)");
                    continue;
                }
                switch (key) {
                    case "name" -> name = t;
                    case "action" -> action = Action.parse(t).orElseGet(() -> {
                        error(v, "unknown action '" + t + "': expected pass, deny or log");
                        return null;
                    });
                    case "uid" -> {
                        if (t.equals("*")) anyUid = true;
                        else {
                            UidRange r = UidRange.parse(t);
                            if (r == null) error(v, "bad uid '" + t + "': expected *, a number 0-4294967295, or a range like 1000-1999");
                            else uids.add(r);
                        }
                    }
                    case "operation" -> {
                        if (t.equals("*")) anyOp = true;
                        else Operation.parse(t).filter(Operation::inRules).ifPresentOrElse(ops::add, () -> error(v,
                                "unknown operation '" + t + "': expected *, DELETE or one of " + Operation.RULES));
                    }
                    case "exe_path" -> addGlob(exes, v, key, Limits.PATH_MAX, true);
                    case "cmdline" -> addGlob(cmds, v, key, Limits.CMDLINE_MAX, false);
                    case "file_path" -> addGlob(paths, v, key, Limits.PATH_MAX, true);
                    default -> throw new AssertionError(key);
                }
            }
        }
        if (action == null && !seen.contains("action"))
            error(line, column, "rule has no action: add action=pass, deny or log");
        if (errors.size() > before) return null;
        return new Rule(name, anyUid ? List.of() : uids, anyOf(exes), anyOf(cmds), anyOp ? Set.of() : ops,
                anyOf(paths), action, line);
    }

    /** A list holding '*' matches everything, the same as leaving the field out. */
    private static List<Glob> anyOf(List<Glob> globs) {
        return globs.stream().anyMatch(Glob::matchesAll) ? List.of() : globs;
    }

    private void addGlob(List<Glob> into, Located v, String key, int maxMatched, boolean absolute) {
        Glob g;
        try {
            g = Glob.parse(v.text());
        } catch (Glob.SyntaxError e) {
            error(v.line(), v.column() + e.index, key + ": " + e.getMessage());
            return;
        }
        int bytes = v.text().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > Limits.PATTERN_MAX)
            error(v, key + ": pattern is " + bytes + " bytes, at most " + Limits.PATTERN_MAX);
        else if (absolute && g.mustStartWithOtherThan('/'))
            error(v, key + ": '" + v.text() + "' can never match: paths are absolute, start it with / or a wildcard");
        else if (g.minLength() > maxMatched)
            error(v, key + ": pattern needs at least " + g.minLength() + " bytes but the kernel matches at most "
                    + maxMatched + ", so it can never match");
        else into.add(g);
    }
}
