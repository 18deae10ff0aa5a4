package dev.filewall.logstore;

import dev.filewall.events.Event;
import dev.filewall.events.EventFormat;
import dev.filewall.rules.Action;
import dev.filewall.rules.Glob;
import dev.filewall.rules.Operation;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * make bench-host: fills a store with 1,000,000 synthetic events (a week of them: 200 programs writing
 * under /srv, a trojan flooding three paths with repeats), then times the queries and summaries that
 * filewall log and the web view run (median of several runs), a retention step, and a CSV import.
 * Writes a Markdown table; a benchmark, not a test.
 */
public final class LogstoreBench {
    record Row(String what, long rows, double medianMs, double minMs, double maxMs) {}

    static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    static final Glob TROJAN = glob("/usr/bin/irj*");

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "bench/results/host-logstore-" + LocalDate.now() + ".md");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        String loadBefore = load();
        Path dir = Files.createDirectories(Path.of("target/logstore-bench"));
        Path db = dir.resolve("events.db");
        for (String suffix : List.of("", "-wal", "-shm")) Files.deleteIfExists(Path.of(db + suffix));
        List<Row> rows = new ArrayList<>();
        double fillSeconds;
        long bytes;
        try (EventStore w = EventStore.openWriter(db)) {
            long t0 = System.nanoTime();
            Synthetic g = new Synthetic(n);
            // the writer's own batch size
            for (int i = 0; i < n; i += 4096) w.append(g.next(Math.min(4096, n - i)));
            fillSeconds = (System.nanoTime() - t0) / 1e9;
            bytes = w.usedBytes();
        }
        System.out.printf("filled %,d events in %.1f s, %,d bytes%n", n, fillSeconds, bytes);
        try (EventStore r = EventStore.openReader(db)) {
            EventQuery all = EventQuery.ALL;
            long last = r.lastId();
            rows.add(time("newest 100 events", runs, () -> r.query(all.withNewestFirst(true).withLimit(100)).size()));
            rows.add(time("--since 1h (all of them)", runs, () -> r.query(all.withSince(NOW.minus(Duration.ofHours(1)))).size()));
            rows.add(time("--exe '/usr/bin/irj*' (all of them)", runs, () -> r.query(all.withExe(TROJAN)).size()));
            rows.add(time("--exe '/usr/bin/irj*' --limit 100", runs,
                    () -> r.query(all.withExe(TROJAN).withNewestFirst(true).withLimit(100)).size()));
            rows.add(time("--path '*libudev*' --limit 100 (no prefix: a scan)", runs,
                    () -> r.query(all.withPath(glob("*libudev*")).withNewestFirst(true).withLimit(100)).size()));
            rows.add(time("--path '/usr/lib/*' --since 1d (all of them)", runs,
                    () -> r.query(all.withPath(glob("/usr/lib/*")).withSince(NOW.minus(Duration.ofDays(1)))).size()));
            rows.add(time("--pid 4242 (all of them)", runs, () -> r.query(all.withPid(4242)).size()));
            rows.add(time("--op CREATE --action deny --uid 1000 --limit 100", runs, () -> r.query(all.withOp(Operation.CREATE)
                    .withAction("deny").withUid(1000L).withNewestFirst(true).withLimit(100)).size()));
            rows.add(time("--rule 7 --since 6h (all of them)", runs,
                    () -> r.query(all.withRule(7).withSince(NOW.minus(Duration.ofHours(6)))).size()));
            rows.add(time("--follow poll (the last 100 ids)", runs, () -> r.query(all.withAfterId(last - 100)).size()));
            for (Summary.By by : Summary.By.values())
                rows.add(time("--summary " + by.word() + " --limit 20 (every event)", runs, () -> r.summary(all.withLimit(20), by).size()));
            rows.add(time("--summary path (every event, every path)", runs, () -> r.summary(all, Summary.By.PATH).size()));
            rows.add(time("--exe '/usr/bin/irj*' --summary path", runs, () -> r.summary(all.withExe(TROJAN), Summary.By.PATH).size()));
            rows.add(time("--since 1d --summary exe", runs,
                    () -> r.summary(all.withSince(NOW.minus(Duration.ofDays(1))), Summary.By.EXE).size()));
            rows.add(time("--path '*libudev*' --summary exe (a scan)", runs,
                    () -> r.summary(all.withPath(glob("*libudev*")), Summary.By.EXE).size()));
        }
        try (EventStore w = EventStore.openWriter(db)) {
            // the oldest day goes: one retention step at a time, as the writer runs them between batches
            Retention keep6d = new Retention(Duration.ofDays(6), 0);
            rows.add(time("retention step (" + EventStore.PRUNE_STEP + " oldest events)", runs, () -> w.prune(keep6d, NOW)));
        }
        Path csv = dir.resolve("events.csv");
        int csvEvents = Math.min(n, 200_000);
        try (BufferedWriter bw = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            for (Event e : new Synthetic(n).next(csvEvents)) {
                bw.write(EventFormat.csv(e, ZoneOffset.UTC));
                bw.write('\n');
            }
        }
        long t0 = System.nanoTime();
        try (EventStore t = EventStore.createTemporary()) {
            CsvImport.into(t, csv, ZoneOffset.UTC, x -> {});
            t.addIndexes();
        }
        double importSeconds = (System.nanoTime() - t0) / 1e9;
        rows.forEach(System.out::println);
        Files.createDirectories(out.getParent());
        Files.writeString(out, markdown(rows, n, runs, fillSeconds, bytes, csvEvents, Files.size(csv), importSeconds)
                + "\nLoad average (1, 5, 15 min) at the start: " + loadBefore + "; at the end: " + load() + ".\n");
        for (String suffix : List.of("", "-wal", "-shm")) Files.deleteIfExists(Path.of(db + suffix));
        Files.delete(csv);
        System.out.println("wrote " + out);
    }

    /** The host's load average: on a shared machine it tells how far to trust the times. */
    static String load() throws java.io.IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + ", " + f[1] + ", " + f[2] + " (" + Runtime.getRuntime().availableProcessors() + " CPUs)";
    }

    static Glob glob(String s) {
        try {
            return Glob.parse(s);
        } catch (Glob.SyntaxError e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** A week of n events, oldest first: 5% the trojan's flood on three paths, the rest 200 programs under /srv. */
    static final class Synthetic {
        private static final Operation[] OPS = {Operation.CREATE, Operation.WRITE, Operation.OPEN, Operation.UNLINK,
                Operation.RENAME, Operation.EXEC};
        private static final String[] TARGETS = {"/usr/lib/libudev.so", "/usr/bin/szklfovzwg", "/tmp/szklfovzwg"};
        private final Random r = new Random(42);
        private final long step;
        private int i;

        Synthetic(int n) {
            step = Duration.ofDays(7).toNanos() / n;
        }

        List<Event> next(int count) {
            List<Event> out = new ArrayList<>(count);
            for (int k = 0; k < count; k++, i++) out.add(event(NOW.minus(Duration.ofDays(7)).plusNanos(step * i)));
            return out;
        }

        private Event event(Instant t) {
            if (r.nextInt(20) == 0)
                return new Event(t, Operation.CREATE, 0, 14_000 + r.nextInt(1000), 1, 2, Action.DENY, 0, 1,
                        r.nextInt(4) == 0 ? r.nextInt(5000) : 0, b("/usr/bin/irjsypzavm"), b("irjsypzavm"),
                        b(TARGETS[r.nextInt(3)]), new byte[0]);
            int prog = r.nextInt(200);
            Operation op = OPS[r.nextInt(OPS.length)];
            String path = "/srv/app" + r.nextInt(100) + "/data/" + r.nextInt(50_000) + ".log";
            return new Event(t, op, 1000L * r.nextInt(5), 1000 + r.nextInt(8000), 1, r.nextInt(20) - 1,
                    r.nextInt(3) == 0 ? Action.LOG : Action.DENY, 0, 1, 0, b("/usr/bin/prog" + prog),
                    b("prog" + prog + " --serve " + r.nextInt(100)), b(path), op == Operation.RENAME ? b(path + ".old") : new byte[0]);
        }
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Row time(String what, int runs, Callable<Integer> q) throws Exception {
        q.call(); // warm the JIT and the page cache
        double[] ms = new double[runs];
        long rows = 0;
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            rows = q.call();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return new Row(what, rows, ms[runs / 2], ms[0], ms[runs - 1]);
    }

    static String markdown(List<Row> rows, int n, int runs, double fillSeconds, long bytes, int csvEvents, long csvBytes,
                           double importSeconds) {
        StringBuilder s = new StringBuilder("# Host bench: the event store (" + LocalDate.now() + ")\n\n"
                + "Measured by `make bench-host` (dev.filewall.logstore.LogstoreBench). A store of " + String.format("%,d", n)
                + " synthetic events\n(a week: 200 programs writing under /srv, 5% a trojan flooding three paths, a quarter of\n"
                + "those with repeats), read through EventStore as `filewall log` and the web view read it. Times are\n"
                + "the median (min, max) of " + runs + " runs after one warm-up, page cache warm; rows are events, or\n"
                + "summary lines. The host is a shared 2-core VM: compare, do not quote absolute numbers.\n\n"
                + String.format("Fill: %,d events appended in batches of 4,096 (the writer's batch) in %.1f s: %,.0f events/s.%n",
                        n, fillSeconds, n / fillSeconds)
                + String.format("Size: %,d bytes in use, %.0f bytes per event (table and indexes).%n", bytes, (double) bytes / n)
                + String.format("CSV import: %,d lines (%,d bytes) into a temporary store, indexes included, in %.1f s: %,.0f lines/s.%n%n",
                        csvEvents, csvBytes, importSeconds, csvEvents / importSeconds)
                + "| query | rows | median ms | min ms | max ms |\n| --- | ---: | ---: | ---: | ---: |\n");
        rows.forEach(r -> s.append(String.format(
                "| %s | %,d | %.1f | %.1f | %.1f |%n", r.what(), r.rows(), r.medianMs(), r.minMs(), r.maxMs())));
        return s.toString();
    }
}
