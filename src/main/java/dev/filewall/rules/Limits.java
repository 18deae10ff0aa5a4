package dev.filewall.rules;

/** The language's hard limits, equal to those in bpf/filewall.h (checked by a test). */
public final class Limits {
    private Limits() {}

    /** Bytes of a path or exe path the kernel matches (FW_PATH_MAX). */
    public static final int PATH_MAX = 4096;
    /** Bytes of the joined argv the kernel matches (FW_CMD_MAX); a longer cmdline is cut to this. */
    public static final int CMDLINE_MAX = 1024;
    /** Rules in one set (FW_MAX_RULES). */
    public static final int RULES_MAX = 16384;
    /** Bytes of one pattern. */
    public static final int PATTERN_MAX = 4096;
    /** Values in one field's list. */
    public static final int LIST_MAX = 256;
}
