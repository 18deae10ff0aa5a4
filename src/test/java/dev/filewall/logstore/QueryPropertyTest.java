package dev.filewall.logstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.events.Event;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The store's queries and summaries against a filter over a plain list of the same events. */
class QueryPropertyTest {
    @Provide
    Arbitrary<List<Event>> events() {
        return Events.event().list().ofMaxSize(60);
    }

    @Provide
    Arbitrary<List<EventQuery>> queries() {
        return Events.query().list().ofMinSize(1).ofMaxSize(12);
    }

    @Property(tries = 150)
    void queriesAndSummariesEqualANaiveFilter(@ForAll("events") List<Event> events, @ForAll("queries") List<EventQuery> queries)
            throws Exception {
        List<StoredEvent> all = Events.numbered(events);
        try (EventStore store = EventStore.createTemporary()) {
            store.addIndexes();
            store.append(events);
            assertThat(Events.canon(store.query(EventQuery.ALL))).isEqualTo(Events.canon(Events.naiveQuery(all, EventQuery.ALL)));
            for (EventQuery q : queries) {
                assertThat(Events.canon(store.query(q))).as("%s", q).isEqualTo(Events.canon(Events.naiveQuery(all, q)));
                for (Summary.By by : Summary.By.values())
                    assertThat(store.summary(q, by)).as("%s by %s", q, by).isEqualTo(Events.naiveSummary(all, q, by));
            }
        }
    }

    @Property(tries = 30)
    void aReaderSeesWhatTheWriterStored(@ForAll("events") List<Event> events) throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("filewall-store");
        java.nio.file.Path db = dir.resolve("events.db");
        try (EventStore writer = EventStore.openWriter(db); EventStore reader = EventStore.openReader(db)) {
            writer.append(events);
            assertThat(Events.canon(reader.query(EventQuery.ALL)))
                    .isEqualTo(Events.canon(Events.naiveQuery(Events.numbered(events), EventQuery.ALL)));
            assertThat(reader.lastId()).isEqualTo(events.size());
        } finally {
            try (var files = java.nio.file.Files.list(dir)) {
                for (java.nio.file.Path p : files.toList()) java.nio.file.Files.delete(p);
            }
            java.nio.file.Files.delete(dir);
        }
    }

    @Property(tries = 200)
    void theSmallestStringAboveAPrefixBoundsExactlyTheStringsWithIt(@ForAll("prefixes") byte[] prefix, @ForAll("prefixes") byte[] s) {
        byte[] above = EventStore.above(prefix);
        boolean starts = s.length >= prefix.length && java.util.Arrays.equals(s, 0, prefix.length, prefix, 0, prefix.length);
        boolean inRange = java.util.Arrays.compareUnsigned(s, prefix) >= 0
                && (above == null || java.util.Arrays.compareUnsigned(s, above) < 0);
        assertThat(inRange).isEqualTo(starts);
    }

    @Provide
    Arbitrary<byte[]> prefixes() {
        return Arbitraries.of((byte) 0, (byte) 'a', (byte) 0x7f, (byte) 0x80, (byte) 0xfe, (byte) 0xff).list().ofMaxSize(4).map(l -> {
            byte[] b = new byte[l.size()];
            for (int i = 0; i < b.length; i++) b[i] = l.get(i);
            return b;
        });
    }
}
