package dev.filewall.compile;

import dev.filewall.rules.Action;
import dev.filewall.rules.Glob;
import dev.filewall.rules.LineFormat;
import dev.filewall.rules.Operation;
import dev.filewall.rules.Query;
import dev.filewall.rules.Rule;
import dev.filewall.rules.RuleSet;
import dev.filewall.rules.RuleSetArbitraries;
import dev.filewall.rules.UidRange;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntSupplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/**
 * Random rule sets and queries for the differential tests. Queries are generated as recipes
 * independent of the rule set (which rule, which glob, how to fill its wildcards, how to spoil
 * the result) so that jqwik shrinks rule sets and queries separately.
 */
final class Gen {
    private Gen() {}

    /** A rule set that prints itself in the line form, ready to paste into a regression test. */
    record Rules(RuleSet set) {
        @Override
        public String toString() {
            return "\n" + LineFormat.print(set);
        }
    }

    static final long MAX = UidRange.MAX;
    static final long[] UIDS = {0, 1, 2, 999, 1000, 1001, MAX - 1, MAX};
    static final int[] FILL = {'a', 'b', '/', '.', 0xc3, 0xa9, 0xff, 0, 'c', '*', ']', 'x'};

    static Arbitrary<Glob> glob(boolean absolute) {
        // absolute patterns start with '/' or a wildcard, as the rule files require
        return glob(absolute ? Arbitraries.of("/", "/", "/", "*", "?", "[/a]") : Arbitraries.just(""));
    }

    /** Under a literal first directory: catches fewer queries aimed at other rules. */
    static Arbitrary<Glob> anchoredGlob() {
        return glob(Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.of("/a", "/b", "/é", "/ab", "/a/")),
                Tuple.of(2, Arbitraries.integers().between(0, 999).map(i -> "/d" + i))));
    }

    static Arbitrary<Glob> glob(Arbitrary<String> lead) {
        return Combinators.combine(lead, RuleSetArbitraries.patternText()).as((l, p) -> parse(l + p));
    }

    static Glob parse(String s) {
        try {
            return Glob.parse(s);
        } catch (Glob.SyntaxError e) {
            throw new IllegalStateException(s, e);
        }
    }

    static Arbitrary<UidRange> uid() {
        Arbitrary<UidRange> single = Arbitraries.of(Arrays.stream(UIDS).boxed().toList()).map(u -> new UidRange(u, u));
        Arbitrary<UidRange> range = Combinators.combine(Arbitraries.of(0L, 1L, 5L, 1000L, MAX - 3),
                Arbitraries.of(0L, 1L, 2L, 10L, 5000L, MAX)).as((lo, len) -> new UidRange(lo, Math.min(MAX, lo + len)));
        return Arbitraries.oneOf(single, range);
    }

    /** narrow: every rule names a file path under a literal directory, so later rules get to decide too. */
    static Arbitrary<Rule> rule(int maxGlobs, boolean narrow) {
        Arbitrary<List<UidRange>> uids = Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just(List.of())), Tuple.of(1, uid().list().ofMinSize(1).ofMaxSize(2)));
        Arbitrary<Set<Operation>> ops = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(Set.of())),
                Tuple.of(1, Arbitraries.of(Operation.RULES).set().ofMinSize(1).ofMaxSize(3)));
        Arbitrary<Glob> path = narrow ? anchoredGlob() : Arbitraries.frequencyOf(
                Tuple.of(12, glob(true)), Tuple.of(1, Arbitraries.just(Glob.ANY)));
        Arbitrary<List<Glob>> exes = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(List.of())),
                Tuple.of(1, glob(true).list().ofMinSize(1).ofMaxSize(Math.min(2, maxGlobs))));
        Arbitrary<List<Glob>> cmds = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(List.of())),
                Tuple.of(1, glob(false).list().ofMinSize(1).ofMaxSize(1)));
        return Combinators.combine(uids, exes, cmds, ops, path.list().ofMinSize(narrow ? 1 : 0).ofMaxSize(maxGlobs), Arbitraries.of(Action.class))
                .as((u, e, c, o, f, a) -> new Rule(null, u, e, c, o, f, a, 0));
    }

    static Arbitrary<Rules> rules(int minRules, int maxRules, int maxGlobs, boolean narrow) {
        return Combinators.combine(Arbitraries.of(Action.class), rule(maxGlobs, narrow).list().ofMinSize(minRules).ofMaxSize(maxRules)
                        .withSizeDistribution(RandomDistribution.uniform()))
                .as((d, rs) -> new Rules(new RuleSet(d, rs)));
    }

    /** How to make one string: instantiate a pattern of the rule set, then maybe spoil it. */
    record Str(int glob, List<Integer> fill, int mutation, int pos, int b) {
        byte[] make(List<Glob> pool) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int[] next = {0};
            IntSupplier fillInt = () -> fill.isEmpty() ? 0 : fill.get(next[0]++ % fill.size());
            if (pool.isEmpty()) {
                for (int i = 0; i < fill.size(); i++) out.write(FILL[fillInt.getAsInt() % FILL.length]);
            } else {
                for (Glob.Node n : pool.get(glob % pool.size()).nodes()) {
                    switch (n) {
                        case Glob.Literal(int v) -> out.write(v);
                        case Glob.AnyByte() -> out.write(FILL[fillInt.getAsInt() % FILL.length]);
                        case Glob.ByteClass(BitSet set) -> {
                            int[] members = set.stream().toArray();
                            out.write(members.length == 0 ? 'q' : members[fillInt.getAsInt() % members.length]);
                        }
                        case Glob.Star() -> {
                            for (int k = fillInt.getAsInt() % 3; k > 0; k--) out.write(FILL[fillInt.getAsInt() % FILL.length]);
                        }
                    }
                }
            }
            byte[] s = out.toByteArray();
            int at = s.length == 0 ? 0 : pos % (s.length + 1);
            return switch (mutation) {
                case 1 -> s.length == 0 ? s : set(s, Math.min(at, s.length - 1), b); // a byte changed
                case 2 -> Arrays.copyOf(s, at); // cut short
                case 3 -> concat(s, new byte[] {(byte) b}); // one byte more
                case 4 -> concat(Arrays.copyOf(s, at), new byte[] {(byte) b}, Arrays.copyOfRange(s, at, s.length)); // one inserted
                case 5 -> s.length == 0 ? s : concat(Arrays.copyOf(s, Math.min(at, s.length - 1)),
                        Arrays.copyOfRange(s, Math.min(at, s.length - 1) + 1, s.length)); // one deleted
                default -> s;
            };
        }

        private static byte[] set(byte[] s, int i, int b) {
            byte[] c = s.clone();
            c[i] = (byte) b;
            return c;
        }

        private static byte[] concat(byte[]... parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] p : parts) out.writeBytes(p);
            return out.toByteArray();
        }
    }

    /** keep: the weight of leaving the string as the pattern made it, against 1 for each way to spoil it. */
    static Arbitrary<Str> str(int keep) {
        Arbitrary<Integer> mutation = Arbitraries.frequency(
                Tuple.of(keep, 0), Tuple.of(1, 1), Tuple.of(1, 2),
                Tuple.of(1, 3), Tuple.of(1, 4), Tuple.of(1, 5));
        return Combinators.combine(Arbitraries.integers().between(0, 50), Arbitraries.integers().between(0, 50).list().ofMaxSize(6),
                mutation, Arbitraries.integers().between(0, 50), Arbitraries.of(Arrays.stream(FILL).boxed().toList()))
                .as(Str::new);
    }

    /**
     * A query aimed at rule {@code rule} (taking its patterns, an edge of its uid ranges, an
     * operation it covers) or, when not {@code aimed}, at any patterns and uids of the set.
     * uidPick below UIDS.length takes that uid instead.
     */
    record Q(int rule, boolean aimed, int uidPick, Operation op, Str exe, Str cmd, Str path, Str path2) {
        Query make(RuleSet set) {
            Rule target = aimed && !set.rules().isEmpty() ? set.rules().get(rule % set.rules().size()) : null;
            return new Query(uid(set, target), exe.make(globs(set, target, Field.EXE)), cmd.make(globs(set, target, Field.CMD)),
                    op(target), path.make(globs(set, target, Field.PATH)),
                    path2 == null ? null : path2.make(globs(set, target, Field.PATH)));
        }

        private Operation op(Rule target) {
            if (target == null || target.operations().isEmpty()) return op;
            List<Operation> covered = target.operations().stream().sorted().flatMap(o -> o.covered().stream()).sorted().toList();
            return covered.get(op.ordinal() % covered.size());
        }

        private long uid(RuleSet set, Rule target) {
            List<UidRange> ranges = target != null ? target.uids() : set.rules().stream().flatMap(r -> r.uids().stream()).toList();
            if (uidPick < UIDS.length || ranges.isEmpty()) return UIDS[uidPick % UIDS.length];
            UidRange r = ranges.get(rule % ranges.size());
            long u = switch (uidPick % 4) {
                case 0 -> r.lo() - 1;
                case 1 -> r.lo();
                case 2 -> r.hi();
                default -> r.hi() + 1;
            };
            return Math.max(0, Math.min(MAX, u));
        }

        /** The target's patterns for this field, else the field's patterns in the set, else any field's. */
        private static List<Glob> globs(RuleSet set, Rule target, Field f) {
            if (target != null && !f.globs(target).isEmpty()) return f.globs(target);
            List<Glob> own = new ArrayList<>(), all = new ArrayList<>();
            for (Rule r : set.rules()) {
                own.addAll(f.globs(r));
                for (Field g : Field.values()) all.addAll(g.globs(r));
            }
            return own.isEmpty() ? all : own;
        }
    }

    static Arbitrary<Q> query() {
        Arbitrary<Integer> target = Arbitraries.integers().between(0, 1000).withDistribution(RandomDistribution.uniform());
        return Combinators.combine(target, Arbitraries.of(true, true, false),
                Arbitraries.integers().between(0, 3 * UIDS.length), Arbitraries.of(Operation.RULES), str(20), str(20), str(5),
                str(5).injectNull(0.7)).as(Q::new);
    }
}
