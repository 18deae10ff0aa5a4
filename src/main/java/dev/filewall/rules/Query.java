package dev.filewall.rules;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One file operation as the evaluator sees it. Strings are raw bytes, as the kernel hands them
 * over; {@code path2} is the second path of RENAME and LINK, or null (an empty one is none).
 */
public record Query(long uid, byte[] exe, byte[] cmdline, Operation op, byte[] path, byte[] path2) {

    public Query {
        if (uid < 0 || uid > UidRange.MAX) throw new IllegalArgumentException("uid " + uid + " is outside 0-4294967295");
        check("exe", exe, Limits.PATH_MAX);
        check("path", path, Limits.PATH_MAX);
        if (path2 != null) check("path2", path2, Limits.PATH_MAX);
        // a path is never empty: the kernel's query says "no second path" with length 0
        if (path2 != null && path2.length == 0) path2 = null;
        // the kernel matches the first CMDLINE_MAX bytes of the joined argv; so does the language
        if (cmdline.length > Limits.CMDLINE_MAX) cmdline = Arrays.copyOf(cmdline, Limits.CMDLINE_MAX);
    }

    private static void check(String what, byte[] s, int max) {
        if (s.length > max) throw new IllegalArgumentException(what + " is " + s.length + " bytes, at most " + max);
    }

    public static Query of(long uid, String exe, String cmdline, Operation op, String path, String path2) {
        return new Query(uid, bytes(exe), bytes(cmdline), op, bytes(path), path2 == null ? null : bytes(path2));
    }

    private static byte[] bytes(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Query q && uid == q.uid && op == q.op && Arrays.equals(exe, q.exe)
                && Arrays.equals(cmdline, q.cmdline) && Arrays.equals(path, q.path) && Arrays.equals(path2, q.path2);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {Long.hashCode(uid), op.hashCode(), Arrays.hashCode(exe),
                Arrays.hashCode(cmdline), Arrays.hashCode(path), Arrays.hashCode(path2)});
    }

    @Override
    public String toString() {
        return "Query[uid=" + uid + ", exe=" + str(exe) + ", cmdline=" + str(cmdline) + ", op=" + op
                + ", path=" + str(path) + ", path2=" + (path2 == null ? "null" : str(path2)) + "]";
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1).replace("\n", "\\n");
    }
}
