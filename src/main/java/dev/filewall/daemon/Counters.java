package dev.filewall.daemon;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.filewall.bpf.BpfMap;
import dev.filewall.bpf.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * fw_counters summed over CPUs: decisions[op][action], events, drops, unresolved, exempt, repeats folded, and
 * attempts on filewall itself refused by bpf/protect.h, by kind (KILL, PTRACE, BPF_MAP, UMOUNT).
 */
public record Counters(long[][] decisions, long events, long dropped, long unresolved, long exempt, long repeats, long[] tamper) {
    static Counters read(BpfMap map) {
        try (Arena a = Arena.ofConfined()) {
            long stride = Layouts.Counters.LAYOUT.byteSize();
            MemorySegment v = a.allocate(map.valueBufferSize(), 8);
            map.lookup(a.allocate(JAVA_INT), v);
            int cpus = (int) (map.valueBufferSize() / stride);
            long[][] d = new long[Layouts.FW_NOPS][3];
            long ev = 0, dr = 0, un = 0, ex = 0, rp = 0;
            long[] tm = new long[Layouts.FW_NTAMPER];
            for (int c = 0; c < cpus; c++) {
                long base = c * stride;
                for (int op = 0; op < Layouts.FW_NOPS; op++)
                    for (int act = 0; act < 3; act++)
                        d[op][act] += v.get(JAVA_LONG, base + Layouts.Counters.DECISIONS + 8L * (3 * op + act));
                ev += v.get(JAVA_LONG, base + Layouts.Counters.EVENTS);
                dr += v.get(JAVA_LONG, base + Layouts.Counters.EVENTS_DROPPED);
                un += v.get(JAVA_LONG, base + Layouts.Counters.UNRESOLVED);
                ex += v.get(JAVA_LONG, base + Layouts.Counters.EXEMPT);
                rp += v.get(JAVA_LONG, base + Layouts.Counters.REPEATS);
                for (int k = 0; k < tm.length; k++) tm[k] += v.get(JAVA_LONG, base + Layouts.Counters.TAMPER + 8L * k);
            }
            return new Counters(d, ev, dr, un, ex, rp, tm);
        }
    }

    public long tamperTotal() {
        long n = 0;
        for (long x : tamper) n += x;
        return n;
    }

    public long total() {
        long n = 0;
        for (long[] op : decisions) for (long x : op) n += x;
        return n;
    }
}
