package dev.filewall.cli;

import static dev.filewall.cli.CliTest.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.cli.CliTest.Run;
import dev.filewall.events.Event;
import dev.filewall.events.EventFormat;
import dev.filewall.logstore.EventStore;
import dev.filewall.rules.Action;
import dev.filewall.rules.Operation;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LogCommandTest {
    static final String SEED = """
            2019-03-15 15:42:12,CREATE,0,14840,/usr/bin/irjsypzavm,/usr/bin/szklfovzwg,,deny
            2019-03-15 15:42:12,CREATE,0,14840,/usr/bin/irjsypzavm,/tmp/szklfovzwg,,deny
            2019-03-15 15:42:17,CREATE,0,14848,/usr/bin/irjsypzavm,/usr/lib/libudev.so,,deny
            2019-03-15 15:42:18,CREATE,0,14848,/usr/bin/irjsypzavm,/usr/lib/libudev.so,,deny
            2019-03-15 15:43:00,UNLINK,0,15000,/usr/bin/rm,/usr/lib/libudev.so.6,,pass
            """;

    static Event event(String time, Operation op, int pid, int rule, Action a, int repeats, String exe, String path, String path2) {
        return new Event(Instant.parse(time), op, 0, pid, 1, rule, a, 0, 1, repeats, exe.getBytes(StandardCharsets.UTF_8),
                (exe + " x").getBytes(StandardCharsets.UTF_8), path.getBytes(StandardCharsets.UTF_8),
                path2.getBytes(StandardCharsets.UTF_8));
    }

    static final List<Event> EVENTS = List.of(
            event("2026-11-26T10:00:00Z", Operation.CREATE, 14840, 2, Action.DENY, 0, "/usr/bin/irjsypzavm", "/usr/bin/szklfovzwg", ""),
            event("2026-11-26T10:00:01Z", Operation.CREATE, 14848, 2, Action.DENY, 41, "/usr/bin/irjsypzavm", "/usr/lib/libudev.so", ""),
            event("2026-11-26T10:00:02Z", Operation.RENAME, 900, -1, Action.LOG, 0, "/usr/bin/mv", "/tmp/a\nb", "/tmp/c,d"),
            event("2026-11-26T10:00:03Z", Operation.CREATE, 14849, 2, Action.DENY, 0, "/usr/bin/irjsypzavm", "/usr/lib/libudev.so", ""));

    static Path store(Path dir) throws Exception {
        Path db = dir.resolve("events.db");
        try (EventStore s = EventStore.openWriter(db)) {
            s.append(EVENTS);
        }
        return db;
    }

    @Test
    void whatDidThisProgramTryToTouch(@TempDir Path dir) throws Exception {
        Path db = store(dir);
        Run r = run("log", "--db", db.toString(), "--exe", "/usr/bin/irj*", "--summary", "path", "--zone", "UTC");
        assertThat(r).isEqualTo(new Run(0, """
                COUNT  FIRST SEEN           LAST SEEN            PATH
                   43  2026-11-26 10:00:01  2026-11-26 10:00:03  /usr/lib/libudev.so
                    1  2026-11-26 10:00:00  2026-11-26 10:00:00  /usr/bin/szklfovzwg
                """, ""));
    }

    @Test
    void eventsPrintAsAnAlignedTable(@TempDir Path dir) throws Exception {
        Run r = run("log", "--db", store(dir).toString(), "--zone", "UTC");
        assertThat(r).isEqualTo(new Run(0, """
                TIME                 ACTION  OP      UID    PID  RULE  COUNT  EXE                  PATH
                2026-11-26 10:00:00  deny    CREATE    0  14840     2      1  /usr/bin/irjsypzavm  /usr/bin/szklfovzwg
                2026-11-26 10:00:01  deny    CREATE    0  14848     2     42  /usr/bin/irjsypzavm  /usr/lib/libudev.so
                2026-11-26 10:00:02  log     RENAME    0    900     -      1  /usr/bin/mv          /tmp/a\\x0ab -> /tmp/c,d
                2026-11-26 10:00:03  deny    CREATE    0  14849     2      1  /usr/bin/irjsypzavm  /usr/lib/libudev.so
                """, ""));
    }

    @Test
    void csvIsTheLogsLineAndJsonTheJsonLog(@TempDir Path dir) throws Exception {
        Path db = store(dir);
        StringBuilder csv = new StringBuilder(), json = new StringBuilder();
        for (Event e : EVENTS) {
            csv.append(EventFormat.csv(e, ZoneOffset.UTC)).append('\n');
            json.append(EventFormat.json(e)).append('\n');
        }
        assertThat(run("log", "--db", db.toString(), "--format", "csv", "--zone", "UTC")).isEqualTo(new Run(0, csv.toString(), ""));
        assertThat(run("log", "--db", db.toString(), "--format", "json")).isEqualTo(new Run(0, json.toString(), ""));
    }

    /** The pids of the events printed as JSON lines (a CSV record may span lines). */
    static List<Integer> pids(Run r) throws Exception {
        List<Integer> out = new ArrayList<>();
        for (String l : r.out().lines().toList()) out.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(l).path("pid").asInt());
        return out;
    }

    @Test
    void filtersCombine(@TempDir Path dir) throws Exception {
        String db = store(dir).toString();
        assertThat(pids(run("log", "--db", db, "--format", "json", "--op", "create"))).containsExactly(14840, 14848, 14849);
        assertThat(pids(run("log", "--db", db, "--format", "json", "--action", "log"))).containsExactly(900);
        assertThat(pids(run("log", "--db", db, "--format", "json", "--rule", "-1"))).containsExactly(900);
        assertThat(pids(run("log", "--db", db, "--format", "json", "--rule", "2", "--pid", "14848"))).containsExactly(14848);
        assertThat(pids(run("log", "--db", db, "--format", "json", "--path", "/tmp/c*"))).containsExactly(900);
        assertThat(pids(run("log", "--db", db, "--format", "json", "--since", "2026-11-26T10:00:01Z", "--until",
                "2026-11-26 11:00:03+01:00"))).containsExactly(14848, 900);
        assertThat(pids(run("log", "--db", db, "--format", "json", "--zone", "UTC", "--since", "2026-11-26 10:00:02")))
                .containsExactly(900, 14849);
        // the newest two, oldest first
        assertThat(pids(run("log", "--db", db, "--format", "json", "--limit", "2"))).containsExactly(900, 14849);
        assertThat(pids(run("log", "--db", db, "--format", "json", "--uid", "1000"))).isEmpty();
        assertThat(run("log", "--db", db, "--uid", "1000")).isEqualTo(new Run(0, "", "filewall log: no events match\n"));
        assertThat(run("log", "--db", db, "--summary", "op", "--format", "csv", "--zone", "UTC").out()).isEqualTo("""
                op,count,first_seen,last_seen
                CREATE,44,2026-11-26 10:00:00,2026-11-26 10:00:03
                RENAME,1,2026-11-26 10:00:02,2026-11-26 10:00:02
                """);
        assertThat(run("log", "--db", db, "--summary", "rule", "--format", "json").out()).isEqualTo("""
                {"rule":"2","count":44,"first_seen":"2026-11-26T10:00:00Z","last_seen":"2026-11-26T10:00:03Z"}
                {"rule":"-","count":1,"first_seen":"2026-11-26T10:00:02Z","last_seen":"2026-11-26T10:00:02Z"}
                """);
    }

    @Test
    void durationsCountBackFromNow(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("events.db");
        Instant now = Instant.now();
        try (EventStore s = EventStore.openWriter(db)) {
            s.append(List.of(event(now.minus(Duration.ofDays(2)).toString(), Operation.WRITE, 1, 0, Action.DENY, 0, "/a", "/x", ""),
                    event(now.minus(Duration.ofMinutes(20)).toString(), Operation.WRITE, 2, 0, Action.DENY, 0, "/a", "/x", ""),
                    event(now.minus(Duration.ofMinutes(5)).toString(), Operation.WRITE, 3, 0, Action.DENY, 0, "/a", "/x", "")));
        }
        assertThat(pids(run("log", "--db", db.toString(), "--format", "json", "--since", "10m"))).containsExactly(3);
        assertThat(pids(run("log", "--db", db.toString(), "--format", "json", "--since", "1h"))).containsExactly(2, 3);
        assertThat(pids(run("log", "--db", db.toString(), "--format", "json", "--until", "1d"))).containsExactly(1);
        assertThat(pids(run("log", "--db", db.toString(), "--format", "json", "--since", "3d", "--until", "600s"))).containsExactly(1, 2);
    }

    @Test
    void aCsvLogIsImportedAndSummarised(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("ilocker.log"), "# from another machine\n" + SEED);
        Run r = run("log", "--file", f.toString(), "--summary", "exe", "--zone", "UTC");
        assertThat(r).isEqualTo(new Run(0, """
                COUNT  FIRST SEEN           LAST SEEN            EXE
                    4  2019-03-15 15:42:12  2019-03-15 15:42:18  /usr/bin/irjsypzavm
                    1  2019-03-15 15:43:00  2019-03-15 15:43:00  /usr/bin/rm
                """, ""));
        // the log's own lines come back out
        assertThat(run("log", "--file", f.toString(), "--format", "csv").out()).isEqualTo(SEED);
    }

    @Test
    void aCopiedStoreIsReadAsItIs(@TempDir Path dir) throws Exception {
        Path copy = Files.copy(store(dir), dir.resolve("copy.sqlite"));
        assertThat(run("log", "--file", copy.toString(), "--format", "csv", "--exe", "/usr/bin/mv").out())
                .isEqualTo(EventFormat.csv(EVENTS.get(2), java.time.ZoneId.systemDefault()) + "\n");
    }

    @Test
    void malformedCsvRecordsAreNamedAndTheRestIsShown(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("bad.log"), SEED + "2019-03-15 15:43:00,FLY,0,1,/x,/y,,deny\n");
        Run r = run("log", "--file", f.toString(), "--format", "csv");
        assertThat(r.code()).isEqualTo(Main.RULES_INVALID);
        assertThat(r.out()).isEqualTo(SEED);
        assertThat(r.err()).isEqualTo(f + ":6:21: unknown operation 'FLY'\n" + f + ": 1 malformed record skipped, 5 events read\n");
    }

    @Test
    void missingInputIsAnError(@TempDir Path dir) {
        Run db = run("log", "--db", dir.resolve("none.db").toString());
        assertThat(db).isEqualTo(new Run(Main.RUNTIME, "", "filewall log: " + dir.resolve("none.db") + ": no such file\n"));
        Run file = run("log", "--file", dir.resolve("none.log").toString());
        assertThat(file).isEqualTo(new Run(Main.RULES_INVALID, "", "filewall log: " + dir.resolve("none.log") + ": no such file\n"));
    }

    @Test
    void badFlagValuesAreUsageErrors(@TempDir Path dir) throws Exception {
        String db = store(dir).toString();
        Path csv = Files.writeString(dir.resolve("x.log"), SEED);
        String[][] cases = {
                {"--since", "yesterday"}, {"--op", "FLY"}, {"--action", "block"}, {"--uid", "-1"}, {"--uid", "4294967296"},
                {"--pid", "x"}, {"--rule", "-2"}, {"--limit", "0"}, {"--exe", "/usr/[bin"}, {"--path", "/x\\"},
                {"--summary", "file"}, {"--format", "xml"}, {"--zone", "Mars/Olympus"}, {"--since", "1h", "--until", "2h"},
                {"--file", csv.toString()}, {"--follow", "--summary", "exe"}};
        String[] messages = {
                "--since 'yesterday': expected a time back from now (30s, 10m, 2h, 3d) or an ISO-8601 time such as "
                        + "2026-11-26T10:00, 2026-11-26 10:00:00, 2026-11-26, 10:00 or 2026-11-26T10:00:00Z",
                "--op 'FLY': expected one of [OPEN, READ, WRITE, CREATE, MKDIR, RMDIR, UNLINK, RENAME, LINK, SYMLINK, TRUNCATE, "
                        + "CHMOD, CHOWN, SETATTR, SETXATTR, EXEC, MKNOD, KILL, PTRACE, BPF_MAP, UMOUNT]",
                "--action 'block': expected pass, log, deny or dryrun-deny",
                "--uid '-1': expected an integer from 0 to 4294967295",
                "--uid '4294967296': expected an integer from 0 to 4294967295",
                "--pid 'x': expected an integer from 0 to 2147483647",
                "--rule '-2': expected an integer from -1 to 2147483647",
                "--limit '0': expected an integer from 1 to 2147483647",
                "--exe '/usr/[bin': at character 6: unclosed '[': a class ends with ']'",
                "--path '/x\\': at character 3: a trailing '\\' escapes nothing",
                "--summary 'file': expected exe, path, op, rule or uid",
                "--format 'xml': expected table, csv or json",
                "--zone 'Mars/Olympus': expected a zone such as UTC, Europe/Berlin or +02:00",
                "--since 1h is not before --until 2h",
                "give --db or --file, not both",
                "--follow prints events as they come; it does not take --summary"};
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new ArrayList<>(List.of("log", "--db", db));
            args.addAll(List.of(cases[i]));
            assertThat(run(args.toArray(String[]::new))).as(String.join(" ", cases[i]))
                    .isEqualTo(new Run(Main.USAGE, "", "filewall log: " + messages[i] + "\n"));
        }
        assertThat(run("log", "--file", csv.toString(), "--follow")).isEqualTo(new Run(Main.USAGE, "",
                "filewall log: --follow reads a store that is being written; " + csv + " is a CSV log, imported once\n"));
    }

    @Test
    void followPrintsTheLastEventsThenNewOnesAsTheyAreStored(@TempDir Path dir) throws Exception {
        Path db = store(dir);
        CommandLine cl = new CommandLine(new Main());
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter()));
        int[] code = {-1};
        Thread t = Thread.ofPlatform().start(() -> code[0] = cl.execute("log", "--db", db.toString(), "--follow",
                "--format", "csv", "--exe", "/usr/bin/irj*", "--limit", "2"));
        String first = EventFormat.csv(EVENTS.get(1), java.time.ZoneId.systemDefault()) + "\n"
                + EventFormat.csv(EVENTS.get(3), java.time.ZoneId.systemDefault()) + "\n";
        awaitOutput(out, first);
        Event later = event("2026-11-26T10:05:00Z", Operation.CREATE, 15000, 2, Action.DENY, 0, "/usr/bin/irjsypzavm", "/tmp/q", "");
        Event other = event("2026-11-26T10:05:01Z", Operation.CREATE, 15001, 2, Action.DENY, 0, "/usr/bin/cp", "/tmp/q", "");
        try (EventStore s = EventStore.openWriter(db)) {
            s.append(List.of(other, later));
        }
        awaitOutput(out, first + EventFormat.csv(later, java.time.ZoneId.systemDefault()) + "\n");
        t.interrupt();
        t.join();
        assertThat(code[0]).isZero();
        assertThat(out.toString()).isEqualTo(first + EventFormat.csv(later, java.time.ZoneId.systemDefault()) + "\n");
    }

    /** Waits for the tail to print; a generous bound only turns a hang into a failure. */
    static void awaitOutput(StringWriter out, String want) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!out.toString().equals(want)) {
            assertThat(System.nanoTime()).as("waiting for the tail to print:\n%s\nit printed:\n%s", want, out).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
