package dev.filewall.logstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.events.Event;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionTest {
    static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");

    /** Prunes step by step until the store is within its limits; each step stays small. */
    static int pruneAll(EventStore s, Retention r) throws StoreException {
        int total = 0, n;
        while ((n = s.prune(r, NOW)) > 0) {
            assertThat(n).isLessThanOrEqualTo(EventStore.PRUNE_STEP);
            total += n;
        }
        return total;
    }

    static List<Long> ids(EventStore s) throws StoreException {
        return s.query(EventQuery.ALL.withNewestFirst(false)).stream().map(StoredEvent::id).sorted().toList();
    }

    @Test
    void ageDeletesExactlyTheEventsOlderThanTheLimit(@TempDir Path dir) throws Exception {
        try (EventStore s = EventStore.openWriter(dir.resolve("events.db"))) {
            List<Event> events = new ArrayList<>();
            // 10 days back to now, out of order: the oldest are not the first stored
            for (int i = 0; i < 3500; i++)
                events.add(Events.simple(NOW.minus(Duration.ofMinutes((i * 7919L) % 14400)), "/usr/bin/x", "/p" + i, 0));
            s.append(events);
            Instant cutoff = NOW.minus(Duration.ofDays(5));
            long older = events.stream().filter(e -> e.time().isBefore(cutoff)).count();
            assertThat(pruneAll(s, new Retention(Duration.ofDays(5), 0))).isEqualTo(older);
            List<StoredEvent> left = s.query(EventQuery.ALL);
            assertThat(left).hasSize((int) (events.size() - older));
            assertThat(left).allSatisfy(e -> assertThat(e.event().time()).isAfterOrEqualTo(cutoff));
        }
    }

    @Test
    void sizeDeletesTheOldestUntilTheStoreFits(@TempDir Path dir) throws Exception {
        try (EventStore s = EventStore.openWriter(dir.resolve("events.db"))) {
            List<Event> events = new ArrayList<>();
            for (int i = 0; i < 20_000; i++)
                events.add(Events.simple(NOW.minusSeconds(20_000 - i), "/usr/bin/x", "/srv/data/" + "d".repeat(80) + i, 0));
            s.append(events);
            long limit = s.usedBytes() / 2;
            Retention r = new Retention(Duration.ZERO, limit);
            assertThat(pruneAll(s, r)).isPositive();
            assertThat(s.usedBytes()).isLessThanOrEqualTo(limit);
            List<Long> left = ids(s);
            assertThat(left).isNotEmpty();
            // the newest stay, in one run up to the last stored
            assertThat(left).isEqualTo(LongStream.rangeClosed(20_001 - left.size(), 20_000).boxed().toList());
            // what was freed is reused: the store stays within the limit as events keep coming
            s.append(events.subList(0, 5000));
            pruneAll(s, r);
            assertThat(s.usedBytes()).isLessThanOrEqualTo(limit);
        }
    }

    @Test
    void withinTheLimitsNothingIsDeleted(@TempDir Path dir) throws Exception {
        try (EventStore s = EventStore.openWriter(dir.resolve("events.db"))) {
            s.append(List.of(Events.simple(NOW.minus(Duration.ofDays(29)), "/a", "/b", 0), Events.simple(NOW, "/a", "/c", 3)));
            assertThat(s.prune(Retention.DEFAULT, NOW)).isZero();
            assertThat(s.prune(Retention.NONE, NOW)).isZero();
            assertThat(ids(s)).containsExactly(1L, 2L);
        }
    }
}
