package dev.filewall.logstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The daemon's event pipeline at {@code time}, stage by stage: the kernel's ring buffer (events sent,
 * lost because it was full), the CSV log (written, malformed records skipped), and the store's hand-off
 * and store ({@code store} null when run with --no-store). The daemon writes it to a file every second
 * for {@code filewall status}.
 */
public record PipelineStatus(Instant time, long ringSent, long ringLost, long logged, long malformed, StoreWriter.Stats store) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** Replaces the file whole (a rename), so a reader never sees half of it. */
    public void write(Path file) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("time", time.toString());
        o.putObject("ring").put("sent", ringSent).put("lost", ringLost);
        o.putObject("log").put("written", logged).put("malformed", malformed);
        if (store != null) {
            o.putObject("handoff").put("taken", store.offered()).put("lost", store.handoffLost()).put("queued", store.queued());
            o.putObject("store").put("file", store.db().toString()).put("state", store.state().name().toLowerCase())
                    .put("reason", store.reason()).put("since", store.since().toString()).put("stored", store.stored())
                    .put("lost", store.storeLost());
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, JSON.writeValueAsString(o) + "\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public static Optional<PipelineStatus> read(Path file) throws IOException {
        if (!Files.exists(file)) return Optional.empty();
        JsonNode o = JSON.readTree(file.toFile());
        StoreWriter.Stats store = null;
        if (o.has("store")) {
            JsonNode h = o.path("handoff"), s = o.path("store");
            store = new StoreWriter.Stats(Path.of(s.path("file").asText()),
                    StoreWriter.State.valueOf(s.path("state").asText().toUpperCase()), s.path("reason").asText(),
                    Instant.parse(s.path("since").asText()), h.path("taken").asLong(), h.path("lost").asLong(),
                    s.path("stored").asLong(), s.path("lost").asLong(), h.path("queued").asInt());
        }
        return Optional.of(new PipelineStatus(Instant.parse(o.path("time").asText()), o.path("ring").path("sent").asLong(),
                o.path("ring").path("lost").asLong(), o.path("log").path("written").asLong(),
                o.path("log").path("malformed").asLong(), store));
    }

    /** What {@code filewall status} prints after the kernel's counts (which include the ring's). */
    public List<String> lines(ZoneId zone) {
        List<String> out = new ArrayList<>();
        out.add("log:         " + StoreWriter.events(logged) + " written to the CSV log, " + malformed + " malformed skipped (as of "
                + LOCAL.format(time.atZone(zone)) + ")");
        if (store == null) {
            out.add("store:       off (the daemon runs with --no-store)");
            return out;
        }
        out.add("hand-off:    " + StoreWriter.events(store.offered()) + " taken, " + store.handoffLost() + " lost (it was full), "
                + store.queued() + " queued");
        out.add("store:       " + StoreWriter.events(store.stored()) + " stored, " + store.storeLost() + " lost, in " + store.db());
        out.add(store.state() == StoreWriter.State.OK
                ? "store state: ok since " + LOCAL.format(store.since().atZone(zone))
                : "store state: degraded since " + LOCAL.format(store.since().atZone(zone)) + ": " + store.reason());
        return out;
    }
}
