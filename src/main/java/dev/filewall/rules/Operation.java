package dev.filewall.rules;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * File operations of the language, numbered as {@code enum fw_op} in bpf/filewall.h.
 * A rule's operation covers the query operations listed in {@link #covered()}: OPEN is every
 * open, so it covers opens for reading and for writing; SETATTR is every attribute change.
 * A rule that leaves the operation out (or writes {@code *}) covers every operation that
 * {@link #modifies()}: the seed's rules deny writing in /usr/bin, not running what is there.
 */
public enum Operation {
    OPEN, READ, WRITE, CREATE, MKDIR, RMDIR, UNLINK, RENAME, LINK, SYMLINK,
    TRUNCATE, CHMOD, CHOWN, SETATTR, SETXATTR, EXEC, MKNOD,
    /** Not in rules: attempts on filewall itself that bpf/protect.h refuses (enum fw_tamper_op), seen only in events. */
    KILL, PTRACE, BPF_MAP, UMOUNT;

    /** The operations a rule can name, which the table decides: enum fw_op. */
    public static final List<Operation> RULES = List.of(values()).subList(0, MKNOD.ordinal() + 1);

    public boolean inRules() {
        return ordinal() <= MKNOD.ordinal();
    }

    public Set<Operation> covered() {
        return switch (this) {
            case OPEN -> EnumSet.of(OPEN, READ, WRITE);
            case SETATTR -> EnumSet.of(SETATTR, CHMOD, CHOWN, TRUNCATE);
            default -> EnumSet.of(this);
        };
    }

    /** Everything but OPEN, READ and EXEC, which only a rule naming them matches. */
    public boolean modifies() {
        return this != OPEN && this != READ && this != EXEC && inRules();
    }

    /** Accepts the names case-insensitively, and DELETE as an alias of UNLINK. */
    public static Optional<Operation> parse(String s) {
        String u = s.toUpperCase(Locale.ROOT);
        if (u.equals("DELETE")) return Optional.of(UNLINK);
        for (Operation op : values()) if (op.name().equals(u)) return Optional.of(op);
        return Optional.empty();
    }
}
