package dev.filewall.daemon;

import dev.filewall.bpf.BpfMap;
import dev.filewall.bpf.Layouts;
import dev.filewall.events.BootClock;
import dev.filewall.events.Event;
import dev.filewall.events.EventDecoder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Collects the count of a flood that stopped. The kernel sends a key's folded count with the
 * key's next event (bpf/flood.h); when no next event comes, the count would stay in fw_flood.
 * So the daemon remembers each event it received by its flood key, and once two windows have
 * passed since (a flood still going would have sent a newer event by then), it takes the key's
 * entry out of fw_flood and, if attempts were folded, reports them as one event: the last
 * attempt, carrying the ones before it as repeats.
 *
 * A new identical attempt in the instant between the kernel finding the entry and this taking it
 * out can be counted twice or not at all; an entry whose event reached a previous daemon is
 * reported only when its key is seen again.
 */
public final class FloodSweeper {
    /** Keys remembered at most; beyond it the oldest are swept early (their count stays correct). */
    static final int CAPACITY = 16384;

    private record Sent(Event event, long timeNs) {}

    private final BpfMap flood;
    private final long windowNs;
    private final BootClock clock;
    private final LinkedHashMap<ByteBuffer, Sent> sent = new LinkedHashMap<>();

    public FloodSweeper(BpfMap flood, Duration window, BootClock clock) {
        this.flood = flood;
        this.windowNs = window.toNanos();
        this.clock = clock;
    }

    /** An event the kernel sent: its ring buffer record (for the key and time) and what it decoded to. */
    public void sent(MemorySegment record, Event e) {
        if (windowNs == 0) return;
        ByteBuffer k = ByteBuffer.wrap(EventDecoder.floodKey(record));
        sent.remove(k); // re-inserted at the end: the map stays ordered by time
        sent.put(k, new Sent(e, record.get(JAVA_LONG, Layouts.Event.TIME_NS)));
        if (sent.size() > CAPACITY) sweep(Long.MAX_VALUE, sent.size() - CAPACITY, e2 -> {});
    }

    /** Reports the folded attempts of every key quiet for two windows at nowNs; returns how many events it made. */
    public int sweep(long nowNs, Consumer<Event> out) {
        return sweep(nowNs, Integer.MAX_VALUE, out);
    }

    private int sweep(long nowNs, int max, Consumer<Event> out) {
        int made = 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(Layouts.FloodKey.LAYOUT), value = a.allocate(Layouts.Flood.LAYOUT);
            Iterator<Map.Entry<ByteBuffer, Sent>> it = sent.entrySet().iterator();
            for (int n = 0; n < max && it.hasNext(); n++) {
                Map.Entry<ByteBuffer, Sent> s = it.next();
                if (nowNs - s.getValue().timeNs() < 2 * windowNs) break;
                it.remove();
                key.copyFrom(MemorySegment.ofArray(s.getKey().array()));
                if (!flood.lookupAndDelete(key, value)) continue;
                long count = value.get(JAVA_LONG, Layouts.Flood.COUNT);
                if (count <= 0) continue;
                Event e = s.getValue().event();
                out.accept(new Event(clock.toInstant(value.get(JAVA_LONG, Layouts.Flood.LAST_NS)), e.op(), e.uid(), e.pid(),
                        e.ppid(), e.rule(), e.action(), e.flags(), e.generation(), (int) Math.min(Integer.MAX_VALUE, count - 1),
                        e.exe(), e.cmdline(), e.path(), e.path2()));
                made++;
            }
        }
        return made;
    }
}
