package dev.filewall.logstore;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.filewall.events.EventFormat;
import dev.filewall.rules.Operation;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The log view: one static page and a read-only JSON API over an event store, on the JDK's HTTP
 * server. GET only, no write action. It has no login, so it binds a loopback address unless the
 * caller allows another, and then also refuses a request whose Host is not a loopback name: a web
 * page elsewhere cannot read the log through a DNS name rebound to 127.0.0.1.
 *
 * <p>{@code /api/events}, {@code /api/summary} and {@code /api/timeline} take the filters of
 * {@code filewall log} as parameters, by the flags' names without the dashes ({@link EventFilters}),
 * and {@code zone} for the times typed without one. A bad parameter is a 400 with
 * {@code {"error": "..."}}; a store that cannot be read a 503 with the same shape.
 */
public final class LogWeb implements AutoCloseable {
    /** Events and summary lines an answer holds when the request does not say, and the most it can ask for. */
    static final int DEFAULT_EVENTS = 500, DEFAULT_SUMMARY = 100, MAX_LIMIT = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> FILES = Map.of("/", "index.html", "/app.js", "app.js", "/style.css", "style.css");
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");
    private static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final List<String> FILTERS_NO_LIMIT = EventFilters.NAMES.stream().filter(n -> !n.equals("limit")).toList();

    private final HttpServer server;
    private final ExecutorService executor;
    private final boolean remote;
    private final Path db;
    /** Two readers: a poll for new events never waits behind a summary or chart of a large store. */
    private final Reader live = new Reader(), aggregates = new Reader();
    private final CountDownLatch closed = new CountDownLatch(1);

    private LogWeb(HttpServer server, ExecutorService executor, boolean remote, Path db) {
        this.server = server;
        this.executor = executor;
        this.remote = remote;
        this.db = db;
    }

    /**
     * Serves the store at {@code db}, the daemon's while it writes or a copy. Its readers are opened at
     * the first request, and again after one failed, so a store that is missing or broken now is served
     * once it is back. {@code allowRemote} lets {@code at} be other than a loopback address.
     */
    public static LogWeb start(InetSocketAddress at, boolean allowRemote, Path db) throws IOException {
        checkAddress(at, allowRemote);
        boolean remote = !at.getAddress().isLoopbackAddress();
        HttpServer server;
        try {
            server = HttpServer.create(at, 32);
        } catch (IOException e) {
            throw new IOException("cannot serve the log view on " + address(at) + ": " + e.getMessage(), e);
        }
        // one thread per reader, and one for the page's files
        ExecutorService executor = Executors.newFixedThreadPool(3, r -> Thread.ofPlatform().name("filewall-web").daemon().unstarted(r));
        server.setExecutor(executor);
        LogWeb web = new LogWeb(server, executor, remote, db);
        server.createContext("/", ex -> {
            try (ex) {
                web.respond(ex);
            } catch (IOException | RuntimeException e) {
                // the client went away mid-answer, or a bug: the next request starts afresh
                System.err.println("filewall: log view: " + ex.getRequestURI() + ": " + e);
            }
        });
        server.start();
        return web;
    }

    /**
     * What {@link #start} refuses, for a caller that checks its flags before it starts anything: an
     * IllegalArgumentException for an address that is not loopback and not allowed, an IOException for
     * a host that does not resolve.
     */
    public static void checkAddress(InetSocketAddress at, boolean allowRemote) throws IOException {
        InetAddress ip = at.getAddress();
        if (ip == null) throw new IOException("cannot serve the log view on " + at.getHostString() + ": no such host");
        if (!ip.isLoopbackAddress() && !allowRemote)
            throw new IllegalArgumentException(address(at) + " is not a loopback address: the log view has no login, so anyone who"
                    + " reaches it reads the log; serve it on 127.0.0.1 or [::1], or allow a remote address explicitly");
    }

    private static String address(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The bound address: with port 0, the port the system chose. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    public String url() {
        return "http://" + address(server.getAddress()) + "/";
    }

    /** Waits until {@link #close()}, or an interrupt; a JVM shutdown (Ctrl-C) closes the server and {@code also}. */
    public void serveUntilShutdown(AutoCloseable also) {
        Thread hook = new Thread(() -> {
            close();
            try {
                also.close();
            } catch (Exception ignored) {
                // the process is ending; nothing is left to report to
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it closes everything
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        live.close();
        aggregates.close();
        closed.countDown();
    }

    private interface Read {
        Object from(EventStore s) throws StoreException, EventFilters.Invalid;
    }

    /** A reader of the store, opened when first needed and dropped when it fails, so the next request opens it afresh. */
    private final class Reader {
        private EventStore store;
        private boolean closed;

        /** Runs {@code r} on the store: a failure to read it is a 503 that names the file and what SQLite said. */
        synchronized Object read(Read r) throws Failure {
            if (closed) throw new Failure(503, "the log view is closing");
            try {
                if (store == null) store = EventStore.openReader(db);
                return r.from(store);
            } catch (StoreException e) {
                drop();
                throw new Failure(503, "the event store cannot be read: " + e.getMessage());
            } catch (EventFilters.Invalid e) {
                throw new Failure(400, e.getMessage());
            }
        }

        synchronized void close() {
            closed = true;
            drop();
        }

        private void drop() {
            if (store == null) return;
            try {
                store.close();
            } catch (StoreException ignored) {
                // a reader: nothing of it is lost
            }
            store = null;
        }
    }

    /** An answer other than 200: its status and message. */
    private static final class Failure extends Exception {
        final int status;

        Failure(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private void respond(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        boolean api = path.startsWith("/api/");
        try {
            if (!ex.getRequestMethod().equals("GET")) {
                ex.getResponseHeaders().set("Allow", "GET");
                throw new Failure(405, ex.getRequestMethod() + " is not allowed: the log view only reads (GET)");
            }
            if (!remote && !loopbackHost(ex.getRequestHeaders().getFirst("Host")))
                throw new Failure(403, "Host '" + ex.getRequestHeaders().getFirst("Host")
                        + "' is not a loopback name: open the log view as http://127.0.0.1:PORT/ or http://localhost:PORT/");
            if (FILES.containsKey(path)) {
                String name = FILES.get(path);
                send(ex, 200, TYPES.get(name.substring(name.lastIndexOf('.') + 1)), resource(name));
                return;
            }
            if (!api) throw new Failure(404, "no such page: " + path);
            Map<String, String> params = params(ex.getRequestURI().getRawQuery());
            Object body = switch (path) {
                case "/api/meta" -> meta(params);
                case "/api/events" -> events(params);
                case "/api/summary" -> summary(params);
                case "/api/timeline" -> timeline(params);
                default -> throw new Failure(404, "no such endpoint: " + path
                        + " (there are /api/events, /api/summary, /api/timeline and /api/meta)");
            };
            send(ex, 200, JSON_TYPE, JSON.writeValueAsBytes(body));
        } catch (Failure f) {
            if (api || f.status == 405 || f.status == 403) {
                ObjectNode o = JSON.createObjectNode().put("error", f.getMessage());
                send(ex, f.status, JSON_TYPE, JSON.writeValueAsBytes(o));
            } else {
                send(ex, f.status, "text/plain; charset=utf-8", (f.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** A name before a port; an IPv6 literal in brackets. */
    private static boolean loopbackHost(String host) {
        if (host == null) return false;
        String h = host.startsWith("[") ? host.substring(1, Math.max(1, host.indexOf(']')))
                : host.indexOf(':') >= 0 ? host.substring(0, host.indexOf(':')) : host;
        if (h.equalsIgnoreCase("localhost")) return true;
        if (h.equals("::1")) return true;
        return h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = LogWeb.class.getResourceAsStream("/web/" + name)) {
            if (in == null) throw new IOException("web/" + name + " is missing from the jar");
            return in.readAllBytes();
        }
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        var h = ex.getResponseHeaders();
        h.set("Content-Type", type);
        h.set("Cache-Control", "no-store");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        // the page runs its own script and style only: an event string that slipped into markup could not run
        h.set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                + " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
        boolean none = body.length == 0 || ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, none ? -1 : body.length);
        if (!none) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** The query string's parameters; a name given twice, or %-encoded bytes that are not UTF-8, is an error. */
    private static Map<String, String> params(String raw) throws Failure {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return out;
        for (String pair : raw.split("&", -1)) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq)), value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (out.put(name, value) != null) throw new Failure(400, "parameter '" + name + "' is given twice");
        }
        return out;
    }

    private static String decode(String s) throws Failure {
        try {
            // decoded as bytes first: a %-sequence that is not UTF-8 is refused, not turned into U+FFFD
            // (one that is not hex never gets here: the server's URI parser refuses the request line)
            byte[] b = URLDecoder.decode(s, StandardCharsets.ISO_8859_1).getBytes(StandardCharsets.ISO_8859_1);
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new Failure(400, "malformed query string near '" + s + "': the %-encoded bytes are not UTF-8");
        }
    }

    private static void only(Map<String, String> params, String endpoint, List<String> allowed) throws Failure {
        for (String name : params.keySet())
            if (!allowed.contains(name))
                throw new Failure(400, "unknown parameter '" + name + "': " + endpoint + " takes "
                        + (allowed.isEmpty() ? "none" : String.join(", ", allowed)));
    }

    private static List<String> with(List<String> names, String... more) {
        List<String> l = new ArrayList<>(names);
        l.addAll(Arrays.asList(more));
        return l;
    }

    private static EventQuery query(Map<String, String> params, int defaultLimit) throws Failure {
        try {
            ZoneId zone = params.containsKey("zone") ? EventFilters.zone("zone", params.get("zone")) : ZoneId.systemDefault();
            EventQuery q = EventFilters.parse(params, "", MAX_LIMIT, Instant.now(), zone);
            return defaultLimit > 0 && q.limit() == 0 ? q.withLimit(defaultLimit) : q;
        } catch (EventFilters.Invalid e) {
            throw new Failure(400, e.getMessage());
        }
    }

    private Object meta(Map<String, String> params) throws Failure {
        only(params, "/api/meta", List.of());
        ObjectNode o = JSON.createObjectNode();
        o.putPOJO("ops", Arrays.stream(Operation.values()).map(Enum::name).toList());
        o.putPOJO("actions", EventQuery.ACTIONS);
        o.putPOJO("summaries", Arrays.stream(Summary.By.values()).map(Summary.By::word).toList());
        o.put("eventsLimit", DEFAULT_EVENTS);
        return o;
    }

    /**
     * The newest events first, at most {@code limit} (default {@value #DEFAULT_EVENTS}); with {@code afterId}
     * only those stored after it. {@code lastId} is the cursor for the next poll; {@code truncated} says
     * more matched than were sent.
     */
    private Object events(Map<String, String> params) throws Failure {
        only(params, "/api/events", with(EventFilters.NAMES, "afterId", "zone"));
        EventQuery q;
        try {
            q = query(params, DEFAULT_EVENTS).withAfterId(params.containsKey("afterId")
                    ? EventFilters.number("afterId", params.get("afterId"), 0, Long.MAX_VALUE) : 0);
        } catch (EventFilters.Invalid e) {
            throw new Failure(400, e.getMessage());
        }
        return live.read(s -> {
            // the cursor is read first: an event stored during the query is then sent now or by the next poll, never lost
            long cursor = s.lastId();
            List<StoredEvent> rows = s.query(q.withNewestFirst(true).withLimit(q.limit() + 1));
            boolean truncated = rows.size() > q.limit();
            if (truncated) rows = rows.subList(0, q.limit());
            ObjectNode o = JSON.createObjectNode();
            ArrayNode events = o.putArray("events");
            for (StoredEvent e : rows) {
                cursor = Math.max(cursor, e.id());
                ObjectNode row = events.addObject();
                row.put("id", e.id());
                row.put("ms", e.event().time().toEpochMilli());
                row.putRawValue("event", new RawValue(EventFormat.json(e.event())));
            }
            o.put("lastId", cursor);
            o.put("truncated", truncated);
            return o;
        });
    }

    /** The groups by {@code by} (exe, path, op, rule or uid), largest first, at most {@code limit} (default {@value #DEFAULT_SUMMARY}). */
    private Object summary(Map<String, String> params) throws Failure {
        only(params, "/api/summary", with(EventFilters.NAMES, "by", "zone"));
        String word = params.get("by");
        if (word == null) throw new Failure(400, "by is missing: give by=exe, path, op, rule or uid");
        Summary.By by = Summary.By.parse(word).orElseThrow(() -> new Failure(400, "by '" + word + "': expected exe, path, op, rule or uid"));
        EventQuery q = query(params, DEFAULT_SUMMARY);
        return aggregates.read(s -> {
            List<Summary> rows = s.summary(q.withLimit(q.limit() + 1), by);
            boolean truncated = rows.size() > q.limit();
            ObjectNode o = JSON.createObjectNode();
            o.put("by", by.word());
            ArrayNode out = o.putArray("rows");
            for (Summary r : truncated ? rows.subList(0, q.limit()) : rows) {
                out.addObject().put("key", r.key()).put("count", r.count()).put("first", r.first().toString())
                        .put("last", r.last().toString()).put("firstMs", r.first().toEpochMilli()).put("lastMs", r.last().toEpochMilli());
            }
            o.put("truncated", truncated);
            return o;
        });
    }

    /**
     * Counts per time bucket and action word: {@code start} (ms), {@code bucketMs}, and per action an array
     * with a count for each bucket. {@code bucket} (10s, 5m, 1h, 1d) defaults to a size that gives at most
     * {@value LogWebTimeline#TARGET} buckets.
     */
    private Object timeline(Map<String, String> params) throws Failure {
        only(params, "/api/timeline", with(FILTERS_NO_LIMIT, "bucket", "zone"));
        EventQuery q = query(params, 0);
        Duration bucket;
        try {
            bucket = params.containsKey("bucket") ? LogWebTimeline.parseBucket("bucket", params.get("bucket")) : null;
        } catch (EventFilters.Invalid e) {
            throw new Failure(400, e.getMessage());
        }
        return aggregates.read(s -> {
            LogWebTimeline t = LogWebTimeline.of(s, q, bucket, Instant.now());
            ObjectNode o = JSON.createObjectNode();
            if (t.start() == null) o.putNull("start");
            else o.put("start", t.start().toEpochMilli());
            o.put("bucketMs", t.bucket().toMillis());
            o.put("bucket", LogWebTimeline.words(t.bucket()));
            ObjectNode counts = o.putObject("counts");
            t.counts().forEach((action, n) -> {
                ArrayNode a = counts.putArray(action);
                for (long c : n) a.add(c);
            });
            return o;
        });
    }
}
