package dev.filewall.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Serves {@code GET /metrics} (Prometheus text format) and {@code GET /healthz} on one address. */
public final class MetricsServer implements AutoCloseable {
    /** The Prometheus text exposition format that {@link Metrics#scrape()} writes. */
    static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static MetricsServer start(InetSocketAddress address, Metrics metrics) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new IOException("cannot serve metrics on " + address.getHostString() + ":" + address.getPort() + ": " + e.getMessage(), e);
        }
        // one thread: scrapes are rare and Metrics.scrape() is serialised anyway
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("filewall-metrics").daemon().unstarted(r));
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            try (ex) {
                respond(ex, metrics);
            }
        });
        server.start();
        return new MetricsServer(server, executor);
    }

    private static void respond(HttpExchange ex, Metrics metrics) throws IOException {
        String method = ex.getRequestMethod(), path = ex.getRequestURI().getPath();
        if (!path.equals("/metrics") && !path.equals("/healthz")) {
            send(ex, 404, "text/plain; charset=utf-8", "not found: try /metrics or /healthz\n");
        } else if (!method.equals("GET") && !method.equals("HEAD")) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            send(ex, 405, "text/plain; charset=utf-8", method + " is not allowed\n");
        } else if (path.equals("/healthz")) {
            var problem = metrics.unhealthy();
            send(ex, problem.isEmpty() ? 200 : 503, "text/plain; charset=utf-8", problem.map(p -> p + "\n").orElse("ok\n"));
        } else {
            String body;
            try {
                body = metrics.scrape();
            } catch (RuntimeException e) {
                send(ex, 500, "text/plain; charset=utf-8", "filewall: the scrape failed: " + e.getMessage() + "\n");
                return;
            }
            send(ex, 200, TEXT_FORMAT, body);
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : b.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    /** The bound address: with port 0, the port the system chose. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** http://HOST:PORT of the bound address. */
    public String url() {
        String host = server.getAddress().getHostString();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
