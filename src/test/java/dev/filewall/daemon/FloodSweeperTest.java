package dev.filewall.daemon;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.bpf.BpfMap;
import dev.filewall.bpf.BpfObject;
import dev.filewall.bpf.Layouts;
import dev.filewall.bpf.TestBpf;
import dev.filewall.events.BootClock;
import dev.filewall.events.Event;
import dev.filewall.events.EventDecoder;
import dev.filewall.rules.Action;
import dev.filewall.rules.Operation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The daemon's half of flood control against a real LRU hash map of fw_flood's types (the test
 * object's twin), with the kernel's half played here: what it sent, and what it folded since.
 */
class FloodSweeperTest {
    static final long WINDOW = Duration.ofSeconds(1).toNanos();
    BpfObject obj;
    BpfMap flood;
    final BootClock clock = new BootClock();
    final Arena arena = Arena.ofConfined();

    @BeforeEach
    void load() {
        obj = TestBpf.loadedFfmTest();
        flood = obj.map("flood");
    }

    @AfterEach
    void close() {
        arena.close();
        obj.close();
    }

    /** A ring buffer record's header as the kernel writes it, for an event of pid at timeNs. */
    MemorySegment record(long hash, int pid, long timeNs) {
        MemorySegment r = arena.allocate(Layouts.Event.LAYOUT);
        r.set(JAVA_LONG, Layouts.Event.TIME_NS, timeNs);
        r.set(JAVA_LONG, Layouts.Event.FLOOD_HASH, hash);
        r.set(JAVA_INT, Layouts.Event.PID, pid);
        r.set(JAVA_INT, Layouts.Event.RULE, 2);
        r.set(JAVA_INT, Layouts.Event.OP, Operation.CREATE.ordinal());
        r.set(JAVA_INT, Layouts.Event.ACTION, Action.DENY.ordinal());
        return r;
    }

    static Event event(int pid, String path) {
        return new Event(java.time.Instant.EPOCH, Operation.CREATE, 0, pid, 1, 2, Action.DENY, 0, 1, 0,
                "/usr/bin/irjsypzavm".getBytes(), new byte[0], path.getBytes(), new byte[0]);
    }

    /** The kernel's entry for the record's key: sent at sentNs, count attempts folded since, the last at lastNs. */
    void kernelFolded(MemorySegment record, long sentNs, long lastNs, long count) {
        MemorySegment v = arena.allocate(Layouts.Flood.LAYOUT);
        v.set(JAVA_LONG, Layouts.Flood.SENT_NS, sentNs);
        v.set(JAVA_LONG, Layouts.Flood.LAST_NS, lastNs);
        v.set(JAVA_LONG, Layouts.Flood.COUNT, count);
        byte[] key = EventDecoder.floodKey(record);
        flood.update(arena.allocate(key.length, 8).copyFrom(MemorySegment.ofArray(key)), v, BpfMap.ANY);
    }

    @Test
    void aStoppedFloodIsReportedOnceAsItsLastAttemptCarryingTheOthers() {
        FloodSweeper s = new FloodSweeper(flood, Duration.ofSeconds(1), clock);
        long t0 = 1_000 * WINDOW;
        MemorySegment rec = record(0x1234, 14840, t0);
        s.sent(rec, event(14840, "/usr/lib/libudev.so"));
        kernelFolded(rec, t0, t0 + WINDOW / 2, 41);
        List<Event> out = new ArrayList<>();

        assertThat(s.sweep(t0 + WINDOW, out::add)).as("a flood may still be going one window on").isZero();
        assertThat(s.sweep(t0 + 2 * WINDOW, out::add)).isEqualTo(1);
        assertThat(out).singleElement().satisfies(e -> {
            assertThat(e.repeats()).as("41 attempts: the last, and 40 before it").isEqualTo(40);
            assertThat(e.time()).isEqualTo(clock.toInstant(t0 + WINDOW / 2));
            assertThat(new String(e.path())).isEqualTo("/usr/lib/libudev.so");
            assertThat(e.pid()).isEqualTo(14840);
        });
        assertThat(s.sweep(t0 + 10 * WINDOW, out::add)).as("reported once, and the key left the kernel's map").isZero();
        assertThat(flood.lookup(EventDecoder.floodKey(rec))).isEmpty();
    }

    @Test
    void keysWithNothingFoldedMakeNoEventAndOthersAreUntouched() {
        FloodSweeper s = new FloodSweeper(flood, Duration.ofSeconds(1), clock);
        long t0 = 1_000 * WINDOW;
        MemorySegment quiet = record(1, 100, t0), other = record(2, 100, t0 + 5 * WINDOW);
        s.sent(quiet, event(100, "/tmp/a"));
        kernelFolded(quiet, t0, t0, 0);
        s.sent(other, event(100, "/tmp/b"));
        kernelFolded(other, t0 + 5 * WINDOW, t0 + 5 * WINDOW, 7);
        List<Event> out = new ArrayList<>();

        assertThat(s.sweep(t0 + 3 * WINDOW, out::add)).isZero();
        assertThat(out).isEmpty();
        assertThat(flood.lookup(EventDecoder.floodKey(other))).as("not yet two windows old").isPresent();
        assertThat(s.sweep(t0 + 7 * WINDOW, out::add)).isEqualTo(1);
        assertThat(out).singleElement().satisfies(e -> assertThat(new String(e.path())).isEqualTo("/tmp/b"));
    }

    @Test
    void aZeroWindowMeansNoFloodControl() {
        FloodSweeper s = new FloodSweeper(flood, Duration.ZERO, clock);
        MemorySegment rec = record(3, 7, WINDOW);
        s.sent(rec, event(7, "/tmp/c"));
        kernelFolded(rec, WINDOW, WINDOW, 5);
        assertThat(s.sweep(100 * WINDOW, e -> {})).isZero();
    }
}
