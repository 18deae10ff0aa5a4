package dev.filewall.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.rules.Action;
import dev.filewall.rules.Operation;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class EventFormatTest {
    static final ZoneId UTC = ZoneOffset.UTC;

    static Event event(String exe, String path, String path2, Action a, int flags) {
        return new Event(LocalDateTime.of(2019, 3, 15, 15, 42, 12).toInstant(ZoneOffset.UTC), Operation.CREATE, 0,
                14840, 1, 2, a, flags, 1, 0, exe.getBytes(StandardCharsets.UTF_8), "x".getBytes(),
                path.getBytes(StandardCharsets.UTF_8), path2.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void csvIsTheSeedsLine() {
        assertThat(EventFormat.csv(event("/usr/bin/irjsypzavm", "/usr/lib/libudev.so", "", Action.DENY, 0), UTC))
                .isEqualTo("2019-03-15 15:42:12,CREATE,0,14840,/usr/bin/irjsypzavm,/usr/lib/libudev.so,,deny");
    }

    @Test
    void fieldsWithCommasQuotesOrLineBreaksAreQuoted() {
        assertThat(EventFormat.csv(event("/bin/a,b", "/tmp/say \"hi\"", "/tmp/two\nlines", Action.LOG, 0), UTC))
                .isEqualTo("2019-03-15 15:42:12,CREATE,0,14840,\"/bin/a,b\",\"/tmp/say \"\"hi\"\"\",\"/tmp/two\nlines\",log");
    }

    @Test
    void foldedRepeatsAreANinthFieldOnlyWhenThereAreAny() {
        Event e = event("/usr/bin/irjsypzavm", "/usr/lib/libudev.so", "", Action.DENY, 0);
        Event folded = new Event(e.time(), e.op(), e.uid(), e.pid(), e.ppid(), e.rule(), e.action(), e.flags(),
                e.generation(), 41, e.exe(), e.cmdline(), e.path(), e.path2());
        assertThat(EventFormat.csv(folded, UTC))
                .isEqualTo("2019-03-15 15:42:12,CREATE,0,14840,/usr/bin/irjsypzavm,/usr/lib/libudev.so,,deny,repeats=41");
        assertThat(EventFormat.json(folded)).contains("\"repeats\":41");
    }

    @Test
    void dryRunDeniesSaySo() {
        assertThat(EventFormat.csv(event("/x", "/y", "", Action.DENY, Event.DRY_RUN), UTC)).endsWith(",dryrun-deny");
    }

    /** The formatted second is reused within the second and zone it was made for, never across them. */
    @Test
    void theTimeIsTheEventsOwnSecondInTheGivenZone() {
        var t = LocalDateTime.of(2019, 3, 15, 15, 42, 12).toInstant(ZoneOffset.UTC);
        assertThat(EventFormat.time(t, UTC)).isEqualTo("2019-03-15 15:42:12");
        assertThat(EventFormat.time(t.plusMillis(999), UTC)).isEqualTo("2019-03-15 15:42:12");
        assertThat(EventFormat.time(t.plusMillis(1000), UTC)).isEqualTo("2019-03-15 15:42:13");
        assertThat(EventFormat.time(t.plusMillis(1000), ZoneId.of("Asia/Shanghai"))).isEqualTo("2019-03-15 23:42:13");
        assertThat(EventFormat.time(t.minusSeconds(3600), UTC)).isEqualTo("2019-03-15 14:42:12");
    }

    @Test
    void plainAsciiIsTakenAsItIs() {
        assertThat(EventFormat.text("/usr/bin/irjsypzavm".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isEqualTo("/usr/bin/irjsypzavm");
        assertThat(EventFormat.text("a\\b".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isEqualTo("a\\\\b");
        assertThat(EventFormat.text(new byte[0])).isEmpty();
    }

    @Test
    void bytesThatAreNotUtf8AreEscapedAndNothingIsLost() {
        byte[] raw = {'/', 't', (byte) 0xff, '\\', 'x', 'f', 'f', (byte) 0xc3, (byte) 0xa9};
        assertThat(EventFormat.text(raw)).isEqualTo("/t\\xff\\\\xffé");
    }

    @Test
    void jsonHasEveryField() {
        String j = EventFormat.json(event("/x", "/y", "/z", Action.DENY, Event.DRY_RUN | Event.TRUNCATED));
        assertThat(j).isEqualTo("{\"time\":\"2019-03-15T15:42:12Z\",\"op\":\"CREATE\",\"uid\":0,\"pid\":14840,\"ppid\":1,"
                + "\"exe\":\"/x\",\"cmdline\":\"x\",\"path\":\"/y\",\"path2\":\"/z\",\"action\":\"dryrun-deny\",\"rule\":2,"
                + "\"generation\":1,\"repeats\":0,\"flags\":[\"truncated\",\"dry_run\"]}");
    }
}
