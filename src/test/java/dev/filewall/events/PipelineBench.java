package dev.filewall.events;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.filewall.bpf.BpfObject;
import dev.filewall.bpf.RingBuffer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * make bench-host: the event pipeline from a kernel producer to the CSV log, as the daemon
 * drains it (RingBuffer, EventDecoder, EventLog, a flush per poll). The producer is
 * bench/bench_events.bpf.c's bench_emit, run with BPF_PROG_TEST_RUN, writing the seed's deny
 * event. Measures how fast a full ring buffer drains to the CSV (and, to see where the time
 * goes, to no consumer and to the decoder alone), what reaches the CSV from a producer paced
 * at a given rate, and which bursts each ring size absorbs without loss. A benchmark, not a test.
 * Arguments: [object] [output.md] [scratch dir].
 */
public final class PipelineBench {
    /** struct bench_ctx of bench_events.bpf.c. */
    static final StructLayout CTX = MemoryLayout.structLayout(
            JAVA_INT.withName("count"), JAVA_INT.withName("submitted"), JAVA_INT.withName("dropped"));
    static final long COUNT = 0, SUBMITTED = 4, DROPPED = 8;

    final Path object, scratch;

    PipelineBench(Path object, Path scratch) {
        this.object = object;
        this.scratch = scratch;
    }

    public static void main(String[] args) throws Exception {
        Path object = Path.of(args.length > 0 ? args[0] : "target/bench/bench_events.bpf.o");
        Path out = Path.of(args.length > 1 ? args[1] : "bench/results/host-events-" + LocalDate.now() + ".md");
        Path scratch = Files.createDirectories(Path.of(args.length > 2 ? args[2] : "target/bench-host"));
        PipelineBench b = new PipelineBench(object, scratch);

        int fill = 500_000, reps = 5;
        int ring = 128 << 20; // holds the fill with room to spare
        b.drainRate(ring, fill, "csv"); // warm the JIT: the first drain of a JVM is several times slower
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
        List<String> drain = new ArrayList<>();
        for (String stage : List.of("none", "decode", "csv")) {
            double[] wall = new double[reps], cpu = new double[reps];
            for (int i = 0; i < reps; i++) {
                double[] r = b.drainRate(ring, fill, stage);
                wall[i] = r[0];
                cpu[i] = r[1];
            }
            Arrays.sort(wall);
            Arrays.sort(cpu);
            drain.add(String.format("| %s | %,d | %,.0f | %,.0f | %,.0f | %,.0f |", stage, fill, cpu[reps / 2], wall[reps / 2],
                    wall[0], wall[reps - 1]));
            System.out.println(drain.getLast());
        }

        List<String> paced = new ArrayList<>();
        for (int rate : new int[] {250_000, 500_000, 1_000_000, 2_000_000, 4_000_000}) {
            paced.add(b.paced(4 << 20, rate, 2_000));
            System.out.println(paced.getLast());
        }

        int[] rings = {256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20};
        int[] bursts = {10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000};
        List<String> loss = new ArrayList<>();
        for (int r : rings) {
            StringBuilder row = new StringBuilder(String.format("| %,d KiB | %,d |", r >> 10, b.capacity(r)));
            for (int n : bursts) row.append(String.format(" %s |", percent(b.burstLoss(r, n), n)));
            loss.add(row.toString());
            System.out.println(row);
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        String load = "load average over 1, 5, 15 min before: " + loadAverages(loadBefore)
                + ", after: " + loadAverages(Files.readString(Path.of("/proc/loadavg")));
        Files.writeString(out, markdown(load, fill, reps, drain, paced, bursts, loss));
        System.out.println("wrote " + out);
    }

    /**
     * {events per second of wall time, events per second of the draining thread's CPU time}: a ring
     * buffer filled with n events, drained to nothing, to the decoder, or to the CSV log.
     */
    double[] drainRate(int ringBytes, int n, String stage) throws IOException {
        Path csv = freshCsv();
        EventDecoder decoder = new EventDecoder(new BootClock(), 0);
        try (BpfObject obj = load(ringBytes); EventLog log = new EventLog(csv, null, ZoneId.systemDefault())) {
            Consumer<MemorySegment> consumer = switch (stage) {
                case "none" -> r -> {};
                case "decode" -> r -> decoder.decode(r);
                default -> r -> log.write(decoder.decode(r));
            };
            try (RingBuffer rb = new RingBuffer(obj.map("fw_events"), consumer)) {
                MemorySegment ctx = emit(obj, n);
                if (ctx.get(JAVA_INT, DROPPED) != 0) throw new IllegalStateException(n + " events do not fit in " + ringBytes + " bytes");
                var threads = ManagementFactory.getThreadMXBean();
                long t0 = System.nanoTime(), cpu0 = threads.getCurrentThreadCpuTime(), got = 0;
                while (got < n) got += rb.consume();
                log.flush();
                double[] rates = {n / ((System.nanoTime() - t0) / 1e9), n / ((threads.getCurrentThreadCpuTime() - cpu0) / 1e9)};
                if (rb.consumerErrors() != 0) throw new IllegalStateException("consumer failed", rb.lastConsumerError());
                return rates;
            }
        } finally {
            Files.deleteIfExists(csv);
        }
    }

    /** A producer paced at rate events/s (a batch every millisecond) for ms milliseconds against the daemon's drain loop. */
    String paced(int ringBytes, int rate, long ms) throws Exception {
        Path csv = freshCsv();
        EventDecoder decoder = new EventDecoder(new BootClock(), 0);
        AtomicLong written = new AtomicLong();
        try (BpfObject obj = load(ringBytes); EventLog log = new EventLog(csv, null, ZoneId.systemDefault());
             RingBuffer rb = new RingBuffer(obj.map("fw_events"), r -> {
                 log.write(decoder.decode(r));
                 written.incrementAndGet();
             })) {
            AtomicBoolean producing = new AtomicBoolean(true);
            Thread drain = Thread.ofPlatform().start(() -> {
                while (producing.get()) if (rb.poll(200) > 0) log.flush();
                rb.consume();
                log.flush();
            });
            long submitted = 0, dropped = 0, t0 = System.nanoTime();
            for (long tick = 0; tick < ms; tick++) {
                long due = t0 + tick * 1_000_000;
                while (System.nanoTime() < due) LockSupport.parkNanos(due - System.nanoTime());
                MemorySegment ctx = emit(obj, rate / 1000);
                submitted += ctx.get(JAVA_INT, SUBMITTED);
                dropped += ctx.get(JAVA_INT, DROPPED);
            }
            double producedS = (System.nanoTime() - t0) / 1e9;
            producing.set(false);
            drain.join();
            double s = (System.nanoTime() - t0) / 1e9;
            if (written.get() != submitted)
                throw new IllegalStateException("wrote " + written + " of " + submitted + " events, " + rb.consumerErrors()
                        + " consumer errors", rb.lastConsumerError());
            return String.format("| %,d | %,.0f | %,.0f | %.1f | %,d | %s |", rate, (submitted + dropped) / producedS,
                    written.get() / s, s, dropped, percent(dropped, (int) (submitted + dropped)));
        } finally {
            Files.deleteIfExists(csv);
        }
    }

    /** Events a ring buffer of ringBytes holds: what one burst puts in with nobody consuming. */
    int capacity(int ringBytes) {
        try (BpfObject obj = load(ringBytes)) {
            return emit(obj, ringBytes / 64).get(JAVA_INT, SUBMITTED);
        }
    }

    /** Events lost of one burst of n, written in one go while the daemon's drain loop runs. */
    long burstLoss(int ringBytes, int n) throws Exception {
        Path csv = freshCsv();
        EventDecoder decoder = new EventDecoder(new BootClock(), 0);
        try (BpfObject obj = load(ringBytes); EventLog log = new EventLog(csv, null, ZoneId.systemDefault());
             RingBuffer rb = new RingBuffer(obj.map("fw_events"), r -> log.write(decoder.decode(r)))) {
            AtomicBoolean producing = new AtomicBoolean(true);
            Thread drain = Thread.ofPlatform().start(() -> {
                while (producing.get()) if (rb.poll(200) > 0) log.flush();
                rb.consume();
                log.flush();
            });
            long dropped = 0;
            // bpf_loop runs at most 1 << 23 times a call; the burst is a few calls back to back
            for (int left = n; left > 0; left -= 1 << 20) dropped += emit(obj, Math.min(left, 1 << 20)).get(JAVA_INT, DROPPED);
            producing.set(false);
            drain.join();
            return dropped;
        } finally {
            Files.deleteIfExists(csv);
        }
    }

    private BpfObject load(int ringBytes) {
        BpfObject obj = BpfObject.open(object);
        try {
            obj.map("fw_events").setMaxEntries(ringBytes);
            obj.load();
            return obj;
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    private static MemorySegment emit(BpfObject obj, int count) {
        MemorySegment ctx = Arena.ofAuto().allocate(CTX);
        ctx.set(JAVA_INT, COUNT, count);
        obj.program("bench_emit").testRun(ctx);
        return ctx;
    }

    private Path freshCsv() throws IOException {
        Path csv = scratch.resolve("events.csv");
        Files.deleteIfExists(csv);
        return csv;
    }

    /** The first three fields of /proc/loadavg. */
    private static String loadAverages(String procLoadavg) {
        return String.join(" ", Arrays.copyOf(procLoadavg.strip().split(" "), 3));
    }

    private static String percent(long lost, int n) {
        return lost == 0 ? "0" : String.format("%.1f %%", 100.0 * lost / n);
    }

    static String markdown(String load, int fill, int reps, List<String> drain, List<String> paced, int[] bursts, List<String> loss) {
        StringBuilder s = new StringBuilder("# Host bench: the event pipeline (" + LocalDate.now() + ", kernel "
                + System.getProperty("os.version") + ")\n\n"
                + "Measured by `make bench-host` (dev.filewall.events.PipelineBench). The producer is\n"
                + "`bench/bench_events.bpf.c`, a SEC(\"syscall\") program run with BPF_PROG_TEST_RUN that writes the seed's\n"
                + "deny event (`CREATE,0,14840,/usr/bin/irjsypzavm,/usr/lib/libudev.so,,deny`) into a ring buffer laid out\n"
                + "as the LSM programs' `fw_events`. The consumer is the daemon's\n"
                + "drain: `RingBuffer` (libbpf through FFM), `EventDecoder`, `EventLog` to a CSV file, a flush per poll.\n"
                + "The host is a shared 2-core VM (" + load + "): wall-clock rates move with\n"
                + "its load; the rate per CPU-second of the draining thread (user and system time) is what one core\n"
                + "of this machine sustains, and what the target is read against.\n\n"
                + "## Drain rate: a full ring buffer to the log\n\n"
                + String.format("%,d", fill) + " events written first, then drained; median of " + reps + " (wall-clock min, max). `none`: the ring\n"
                + "buffer and the upcall alone; `decode`: plus EventDecoder; `csv`: plus EventFormat and the\n"
                + "buffered file write, which is what the daemon does. **Target (issue 7): >= 1,000,000 events/s to the CSV log.**\n\n"
                + "| consumer | events | events per CPU-second | events/s (wall) | min | max |\n"
                + "| --- | ---: | ---: | ---: | ---: | ---: |\n");
        drain.forEach(l -> s.append(l).append('\n'));
        s.append("\n## Sustained rates: a paced producer\n\n"
                + "The producer writes rate/1,000 events every millisecond for 2 s into the daemon's default ring\n"
                + "(4,096 KiB) while the drain loop runs on the other core. Written: events in the CSV per second of\n"
                + "the whole run, until the drain caught up; the kernel counted the rest as dropped.\n\n"
                + "| offered events/s | measured offered | written events/s | s | dropped | dropped share |\n"
                + "| ---: | ---: | ---: | ---: | ---: | ---: |\n");
        paced.forEach(l -> s.append(l).append('\n'));
        s.append("\n## Loss against ring size: one burst while the drain loop runs\n\n"
                + "Share of a burst of N events that the kernel dropped (ring buffer full). Capacity: the events one\n"
                + "burst puts into the ring with nobody consuming. The daemon's default ring is 4,096 KiB.\n\n| ring | capacity |");
        for (int n : bursts) s.append(String.format(" burst %,d |", n));
        s.append("\n| ---: | ---: |").append(" ---: |".repeat(bursts.length)).append('\n');
        loss.forEach(l -> s.append(l).append('\n'));
        return s.toString();
    }
}
