package dev.filewall.rules;

import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Random valid rule sets, shared by the round-trip and the compiler's differential tests. */
public final class RuleSetArbitraries {
    private RuleSetArbitraries() {}

    public static Arbitrary<String> patternText() {
        Arbitrary<String> token = Arbitraries.oneOf(
                Arbitraries.of("a", "b", "/", ".", "é", "x y", "-", "!", "]", ",", "=", "#", ":", "'", "\""),
                Arbitraries.of("*", "?", "\\*", "\\?", "\\[", "\\\\", "\\,"),
                Arbitraries.of("[ab]", "[!a]", "[a-c]", "[]a]", "[é]", "[*?]"));
        return token.list().ofMinSize(1).ofMaxSize(6).map(l -> String.join("", l));
    }

    static Arbitrary<Glob> glob(boolean absolute) {
        return patternText().map(p -> absolute ? "/" + p : p).map(RuleSetArbitraries::parse).filter(g -> !g.matchesAll());
    }

    private static Glob parse(String s) {
        try {
            return Glob.parse(s);
        } catch (Glob.SyntaxError e) {
            throw new IllegalStateException(s, e);
        }
    }

    static Arbitrary<UidRange> uid() {
        return Arbitraries.longs().between(0, UidRange.MAX).flatMap(lo ->
                Arbitraries.longs().between(lo, Math.min(UidRange.MAX, lo + 5000)).map(hi -> new UidRange(lo, hi)));
    }

    public static Arbitrary<Rule> rule() {
        Arbitrary<String> name = Arbitraries.strings().withCharRange(' ', '\u00ff').withChars('\t').ofMaxLength(12)
                .injectNull(0.5);
        Arbitrary<Set<Operation>> ops = Arbitraries.of(Operation.RULES).set().ofMaxSize(3);
        return Combinators.combine(name, uid().list().ofMaxSize(2), glob(true).list().ofMaxSize(2),
                glob(false).list().ofMaxSize(1), ops, glob(true).list().ofMaxSize(3), Arbitraries.of(Action.class))
                .as((n, u, e, c, o, f, a) -> new Rule(n, u, e, c, o, f, a, 0));
    }

    public static Arbitrary<RuleSet> ruleSet(int maxRules) {
        return Combinators.combine(Arbitraries.of(Action.class), rule().list().ofMaxSize(maxRules))
                .as(RuleSet::new);
    }
}
