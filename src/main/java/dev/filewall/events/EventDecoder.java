package dev.filewall.events;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.filewall.bpf.Layouts;
import dev.filewall.rules.Action;
import dev.filewall.rules.Operation;
import java.lang.foreign.MemorySegment;
import java.time.Instant;

/** Turns one ring buffer record (struct fw_event + strings) into an {@link Event}. */
public final class EventDecoder {
    private final BootClock clock;
    private final int builtinRules;

    /** builtinRules: how many rules the daemon put before the rule file's (daemon.SelfProtection). */
    public EventDecoder(BootClock clock, int builtinRules) {
        this.clock = clock;
        this.builtinRules = builtinRules;
    }

    /** Throws IllegalArgumentException for a record that does not hold what its header says. */
    public Event decode(MemorySegment r) {
        long header = Layouts.Event.LAYOUT.byteSize();
        if (r.byteSize() < header) throw new IllegalArgumentException("event of " + r.byteSize() + " bytes, header is " + header);
        int op = r.get(JAVA_INT, Layouts.Event.OP), action = r.get(JAVA_INT, Layouts.Event.ACTION);
        if (op < 0 || op >= Operation.values().length) throw new IllegalArgumentException("event with operation " + op);
        if (action < 0 || action >= Action.values().length) throw new IllegalArgumentException("event with action " + action);
        int[] lens = {len(r, Layouts.Event.EXE_LEN), len(r, Layouts.Event.CMD_LEN), len(r, Layouts.Event.PATH_LEN),
                len(r, Layouts.Event.PATH2_LEN)};
        long need = header;
        for (int l : lens) need += l;
        if (need > r.byteSize()) throw new IllegalArgumentException("event strings need " + need + " bytes, record has " + r.byteSize());
        byte[][] s = new byte[4][];
        long at = header;
        for (int i = 0; i < 4; i++) {
            s[i] = r.asSlice(at, lens[i]).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            at += lens[i];
        }
        Instant time = clock.toInstant(r.get(JAVA_LONG, Layouts.Event.TIME_NS));
        // events name rules as the rule file numbers them; a built-in rule is flagged instead
        int rule = r.get(JAVA_INT, Layouts.Event.RULE), flags = r.get(JAVA_INT, Layouts.Event.FLAGS);
        if (rule >= 0 && rule < builtinRules || !Operation.values()[op].inRules()) {
            rule = -1;
            flags |= Event.SELF_PROTECTION;
        } else if (rule >= 0) {
            rule -= builtinRules;
        }
        return new Event(time, Operation.values()[op], Integer.toUnsignedLong(r.get(JAVA_INT, Layouts.Event.UID)),
                r.get(JAVA_INT, Layouts.Event.PID), r.get(JAVA_INT, Layouts.Event.PPID), rule,
                Action.values()[action], flags, r.get(JAVA_INT, Layouts.Event.GENERATION),
                r.get(JAVA_INT, Layouts.Event.REPEATS), s[0], s[1], s[2], s[3]);
    }

    /**
     * The record's key in fw_flood (struct fw_flood_key), by which the daemon collects the
     * count of a flood that stopped; the record must have passed {@link #decode}.
     */
    public static byte[] floodKey(MemorySegment r) {
        byte[] k = new byte[(int) Layouts.FloodKey.LAYOUT.byteSize()];
        MemorySegment s = MemorySegment.ofArray(k);
        // a byte[] is not 8-aligned: the unaligned layouts
        s.set(JAVA_LONG_UNALIGNED, Layouts.FloodKey.HASH, r.get(JAVA_LONG, Layouts.Event.FLOOD_HASH));
        s.set(JAVA_INT_UNALIGNED, Layouts.FloodKey.TGID, r.get(JAVA_INT, Layouts.Event.PID));
        s.set(JAVA_INT_UNALIGNED, Layouts.FloodKey.RULE, r.get(JAVA_INT, Layouts.Event.RULE));
        s.set(JAVA_INT_UNALIGNED, Layouts.FloodKey.OP, r.get(JAVA_INT, Layouts.Event.OP));
        s.set(JAVA_INT_UNALIGNED, Layouts.FloodKey.ACTION, r.get(JAVA_INT, Layouts.Event.ACTION));
        return k;
    }

    private static int len(MemorySegment r, long at) {
        return Short.toUnsignedInt(r.get(JAVA_SHORT, at));
    }
}
