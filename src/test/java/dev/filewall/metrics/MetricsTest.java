package dev.filewall.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.filewall.daemon.Counters;
import dev.filewall.rules.Action;
import dev.filewall.rules.Operation;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricsTest {
    enum StoreState { OK, DEGRADED }

    private final AtomicReference<Counters> kernel = new AtomicReference<>(counters(1));
    private final AtomicInteger hooks = new AtomicInteger(16);
    private final HttpClient http = HttpClient.newHttpClient();
    private MetricsServer server;

    /** Counters where every value is distinct and derived from base, so a wrong mapping shows. */
    static Counters counters(long base) {
        long[][] d = new long[Operation.RULES.size()][Action.values().length];
        for (int op = 0; op < d.length; op++)
            for (int a = 0; a < 3; a++) d[op][a] = base * 1000 + op * 10 + a;
        return new Counters(d, base * 7, base * 3, base * 5, base * 11, base * 13, new long[] {base * 17, base * 19, base * 23, base * 29});
    }

    private Metrics metrics(boolean dryRun) throws Exception {
        Metrics m = new Metrics(() -> {
            Counters c = kernel.get();
            if (c == null) throw new IllegalStateException("map closed");
            return c;
        }, hooks::get, dryRun);
        server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), m);
        return m;
    }

    @AfterEach
    void close() {
        if (server != null) server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    private Map<String, PrometheusText.Family> scrape() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        return PrometheusText.parse(r.body());
    }

    @Test
    void everyScrapeReadsTheKernelCountersAnew() throws Exception {
        metrics(false);
        var first = scrape();
        assertThat(first.get("filewall_decisions_total").type()).isEqualTo("counter");
        assertThat(first.get("filewall_decisions_total").samples()).hasSize(17 * 3);
        assertThat(first.get("filewall_decisions_total").value("operation", "CREATE", "action", "deny")).isEqualTo(1032);
        assertThat(first.get("filewall_decisions_total").value("operation", "OPEN", "action", "pass")).isEqualTo(1000);
        assertThat(first.get("filewall_decisions_total").value("operation", "MKNOD", "action", "log")).isEqualTo(1161);
        assertThat(first.get("filewall_events_total").value("stage", "kernel")).isEqualTo(7);
        assertThat(first.get("filewall_events_dropped_total").value("stage", "kernel")).isEqualTo(3);
        assertThat(first.get("filewall_unresolved_decisions_total").value()).isEqualTo(5);
        assertThat(first.get("filewall_exempt_operations_total").value()).isEqualTo(11);
        assertThat(first.get("filewall_events_folded_total").value()).isEqualTo(13);

        kernel.set(counters(4));
        var second = scrape();
        assertThat(second.get("filewall_decisions_total").value("operation", "CREATE", "action", "deny")).isEqualTo(4032);
        assertThat(second.get("filewall_events_total").value("stage", "kernel")).isEqualTo(28);
        assertThat(second.get("filewall_events_dropped_total").value("stage", "kernel")).isEqualTo(12);
        assertThat(second.get("filewall_unresolved_decisions_total").value()).isEqualTo(20);
        assertThat(second.get("filewall_exempt_operations_total").value()).isEqualTo(44);
        assertThat(second.get("filewall_events_folded_total").value()).isEqualTo(52);
    }

    @Test
    void ruleSetReloadsAndEnforcementAreShown() throws Exception {
        Metrics m = metrics(false);
        m.loaded(1, 4, 8192);
        var start = scrape();
        assertThat(start.get("filewall_ruleset_generation").value()).isEqualTo(1);
        assertThat(start.get("filewall_rules").value()).isEqualTo(4);
        assertThat(start.get("filewall_table_bytes").value()).isEqualTo(8192);
        assertThat(start.get("filewall_reloads_total").value("result", "success")).isZero();
        assertThat(start.get("filewall_last_reload_successful").value()).isEqualTo(1);
        double loadedAt = start.get("filewall_last_reload_success_timestamp_seconds").value();
        assertThat(loadedAt).isBetween(1.7e9, System.currentTimeMillis() / 1000.0);
        assertThat(start.get("filewall_enforcement_active").value()).isEqualTo(1);
        assertThat(start.get("filewall_hooks_attached").value()).isEqualTo(16);
        assertThat(start.get("filewall_dry_run").value()).isZero();

        m.reloaded(2, 10, 12288);
        m.reloadFailed();
        hooks.set(0);
        var after = scrape();
        assertThat(after.get("filewall_ruleset_generation").value()).isEqualTo(2);
        assertThat(after.get("filewall_rules").value()).isEqualTo(10);
        assertThat(after.get("filewall_table_bytes").value()).isEqualTo(12288);
        assertThat(after.get("filewall_reloads_total").value("result", "success")).isEqualTo(1);
        assertThat(after.get("filewall_reloads_total").value("result", "failure")).isEqualTo(1);
        assertThat(after.get("filewall_last_reload_successful").value()).isZero();
        assertThat(after.get("filewall_last_reload_success_timestamp_seconds").value()).isGreaterThanOrEqualTo(loadedAt);
        assertThat(after.get("filewall_enforcement_active").value()).isZero();
    }

    @Test
    void dryRunIsNotEnforcement() throws Exception {
        metrics(true);
        var s = scrape();
        assertThat(s.get("filewall_dry_run").value()).isEqualTo(1);
        assertThat(s.get("filewall_hooks_attached").value()).isEqualTo(16);
        assertThat(s.get("filewall_enforcement_active").value()).isZero();
    }

    @Test
    void suppliedStagesDrainAndStoreAreReadAtScrapeTime() throws Exception {
        Metrics m = metrics(false);
        AtomicLong handed = new AtomicLong(100), lost = new AtomicLong(2);
        AtomicReference<StoreState> state = new AtomicReference<>(StoreState.OK);
        m.stage("handoff", handed::get, lost::get).drainLag(() -> 0.25).storeState(StoreState.class, state::get);
        var s = scrape();
        assertThat(s.get("filewall_events_total").value("stage", "handoff")).isEqualTo(100);
        assertThat(s.get("filewall_events_dropped_total").value("stage", "handoff")).isEqualTo(2);
        assertThat(s.get("filewall_events_total").value("stage", "kernel")).isEqualTo(7);
        assertThat(s.get("filewall_drain_lag_seconds").value()).isEqualTo(0.25);
        assertThat(s.get("filewall_store_state").value("state", "ok")).isEqualTo(1);
        assertThat(s.get("filewall_store_state").value("state", "degraded")).isZero();

        handed.set(150);
        lost.set(9);
        state.set(StoreState.DEGRADED);
        var t = scrape();
        assertThat(t.get("filewall_events_total").value("stage", "handoff")).isEqualTo(150);
        assertThat(t.get("filewall_events_dropped_total").value("stage", "handoff")).isEqualTo(9);
        assertThat(t.get("filewall_store_state").value("state", "ok")).isZero();
        assertThat(t.get("filewall_store_state").value("state", "degraded")).isEqualTo(1);
    }

    @Test
    void namesFollowPrometheusConventions() throws Exception {
        Metrics m = metrics(false);
        m.stage("store", () -> 1, () -> 0).drainLag(() -> 0).storeState(StoreState.class, () -> StoreState.OK);
        var s = scrape();
        assertThat(s).isNotEmpty();
        s.values().forEach(f -> {
            assertThat(f.name()).startsWith("filewall_").matches("[a-z_]+");
            assertThat(f.type()).as(f.name()).isIn("counter", "gauge");
            assertThat(f.help()).as(f.name()).isNotBlank();
            assertThat(f.name().endsWith("_total")).as(f.name()).isEqualTo(f.type().equals("counter"));
        });
        assertThat(s.keySet()).contains("filewall_table_bytes", "filewall_drain_lag_seconds",
                "filewall_last_reload_success_timestamp_seconds");
    }

    @Test
    void healthzSaysWhyItIsUnhealthy() throws Exception {
        metrics(false);
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        assertThat(get("/healthz").body()).isEqualTo("ok\n");
        hooks.set(0);
        assertThat(get("/healthz").statusCode()).isEqualTo(503);
        assertThat(get("/healthz").body()).isEqualTo("no LSM hook is attached\n");
        hooks.set(3);
        kernel.set(null);
        assertThat(get("/healthz").statusCode()).isEqualTo(503);
        assertThat(get("/healthz").body()).isEqualTo("the kernel's counters cannot be read: map closed\n");
        HttpResponse<String> failed = get("/metrics");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.body()).isEqualTo("filewall: the scrape failed: map closed\n");
    }

    @Test
    void onlyGetOnTheTwoPaths() throws Exception {
        metrics(false);
        assertThat(get("/").statusCode()).isEqualTo(404);
        assertThat(get("/metricsx").statusCode()).isEqualTo(404);
        URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + "/metrics");
        var post = http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void aSecondServerOnTheSameAddressFailsWithTheAddress() throws Exception {
        Metrics m = metrics(false);
        InetSocketAddress taken = server.address();
        assertThatThrownBy(() -> MetricsServer.start(taken, m))
                .hasMessageStartingWith("cannot serve metrics on 127.0.0.1:" + taken.getPort() + ": ");
    }

    @Test
    void theParserIsStrict() {
        String ok = "# HELP a_total help \\\\ \\n x\n# TYPE a_total counter\na_total{x=\"q\\\"\\\\\\n\",y=\"\"} 1.5e3 1700000000000\n";
        var f = PrometheusText.parse(ok).get("a_total");
        assertThat(f.help()).isEqualTo("help \\ \n x");
        assertThat(f.value("x", "q\"\\\n", "y", "")).isEqualTo(1500);
        assertThat(PrometheusText.parse("b NaN\nc +Inf\n").get("c").value()).isInfinite();
        for (String bad : new String[] {
                "a 1", // no final newline
                "a{x=\"1} 1\n", // unterminated label value
                "a{x=\"\\t\"} 1\n", // bad escape
                "a{x=\"1\",x=\"2\"} 1\n", // label twice
                "a{__x=\"1\"} 1\n", // reserved label
                "a 1\na 2\n", // series twice
                "a 1\nb 1\na{x=\"y\"} 1\n", // family not contiguous
                "a 1\n# TYPE a gauge\n", // TYPE after samples
                "# TYPE a gauge\n# TYPE a gauge\n", // TYPE twice
                "# TYPE a meter\n", // unknown type
                "a one\n", // bad value
                "a 1 2 3\n", // extra field
                "a 1 1.5\n", // bad timestamp
                "1a 1\n", // bad name
                "a-b 1\n", // bad name
                "a{x=\"1\"} 1 2 3\n", // extra field after labels
        }) {
            assertThatThrownBy(() -> PrometheusText.parse(bad)).as(bad).isInstanceOf(PrometheusText.ParseException.class);
        }
    }
}
