package dev.filewall.logstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.filewall.cli.Main;
import dev.filewall.events.Event;
import dev.filewall.events.EventFormat;
import dev.filewall.rules.Action;
import dev.filewall.rules.Operation;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LogWebApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-11-26T10:00:00Z");
    private final HttpClient http = HttpClient.newHttpClient();
    private LogWeb web;

    static Event event(Instant t, Action action, int flags, int repeats, String exe, byte[] path) {
        return new Event(t, Operation.CREATE, 0, 14840, 1, action == Action.PASS ? -1 : 2, action, flags, 1, repeats,
                exe.getBytes(StandardCharsets.UTF_8), (exe + " -x").getBytes(StandardCharsets.UTF_8), path, new byte[0]);
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static final List<Event> EVENTS = List.of(
            event(T, Action.DENY, 0, 0, "/usr/bin/irjsypzavm", b("/usr/bin/szklfovzwg")),
            event(T.plusSeconds(1), Action.DENY, 0, 41, "/usr/bin/irjsypzavm", b("/usr/lib/libudev.so")),
            event(T.plusSeconds(70), Action.LOG, 0, 0, "/usr/bin/a,b", b("/tmp/<script>\"q\"\nx")),
            event(T.plusSeconds(130), Action.DENY, Event.DRY_RUN, 2, "/usr/bin/cp", new byte[] {'/', 't', (byte) 0xff, '\\'}),
            event(T.plusSeconds(131), Action.PASS, 0, 0, "/usr/bin/rm", b("/tmp/x")));

    @AfterEach
    void close() throws Exception {
        if (web != null) web.close();
    }

    private Path fill(Path dir, List<Event> events) throws Exception {
        Path db = dir.resolve("events.db");
        try (EventStore w = EventStore.openWriter(db)) {
            w.append(events);
        }
        return db;
    }

    private void serve(Path dir) throws Exception {
        web = LogWeb.start(new InetSocketAddress("127.0.0.1", 0), false, fill(dir, EVENTS));
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).build());
    }

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + web.address().getPort() + pathAndQuery);
    }

    private HttpResponse<String> send(HttpRequest r) throws Exception {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(String pathAndQuery) throws Exception {
        HttpResponse<String> r = get(pathAndQuery);
        assertThat(r.statusCode()).as(pathAndQuery + " -> " + r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        return JSON.readTree(r.body());
    }

    private String error(String pathAndQuery, int status) throws Exception {
        HttpResponse<String> r = get(pathAndQuery);
        assertThat(r.statusCode()).as(pathAndQuery + " -> " + r.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(r.body());
        assertThat(names(body)).containsExactly("error");
        return body.get("error").asText();
    }

    static List<String> names(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void eventsComeNewestFirstWithTheLogsJsonAndACursor(@TempDir Path dir) throws Exception {
        serve(dir);
        JsonNode body = ok("/api/events");
        assertThat(names(body)).containsExactly("events", "lastId", "truncated");
        assertThat(body.get("lastId").asLong()).isEqualTo(5);
        assertThat(body.get("truncated").asBoolean()).isFalse();
        List<Long> ids = new ArrayList<>();
        body.get("events").forEach(e -> ids.add(e.get("id").asLong()));
        assertThat(ids).containsExactly(5L, 4L, 3L, 2L, 1L);
        for (JsonNode e : body.get("events")) {
            Event want = EVENTS.get((int) e.get("id").asLong() - 1);
            assertThat(e.get("ms").asLong()).isEqualTo(want.time().toEpochMilli());
            assertThat(e.get("event")).isEqualTo(JSON.readTree(EventFormat.json(want)));
        }
        assertThat(body.get("events").get(2).get("event").get("path").asText()).isEqualTo("/tmp/<script>\"q\"\nx");
        assertThat(body.get("events").get(1).get("event").get("path").asText()).isEqualTo("/t\\xff\\\\");
    }

    @Test
    void filtersAreTheLogCommandsAndAfterIdTakesOnlyNewerEvents(@TempDir Path dir) throws Exception {
        serve(dir);
        JsonNode deny = ok("/api/events?action=deny&exe=" + q("/usr/bin/irj*"));
        assertThat(deny.get("events")).extracting(e -> e.get("id").asLong()).containsExactly(2L, 1L);
        assertThat(ok("/api/events?action=dryrun-deny").get("events")).extracting(e -> e.get("id").asLong()).containsExactly(4L);
        assertThat(ok("/api/events?path=" + q("*<script>*") + "&op=create&uid=0&pid=14840&rule=-1").get("events")).isEmpty();
        assertThat(ok("/api/events?path=" + q("*<script>*") + "&op=create&uid=0&pid=14840&rule=2").get("events"))
                .extracting(e -> e.get("id").asLong()).containsExactly(3L);
        assertThat(ok("/api/events?since=" + q("2026-11-26 10:01") + "&until=" + q("2026-11-26T10:02:11") + "&zone=UTC")
                .get("events")).extracting(e -> e.get("id").asLong()).containsExactly(4L, 3L);
        JsonNode two = ok("/api/events?limit=2");
        assertThat(two.get("events")).extracting(e -> e.get("id").asLong()).containsExactly(5L, 4L);
        assertThat(two.get("truncated").asBoolean()).isTrue();

        JsonNode after = ok("/api/events?afterId=3");
        assertThat(after.get("events")).extracting(e -> e.get("id").asLong()).containsExactly(5L, 4L);
        assertThat(after.get("lastId").asLong()).isEqualTo(5);
        // the cursor moves past events the filter does not take, so a poll does not look at them again
        JsonNode none = ok("/api/events?afterId=3&action=log");
        assertThat(none.get("events")).isEmpty();
        assertThat(none.get("lastId").asLong()).isEqualTo(5);
    }

    @Test
    void summaryCountsRepeatsWithFirstAndLastSeen(@TempDir Path dir) throws Exception {
        serve(dir);
        JsonNode s = ok("/api/summary?by=exe");
        assertThat(names(s)).containsExactly("by", "rows", "truncated");
        assertThat(s.get("by").asText()).isEqualTo("exe");
        JsonNode first = s.get("rows").get(0);
        assertThat(names(first)).containsExactly("key", "count", "first", "last", "firstMs", "lastMs");
        assertThat(first.get("key").asText()).isEqualTo("/usr/bin/irjsypzavm");
        assertThat(first.get("count").asLong()).isEqualTo(1 + 42);
        assertThat(first.get("first").asText()).isEqualTo("2026-11-26T10:00:00Z");
        assertThat(first.get("last").asText()).isEqualTo("2026-11-26T10:00:01Z");
        assertThat(s.get("rows")).extracting(r -> r.get("key").asText())
                .containsExactly("/usr/bin/irjsypzavm", "/usr/bin/cp", "/usr/bin/a,b", "/usr/bin/rm");
        JsonNode top = ok("/api/summary?by=path&action=deny&limit=1");
        assertThat(top.get("rows")).extracting(r -> r.get("key").asText()).containsExactly("/usr/lib/libudev.so");
        assertThat(top.get("truncated").asBoolean()).isTrue();
        assertThat(ok("/api/summary?by=op").get("rows")).extracting(r -> r.get("key").asText() + "=" + r.get("count").asLong())
                .containsExactly("CREATE=48");
    }

    @Test
    void timelineCountsEveryBucketByAction(@TempDir Path dir) throws Exception {
        serve(dir);
        JsonNode t = ok("/api/timeline?bucket=1m");
        assertThat(names(t)).containsExactly("start", "bucketMs", "bucket", "counts");
        assertThat(t.get("start").asLong()).isEqualTo(T.toEpochMilli());
        assertThat(t.get("bucketMs").asLong()).isEqualTo(60_000);
        assertThat(t.get("bucket").asText()).isEqualTo("1m");
        assertThat(names(t.get("counts"))).containsExactly("pass", "log", "deny", "dryrun-deny");
        assertThat(counts(t, "deny")).containsExactly(43L, 0L, 0L);
        assertThat(counts(t, "log")).containsExactly(0L, 1L, 0L);
        assertThat(counts(t, "dryrun-deny")).containsExactly(0L, 0L, 3L);
        assertThat(counts(t, "pass")).containsExactly(0L, 0L, 1L);

        JsonNode auto = ok("/api/timeline?exe=" + q("/usr/bin/irj*"));
        assertThat(auto.get("bucket").asText()).isEqualTo("1s");
        assertThat(counts(auto, "deny")).containsExactly(1L, 42L);

        // since..until is the range, empty buckets included; a relative until is fine too
        JsonNode range = ok("/api/timeline?since=" + q("2026-11-26T09:58:00Z") + "&until=" + q("2026-11-26T10:03:00Z") + "&bucket=1m");
        assertThat(range.get("start").asLong()).isEqualTo(T.minusSeconds(120).toEpochMilli());
        assertThat(counts(range, "deny")).containsExactly(0L, 0L, 43L, 0L, 0L);

        JsonNode none = ok("/api/timeline?exe=nothing");
        assertThat(none.get("start").isNull()).isTrue();
        assertThat(counts(none, "deny")).isEmpty();
    }

    private static List<Long> counts(JsonNode t, String action) {
        List<Long> out = new ArrayList<>();
        t.get("counts").get(action).forEach(n -> out.add(n.asLong()));
        return out;
    }

    @Test
    void badParametersAre400WithAPreciseMessage(@TempDir Path dir) throws Exception {
        serve(dir);
        String[][] cases = {
                {"/api/events?since=yesterday", "since 'yesterday': expected a time back from now (30s, 10m, 2h, 3d) or an ISO-8601 time"
                        + " such as 2026-11-26T10:00, 2026-11-26 10:00:00, 2026-11-26, 10:00 or 2026-11-26T10:00:00Z"},
                {"/api/events?since=1h&until=2h", "since 1h is not before until 2h"},
                {"/api/events?op=FLY", "op 'FLY': expected one of [OPEN, READ, WRITE, CREATE, MKDIR, RMDIR, UNLINK, RENAME, LINK, "
                        + "SYMLINK, TRUNCATE, CHMOD, CHOWN, SETATTR, SETXATTR, EXEC, MKNOD, KILL, PTRACE, BPF_MAP, UMOUNT]"},
                {"/api/events?action=block", "action 'block': expected pass, log, deny or dryrun-deny"},
                {"/api/events?uid=-1", "uid '-1': expected an integer from 0 to 4294967295"},
                {"/api/events?pid=x", "pid 'x': expected an integer from 0 to 2147483647"},
                {"/api/events?rule=-2", "rule '-2': expected an integer from -1 to 2147483647"},
                {"/api/events?limit=10001", "limit '10001': expected an integer from 1 to 10000"},
                {"/api/events?exe=" + q("/usr/[bin"), "exe '/usr/[bin': at character 6: unclosed '[': a class ends with ']'"},
                {"/api/events?path=" + q("/x\\"), "path '/x\\': at character 3: a trailing '\\' escapes nothing"},
                {"/api/events?zone=Mars", "zone 'Mars': expected a zone such as UTC, Europe/Berlin or +02:00"},
                {"/api/events?afterId=-1", "afterId '-1': expected an integer from 0 to 9223372036854775807"},
                {"/api/events?by=exe", "unknown parameter 'by': /api/events takes since, until, op, action, uid, pid, rule, limit, "
                        + "exe, path, afterId, zone"},
                {"/api/events?op=OPEN&op=READ", "parameter 'op' is given twice"},
                {"/api/events?exe=%ff", "malformed query string near '%ff': the %-encoded bytes are not UTF-8"},
                {"/api/summary", "by is missing: give by=exe, path, op, rule or uid"},
                {"/api/summary?by=file", "by 'file': expected exe, path, op, rule or uid"},
                {"/api/summary?by=exe&afterId=1", "unknown parameter 'afterId': /api/summary takes since, until, op, action, uid, pid,"
                        + " rule, limit, exe, path, by, zone"},
                {"/api/timeline?bucket=0s", "bucket '0s': expected a bucket size of a second or more: 10s, 5m, 1h, 1d"},
                {"/api/timeline?bucket=500ms", "bucket '500ms': expected a bucket size of a second or more: 10s, 5m, 1h, 1d"},
                {"/api/timeline?limit=5", "unknown parameter 'limit': /api/timeline takes since, until, op, action, uid, pid, rule,"
                        + " exe, path, bucket, zone"},
                {"/api/timeline?bucket=1s&since=" + q("2026-11-20T00:00:00Z") + "&until=" + q("2026-11-27T00:00:00Z"),
                        "bucket '1s' over 7d makes 604800 buckets, more than 10000: give a larger bucket or a shorter since..until"},
                {"/api/meta?x=1", "unknown parameter 'x': /api/meta takes none"}};
        for (String[] c : cases) assertThat(error(c[0], 400)).as(c[0]).isEqualTo(c[1]);
    }

    @Test
    void onlyGetIsAllowedAndUnknownPathsAre404(@TempDir Path dir) throws Exception {
        serve(dir);
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")) {
            for (String path : List.of("/api/events", "/")) {
                HttpResponse<String> r = send(HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.noBody()).build());
                assertThat(r.statusCode()).as(method + " " + path).isEqualTo(405);
                assertThat(r.headers().firstValue("Allow")).hasValue("GET");
                if (!method.equals("HEAD"))
                    assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo(method + " is not allowed: the log view only reads (GET)");
            }
        }
        assertThat(error("/api/nothing", 404)).isEqualTo("no such endpoint: /api/nothing (there are /api/events, /api/summary,"
                + " /api/timeline and /api/meta)");
        HttpResponse<String> page = get("/index.php");
        assertThat(page.statusCode()).isEqualTo(404);
        assertThat(page.body()).isEqualTo("no such page: /index.php\n");
    }

    @Test
    void thePageAndItsFilesComeFromTheJarWithAStrictPolicy(@TempDir Path dir) throws Exception {
        serve(dir);
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("script-src 'self'", "default-src 'none'");
        assertThat(page.body()).contains("<script src=\"app.js\" defer></script>").doesNotContain("http://", "https://");
        HttpResponse<String> js = get("/app.js");
        assertThat(js.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(js.body()).contains("api/events").doesNotContain("innerHTML");
        assertThat(get("/style.css").headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
        JsonNode meta = ok("/api/meta");
        assertThat(meta.get("actions")).extracting(JsonNode::asText).containsExactly("pass", "log", "deny", "dryrun-deny");
        assertThat(meta.get("summaries")).extracting(JsonNode::asText).containsExactly("exe", "path", "op", "rule", "uid");
        assertThat(meta.get("ops")).hasSize(Operation.values().length);
        assertThat(meta.get("eventsLimit").asInt()).isEqualTo(LogWeb.DEFAULT_EVENTS);
    }

    /** What a browser sends to a name rebound to 127.0.0.1: its Host is that name. */
    private String statusLine(String host) throws IOException {
        return statusLine("/api/events", host);
    }

    private String statusLine(String target, String host) throws IOException {
        try (Socket s = new Socket("127.0.0.1", web.address().getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return reply.substring(0, reply.indexOf("\r\n"));
        }
    }

    @Test
    void aLoopbackServerAnswersLoopbackHostsOnly(@TempDir Path dir) throws Exception {
        serve(dir);
        int port = web.address().getPort();
        assertThat(statusLine("evil.example:" + port)).isEqualTo("HTTP/1.1 403 Forbidden");
        assertThat(statusLine("127.0.0.1.evil.example")).isEqualTo("HTTP/1.1 403 Forbidden");
        assertThat(statusLine("127.0.0.1:" + port)).isEqualTo("HTTP/1.1 200 OK");
        assertThat(statusLine("localhost:" + port)).isEqualTo("HTTP/1.1 200 OK");
        assertThat(statusLine("[::1]:" + port)).isEqualTo("HTTP/1.1 200 OK");
        assertThat(statusLine("/api/events?exe=%zz", "127.0.0.1:" + port)).isEqualTo("HTTP/1.1 400 Bad Request");
    }

    @Test
    void aNonLoopbackAddressIsRefusedUnlessAllowed(@TempDir Path dir) throws Exception {
        Path db = fill(dir, EVENTS);
        assertThatThrownBy(() -> LogWeb.start(new InetSocketAddress("0.0.0.0", 0), false, db))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("0.0.0.0:0 is not a loopback address: the log view has no login, so anyone who reaches it reads the log;"
                        + " serve it on 127.0.0.1 or [::1], or allow a remote address explicitly");
        web = LogWeb.start(new InetSocketAddress("0.0.0.0", 0), true, db);
        assertThat(statusLine("filewall.example")).isEqualTo("HTTP/1.1 200 OK");
    }

    @Test
    void aStoreThatCannotBeReadIs503UntilItCanBe(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("events.db");
        web = LogWeb.start(new InetSocketAddress("127.0.0.1", 0), false, db);
        assertThat(error("/api/events", 503)).isEqualTo("the event store cannot be read: " + db + ": no such file");
        Files.writeString(db, "not a database, but a file that is long enough to be read as one by SQLite".repeat(20));
        assertThat(error("/api/summary?by=exe", 503)).startsWith("the event store cannot be read: " + db + ": ");
        Files.delete(db);
        fill(dir, EVENTS);
        assertThat(ok("/api/events").get("events")).hasSize(EVENTS.size());
        assertThat(ok("/api/timeline").get("bucket").asText()).isEqualTo("5s");
    }

    @Test
    void logServeServesTheStoreAndRefusesFiltersAndRemoteAddresses(@TempDir Path dir) throws Exception {
        String db = fill(dir, EVENTS).toString();
        assertThat(cli("log", "--db", db, "--serve", "127.0.0.1:0", "--action", "deny"))
                .isEqualTo("2 filewall log: --serve filters in the page: it takes no filter, --summary or --follow\n");
        assertThat(cli("log", "--db", db, "--serve", "0.0.0.0:0")).isEqualTo("2 filewall log: --serve 0.0.0.0:0 is not a loopback"
                + " address: the log view has no login, so anyone who reaches it reads the log; serve it on 127.0.0.1 or [::1],"
                + " or allow a remote address explicitly (--allow-remote)\n");
        assertThat(cli("log", "--db", db, "--serve", "8080")).startsWith("2 Invalid value for option '--serve'");

        assertThat(servedEvents("log", "--db", db, "--serve", "127.0.0.1:0")).isEqualTo(EVENTS.size());
        // an iLocker CSV log is imported into a temporary store, which is what is served
        Path csv = Files.writeString(dir.resolve("x.log"), """
                2019-03-15 15:42:12,CREATE,0,14840,/usr/bin/irjsypzavm,/usr/bin/szklfovzwg,,deny
                2019-03-15 15:42:17,CREATE,0,14848,/usr/bin/irjsypzavm,/usr/lib/libudev.so,,deny
                """);
        assertThat(servedEvents("log", "--file", csv.toString(), "--serve", "127.0.0.1:0")).isEqualTo(2);
    }

    /** Runs {@code filewall log ... --serve}, counts the events its /api/events sends, then stops it. */
    private int servedEvents(String... args) throws Exception {
        CommandLine cl = new CommandLine(new Main());
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        int[] code = {-1};
        Thread t = Thread.ofPlatform().start(() -> code[0] = cl.execute(args));
        Pattern url = Pattern.compile("filewall log: the log view is at (http://127\\.0\\.0\\.1:\\d+/) \\(read-only; Ctrl-C stops\\)\n");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Matcher m;
        while (!(m = url.matcher(out.toString())).matches()) {
            assertThat(System.nanoTime()).as("waiting for log --serve to start; it printed: %s", out).isLessThan(deadline);
            Thread.sleep(20);
        }
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(m.group(1) + "api/events")).build(),
                HttpResponse.BodyHandlers.ofString());
        t.interrupt();
        t.join();
        assertThat(code[0]).isZero();
        return JSON.readTree(r.body()).get("events").size();
    }

    private static String cli(String... args) {
        CommandLine cl = new CommandLine(new Main());
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args) + " " + err;
    }
}
