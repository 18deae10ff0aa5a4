package dev.filewall.logstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineStatusTest {
    static final Instant T = Instant.parse("2026-11-26T10:00:00Z");

    @Test
    void theStatusFileComesBackAsWritten(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("status.json");
        assertThat(PipelineStatus.read(f)).isEmpty();
        var stats = new StoreWriter.Stats(Path.of("/var/lib/filewall/events.db"), StoreWriter.State.DEGRADED,
                "/var/lib/filewall/events.db: [SQLITE_BUSY] The database file is locked", T.minusSeconds(5), 120, 3, 100, 17, 0);
        PipelineStatus s = new PipelineStatus(T, 130, 7, 123, 1, stats);
        s.write(f);
        assertThat(PipelineStatus.read(f)).isEqualTo(Optional.of(s));
        // replaced whole, no temporary file left beside it
        new PipelineStatus(T, 131, 7, 124, 1, null).write(f);
        assertThat(PipelineStatus.read(f).orElseThrow().store()).isNull();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("status.json");
        }
    }

    @Test
    void statusLinesNameEveryStage() {
        var ok = new StoreWriter.Stats(Path.of("/s/events.db"), StoreWriter.State.OK, "not opened yet", T, 120, 3, 117, 0, 0);
        assertThat(new PipelineStatus(T, 130, 7, 123, 1, ok).lines(ZoneOffset.UTC)).containsExactly(
                "log:         123 events written to the CSV log, 1 malformed skipped (as of 2026-11-26 10:00:00)",
                "hand-off:    120 events taken, 3 lost (it was full), 0 queued",
                "store:       117 events stored, 0 lost, in /s/events.db",
                "store state: ok since 2026-11-26 10:00:00");
        var bad = new StoreWriter.Stats(Path.of("/s/events.db"), StoreWriter.State.DEGRADED, "/s/events.db: disk full",
                T.minusSeconds(60), 120, 0, 100, 20, 0);
        assertThat(new PipelineStatus(T, 130, 7, 123, 1, bad).lines(ZoneOffset.UTC))
                .contains("store state: degraded since 2026-11-26 09:59:00: /s/events.db: disk full");
        assertThat(new PipelineStatus(T, 130, 7, 123, 1, null).lines(ZoneOffset.UTC))
                .containsExactly("log:         123 events written to the CSV log, 1 malformed skipped (as of 2026-11-26 10:00:00)",
                        "store:       off (the daemon runs with --no-store)");
    }
}
