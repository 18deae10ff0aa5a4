package dev.filewall.events;

import dev.filewall.rules.Action;
import dev.filewall.rules.Operation;
import java.time.Instant;

/**
 * A deny or log decision the kernel reported (struct fw_event in bpf/event.h). Strings are the
 * kernel's raw bytes; {@code path2} is empty when the operation has one path.
 */
public record Event(Instant time, Operation op, long uid, int pid, int ppid, int rule, Action action, int flags,
                    int generation, int repeats, byte[] exe, byte[] cmdline, byte[] path, byte[] path2) {

    /** Bits of {@code flags}, as enum fw_event_flag. */
    public static final int TRUNCATED = 1, UNRESOLVED = 2, DRY_RUN = 4, CMD_CUT = 8, NO_TABLE = 16,
            EVAL_ERROR = 32, FIRST_SIGHT = 64;
    /** Not from the kernel: the decoder sets it for a built-in rule's decision or a refused attempt on filewall itself. */
    public static final int SELF_PROTECTION = 128;

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** The action column: what was done, or for a dry run what would have been. */
    public String actionWord() {
        return has(DRY_RUN) && action == Action.DENY ? "dryrun-deny" : action.word();
    }
}
