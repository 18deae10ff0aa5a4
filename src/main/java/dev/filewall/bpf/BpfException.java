package dev.filewall.bpf;

/**
 * A libbpf or bpf(2) call failed. The message names the call, what it was called on, the
 * errno with its name and libbpf's text for it, and what libbpf printed meanwhile (for a
 * failed load: the verifier's log).
 */
public final class BpfException extends RuntimeException {
    /** A verifier log can run to megabytes; its end says what failed. */
    private static final int MESSAGE_LOG_MAX = 64 * 1024;

    private final String function;
    private final int errno;
    private final String log;

    BpfException(String function, String subject, int errno, String errnoName, String text, String log) {
        super(function + "(" + subject + "): " + (errnoName == null ? "error" : errnoName) + " (" + errno + "): " + text
                + (log.isEmpty() ? "" : "\n" + tail(log)));
        this.function = function;
        this.errno = errno;
        this.log = log;
    }

    private static String tail(String log) {
        if (log.length() <= MESSAGE_LOG_MAX) return log;
        return "[" + (log.length() - MESSAGE_LOG_MAX) + " earlier characters in log()]\n"
                + log.substring(log.length() - MESSAGE_LOG_MAX);
    }

    /** The libbpf function that failed, e.g. {@code bpf_object__load}. */
    public String function() {
        return function;
    }

    /** The positive errno, or one of libbpf's own codes (4000 and up). */
    public int errno() {
        return errno;
    }

    /** libbpf's messages printed during the failed operation; empty if none were captured. */
    public String log() {
        return log;
    }
}
