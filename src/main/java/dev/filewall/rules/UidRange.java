package dev.filewall.rules;

/** An inclusive range of user ids, 0 to 2^32-1 (the kernel's uid_t). */
public record UidRange(long lo, long hi) {
    public static final long MAX = 0xFFFF_FFFFL;

    public UidRange {
        if (lo < 0 || hi > MAX || lo > hi) throw new IllegalArgumentException("bad uid range " + lo + "-" + hi);
    }

    public boolean contains(long uid) {
        return uid >= lo && uid <= hi;
    }

    @Override
    public String toString() {
        return lo == hi ? Long.toString(lo) : lo + "-" + hi;
    }

    /** Parses {@code N} or {@code N-M}; returns null when malformed. */
    static UidRange parse(String s) {
        int dash = s.indexOf('-');
        Long lo = number(dash < 0 ? s : s.substring(0, dash));
        Long hi = dash < 0 ? lo : number(s.substring(dash + 1));
        if (lo == null || hi == null || lo > hi) return null;
        return new UidRange(lo, hi);
    }

    private static Long number(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) return null;
        long v = Long.parseLong(s);
        return v <= MAX ? v : null;
    }
}
