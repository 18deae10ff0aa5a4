package dev.filewall.logstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.events.Event;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreWriterTest {
    static final Duration RETRY = Duration.ofMillis(50);

    static StoreWriter.Settings settings(Path db, int capacity) {
        return new StoreWriter.Settings(db, Retention.NONE, capacity, RETRY);
    }

    static Event event(int i) {
        return Events.simple(Instant.now().plusNanos(i), "/usr/bin/irjsypzavm", "/usr/lib/libudev.so", 0);
    }

    /** Waits for the writer thread to get there; a generous bound only turns a hang into a failure. */
    static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for: %s", what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    static List<Event> offer(StoreWriter w, int from, int n) {
        List<Event> l = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            Event e = event(i);
            assertThat(w.offer(e)).isTrue();
            l.add(e);
        }
        return l;
    }

    static long rows(Path db) throws Exception {
        try (EventStore r = EventStore.openReader(db)) {
            return r.query(EventQuery.ALL).size();
        }
    }

    @Test
    void everyEventOfferedIsStored(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("sub/events.db");
        List<Event> sent;
        try (StoreWriter w = StoreWriter.start(settings(db, 1024))) {
            sent = offer(w, 0, 500);
            await("500 stored", () -> w.stats().stored() == 500);
            assertThat(w.stats().state()).isEqualTo(StoreWriter.State.OK);
            assertThat(w.notes()).isEmpty();
        }
        try (EventStore r = EventStore.openReader(db)) {
            assertThat(Events.canon(r.query(EventQuery.ALL))).isEqualTo(Events.canon(Events.numbered(sent)));
        }
    }

    @Test
    void aFullHandOffCountsWhatItCouldNotTakeAndNeverBlocks(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("events.db");
        StoreWriter w = new StoreWriter(settings(db, 4), Clock.systemUTC());
        int taken = 0;
        for (int i = 0; i < 10; i++) if (w.offer(event(i))) taken++;
        assertThat(taken).isEqualTo(4);
        assertThat(w.stats().offered()).isEqualTo(4);
        assertThat(w.stats().handoffLost()).isEqualTo(6);
        assertThat(w.notes()).contains("6 events not stored: the store's hand-off was full (they are in this log)");
        assertThat(w.notes()).isEmpty();
        assertThat(w.offer(event(10))).isFalse();
        assertThat(w.notes()).containsExactly("1 event not stored: the store's hand-off was full (they are in this log)");
        w.start();
        w.close();
        assertThat(w.stats().stored()).isEqualTo(4);
        assertThat(rows(db)).isEqualTo(4);
    }

    @Test
    void closeStoresWhatTheHandOffStillHolds(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("events.db");
        StoreWriter w = StoreWriter.start(settings(db, 100_000));
        offer(w, 0, 20_000);
        w.close();
        assertThat(w.stats().stored()).isEqualTo(20_000);
        assertThat(w.stats().queued()).isZero();
        assertThat(rows(db)).isEqualTo(20_000);
    }

    /** Offers events while degraded, removes the cause, and checks the losses, the notes and the recovery. */
    static void degradesThenRecovers(Path db, String reason, ThrowingRunnable fix) throws Exception {
        try (StoreWriter w = StoreWriter.start(settings(db, 1024))) {
            assertThat(w.stats().state()).isEqualTo(StoreWriter.State.DEGRADED);
            assertThat(w.stats().reason()).contains(reason);
            offer(w, 0, 30);
            await("30 lost at the store", () -> w.stats().storeLost() == 30);
            assertThat(w.stats().state()).isEqualTo(StoreWriter.State.DEGRADED);
            List<String> notes = w.notes();
            assertThat(notes).hasSize(2);
            assertThat(notes.get(0)).startsWith("the event store " + db + " is degraded: ").contains(reason);
            assertThat(notes.get(1)).isEqualTo("30 events not stored: the store could not take them (they are in this log)");
            fix.run();
            await("recovered", () -> w.stats().state() == StoreWriter.State.OK);
            List<Event> later = offer(w, 100, 7);
            await("7 stored", () -> w.stats().stored() == 7);
            assertThat(w.notes()).containsExactly("the event store " + db + " works again");
            assertThat(w.stats().storeLost()).isEqualTo(30);
            w.close();
            try (EventStore r = EventStore.openReader(db)) {
                assertThat(Events.canon(r.query(EventQuery.ALL))).isEqualTo(Events.canon(Events.numbered(later)));
            }
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aDirectoryThatCannotBeCreatedDegradesTheStoreUntilItCan(@TempDir Path dir) throws Exception {
        // a regular file where the directory should be: root cannot create it either
        Path blocker = Files.writeString(dir.resolve("var"), "not a directory");
        degradesThenRecovers(blocker.resolve("events.db"), "cannot create its directory", () -> Files.delete(blocker));
    }

    @Test
    void aFileThatIsNotADatabaseDegradesTheStoreUntilItIsMovedAside(@TempDir Path dir) throws Exception {
        Path db = Files.writeString(dir.resolve("events.db"), "2019-03-15 15:42:12,CREATE,0,1,/x,/y,,deny\n".repeat(200));
        degradesThenRecovers(db, "SQLITE_NOTADB", () -> Files.move(db, dir.resolve("events.db.bad")));
    }

    @Test
    void anotherApplicationsDatabaseIsLeftAlone(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("events.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE notes (x TEXT)");
        }
        degradesThenRecovers(db, "an SQLite database, but not a filewall event store", () -> Files.delete(db));
    }

    @Test
    void aLockedDatabaseDegradesTheStoreUntilTheLockIsGone(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("events.db");
        EventStore.openWriter(db).close();
        Connection locker = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (StoreWriter w = StoreWriter.start(settings(db, 1024))) {
            try (Statement s = locker.createStatement()) {
                s.execute("BEGIN EXCLUSIVE");
            }
            offer(w, 0, 3);
            await("3 lost at the store", () -> w.stats().storeLost() == 3);
            assertThat(w.stats().state()).isEqualTo(StoreWriter.State.DEGRADED);
            assertThat(w.stats().reason()).contains("SQLITE_BUSY");
            assertThat(w.notes()).contains("3 events not stored: the store could not take them (they are in this log)");
            locker.close();
            List<Event> later = offer(w, 10, 5);
            await("5 stored", () -> w.stats().stored() == 5);
            assertThat(w.stats().state()).isEqualTo(StoreWriter.State.OK);
            assertThat(w.notes()).contains("the event store " + db + " works again");
            w.close();
            try (EventStore r = EventStore.openReader(db)) {
                assertThat(Events.canon(r.query(EventQuery.ALL))).isEqualTo(Events.canon(Events.numbered(later)));
            }
        } finally {
            locker.close();
        }
    }

    @Test
    void theWriterPrunesByAge(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("events.db");
        Instant now = Instant.now();
        var s = new StoreWriter.Settings(db, new Retention(Duration.ofDays(1), 0), 10_000, RETRY);
        try (StoreWriter w = StoreWriter.start(s)) {
            for (int i = 0; i < 2500; i++) w.offer(Events.simple(now.minus(Duration.ofDays(2)), "/old", "/x", 0));
            w.offer(Events.simple(now, "/new", "/x", 0));
            await("the old events pruned", () -> {
                try {
                    return rows(db) == 1;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(w.stats().stored()).isEqualTo(2501);
        }
    }
}
