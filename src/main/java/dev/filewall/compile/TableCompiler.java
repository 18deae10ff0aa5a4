package dev.filewall.compile;

import static dev.filewall.compile.Table.*;

import dev.filewall.rules.Glob;
import dev.filewall.rules.Limits;
import dev.filewall.rules.Operation;
import dev.filewall.rules.Rule;
import dev.filewall.rules.RuleSet;
import dev.filewall.rules.UidRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Compiles a rule set into the table of docs/table.md. Deterministic: equal rule sets give equal words. */
public final class TableCompiler {
    private TableCompiler() {}

    public static final int DEFAULT_STATE_BUDGET = 65_536;
    /**
     * Words in one table, 2^24 (64 MiB): far above what realistic rule sets need (10,000 rules
     * take a few MiB) while keeping the kernel's two preallocated slots bounded.
     */
    public static final int DEFAULT_MAX_WORDS = 1 << 24;

    /**
     * stateBudget: most states the subset construction may make for one group (dead state
     * included); the group's DFA in the table, minimised, has at most as many.
     * maxWords: most words of the table.
     */
    public record Options(int stateBudget, int maxWords) {
        public static final Options DEFAULT = new Options(DEFAULT_STATE_BUDGET, DEFAULT_MAX_WORDS);

        public Options {
            // past 2^22 states of 256 classes the int indexes of transition arrays would overflow
            if (stateBudget < 2 || stateBudget > 1 << 22)
                throw new IllegalArgumentException("state budget " + stateBudget + " outside 2-" + (1 << 22));
            if (maxWords < HDR_WORDS) throw new IllegalArgumentException("word limit " + maxWords);
        }

        public Options withStateBudget(int budget) {
            return new Options(budget, maxWords);
        }

        public Options withMaxWords(int words) {
            return new Options(stateBudget, words);
        }
    }

    public static Table compile(RuleSet rules, int generation) throws TableException {
        return compile(rules, generation, Options.DEFAULT);
    }

    public static Table compile(RuleSet set, int generation, Options opts) throws TableException {
        List<Rule> rules = set.rules();
        int nrules = rules.size();
        if (nrules > Limits.RULES_MAX)
            throw new TableException(nrules + " rules, at most " + Limits.RULES_MAX + " in one table");
        int nwords = (nrules + 31) / 32;
        UidTable uid = uidTable(rules, nwords, opts);
        List<List<Dfa>> groups = new ArrayList<>();
        long dfaWords = 0;
        for (Field f : Field.values()) {
            groups.add(groups(rules, f, opts.stateBudget()));
            for (Dfa d : groups.getLast()) dfaWords += 256 + (long) d.nstates * (d.nclasses + 1);
            checkSize(dfaWords, opts);
        }

        // sizes first, so that an oversized table fails before anything big is allocated
        long off = HDR_WORDS;
        int actionsOff = (int) off;
        off += nrules;
        int boundsOff = (int) off;
        off += uid.bounds.length;
        int uoOff = (int) off;
        off += (long) uid.bounds.length * NOPS * nwords;
        int[] groupsOff = new int[NFIELDS];
        for (int f = 0; f < NFIELDS; f++) {
            groupsOff[f] = (int) off;
            off += (long) groups.get(f).size() * GRP_WORDS;
        }
        for (List<Dfa> gs : groups) for (Dfa d : gs) off += 256 + (long) d.nstates * d.nclasses + d.nstates;
        // match sets, de-duplicated across groups and fields, in order of first use
        Map<Dfa.Key, Integer> setOffsets = new HashMap<>();
        List<int[]> sets = new ArrayList<>();
        for (List<Dfa> gs : groups) {
            for (Dfa d : gs) {
                for (int[] pairs : d.accept) {
                    if (pairs.length == 0 || off > opts.maxWords()) continue;
                    if (setOffsets.putIfAbsent(new Dfa.Key(0, pairs), (int) off) == null) {
                        sets.add(pairs);
                        off += 1 + pairs.length;
                    }
                }
            }
        }
        checkSize(off, opts);

        int[] w = new int[(int) off];
        w[HDR_MAGIC] = MAGIC;
        w[HDR_GENERATION] = generation;
        w[HDR_NRULES] = nrules;
        w[HDR_NWORDS] = nwords;
        w[HDR_DEFAULT_ACTION] = set.defaultAction().ordinal();
        w[HDR_ACTIONS_OFF] = actionsOff;
        w[HDR_UID_NBOUNDS] = uid.bounds.length;
        w[HDR_UID_BOUNDS_OFF] = boundsOff;
        w[HDR_UO_OFF] = uoOff;
        for (int r = 0; r < nrules; r++) w[actionsOff + r] = rules.get(r).action().ordinal();
        for (int i = 0; i < uid.bounds.length; i++) {
            w[boundsOff + i] = (int) uid.bounds[i];
            System.arraycopy(uid.rows.get(i), 0, w, uoOff + i * NOPS * nwords, NOPS * nwords);
            for (int op = 0; op < NOPS; op++)
                for (int k = 0; k < nwords; k++) if (uid.rows.get(i)[op * nwords + k] != 0) w[HDR_OP_MASK] |= 1 << op;
        }
        int data = groupsOff[NFIELDS - 1] + groups.get(NFIELDS - 1).size() * GRP_WORDS;
        List<List<GroupStats>> stats = new ArrayList<>();
        for (int f = 0; f < NFIELDS; f++) {
            w[HDR_NGROUPS + f] = groups.get(f).size();
            w[HDR_GROUPS_OFF + f] = groupsOff[f];
            List<GroupStats> fieldStats = new ArrayList<>();
            for (int g = 0; g < groups.get(f).size(); g++) {
                Dfa d = groups.get(f).get(g);
                int hdr = groupsOff[f] + g * GRP_WORDS;
                w[hdr + GRP_CLASSES_OFF] = data;
                w[hdr + GRP_NCLASSES] = d.nclasses;
                w[hdr + GRP_TRANS_OFF] = data + 256;
                w[hdr + GRP_NSTATES] = d.nstates;
                w[hdr + GRP_ACCEPT_OFF] = data + 256 + d.nstates * d.nclasses;
                w[hdr + GRP_FIRST_WORD] = d.firstWord();
                w[hdr + GRP_LAST_WORD] = d.lastWord();
                System.arraycopy(d.classes, 0, w, data, 256);
                System.arraycopy(d.trans, 0, w, data + 256, d.trans.length);
                int accept = data + 256 + d.trans.length;
                for (int s = 0; s < d.nstates; s++)
                    w[accept + s] = d.accept[s].length == 0 ? 0 : setOffsets.get(new Dfa.Key(0, d.accept[s]));
                data = accept + d.nstates;
                fieldStats.add(new GroupStats(d.first, d.end, d.built, d.nstates, d.nclasses));
            }
            stats.add(List.copyOf(fieldStats));
        }
        for (int[] pairs : sets) {
            w[data] = pairs.length / 2;
            System.arraycopy(pairs, 0, w, data + 1, pairs.length);
            data += 1 + pairs.length;
        }
        assert data == w.length;
        return new Table(w, new Stats(nrules, uid.bounds.length, List.copyOf(stats), sets.size(), w.length));
    }

    /**
     * Splits the rules into groups of consecutive rules whose DFA for field f fits the budget:
     * each group is as long as it can be, so it ends right before the rule that broke the budget.
     */
    private static List<Dfa> groups(List<Rule> rules, Field f, int budget) throws TableException {
        List<List<Glob>> globs = rules.stream().map(f::globs).toList();
        List<Dfa> out = new ArrayList<>();
        int n = rules.size();
        for (int a = 0; a < n; ) {
            if (out.size() == MAX_GROUPS)
                throw new TableException(f.key + ": the rules need more than " + MAX_GROUPS + " DFAs of at most "
                        + budget + " states; the budget of the last one ran out at " + where(rules, a)
                        + ". Patterns with '*' in the middle multiply states; raise the state budget or simplify them");
            Dfa best = Dfa.build(globs.subList(a, a + 1), a, budget);
            if (best == null)
                throw new TableException(f.key + ": " + where(rules, a) + " alone needs more than " + budget
                        + " DFA states; simplify its patterns ('*' followed by '?' or classes multiply states)"
                        + " or raise the state budget");
            // States never decrease when a rule is added, so this searches the last end that fits.
            // Every try is a build, so guess where the budget runs out from the sizes seen so far:
            // grow at most 4 times until a try overflows, then interpolate between the bracket's ends
            // (an overflowing try may run an eighth past the budget to learn its size), bisecting
            // whenever a guess fails to halve the bracket.
            int lo = a + 1, hi = n + 1; // [a, lo) fits; [a, hi) does not, n + 1: not known yet
            long sLo = best.built, sHi = -1, sPrev = 0;
            int prevLo = a, lastWidth = Integer.MAX_VALUE;
            boolean bisect = false;
            while (lo < n && hi - lo > 1) {
                long guess;
                if (hi > n) {
                    double slope = Math.max(1e-9, (double) (sLo - sPrev) / (lo - prevLo));
                    guess = Math.min(a + 4L * (lo - a), lo + (long) ((budget - sLo) / slope));
                } else if (sHi > 0 && !bisect) {
                    guess = lo + (budget - sLo) * (hi - lo) / (sHi - sLo);
                } else {
                    guess = (lo + hi) >>> 1;
                }
                int b = (int) Math.max(lo + 1, Math.min(guess, Math.min(n, hi - 1)));
                Dfa d = Dfa.build(globs.subList(a, b), a, budget + budget / 8);
                if (d != null && d.built <= budget) {
                    prevLo = lo;
                    sPrev = sLo;
                    lo = b;
                    sLo = d.built;
                    best = d;
                } else {
                    hi = b;
                    sHi = d == null ? -1 : d.built;
                }
                if (hi <= n) {
                    bisect = hi - lo > lastWidth / 2;
                    lastWidth = hi - lo;
                }
            }
            out.add(best.minimal());
            a = lo;
        }
        return out;
    }

    private static void checkSize(long words, Options opts) throws TableException {
        if (words > opts.maxWords())
            throw new TableException("the table needs more than " + opts.maxWords() + " words ("
                    + 4L * opts.maxWords() / (1 << 20) + " MiB), the limit: fewer rules, fewer distinct uid ranges"
                    + " or simpler patterns shrink it");
    }

    private static String where(List<Rule> rules, int i) {
        int line = rules.get(i).line();
        return "rule " + i + (line > 0 ? " (line " + line + ")" : "");
    }

    /** Interval lower bounds, and per interval the uo rows: NOPS dense bitsets of nwords each. */
    private record UidTable(long[] bounds, List<int[]> rows) {}

    private static UidTable uidTable(List<Rule> rules, int nwords, Options opts) throws TableException {
        int n = rules.size();
        int[][] opBits = new int[NOPS][nwords];
        for (Operation op : Operation.RULES)
            for (int r = 0; r < n; r++) if (rules.get(r).admitsOperation(op)) opBits[op.ordinal()][r / 32] |= 1 << (r % 32);
        // sweep the uid line: event = (position << 15) | (1 << 14 if a range starts there) | rule
        int[] uidBits = new int[nwords];
        int[] open = new int[n]; // ranges of rule r containing the current position
        List<Long> events = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            if (rules.get(r).uids().isEmpty()) uidBits[r / 32] |= 1 << (r % 32);
            for (UidRange u : rules.get(r).uids()) {
                events.add(u.lo() << 15 | 1 << 14 | r);
                if (u.hi() < UidRange.MAX) events.add((u.hi() + 1) << 15 | r);
            }
        }
        long[] ev = events.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(ev);
        List<Long> bounds = new ArrayList<>();
        List<int[]> rows = new ArrayList<>();
        int i = 0;
        do {
            long pos = bounds.isEmpty() ? 0 : ev[i] >>> 15; // the first interval starts at 0
            for (; i < ev.length && ev[i] >>> 15 == pos; i++) {
                int r = (int) (ev[i] & 0x3fff);
                open[r] += (ev[i] & 1 << 14) != 0 ? 1 : -1;
                if (open[r] > 0) uidBits[r / 32] |= 1 << (r % 32);
                else uidBits[r / 32] &= ~(1 << (r % 32));
            }
            int[] row = new int[NOPS * nwords];
            for (int op = 0; op < NOPS; op++)
                for (int k = 0; k < nwords; k++) row[op * nwords + k] = uidBits[k] & opBits[op][k];
            // an interval that admits the same rules as the one before it is no interval of its own
            if (rows.isEmpty() || !Arrays.equals(row, rows.getLast())) {
                bounds.add(pos);
                rows.add(row);
                checkSize((long) rows.size() * NOPS * nwords, opts);
            }
        } while (i < ev.length);
        return new UidTable(bounds.stream().mapToLong(Long::longValue).toArray(), rows);
    }
}
