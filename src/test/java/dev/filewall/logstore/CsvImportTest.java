package dev.filewall.logstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.events.Event;
import dev.filewall.events.EventFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvImportTest {
    static final ZoneId UTC = ZoneOffset.UTC;

    static CsvImport.Result importInto(EventStore s, Path f) throws Exception {
        return CsvImport.into(s, f, UTC, n -> {});
    }

    @Provide
    Arbitrary<List<Event>> events() {
        return Events.event().list().ofMaxSize(40);
    }

    @Property(tries = 80)
    void eventsWrittenByTheLogComeBackWithEverythingTheLogHolds(@ForAll("events") List<Event> events) throws Exception {
        Path f = Files.createTempFile("filewall-log", ".csv");
        try (EventStore s = EventStore.createTemporary()) {
            StringBuilder log = new StringBuilder("# filewall started\n");
            for (Event e : events) log.append(EventFormat.csv(e, UTC)).append('\n').append(e.pid() == 2 ? "# a note\n\n" : "");
            Files.writeString(f, log);
            assertThat(importInto(s, f)).isEqualTo(new CsvImport.Result(events.size(), 0, List.of()));
            List<StoredEvent> back = s.query(EventQuery.ALL.withNewestFirst(false));
            back = back.stream().sorted(java.util.Comparator.comparingLong(StoredEvent::id)).toList();
            assertThat(back).hasSize(events.size());
            for (int i = 0; i < events.size(); i++) {
                Event want = events.get(i), got = back.get(i).event();
                assertThat(EventFormat.csv(got, UTC)).isEqualTo(EventFormat.csv(want, UTC));
                assertThat(got.time()).isEqualTo(want.time().truncatedTo(ChronoUnit.SECONDS));
                assertThat(got.exe()).isEqualTo(want.exe());
                assertThat(got.path()).isEqualTo(want.path());
                assertThat(got.path2()).isEqualTo(want.path2());
                assertThat(got.actionWord()).isEqualTo(want.actionWord());
                assertThat(got.repeats()).isEqualTo(want.repeats());
                assertThat(List.of(got.ppid(), got.rule(), got.generation(), got.cmdline().length)).containsExactly(0, -1, 0, 0);
            }
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void theSeedsLogIsReadWithItsOneDigitHours(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("ilocker.log"), """
                2019-03-15 5:42:12,CREATE,0,14840,/usr/bin/irjsypzavm,/usr/bin/szklfovzwg,,deny
                2019-03-15 15:42:12,CREATE,0,14840,/usr/bin/irjsypzavm,/tmp/szklfovzwg,,deny
                2019-03-15 5:42:17,CREATE,0,14848,/usr/bin/irjsypzavm,/usr/lib/libudev.so,,deny
                2019-03-15 5:42:18,CREATE,0,14848,/usr/bin/irjsypzavm,/usr/lib/libudev.so,,deny
                """);
        try (EventStore s = EventStore.createTemporary()) {
            assertThat(importInto(s, f).events()).isEqualTo(4);
            assertThat(s.summary(EventQuery.ALL, Summary.By.PATH)).containsExactly(
                    new Summary("/usr/lib/libudev.so", 2, Instant.parse("2019-03-15T05:42:17Z"), Instant.parse("2019-03-15T05:42:18Z")),
                    new Summary("/tmp/szklfovzwg", 1, Instant.parse("2019-03-15T15:42:12Z"), Instant.parse("2019-03-15T15:42:12Z")),
                    new Summary("/usr/bin/szklfovzwg", 1, Instant.parse("2019-03-15T05:42:12Z"), Instant.parse("2019-03-15T05:42:12Z")));
        }
    }

    @Test
    void crlfLinesRawBytesAndQuotedLineBreaksAreRead(@TempDir Path dir) throws Exception {
        byte[] raw = ("2019-03-15 05:42:12,RENAME,0,1,/bin/\u00e9\\xff,\"/a\n# not a note\r\nb\",/c\\\\d\\q,log\r\n\r\n"
                + "2019-03-15 05:42:13,OPEN,4294967295,2,/x,/y\u0000,,dryrun-deny").getBytes(StandardCharsets.UTF_8);
        Path f = Files.write(dir.resolve("l.csv"), raw);
        try (EventStore s = EventStore.createTemporary()) {
            assertThat(importInto(s, f)).isEqualTo(new CsvImport.Result(2, 0, List.of()));
            List<StoredEvent> back = s.query(EventQuery.ALL);
            Event a = back.get(0).event(), b = back.get(1).event();
            assertThat(a.exe()).isEqualTo(new byte[] {'/', 'b', 'i', 'n', '/', (byte) 0xc3, (byte) 0xa9, (byte) 0xff});
            assertThat(a.path()).isEqualTo(Events.b("/a\n# not a note\r\nb"));
            assertThat(a.path2()).isEqualTo(Events.b("/c\\d\\q"));
            assertThat(a.actionWord()).isEqualTo("log");
            assertThat(b.uid()).isEqualTo(4294967295L);
            assertThat(b.path()).isEqualTo(new byte[] {'/', 'y', 0});
            assertThat(b.actionWord()).isEqualTo("dryrun-deny");
        }
        // a raw byte that is not UTF-8 (a log not written by filewall) is kept as it is
        Path g = Files.write(dir.resolve("raw.csv"), ("2019-03-15 05:42:12,OPEN,0,1,/x,/y").getBytes(StandardCharsets.UTF_8));
        Files.write(g, new byte[] {(byte) 0xfe, ',', ',', 'l', 'o', 'g', '\n'}, java.nio.file.StandardOpenOption.APPEND);
        try (EventStore s = EventStore.createTemporary()) {
            assertThat(importInto(s, g).events()).isEqualTo(1);
            assertThat(s.query(EventQuery.ALL).getFirst().event().path()).isEqualTo(new byte[] {'/', 'y', (byte) 0xfe});
        }
    }

    @Test
    void malformedRecordsAreSkippedCountedAndPlaced(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("bad.log"), """
                2019-03-15 05:42:12,CREATE,0,14840,/usr/bin/x,/usr/lib/a,,deny
                2019-03-15 05:42:12,FLY,0,14840,/usr/bin/x,/usr/lib/a,,deny
                2019-13-15 05:42:12,CREATE,0,14840,/usr/bin/x,/usr/lib/a,,deny
                2019-03-15 05:42:12,CREATE,-1,14840,/usr/bin/x,/usr/lib/a,,deny
                2019-03-15 05:42:12,CREATE,0,pid,/usr/bin/x,/usr/lib/a,,deny
                2019-03-15 05:42:12,CREATE,0,1,/usr/bin/x,/usr/lib/a,,maybe
                2019-03-15 05:42:12,CREATE,0,1,/usr/bin/x,/usr/lib/a,deny
                2019-03-15 05:42:12,CREATE,0,1,"/usr/bin/x"y,/usr/lib/a,,deny
                2019-03-15 05:42:13,CREATE,0,14840,/usr/bin/x,/usr/lib/b,,deny
                2019-03-15 05:42:14,CREATE,0,14840,/usr/bin/x,/usr/lib/b,,deny,repeats=41
                2019-03-15 05:42:14,CREATE,0,14840,/usr/bin/x,/usr/lib/b,,deny,repeated=41
                2019-03-15 05:42:12,CREATE,0,1,"/usr/bin/x,/usr/lib/a,,deny
                """);
        try (EventStore s = EventStore.createTemporary()) {
            CsvImport.Result r = importInto(s, f);
            assertThat(r.errors()).containsExactly(
                    f + ":2:21: unknown operation 'FLY'",
                    f + ":3:1: time '2019-13-15 05:42:12': expected YYYY-MM-DD HH:MM:SS between the years 1677 and 2262",
                    f + ":4:28: uid '-1': expected 0 to 4294967295",
                    f + ":5:30: pid 'pid': expected an integer",
                    f + ":6:55: action 'maybe': expected pass, log, deny or dryrun-deny",
                    f + ":7:1: 7 fields, expected 8 or 9: time,OPERATION,uid,pid,exe_path,file_path,file_path2,action[,repeats=N]",
                    f + ":8:44: 'y' after a closing quote: expected ',' or the end of the line",
                    f + ":11:64: 'repeated=41': expected repeats=N, N from 0 to 4294967295",
                    f + ":12:32: a quoted field is not closed before the end of the file");
            assertThat(r.malformed()).isEqualTo(9);
            assertThat(r.events()).isEqualTo(3);
            assertThat(s.query(EventQuery.ALL)).extracting(e -> new String(e.event().path(), StandardCharsets.UTF_8) + " x" + e.event().repeats())
                    .containsExactly("/usr/lib/a x0", "/usr/lib/b x0", "/usr/lib/b x41");
        }
    }

    @Test
    void aTemporaryStoreGoesBesideTheLogWhereTheTmpDirMayNotBeWritten(@TempDir Path dir) throws Exception {
        String tmp = System.getProperty("java.io.tmpdir");
        // a regular file: nothing can be created "in" it, as in a /tmp the rules deny
        System.setProperty("java.io.tmpdir", Files.writeString(dir.resolve("tmp"), "").toString());
        try (EventStore s = EventStore.createTemporary(dir)) {
            assertThat(s.file().getParent()).isEqualTo(dir);
        } finally {
            System.setProperty("java.io.tmpdir", tmp);
        }
        try (EventStore s = EventStore.createTemporary(dir)) {
            assertThat(s.file().getParent()).isEqualTo(Path.of(tmp));
        }
    }

    @Test
    void onlyTheFirstErrorsAreKeptButAllAreCounted(@TempDir Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 50; i++) lines.add("junk " + i);
        Path f = Files.write(dir.resolve("junk.log"), lines);
        try (EventStore s = EventStore.createTemporary()) {
            CsvImport.Result r = importInto(s, f);
            assertThat(r.malformed()).isEqualTo(50);
            assertThat(r.errors()).hasSize(CsvImport.MAX_ERRORS).first().isEqualTo(f + ":1:1: 1 field, expected 8 or 9: "
                    + "time,OPERATION,uid,pid,exe_path,file_path,file_path2,action[,repeats=N]");
        }
    }
}
