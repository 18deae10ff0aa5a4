package dev.filewall.rules;

/**
 * The specification of what a rule set decides, written for clarity: the first rule whose
 * every field matches decides. An operation with two paths (RENAME, LINK) is judged on each
 * path and the more severe decision wins (deny over log over pass; the first path on a tie).
 */
public final class ReferenceEvaluator {
    private ReferenceEvaluator() {}

    public static Decision decide(RuleSet set, Query q) {
        Decision first = decideOne(set, q, q.path());
        return q.path2() == null ? first : first.severest(decideOne(set, q, q.path2()));
    }

    private static Decision decideOne(RuleSet set, Query q, byte[] path) {
        for (int i = 0; i < set.rules().size(); i++) {
            Rule r = set.rules().get(i);
            if (r.admitsUid(q.uid()) && r.admitsOperation(q.op())
                    && Rule.anyMatches(r.exePaths(), q.exe()) && Rule.anyMatches(r.cmdlines(), q.cmdline())
                    && Rule.anyMatches(r.filePaths(), path))
                return new Decision(i, r.action());
        }
        return Decision.byDefault(set.defaultAction());
    }
}
