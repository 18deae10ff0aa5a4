package dev.filewall.events;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneId;

/** Appends events to the CSV log and, if asked, the JSON-lines log; flushed once per drained batch. */
public final class EventLog implements AutoCloseable {
    private final BufferedWriter csv;
    private final BufferedWriter json;
    private final ZoneId zone;

    public EventLog(Path csvPath, Path jsonPath, ZoneId zone) throws IOException {
        this.csv = open(csvPath);
        this.json = jsonPath == null ? null : open(jsonPath);
        this.zone = zone;
    }

    private static BufferedWriter open(Path p) throws IOException {
        if (p.getParent() != null) Files.createDirectories(p.getParent());
        return Files.newBufferedWriter(p, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    public void write(Event e) {
        try {
            csv.write(EventFormat.csv(e, zone));
            csv.write('\n');
            if (json != null) {
                json.write(EventFormat.json(e));
                json.write('\n');
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** A line that is not an event, e.g. the count of events the kernel dropped. */
    public void note(String line) {
        try {
            csv.write("# " + line + "\n");
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public void flush() {
        try {
            csv.flush();
            if (json != null) json.flush();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void close() throws IOException {
        try (csv; BufferedWriter j = json) {
            flush();
        }
    }
}
