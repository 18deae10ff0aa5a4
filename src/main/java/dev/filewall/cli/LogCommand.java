package dev.filewall.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.filewall.daemon.Config;
import dev.filewall.events.Event;
import dev.filewall.events.EventFormat;
import dev.filewall.logstore.CsvImport;
import dev.filewall.logstore.EventFilters;
import dev.filewall.logstore.EventQuery;
import dev.filewall.logstore.EventStore;
import dev.filewall.logstore.LogWeb;
import dev.filewall.logstore.StoreException;
import dev.filewall.logstore.StoredEvent;
import dev.filewall.logstore.Summary;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "log", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Search and summarise the events the daemon stored (deny and log decisions):",
                "its store while it runs, a copied store (--file X.db), or an iLocker-format",
                "CSV log (--file X.csv, imported into a temporary store). Filters combine.",
                "Examples:",
                "  filewall log --since 10m --action deny",
                "  filewall log --exe '/usr/bin/irj*' --summary path",
                "  filewall log --file old.log --path '/usr/lib/*' --format csv",
                "  filewall log --follow --op CREATE"})
final class LogCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--db", paramLabel = "FILE", description = "the daemon's event store (default " + DEFAULT_DB + ")")
    Path db;

    @Option(names = "--file", paramLabel = "FILE", description = "a copied store, or an iLocker-format CSV log")
    Path file;

    @Option(names = "--since", paramLabel = "TIME",
            description = {"events at or after TIME: 30s, 10m, 2h, 3d back from now, or a time",
                    "such as 2026-11-26T10:00, '2026-11-26 10:00:00', 2026-11-26, 10:00,",
                    "2026-11-26T10:00Z or 2026-11-26T10:00+01:00"})
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "events before TIME (same forms)")
    String until;

    @Option(names = "--op", paramLabel = "OP", description = "one operation: OPEN, READ, WRITE, CREATE, ... (see README)")
    String op;

    @Option(names = "--action", paramLabel = "ACTION", description = "pass, log, deny or dryrun-deny")
    String action;

    @Option(names = "--uid", paramLabel = "N", description = "the process's fsuid") String uid;
    @Option(names = "--pid", paramLabel = "N", description = "the process id") String pid;

    @Option(names = "--exe", paramLabel = "GLOB", description = "the program file, a pattern as in the rules")
    String exe;

    @Option(names = "--path", paramLabel = "GLOB", description = "the file operated on or, for RENAME and LINK, the second path")
    String path;

    @Option(names = "--rule", paramLabel = "N", description = "the deciding rule's index (as explain prints it); -1: no rule, the default")
    String rule;

    @Option(names = "--limit", paramLabel = "N", description = "the N newest events, or the N largest summary lines")
    String limit;

    @Option(names = "--format", paramLabel = "table|csv|json", defaultValue = "table",
            description = "table (default), csv (the log's line format) or json (one object per line)")
    String format;

    @Option(names = "--follow", description = "print the last events (10 unless --limit), then new ones as they are stored")
    boolean follow;

    @Option(names = "--summary", paramLabel = "exe|path|op|rule|uid",
            description = "count the events per program, path, operation, rule or uid, with the first and last seen")
    String summary;

    @Option(names = "--zone", paramLabel = "ZONE",
            description = "time zone of the times given, shown and in a CSV log (default: this machine's)")
    String zone;

    @Option(names = "--serve", paramLabel = "HOST:PORT", converter = RunCommand.AddressConverter.class,
            description = "serve the log view here instead: a read-only web page of these events, e.g. 127.0.0.1:8080 (Ctrl-C stops)")
    Config.Address serve;

    @Option(names = "--allow-remote", description = "let --serve listen on an address that is not loopback: the page has no login")
    boolean allowRemote;

    static final String DEFAULT_DB = "/var/lib/filewall/events.db";
    static final Duration POLL = Duration.ofMillis(500);
    /** Rows a table measures at once: its widths only grow, so earlier rows stay as printed. */
    private static final int CHUNK = 1000;
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A flag value that is not valid: exit 2 with the message. */
    private static final class Usage extends Exception {
        Usage(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        ZoneId z;
        EventQuery q;
        Summary.By by;
        try {
            z = zone == null ? ZoneId.systemDefault() : parseZone(zone);
            q = query(z, Instant.now());
            by = summary == null ? null : Summary.By.parse(summary)
                    .orElseThrow(() -> new Usage("--summary '" + summary + "': expected exe, path, op, rule or uid"));
            if (!List.of("table", "csv", "json").contains(format))
                throw new Usage("--format '" + format + "': expected table, csv or json");
            if (db != null && file != null) throw new Usage("give --db or --file, not both");
            if (follow && by != null) throw new Usage("--follow prints events as they come; it does not take --summary");
            if (serve != null && (follow || by != null || !q.equals(EventQuery.ALL)))
                throw new Usage("--serve filters in the page: it takes no filter, --summary or --follow");
        } catch (Usage u) {
            err.println("filewall log: " + u.getMessage());
            return Main.USAGE;
        }
        Opened o;
        try {
            o = open(err, z);
        } catch (Usage u) {
            err.println("filewall log: " + u.getMessage());
            return Main.USAGE;
        } catch (StoreException | IOException e) {
            err.println("filewall log: " + e.getMessage());
            return file != null ? Main.RULES_INVALID : Main.RUNTIME;
        }
        try (EventStore store = o.store) {
            if (serve != null) return serve(store, out, err);
            if (by != null) printSummary(store.summary(q, by), by, z, out, err);
            else if (follow) follow(store, q, z, out);
            else print(store, q, z, out, err);
        } catch (StoreException e) {
            err.println("filewall log: " + e.getMessage());
            return Main.RUNTIME;
        }
        out.flush();
        return o.malformed > 0 ? Main.RULES_INVALID : 0;
    }

    private int serve(EventStore store, PrintWriter out, PrintWriter err) {
        try (LogWeb web = LogWeb.start(serve.socket(), allowRemote, store.file())) {
            if (!web.address().getAddress().isLoopbackAddress())
                err.println("filewall log: warning: the log view is open to the network, and has no login");
            out.println("filewall log: the log view is at " + web.url() + " (read-only; Ctrl-C stops)");
            out.flush();
            err.flush();
            web.serveUntilShutdown(store);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("filewall log: --serve " + e.getMessage() + " (--allow-remote)");
            return Main.USAGE;
        } catch (IOException e) {
            err.println("filewall log: " + e.getMessage());
            return Main.RUNTIME;
        }
    }

    private EventQuery query(ZoneId z, Instant now) throws Usage {
        String[] given = {since, until, op, action, uid, pid, rule, limit, exe, path};
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < given.length; i++) if (given[i] != null) values.put(EventFilters.NAMES.get(i), given[i]);
        try {
            return EventFilters.parse(values, "--", Integer.MAX_VALUE, now, z);
        } catch (EventFilters.Invalid e) {
            throw new Usage(e.getMessage());
        }
    }

    private static ZoneId parseZone(String s) throws Usage {
        try {
            return EventFilters.zone("--zone", s);
        } catch (EventFilters.Invalid e) {
            throw new Usage(e.getMessage());
        }
    }

    private record Opened(EventStore store, long malformed) {}

    private Opened open(PrintWriter err, ZoneId z) throws Usage, StoreException, IOException {
        if (file == null) return new Opened(EventStore.openReader(db != null ? db : Path.of(DEFAULT_DB)), 0);
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such file");
        if (isSqlite(file)) return new Opened(EventStore.openReader(file), 0);
        if (follow) throw new Usage("--follow reads a store that is being written; " + file + " is a CSV log, imported once");
        EventStore store = EventStore.createTemporary(file.toAbsolutePath().getParent());
        try {
            CsvImport.Result r = CsvImport.into(store, file, z, progress(file));
            r.errors().forEach(err::println);
            if (r.malformed() > 0)
                err.println(file + ": " + r.malformed() + (r.malformed() == 1 ? " malformed record" : " malformed records") + " skipped"
                        + (r.malformed() > r.errors().size() ? " (the first " + r.errors().size() + " are shown)" : "")
                        + ", " + r.events() + " events read");
            err.flush();
            store.addIndexes();
            return new Opened(store, r.malformed());
        } catch (StoreException | IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static boolean isSqlite(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            return Arrays.equals(in.readNBytes(SQLITE_MAGIC.length), SQLITE_MAGIC);
        }
    }

    /** A percentage on stderr, only when it is a terminal: a long import shows it is moving. */
    private static LongConsumer progress(Path f) throws IOException {
        if (System.console() == null) return n -> {};
        long size = Math.max(1, Files.size(f));
        long[] shown = {System.nanoTime()};
        return n -> {
            long now = System.nanoTime();
            if (n >= size) System.err.print("\r\033[K");
            else if (now - shown[0] > 250_000_000L) {
                System.err.printf("\rimporting %s: %d%%", f.getFileName(), n * 100 / size);
                shown[0] = now;
            }
            System.err.flush();
        };
    }

    private void print(EventStore store, EventQuery q, ZoneId z, PrintWriter out, PrintWriter err) throws StoreException {
        Printer p = printer(z, out);
        // --limit keeps the newest; they still print oldest first, like tail
        List<StoredEvent> chunk = new ArrayList<>();
        long[] n = {0};
        if (q.limit() > 0) {
            List<StoredEvent> rows = store.query(q.withNewestFirst(true));
            p.print(rows.reversed());
            n[0] = rows.size();
        } else {
            store.query(q, e -> {
                chunk.add(e);
                n[0]++;
                if (chunk.size() == CHUNK) {
                    p.print(chunk);
                    chunk.clear();
                }
            });
            p.print(chunk);
        }
        if (n[0] == 0 && format.equals("table")) err.println("filewall log: no events match");
    }

    private void follow(EventStore store, EventQuery q, ZoneId z, PrintWriter out) throws StoreException {
        Printer p = printer(z, out);
        long cursor = store.lastId();
        List<StoredEvent> last = store.query(q.withNewestFirst(true).withLimit(q.limit() > 0 ? q.limit() : 10)).reversed();
        p.print(last);
        for (StoredEvent e : last) cursor = Math.max(cursor, e.id());
        EventQuery next = q.withLimit(0);
        while (!Thread.currentThread().isInterrupted()) {
            out.flush();
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                return;
            }
            List<StoredEvent> rows = store.query(next.withAfterId(cursor));
            p.print(rows);
            for (StoredEvent e : rows) cursor = Math.max(cursor, e.id());
        }
    }

    private Printer printer(ZoneId z, PrintWriter out) {
        return switch (format) {
            case "csv" -> rows -> rows.forEach(e -> out.println(EventFormat.csv(e.event(), z)));
            case "json" -> rows -> rows.forEach(e -> out.println(EventFormat.json(e.event())));
            default -> {
                Table t = new Table(out, new String[] {"TIME", "ACTION", "OP", "UID", "PID", "RULE", "COUNT", "EXE", "PATH"},
                        new boolean[] {false, false, false, true, true, true, true, false, false});
                yield rows -> t.print(rows.stream().map(e -> cells(e.event(), z)).toList());
            }
        };
    }

    private static String[] cells(Event e, ZoneId z) {
        String path = cell(e.path()) + (e.path2().length > 0 ? " -> " + cell(e.path2()) : "");
        return new String[] {LOCAL.format(e.time().atZone(z)), e.actionWord(), e.op().name(), Long.toString(e.uid()),
                Integer.toString(e.pid()), e.rule() < 0 ? "-" : Integer.toString(e.rule()),
                Long.toString(1 + Integer.toUnsignedLong(e.repeats())), cell(e.exe()), path};
    }

    /** The log's text, with control characters as \xHH too, so a row stays one line. */
    private static String cell(byte[] b) {
        return escapeControls(EventFormat.text(b));
    }

    private static String escapeControls(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c == 0x7f) out.append(String.format("\\x%02x", (int) c));
            else out.append(c);
        }
        return out.toString();
    }

    private void printSummary(List<Summary> rows, Summary.By by, ZoneId z, PrintWriter out, PrintWriter err) {
        if (rows.isEmpty() && format.equals("table")) err.println("filewall log: no events match");
        switch (format) {
            case "csv" -> {
                out.println(by.word() + ",count,first_seen,last_seen");
                for (Summary s : rows)
                    out.println(csvField(s.key()) + "," + s.count() + "," + LOCAL.format(s.first().atZone(z)) + ","
                            + LOCAL.format(s.last().atZone(z)));
            }
            case "json" -> {
                for (Summary s : rows) {
                    ObjectNode o = JSON.createObjectNode();
                    o.put(by.word(), s.key());
                    o.put("count", s.count());
                    o.put("first_seen", s.first().toString());
                    o.put("last_seen", s.last().toString());
                    try {
                        out.println(JSON.writeValueAsString(o));
                    } catch (JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
            default -> new Table(out, new String[] {"COUNT", "FIRST SEEN", "LAST SEEN", by.word().toUpperCase()},
                    new boolean[] {true, false, false, false}).print(rows.stream().map(s -> new String[] {
                            Long.toString(s.count()), LOCAL.format(s.first().atZone(z)), LOCAL.format(s.last().atZone(z)),
                            escapeControls(s.key())}).toList());
        }
    }

    private static String csvField(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    private interface Printer {
        void print(List<StoredEvent> rows);
    }

    /** Aligned columns for a terminal; the last column is not padded. */
    private static final class Table {
        private final PrintWriter out;
        private final String[] header;
        private final boolean[] right;
        private final int[] width;
        private boolean headed;

        Table(PrintWriter out, String[] header, boolean[] right) {
            this.out = out;
            this.header = header;
            this.right = right;
            this.width = new int[header.length];
            for (int i = 0; i < header.length; i++) width[i] = header[i].length();
        }

        void print(List<String[]> rows) {
            if (rows.isEmpty()) return;
            for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].codePointCount(0, r[i].length()));
            if (!headed) line(header);
            headed = true;
            rows.forEach(this::line);
        }

        private void line(String[] cells) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < cells.length; i++) {
                String pad = " ".repeat(width[i] - cells[i].codePointCount(0, cells[i].length()));
                if (i == cells.length - 1) s.append(cells[i]);
                else s.append(right[i] ? pad + cells[i] : cells[i] + pad).append("  ");
            }
            out.println(s);
        }
    }
}
