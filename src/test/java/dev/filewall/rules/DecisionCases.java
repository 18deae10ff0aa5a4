package dev.filewall.rules;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads src/test/resources/decisions.txt: rule sets, each with the decisions it must make. */
public final class DecisionCases {
    public record Case(RuleSet rules, Query query, Decision expected, int line) {
        @Override
        public String toString() {
            return "decisions.txt:" + line + " " + query;
        }
    }

    public static List<Case> load() throws IOException, RuleException {
        String text;
        try (InputStream in = DecisionCases.class.getResourceAsStream("/decisions.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Case> cases = new ArrayList<>();
        String[] lines = text.split("\n");
        RuleSet set = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.equals("rules:")) {
                StringBuilder rules = new StringBuilder();
                while (!lines[++i].equals("cases:")) rules.append(lines[i]).append('\n');
                set = LineFormat.parse(rules.toString(), "decisions.txt");
                continue;
            }
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split(" \\| ", -1);
            if (f.length != 8) throw new IllegalStateException("decisions.txt:" + (i + 1) + ": expected 8 fields");
            Query q = Query.of(Long.parseLong(f[0]), f[1], dash(f[2]), Operation.parse(f[3]).orElseThrow(), f[4], dash(f[5]));
            Decision d = new Decision(f[6].equals("-") ? -1 : Integer.parseInt(f[6]), Action.parse(f[7].strip()).orElseThrow());
            cases.add(new Case(set, q, d, i + 1));
        }
        return cases;
    }

    private static String dash(String s) {
        return s.equals("-") ? null : s;
    }
}
