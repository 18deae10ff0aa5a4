package dev.filewall.logstore;

import dev.filewall.events.Event;
import dev.filewall.rules.Action;
import dev.filewall.rules.Operation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Reads an iLocker-format log, as {@link dev.filewall.events.EventFormat#csv} writes it, into a store:
 * {@code time,OPERATION,uid,pid,exe_path,file_path,file_path2,action[,repeats=N]}, RFC 4180 quoting, {@code \xHH} for a
 * byte that is not UTF-8 and {@code \\} for a backslash (raw bytes are taken as they are). A line starting
 * with '#' is a note, a blank line nothing. The fields the format lacks come back as: ppid 0, rule -1,
 * generation 0, an empty cmdline; repeats is 0 unless the ninth field gives it. Times are local times of {@code zone}; the seed's one-digit
 * hours ("5:42:12") are read too. A malformed record is skipped, counted and described (file:line:col).
 */
public final class CsvImport {
    private CsvImport() {}

    /** {@code errors} holds the first {@link #MAX_ERRORS} of the {@code malformed} records' errors. */
    public record Result(long events, long malformed, List<String> errors) {}

    public static final int MAX_ERRORS = 20;
    private static final int BATCH = 10_000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd H:mm:ss")
            .withResolverStyle(ResolverStyle.STRICT);
    private static final String FORMAT = "time,OPERATION,uid,pid,exe_path,file_path,file_path2,action[,repeats=N]";

    /** {@code progress} is told the bytes read so far, every 64 KiB. */
    public static Result into(EventStore store, Path csv, ZoneId zone, LongConsumer progress) throws IOException, StoreException {
        long events = 0, malformed = 0;
        List<String> errors = new ArrayList<>();
        List<Event> batch = new ArrayList<>(BATCH);
        try (InputStream in = Files.newInputStream(csv)) {
            Bytes b = new Bytes(in, progress);
            while (true) {
                int line = b.line;
                int c = b.peek();
                if (c < 0) break;
                if (c == '#' || c == '\n' || c == '\r' && b.peekSecond() == '\n') {
                    b.skipLine();
                    continue;
                }
                try {
                    List<Field> fields;
                    try {
                        fields = record(b);
                    } catch (Malformed m) {
                        b.skipLine();
                        throw m;
                    }
                    batch.add(event(fields, zone));
                    events++;
                } catch (Malformed m) {
                    if (errors.size() < MAX_ERRORS) errors.add(csv + ":" + line + ":" + m.col + ": " + m.getMessage());
                    malformed++;
                }
                if (batch.size() == BATCH) {
                    store.append(batch);
                    batch.clear();
                }
            }
        }
        store.append(batch);
        return new Result(events, malformed, errors);
    }

    private static final class Malformed extends Exception {
        final int col;

        Malformed(int col, String message) {
            super(message);
            this.col = col;
        }
    }

    private record Field(byte[] bytes, int col) {
        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** One record's fields; consumes its line end. */
    private static List<Field> record(Bytes b) throws IOException, Malformed {
        List<Field> fields = new ArrayList<>(8);
        while (true) {
            int col = b.col;
            ByteArrayOutputStream f = new ByteArrayOutputStream();
            int c = b.next();
            if (c == '"') {
                while (true) {
                    c = b.next();
                    if (c < 0) throw new Malformed(col, "a quoted field is not closed before the end of the file");
                    if (c == '"') {
                        if (b.peek() != '"') break;
                        b.next();
                    }
                    f.write(c);
                }
                c = b.next();
                if (c == '\r' && b.peek() == '\n') c = b.next();
                if (c >= 0 && c != ',' && c != '\n')
                    throw new Malformed(b.col - 1, "'" + (char) c + "' after a closing quote: expected ',' or the end of the line");
            } else {
                while (c >= 0 && c != ',' && c != '\n') {
                    if (c == '\r' && b.peek() == '\n') {
                        c = b.next();
                        break;
                    }
                    f.write(c);
                    c = b.next();
                }
            }
            fields.add(new Field(f.toByteArray(), col));
            if (c != ',') return fields;
        }
    }

    private static Event event(List<Field> f, ZoneId zone) throws Malformed {
        if (f.size() != 8 && f.size() != 9)
            throw new Malformed(1, f.size() + (f.size() == 1 ? " field" : " fields") + ", expected 8 or 9: " + FORMAT);
        Instant time;
        try {
            time = LocalDateTime.parse(f.get(0).text(), TIME).atZone(zone).toInstant();
            EventStore.nanos(time);
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new Malformed(1, "time '" + f.get(0).text() + "': expected YYYY-MM-DD HH:MM:SS between the years 1677 and 2262");
        }
        Operation op = Operation.parse(f.get(1).text())
                .orElseThrow(() -> new Malformed(f.get(1).col(), "unknown operation '" + f.get(1).text() + "'"));
        long uid;
        int pid;
        try {
            uid = Integer.toUnsignedLong(Integer.parseUnsignedInt(f.get(2).text()));
        } catch (NumberFormatException e) {
            throw new Malformed(f.get(2).col(), "uid '" + f.get(2).text() + "': expected 0 to 4294967295");
        }
        try {
            pid = Integer.parseInt(f.get(3).text());
        } catch (NumberFormatException e) {
            throw new Malformed(f.get(3).col(), "pid '" + f.get(3).text() + "': expected an integer");
        }
        String word = f.get(7).text();
        Action action = word.equals("dryrun-deny") ? Action.DENY : Action.parse(word).orElseThrow(() ->
                new Malformed(f.get(7).col(), "action '" + word + "': expected pass, log, deny or dryrun-deny"));
        int repeats = 0;
        if (f.size() == 9) {
            String r = f.get(8).text();
            try {
                if (!r.startsWith("repeats=")) throw new NumberFormatException();
                repeats = Integer.parseUnsignedInt(r.substring("repeats=".length()));
            } catch (NumberFormatException e) {
                throw new Malformed(f.get(8).col(), "'" + r + "': expected repeats=N, N from 0 to 4294967295");
            }
        }
        return new Event(time, op, uid, pid, 0, -1, action, word.equals("dryrun-deny") ? Event.DRY_RUN : 0, 0, repeats,
                unescape(f.get(4).bytes()), new byte[0], unescape(f.get(5).bytes()), unescape(f.get(6).bytes()));
    }

    /** Undoes EventFormat.text: {@code \\} is a backslash, {@code \xHH} a byte; any other backslash is itself. */
    static byte[] unescape(byte[] s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length);
        for (int i = 0; i < s.length; i++) {
            if (s[i] == '\\' && i + 1 < s.length && s[i + 1] == '\\') {
                out.write('\\');
                i++;
            } else if (s[i] == '\\' && i + 3 < s.length && s[i + 1] == 'x' && hex(s[i + 2]) >= 0 && hex(s[i + 3]) >= 0) {
                out.write(hex(s[i + 2]) << 4 | hex(s[i + 3]));
                i += 3;
            } else {
                out.write(s[i]);
            }
        }
        return out.toByteArray();
    }

    private static int hex(byte c) {
        return Character.digit(c, 16);
    }

    /** The file's bytes, one at a time, with the line and column (1-based, in bytes) of the next one. */
    private static final class Bytes {
        private final InputStream in;
        private final LongConsumer progress;
        private final byte[] buf = new byte[1 << 16];
        private int pos, len;
        private long total;
        int line = 1, col = 1;

        Bytes(InputStream in, LongConsumer progress) {
            this.in = in;
            this.progress = progress;
        }

        private boolean fill() throws IOException {
            if (pos < len) return true;
            len = in.readNBytes(buf, 0, buf.length);
            pos = 0;
            total += len;
            progress.accept(total);
            return len > 0;
        }

        int peek() throws IOException {
            return fill() ? buf[pos] & 0xff : -1;
        }

        /** The byte after the next one, or -1. */
        int peekSecond() throws IOException {
            if (pos + 1 >= len) {
                System.arraycopy(buf, pos, buf, 0, len - pos);
                len -= pos;
                pos = 0;
                int n = in.readNBytes(buf, len, buf.length - len);
                len += n;
                total += n;
            }
            return pos + 1 < len ? buf[pos + 1] & 0xff : -1;
        }

        int next() throws IOException {
            if (!fill()) return -1;
            int c = buf[pos++] & 0xff;
            if (c == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
            return c;
        }

        void skipLine() throws IOException {
            int c;
            do c = next(); while (c >= 0 && c != '\n');
        }
    }
}
