package dev.filewall.daemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The daemon's control socket beside its pid file: how {@code filewall reload} and {@code filewall stop}
 * reach it now that signals that end it, and writes to its rule file and pins, are refused to everyone
 * else (self-protection). The socket is root's only (mode 0600 in root's /run/filewall). One request per
 * connection, one line: {@code reload}, {@code reload FILE} (check FILE, make it the rule file, apply it)
 * or {@code stop}; the reply is the daemon's messages, then {@code ok} or {@code failed}.
 */
public final class ControlSocket implements AutoCloseable {
    public record Reply(boolean ok, List<String> lines) {}

    /**
     * peer: the user at the other end, for the daemon's log; sent completes once the reply is written (or
     * could not be), so that a daemon about to exit can wait for its last answer to leave.
     */
    record Request(String command, Path file, String peer, CompletableFuture<Reply> reply, CompletableFuture<Void> sent) {}

    private final ServerSocketChannel server;
    private final Path path;

    public static Path path(Path pidFile) {
        return pidFile.resolveSibling("control.sock");
    }

    private ControlSocket(ServerSocketChannel server, Path path) {
        this.server = server;
        this.path = path;
    }

    /** Listens at path (a stale socket there is replaced); each well-formed request goes to handler, which completes its reply. */
    static ControlSocket listen(Path path, Consumer<Request> handler) throws IOException {
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        ControlSocket s = new ControlSocket(server, path);
        Thread.ofPlatform().daemon().name("filewall-control").start(() -> s.accept(handler));
        return s;
    }

    private void accept(Consumer<Request> handler) {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                Thread.ofVirtual().start(() -> serve(c, handler));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static void serve(SocketChannel c, Consumer<Request> handler) {
        Request r = null;
        try (c; OutputStream out = Channels.newOutputStream(c)) {
            Reply reply;
            String line = readLine(c);
            String peer = c.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user().getName();
            String[] words = line == null ? new String[0] : line.strip().split(" ", 2);
            if (words.length == 1 && words[0].equals("stop") || words.length >= 1 && words[0].equals("reload")) {
                Path file = words.length == 2 ? Path.of(words[1]) : null;
                r = new Request(words[0], file, peer, new CompletableFuture<>(), new CompletableFuture<>());
                handler.accept(r);
                // a reload compiles, and under emulation a large rule set takes minutes
                reply = r.reply().completeOnTimeout(new Reply(false, List.of("filewall: the daemon did not answer within 10 minutes")),
                        10, TimeUnit.MINUTES).join();
            } else {
                reply = new Reply(false, List.of("filewall: unknown request '" + line + "': expected reload, reload FILE or stop"));
            }
            StringBuilder b = new StringBuilder();
            reply.lines().forEach(l -> b.append(l).append('\n'));
            b.append(reply.ok() ? "ok" : "failed").append('\n');
            out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the client went away; the request, if any, was carried out all the same
        } finally {
            if (r != null) r.sent().complete(null);
        }
    }

    private static String readLine(SocketChannel c) throws IOException {
        return new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8)).readLine();
    }

    /** Sends one request and returns the reply; empty when nothing listens at path (no daemon). */
    public static Optional<Reply> request(Path path, String line, Duration timeout) throws IOException {
        if (!Files.exists(path)) return Optional.empty();
        SocketChannel c;
        try {
            c = SocketChannel.open(UnixDomainSocketAddress.of(path));
        } catch (java.net.SocketException e) {
            return Optional.empty(); // a socket file left by a daemon that died
        }
        try (c) {
            c.write(java.nio.ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            c.shutdownOutput();
            CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
                try {
                    return new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8))
                            .lines().toList();
                } catch (java.io.UncheckedIOException e) {
                    return List.of();
                }
            }, r -> Thread.ofVirtual().start(r));
            List<String> got = lines.completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS).join();
            if (got == null) return Optional.of(new Reply(false, List.of("filewall: no answer from the daemon within " + timeout.toSeconds() + " s")));
            if (got.isEmpty()) return Optional.of(new Reply(false, List.of("filewall: the daemon closed the connection without an answer")));
            List<String> body = new ArrayList<>(got.subList(0, got.size() - 1));
            return Optional.of(new Reply(got.getLast().equals("ok"), body));
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }
}
