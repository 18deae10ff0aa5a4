package dev.filewall.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlSocketTest {
    @TempDir Path dir;

    @Test
    void aRequestReachesTheHandlerAndItsReplyComesBack() throws Exception {
        Path sock = ControlSocket.path(dir.resolve("filewall.pid"));
        List<String> seen = new CopyOnWriteArrayList<>();
        List<ControlSocket.Request> requests = new CopyOnWriteArrayList<>();
        try (var s = ControlSocket.listen(sock, r -> {
            seen.add(r.command() + " " + r.file() + " " + r.peer());
            r.reply().complete(new ControlSocket.Reply(!r.command().equals("stop"), List.of("line one", "line two")));
            requests.add(r);
        })) {
            assertThat(Files.getPosixFilePermissions(sock)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            var reload = ControlSocket.request(sock, "reload /etc/new rules.yaml", Duration.ofSeconds(30)).orElseThrow();
            assertThat(reload.ok()).isTrue();
            assertThat(reload.lines()).containsExactly("line one", "line two");
            var stop = ControlSocket.request(sock, "stop", Duration.ofSeconds(30)).orElseThrow();
            assertThat(stop.ok()).isFalse();
            var bad = ControlSocket.request(sock, "format c:", Duration.ofSeconds(30)).orElseThrow();
            assertThat(bad.ok()).isFalse();
            assertThat(bad.lines()).singleElement().asString().contains("unknown request 'format c:'");
        }
        // what a stopping daemon waits for before it exits: its answer written
        for (var r : requests) assertThat(r.sent()).succeedsWithin(Duration.ofSeconds(10));
        String me = System.getProperty("user.name");
        assertThat(seen).containsExactly("reload /etc/new rules.yaml " + me, "stop null " + me);
        assertThat(sock).doesNotExist();
    }

    @Test
    void noDaemonIsNoReply() throws Exception {
        Path sock = dir.resolve("control.sock");
        assertThat(ControlSocket.request(sock, "stop", Duration.ofSeconds(5))).isEmpty();
        // a socket file a dead daemon left behind
        ControlSocket.listen(sock, r -> { }).close();
        Files.createFile(sock);
        assertThat(ControlSocket.request(sock, "stop", Duration.ofSeconds(5))).isEmpty();
    }
}
