package dev.filewall.compile;

import dev.filewall.rules.Glob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The DFA of one group: rules [first, end) of one string field, over bytes, with byte
 * equivalence classes. State 0 is dead, state 1 the start, the rest numbered breadth-first
 * from the start in byte order, so the same rules always give the same DFA.
 *
 * <p>Built by subset construction over an NFA whose positions are "nodes [0, k) of a glob
 * consumed" (the last position of a glob accepts), over the byte classes the NFA's literals and
 * classes induce. A DFA state is a set of positions, kept as (Z, T): Z the star positions
 * reached so far, which stay forever (a star loops on every byte), and T the other positions
 * that Z's closure does not already hold. With many patterns like {@code /var/*}{@code /x.log}
 * every state shares one large Z, so Z is interned, its steps are computed once, and a state
 * costs only its own T. The DFA a group keeps is then minimised ({@link #minimal()}).
 */
final class Dfa {
    final int first, end;
    /** states the subset construction made, before minimisation: what the state budget bounds */
    final int built;
    final int nstates, nclasses;
    /** byte to class, 256 entries. */
    final int[] classes;
    /** nstates * nclasses next states. */
    final int[] trans;
    /** per state, its match set as (bitset word, mask) pairs, words ascending; empty: none. */
    final int[][] accept;

    private Dfa(int first, int end, int built, int nstates, int nclasses, int[] classes, int[] trans, int[][] accept) {
        this.first = first;
        this.end = end;
        this.built = built;
        this.nstates = nstates;
        this.nclasses = nclasses;
        this.classes = classes;
        this.trans = trans;
        this.accept = accept;
    }

    int firstWord() {
        return first / 32;
    }

    int lastWord() {
        return (end - 1) / 32;
    }

    /**
     * {@code globs.get(i)} are the patterns of rule {@code first + i} for this field, empty when
     * the field was left out. Returns null when the subset construction would make more than
     * {@code limit} states.
     */
    static Dfa build(List<List<Glob>> globs, int first, int limit) {
        try {
            return new Builder(globs, first, limit).run();
        } catch (OverBudget e) {
            return null;
        }
    }

    private static final class OverBudget extends RuntimeException {
        OverBudget() {
            super(null, null, false, false);
        }
    }

    private static final byte LIT = 0, ANY = 1, STAR = 2, CLASS = 3, FINAL = 4;
    private static final int[] NONE = new int[0];

    /** An int[] as a hash key, by content. */
    record Key(int z, int[] a, int hash) {
        Key(int z, int[] a) {
            this(z, a, 31 * z + Arrays.hashCode(a));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && k.z == z && Arrays.equals(k.a, a);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private static final class Builder {
        private final int first, end, budget, firstWord, nwords;
        // the NFA: position p holds node kind[p] of glob globOf[p]; p + 1 is where consuming it leads.
        // arg[p]: the byte class of a literal, or the index of a class node's list of byte classes
        private byte[] kind;
        private int[] arg, globOf;
        private final List<int[]> classLists = new ArrayList<>();
        private final List<int[]> globRules = new ArrayList<>();
        // bytes that no literal or class of the NFA tells apart step alike from every state, so
        // the construction works on these classes (a score or two) rather than on 256 bytes
        private int[] byteClass;
        private int ncls;

        private final List<ZSet> zs = new ArrayList<>();
        private final Map<Key, Integer> zIds = new HashMap<>();
        // per state: its Z, its T (tLen[s] positions from tOff[s] in tPool), the hash of both,
        // its match set. Flat arrays rather than an object per state: a build holds 65,536 states
        // and the garbage collector would spend more time copying them than the build takes.
        private int[] stateZ = new int[1024], tOff = new int[1024], tLen = new int[1024], stateHash = new int[1024];
        private int[] tPool = new int[1 << 14];
        private int tPoolSize;
        private int[][] stateAccept = new int[1024][];
        // open addressing over state ids, -1 empty
        private int[] table = filled(1 << 12, -1);
        private final Map<Key, int[]> acceptSets = new HashMap<>(), splits = new HashMap<>();
        // rows of ncls next states, in pages of 256 rows: growing one huge array costs more than the build
        private int[][] pages = new int[16][];
        private int nstates;

        // a state's steps are still in use when stepping makes a new Z, which needs its own
        private final Buckets stateBuckets, zBuckets;
        // per byte class, a hash of its column of next states (rows 1.. as they are filled; row 0 is zeros)
        private final int[] columnHash;
        private final int[] dense;

        Builder(List<List<Glob>> globs, int first, int budget) {
            this.first = first;
            this.end = first + globs.size();
            this.budget = budget;
            this.firstWord = first / 32;
            this.nwords = (end - 1) / 32 - firstWord + 1;
            this.dense = new int[nwords];
            buildNfa(globs);
            stateBuckets = new Buckets();
            zBuckets = new Buckets();
            columnHash = new int[ncls];
        }

        private void buildNfa(List<List<Glob>> globs) {
            // identical patterns of several rules become one glob that accepts all of them
            Map<List<Glob.Node>, List<Integer>> distinct = new LinkedHashMap<>();
            for (int i = 0; i < globs.size(); i++) {
                List<Glob> gs = globs.get(i).isEmpty() ? List.of(Glob.ANY) : globs.get(i);
                for (Glob g : gs) {
                    List<Integer> rules = distinct.computeIfAbsent(g.nodes(), k -> new ArrayList<>());
                    if (rules.isEmpty() || rules.getLast() != first + i) rules.add(first + i);
                }
            }
            int npos = 0;
            for (List<Glob.Node> nodes : distinct.keySet()) npos += nodes.size() + 1;
            kind = new byte[npos];
            arg = new int[npos];
            globOf = new int[npos];
            Map<BitSet, Integer> classIds = new LinkedHashMap<>();
            boolean[] literal = new boolean[256];
            int p = 0, g = 0;
            for (Map.Entry<List<Glob.Node>, List<Integer>> e : distinct.entrySet()) {
                globRules.add(e.getValue().stream().mapToInt(Integer::intValue).toArray());
                for (Glob.Node n : e.getKey()) {
                    globOf[p] = g;
                    switch (n) {
                        case Glob.Literal(int b) -> {
                            kind[p] = LIT;
                            arg[p] = b;
                            literal[b] = true;
                        }
                        case Glob.AnyByte() -> kind[p] = ANY;
                        case Glob.Star() -> kind[p] = STAR;
                        case Glob.ByteClass(BitSet set) -> {
                            kind[p] = CLASS;
                            arg[p] = classIds.computeIfAbsent(set, x -> classIds.size());
                        }
                    }
                    p++;
                }
                globOf[p] = g;
                kind[p++] = FINAL;
                g++;
            }
            splitBytes(literal, classIds.keySet());
            for (int q = 0; q < npos; q++) if (kind[q] == LIT) arg[q] = byteClass[arg[q]];
            for (BitSet set : classIds.keySet())
                classLists.add(set.stream().map(b -> byteClass[b]).distinct().toArray());
        }

        /** Byte classes: split all bytes by every literal and every class node; ids in order of first byte. */
        private void splitBytes(boolean[] literal, java.util.Collection<BitSet> sets) {
            byteClass = new int[256];
            ncls = 1;
            List<BitSet> splitters = new ArrayList<>(sets);
            for (int b = 0; b < 256; b++) {
                if (!literal[b]) continue;
                BitSet one = new BitSet(256);
                one.set(b);
                splitters.add(one);
            }
            for (BitSet set : splitters) {
                int[] id = filled(2 * ncls, -1), next = new int[256];
                int n = 0;
                for (int b = 0; b < 256; b++) {
                    int key = 2 * byteClass[b] + (set.get(b) ? 1 : 0);
                    if (id[key] < 0) id[key] = n++;
                    next[b] = id[key];
                }
                byteClass = next;
                ncls = n;
            }
        }

        Dfa run() {
            internZ(NONE);
            addState(0, NONE); // dead
            int[] starts = new int[kind.length];
            int n = 0;
            for (int p = 0; p < kind.length; p++) if (p == 0 || kind[p - 1] == FINAL) starts[n++] = p;
            int start = makeState(0, Arrays.copyOf(starts, n));
            assert start == 1;
            for (int s = 1; s < nstates; s++) expand(s);
            return finish();
        }

        /** Fills row s: the successor of state s on every byte class. */
        private void expand(int s) {
            ZSet z = zs.get(stateZ[s]);
            stateBuckets.clear();
            for (int i = tOff[s]; i < tOff[s] + tLen[s]; i++) stateBuckets.addSteps(tPool[i]);
            int[] rows = pages[s >> 8];
            int row = (s & 255) * ncls;
            int lastK = -1, lastTarget = 0;
            int[] last = null;
            for (int b = 0; b < ncls; b++) {
                int k = z.split[b];
                int n = stateBuckets.count[b];
                if (n == 0) {
                    int target = z.emptyTarget[k];
                    if (target < 0) target = z.emptyTarget[k] = step(z, k, NONE);
                    rows[row + b] = target;
                } else {
                    // byte classes of one class node ([!.], ?) come in runs with the same steps
                    int[] steps = stateBuckets.buf[b];
                    if (k != lastK || !sameSteps(steps, n, last)) {
                        last = Arrays.copyOf(steps, n);
                        lastK = k;
                        lastTarget = step(z, k, last);
                    }
                    rows[row + b] = lastTarget;
                }
                columnHash[b] = 31 * columnHash[b] + rows[row + b];
            }
        }

        /** A plain loop: the lists are mostly one or two long, too short for Arrays.equals to pay. */
        private static boolean sameSteps(int[] steps, int n, int[] last) {
            if (n != last.length) return false;
            for (int i = 0; i < n; i++) if (steps[i] != last[i]) return false;
            return true;
        }

        /** The state reached from (z, T) on a byte of z's class k, whose steps from T are tSteps. */
        private int step(ZSet z, int k, int[] tSteps) {
            int nz = z.nextZ(k);
            int[] fromZ = z.clean[k];
            int[] newStars = starsNotIn(tSteps, zs.get(nz).stars);
            if (newStars.length > 0) {
                nz = internZ(mergeUnique(zs.get(nz).stars, closeStars(newStars)));
                fromZ = minus(fromZ, zs.get(nz).cz);
            }
            return stateOf(nz, mergeUnique(fromZ, minus(nonStars(tSteps), zs.get(nz).cz)));
        }

        /** The state holding exactly the positions in {@code ps} (any order) and their closure. */
        private int makeState(int z0, int[] ps) {
            int z = z0;
            int[] stars = starsNotIn(ps, zs.get(z).stars);
            if (stars.length > 0) z = internZ(mergeUnique(zs.get(z).stars, closeStars(stars)));
            int[] t = nonStars(ps);
            Arrays.sort(t);
            return stateOf(z, minus(dedupe(t), zs.get(z).cz));
        }

        private int stateOf(int z, int[] t) {
            if (z == 0 && t.length == 0) return 0;
            int h = 31 * z + Arrays.hashCode(t);
            int mask = table.length - 1;
            int i = mix(h) & mask;
            for (int id; (id = table[i]) >= 0; i = (i + 1) & mask) {
                if (stateHash[id] == h && stateZ[id] == z
                        && Arrays.equals(tPool, tOff[id], tOff[id] + tLen[id], t, 0, t.length)) return id;
            }
            if (nstates >= budget) throw new OverBudget();
            int id = addState(z, t);
            stateHash[id] = h;
            table[i] = id;
            if (2 * nstates > table.length) rehash();
            return id;
        }

        private void rehash() {
            table = filled(2 * table.length, -1);
            int mask = table.length - 1;
            for (int id = 1; id < nstates; id++) {
                int i = mix(stateHash[id]) & mask;
                while (table[i] >= 0) i = (i + 1) & mask;
                table[i] = id;
            }
        }

        private int addState(int z, int[] t) {
            int id = nstates++;
            if (id == stateZ.length) {
                stateZ = Arrays.copyOf(stateZ, 2 * id);
                tOff = Arrays.copyOf(tOff, 2 * id);
                tLen = Arrays.copyOf(tLen, 2 * id);
                stateHash = Arrays.copyOf(stateHash, 2 * id);
                stateAccept = Arrays.copyOf(stateAccept, 2 * id);
            }
            if ((id & 255) == 0) {
                if (id >> 8 == pages.length) pages = Arrays.copyOf(pages, 2 * pages.length);
                pages[id >> 8] = new int[256 * ncls];
            }
            while (tPoolSize + t.length > tPool.length) tPool = Arrays.copyOf(tPool, 2 * tPool.length);
            System.arraycopy(t, 0, tPool, tPoolSize, t.length);
            tOff[id] = tPoolSize;
            tLen[id] = t.length;
            tPoolSize += t.length;
            stateZ[id] = z;
            stateAccept[id] = acceptOf(zs.get(z), t);
            return id;
        }

        private int[] acceptOf(ZSet z, int[] t) {
            boolean anyFinal = false;
            for (int p : t) anyFinal |= kind[p] == FINAL;
            if (!anyFinal) return z.accept;
            Arrays.fill(dense, 0);
            for (int p : z.cz) if (kind[p] == FINAL) setRules(globOf[p]);
            for (int p : t) if (kind[p] == FINAL) setRules(globOf[p]);
            return pairs();
        }

        private void setRules(int glob) {
            for (int r : globRules.get(glob)) dense[r / 32 - firstWord] |= 1 << (r % 32);
        }

        /** {@link #dense} as interned (word, mask) pairs. */
        private int[] pairs() {
            int n = 0;
            for (int w : dense) if (w != 0) n++;
            if (n == 0) return NONE;
            int[] out = new int[2 * n];
            int j = 0;
            for (int i = 0; i < nwords; i++) {
                if (dense[i] == 0) continue;
                out[j++] = firstWord + i;
                out[j++] = dense[i];
            }
            return acceptSets.computeIfAbsent(new Key(0, out), k -> k.a());
        }

        private int internZ(int[] stars) {
            Key key = new Key(0, stars);
            Integer id = zIds.get(key);
            if (id != null) return id;
            zs.add(new ZSet(zs.size(), stars));
            zIds.put(key, zs.size() - 1);
            return zs.size() - 1;
        }

        /** A star with every star right after it (consecutive stars are one: skipping one reaches the next). */
        private int[] closeStars(int[] stars) {
            int[] out = new int[stars.length];
            int n = 0;
            for (int s : stars) {
                for (int p = s; kind[p] == STAR; p++) {
                    if (n == out.length) out = Arrays.copyOf(out, 2 * n + 1);
                    out[n++] = p;
                }
            }
            out = Arrays.copyOf(out, n);
            Arrays.sort(out);
            return dedupe(out);
        }

        private int[] starsNotIn(int[] ps, int[] sortedStars) {
            int n = 0;
            int[] out = null;
            for (int p : ps) {
                if (kind[p] != STAR || Arrays.binarySearch(sortedStars, p) >= 0) continue;
                if (out == null) out = new int[ps.length];
                out[n++] = p;
            }
            return out == null ? NONE : Arrays.copyOf(out, n);
        }

        /** The non-star positions of ps, in their order. */
        private int[] nonStars(int[] ps) {
            int n = 0;
            for (int p : ps) if (kind[p] != STAR) n++;
            if (n == ps.length) return ps;
            int[] out = new int[n];
            n = 0;
            for (int p : ps) if (kind[p] != STAR) out[n++] = p;
            return out;
        }

        private Dfa finish() {
            // byte classes whose columns agree in every state merge; ids stay in order of first byte.
            // Group by a hash of each column, then check row by row (columns are strided)
            int[] merged = new int[ncls], rep = new int[ncls];
            int nclasses = 0;
            for (int b = 0; b < ncls; b++) {
                int c = 0;
                while (c < nclasses && columnHash[rep[c]] != columnHash[b]) c++;
                if (c == nclasses) rep[nclasses++] = b;
                merged[b] = c;
            }
            if (!mergesHold(merged, rep)) {
                // a hash collision: fall back to comparing whole columns
                nclasses = 0;
                for (int b = 0; b < ncls; b++) {
                    int c = 0;
                    while (c < nclasses && !sameColumn(rep[c], b)) c++;
                    if (c == nclasses) rep[nclasses++] = b;
                    merged[b] = c;
                }
            }
            int[] classes = new int[256];
            for (int b = 0; b < 256; b++) classes[b] = merged[byteClass[b]];
            int[] trans = new int[nstates * nclasses];
            for (int s = 0; s < nstates; s++) {
                int[] rows = pages[s >> 8];
                int row = (s & 255) * ncls;
                for (int c = 0; c < nclasses; c++) trans[s * nclasses + c] = rows[row + rep[c]];
            }
            return new Dfa(first, end, nstates, nstates, nclasses, classes, trans, Arrays.copyOf(stateAccept, nstates));
        }

        private boolean mergesHold(int[] merged, int[] rep) {
            for (int s = 0; s < nstates; s++) {
                int[] rows = pages[s >> 8];
                int row = (s & 255) * ncls;
                for (int b = 0; b < ncls; b++) if (rows[row + b] != rows[row + rep[merged[b]]]) return false;
            }
            return true;
        }

        private boolean sameColumn(int b1, int b2) {
            for (int s = 0; s < nstates; s++) {
                int[] rows = pages[s >> 8];
                int row = (s & 255) * ncls;
                if (rows[row + b1] != rows[row + b2]) return false;
            }
            return true;
        }

        /** A closed set of star positions, with what its closure does on each byte class. */
        private final class ZSet {
            final int id;
            final int[] stars;
            /** the stars and the non-star positions right after them: the closure of the stars */
            final int[] cz;
            /** byte class to k, the index of what cz steps to on it; shared between Z that split alike */
            final int[] split;
            /** per k: the positions cz's non-stars step to */
            final int[][] succ;
            /** per k, filled lazily: the Z after the step, succ's non-stars outside its closure, and the
             *  state reached when T steps nowhere on the byte (most bytes of most states) */
            final int[] next;
            final int[][] clean;
            final int[] emptyTarget;
            final int[] accept;

            ZSet(int id, int[] stars) {
                this.id = id;
                this.stars = stars;
                int[] c = new int[2 * stars.length];
                int n = 0;
                for (int s : stars) {
                    c[n++] = s;
                    if (kind[s + 1] != STAR) c[n++] = s + 1;
                }
                cz = Arrays.copyOf(c, n);
                zBuckets.clear();
                for (int p : cz) if (kind[p] != STAR) zBuckets.addSteps(p);
                // class 0: the bytes nothing in cz steps over; few Z have more than a handful of classes
                List<int[]> distinct = new ArrayList<>(List.of(NONE));
                int[] cls = new int[ncls];
                for (int b = 0; b < ncls; b++) {
                    int len = zBuckets.count[b];
                    if (len == 0) continue;
                    int k = 1;
                    while (k < distinct.size() && !Arrays.equals(distinct.get(k), 0, distinct.get(k).length, zBuckets.buf[b], 0, len)) k++;
                    if (k == distinct.size()) distinct.add(Arrays.copyOf(zBuckets.buf[b], len));
                    cls[b] = k;
                }
                split = splits.computeIfAbsent(new Key(0, cls), Key::a);
                succ = distinct.toArray(new int[0][]);
                next = new int[succ.length];
                Arrays.fill(next, -1);
                clean = new int[succ.length][];
                emptyTarget = new int[succ.length];
                Arrays.fill(emptyTarget, -1);
                Arrays.fill(dense, 0);
                for (int p : cz) if (kind[p] == FINAL) setRules(globOf[p]);
                accept = pairs();
            }

            int nextZ(int k) {
                if (next[k] < 0) {
                    int[] newStars = starsNotIn(succ[k], stars);
                    next[k] = newStars.length == 0 ? id
                            : internZ(mergeUnique(stars, closeStars(newStars)));
                    clean[k] = minus(nonStars(succ[k]), zs.get(next[k]).cz);
                }
                return next[k];
            }
        }

        /** Collects, per byte class, the positions that stepping over it leads to; ascending when fed ascending. */
        private final class Buckets {
            final int[][] buf = new int[ncls][];
            final int[] count = new int[ncls];
            private final int[] touched = new int[ncls];
            private int ntouched;

            void clear() {
                for (int i = 0; i < ntouched; i++) count[touched[i]] = 0;
                ntouched = 0;
            }

            void addSteps(int p) {
                switch (kind[p]) {
                    case LIT -> add(arg[p], p + 1);
                    case ANY -> {
                        for (int b = 0; b < ncls; b++) add(b, p + 1);
                    }
                    case CLASS -> {
                        for (int b : classLists.get(arg[p])) add(b, p + 1);
                    }
                    default -> {}
                }
            }

            private void add(int b, int q) {
                if (count[b] == 0) touched[ntouched++] = b;
                if (buf[b] == null) buf[b] = new int[8];
                else if (count[b] == buf[b].length) buf[b] = Arrays.copyOf(buf[b], 2 * count[b]);
                buf[b][count[b]++] = q;
            }
        }
    }

    /** This DFA minimised; done only for the DFA a group keeps, not for every trial of the group search. */
    Dfa minimal() {
        return minimal(first, end, nstates, nclasses, classes, trans, accept);
    }

    /**
     * The minimal DFA equivalent to the given one: states with the same match set whose
     * successors are equivalent merge. Subset construction leaves such states where several
     * star positions lead to the same future (a third of the states of {@code /a/*}{@code /logs/*.log}).
     * Numbered again breadth-first from the start, classes again by first byte, so the result
     * depends only on the language, not on the order of the steps below.
     */
    private static Dfa minimal(int first, int end, int n, int k, int[] classes, int[] trans, int[][] accept) {
        int[] block = new int[n];
        int nblocks = hopcroft(n, k, trans, accept, block);
        if (nblocks == n) return new Dfa(first, end, n, n, k, classes, trans, accept);
        int[] id = filled(nblocks, -1), rep = new int[Math.max(nblocks, 2)];
        id[block[0]] = 0;
        int m = 2;
        // rep[1] = 0 when no rule of the group can match anything (a class with no byte): the
        // start then is a copy of the dead state, as the table wants states 0 and 1 apart
        if (block[1] != block[0]) {
            id[block[1]] = 1;
            rep[1] = 1;
            for (int q = 1; q < m; q++) {
                for (int c = 0; c < k; c++) {
                    int b = block[trans[rep[q] * k + c]];
                    if (id[b] < 0) {
                        id[b] = m;
                        rep[m++] = trans[rep[q] * k + c];
                    }
                }
            }
        }
        int[] t = new int[m * k];
        int[][] acc = new int[m][];
        for (int q = 0; q < m; q++) {
            acc[q] = accept[rep[q]];
            for (int c = 0; c < k; c++) t[q * k + c] = id[block[trans[rep[q] * k + c]]];
        }
        // classes whose columns became equal merge
        int[] newClass = new int[k], colRep = new int[k];
        int nk = 0;
        for (int c = 0; c < k; c++) {
            int d = 0;
            while (d < nk && !sameColumn(t, m, k, colRep[d], c)) d++;
            if (d == nk) colRep[nk++] = c;
            newClass[c] = d;
        }
        int[] cls = new int[256];
        for (int b = 0; b < 256; b++) cls[b] = newClass[classes[b]];
        int[] t2 = new int[m * nk];
        for (int q = 0; q < m; q++) for (int d = 0; d < nk; d++) t2[q * nk + d] = t[q * k + colRep[d]];
        return new Dfa(first, end, n, m, nk, cls, t2, acc);
    }

    private static boolean sameColumn(int[] t, int n, int k, int c1, int c2) {
        for (int q = 0; q < n; q++) if (t[q * k + c1] != t[q * k + c2]) return false;
        return true;
    }

    /**
     * Hopcroft's partition refinement; fills block[state] and returns the number of blocks.
     * Blocks are contiguous runs of {@code elems}; a split moves the marked states to the front
     * of their run and makes them a block of their own.
     */
    private static int hopcroft(int n, int k, int[] trans, int[][] accept, int[] block) {
        // first partition: by match set (the arrays are interned, one per distinct set)
        Map<int[], Integer> bySet = new java.util.IdentityHashMap<>();
        int nb = 0;
        int[] size = new int[n + 1];
        for (int s = 0; s < n; s++) {
            Integer b = bySet.get(accept[s]);
            if (b == null) bySet.put(accept[s], b = nb++);
            block[s] = b;
            size[b]++;
        }
        int[] start = new int[n + 1], stop = new int[n + 1], marked = new int[n + 1];
        int[] elems = new int[n], loc = new int[n];
        for (int b = 1; b < nb; b++) start[b] = start[b - 1] + size[b - 1];
        System.arraycopy(start, 0, stop, 0, nb);
        for (int s = 0; s < n; s++) {
            elems[stop[block[s]]] = s;
            loc[s] = stop[block[s]]++;
        }
        // predecessors: inv[invStart[c * n + t] .. invStart[c * n + t + 1]) step to t on class c
        int[] invStart = new int[k * n + 1], inv = new int[k * n];
        for (int s = 0; s < n; s++) for (int c = 0; c < k; c++) invStart[c * n + trans[s * k + c] + 1]++;
        for (int i = 0; i < k * n; i++) invStart[i + 1] += invStart[i];
        int[] fill = Arrays.copyOf(invStart, k * n);
        for (int s = 0; s < n; s++) for (int c = 0; c < k; c++) inv[fill[c * n + trans[s * k + c]]++] = s;

        int[] work = new int[n + 1];
        boolean[] inWork = new boolean[n + 1];
        int nwork = 0;
        for (int b = 0; b < nb; b++) {
            work[nwork++] = b;
            inWork[b] = true;
        }
        int[] touched = new int[n + 1], splitter = new int[n];
        while (nwork > 0) {
            int a = work[--nwork];
            inWork[a] = false;
            int len = stop[a] - start[a];
            System.arraycopy(elems, start[a], splitter, 0, len);
            for (int c = 0; c < k; c++) {
                int ntouched = 0;
                for (int i = 0; i < len; i++) {
                    int t = splitter[i];
                    for (int j = invStart[c * n + t]; j < invStart[c * n + t + 1]; j++) {
                        int s = inv[j], y = block[s];
                        if (loc[s] < start[y] + marked[y]) continue; // already marked
                        if (marked[y] == 0) touched[ntouched++] = y;
                        int to = start[y] + marked[y]++, other = elems[to];
                        elems[loc[s]] = other;
                        loc[other] = loc[s];
                        elems[to] = s;
                        loc[s] = to;
                    }
                }
                for (int i = 0; i < ntouched; i++) {
                    int y = touched[i], m = marked[y];
                    marked[y] = 0;
                    if (m == stop[y] - start[y]) continue;
                    int z = nb++;
                    start[z] = start[y];
                    stop[z] = start[y] + m;
                    start[y] += m;
                    for (int j = start[z]; j < stop[z]; j++) block[elems[j]] = z;
                    if (inWork[y] || m <= stop[y] - start[y]) {
                        work[nwork++] = z;
                        inWork[z] = true;
                    } else {
                        work[nwork++] = y;
                        inWork[y] = true;
                    }
                }
            }
        }
        return nb;
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }

    private static int mix(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    // sorted-set helpers on ascending int arrays

    private static int[] dedupe(int[] sorted) {
        int n = 0;
        for (int i = 0; i < sorted.length; i++) if (i == 0 || sorted[i] != sorted[i - 1]) sorted[n++] = sorted[i];
        return n == sorted.length ? sorted : Arrays.copyOf(sorted, n);
    }

    private static int[] mergeUnique(int[] a, int[] b) {
        if (b.length == 0) return a;
        if (a.length == 0) return b;
        int[] out = new int[a.length + b.length];
        int i = 0, j = 0, n = 0;
        while (i < a.length || j < b.length) {
            int v;
            if (j == b.length || (i < a.length && a[i] < b[j])) v = a[i++];
            else if (i == a.length || b[j] < a[i]) v = b[j++];
            else {
                v = a[i++];
                j++;
            }
            out[n++] = v;
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** a without the elements of b; both ascending. */
    private static int[] minus(int[] a, int[] b) {
        if (a.length == 0 || b.length == 0) return a;
        int[] out = null;
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            boolean drop = Arrays.binarySearch(b, a[i]) >= 0;
            if (drop && out == null) {
                out = new int[a.length];
                System.arraycopy(a, 0, out, 0, i);
                n = i;
            } else if (!drop && out != null) out[n++] = a[i];
        }
        return out == null ? a : Arrays.copyOf(out, n);
    }
}
