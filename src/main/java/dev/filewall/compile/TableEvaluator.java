package dev.filewall.compile;

import static dev.filewall.compile.Table.*;

import dev.filewall.rules.Action;
import dev.filewall.rules.Decision;
import dev.filewall.rules.Operation;
import dev.filewall.rules.Query;

/**
 * The decision of docs/table.md, read from the words alone, step by step as the kernel takes
 * it: a second implementation that pins down what bpf/eval.h must do, and lets the compiler be
 * tested against {@link dev.filewall.rules.ReferenceEvaluator} without a kernel.
 */
public final class TableEvaluator {
    private final int[] w;
    private final int nwords;

    public TableEvaluator(Table table) {
        this(table.words);
    }

    public TableEvaluator(int[] words) {
        if (words.length < HDR_WORDS || words[HDR_MAGIC] != MAGIC)
            throw new IllegalArgumentException("not a filewall table: bad magic");
        this.w = words;
        this.nwords = words[HDR_NWORDS];
    }

    public int generation() {
        return w[HDR_GENERATION];
    }

    public Decision decide(Query q) {
        int[] subject = subject(q.exe(), q.cmdline());
        Decision first = decide1(q.uid(), q.op(), subject, q.path());
        return q.path2() == null ? first : first.severest(decide1(q.uid(), q.op(), subject, q.path2()));
    }

    /** The rules whose exe and cmdline patterns admit the process: computed once per exec in the kernel. */
    public int[] subject(byte[] exe, byte[] cmdline) {
        int[] s = fieldUnion(Field.EXE, exe);
        int[] c = fieldUnion(Field.CMD, cmdline);
        for (int i = 0; i < nwords; i++) s[i] &= c[i];
        return s;
    }

    private int[] fieldUnion(Field f, byte[] str) {
        int[] set = new int[nwords];
        for (int g = 0; g < w[HDR_NGROUPS + f.ordinal()]; g++) {
            int m = w[walk(f, g, str)];
            int n = m == 0 ? 0 : w[m];
            for (int k = 0; k < n; k++) set[w[m + 1 + 2 * k]] |= w[m + 2 + 2 * k];
        }
        return set;
    }

    /** One path: the first group, in rule order, whose match set meets the subject and the (uid, op) set. */
    public Decision decide1(long uid, Operation op, int[] subject, byte[] path) {
        int bounds = w[HDR_UID_BOUNDS_OFF];
        int i = 0;
        while (i + 1 < w[HDR_UID_NBOUNDS] && Integer.compareUnsigned(w[bounds + i + 1], (int) uid) <= 0) i++;
        int u = w[HDR_UO_OFF] + (i * NOPS + op.ordinal()) * nwords;
        for (int g = 0; g < w[HDR_NGROUPS + Field.PATH.ordinal()]; g++) {
            int m = w[walk(Field.PATH, g, path)];
            int n = m == 0 ? 0 : w[m];
            for (int k = 0; k < n; k++) {
                int word = w[m + 1 + 2 * k];
                int hit = w[m + 2 + 2 * k] & subject[word] & w[u + word];
                if (hit != 0) {
                    int r = 32 * word + Integer.numberOfTrailingZeros(hit);
                    return new Decision(r, Action.values()[w[w[HDR_ACTIONS_OFF] + r]]);
                }
            }
        }
        return Decision.byDefault(Action.values()[w[HDR_DEFAULT_ACTION]]);
    }

    /** Walks group g of field f over s; returns the index of the accept word of the state it ends in. */
    private int walk(Field f, int g, byte[] s) {
        int grp = w[HDR_GROUPS_OFF + f.ordinal()] + g * GRP_WORDS;
        int classes = w[grp + GRP_CLASSES_OFF], nclasses = w[grp + GRP_NCLASSES], trans = w[grp + GRP_TRANS_OFF];
        int st = 1;
        for (int i = 0; i < s.length && st != 0; i++) st = w[trans + st * nclasses + w[classes + (s[i] & 0xff)]];
        return w[grp + GRP_ACCEPT_OFF] + st;
    }
}
