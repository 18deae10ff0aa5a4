package dev.filewall.vm;

import static dev.filewall.vm.Guest.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.filewall.bpf.BpfException;
import dev.filewall.bpf.BpfMap;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Self-protection: root processes other than the daemon cannot change its rule file, unpin its
 * programs, unmount its bpffs, write its maps through bpf(2), kill or ptrace it; the rules change
 * through `filewall reload FILE`, and `filewall stop` ends enforcement. This test's JVM is root,
 * and the daemon's parent: the signals are sent by other processes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SelfProtectionTest {
    static final Path BASE = Path.of("/tmp/fws");
    static final Path LOG = BASE.resolve("filewall.log");
    static final Path JSON_LOG = BASE.resolve("filewall.json");
    static final Path RULES = BASE.resolve("rules");
    static final Path PINS = Path.of("/sys/fs/bpf/filewall");
    static final String DENY_ALL = "file_path=/tmp/fws/deny/*,action=deny\n";
    static Guest.Daemon daemon;
    static long pid;

    @BeforeAll
    static void start() throws Exception {
        Guest.filewall("stop");
        Files.createDirectories(BASE.resolve("deny"));
        Files.writeString(RULES, DENY_ALL);
        daemon = new Guest.Daemon(RULES, LOG, "--json-log", JSON_LOG.toString());
        pid = daemon.process.pid();
    }

    @AfterAll
    static void stop() throws Exception {
        Guest.filewall("stop");
        if (daemon != null) daemon.close();
    }

    static JsonNode awaitSelfProtection(String op, String path) throws Exception {
        return PathsTest.awaitJson(JSON_LOG, n -> n.get("op").asText().equals(op) && n.get("path").asText().equals(path)
                && n.get("flags").toString().contains("self_protection"));
    }

    @Order(1)
    @Test
    void rootCannotChangeTheRuleFile() throws Exception {
        assertThat(op("open-write", RULES.toString())).isEqualTo("EPERM");
        assertThat(op("unlink", RULES.toString())).isEqualTo("EPERM");
        Files.writeString(BASE.resolve("evil"), "file_path=/*,action=pass\n");
        assertThat(op("rename", BASE.resolve("evil").toString(), RULES.toString())).isEqualTo("EPERM");
        assertThat(op("rename", BASE.toString(), "/tmp/fws-moved")).isEqualTo("EPERM");
        assertThat(Files.readString(RULES)).isEqualTo(DENY_ALL);
        JsonNode e = awaitSelfProtection("WRITE", RULES.toString());
        assertThat(e.get("action").asText()).isEqualTo("deny");
        assertThat(e.get("rule").isNull()).isTrue();
        assertThat(e.get("exe").asText()).isEqualTo(Guest.FWOPS.toString());
    }

    @Order(2)
    @Test
    void rootCannotUnpinOrUnmount() throws Exception {
        Path link = PINS.resolve("links/fw_file_open");
        assertThat(op("unlink", link.toString())).isEqualTo("EPERM");
        assertThat(op("rename", PINS.toString(), "/sys/fs/bpf/moved")).isEqualTo("EPERM");
        assertThat(Guest.run(List.of("rm", "-rf", PINS.toString()), 30).code()).isNotZero();
        Guest.Result umount = Guest.run(List.of("umount", "/sys/fs/bpf"), 30);
        assertThat(umount.code()).as(umount.out()).isNotZero();
        assertThat(Guest.run(List.of("umount", "-l", "/sys/fs/bpf"), 30).code()).isNotZero();
        assertThat(link).exists();
        assertThat(op("create", BASE + "/deny/after-unpin")).isEqualTo("EPERM");
        awaitSelfProtection("UNLINK", link.toString());
        awaitSelfProtection("UMOUNT", "/sys/fs/bpf");
    }

    @Order(3)
    @Test
    void rootCannotWriteTheMapsThroughBpf() throws Exception {
        Path table = PINS.resolve("maps/fw_table"), config = PINS.resolve("maps/fw_config");
        assertThatThrownBy(() -> BpfMap.openPinned(table)).isInstanceOf(BpfException.class).hasMessageContaining("EPERM");
        // a read-only fd is given (filewall status uses one), and the kernel refuses updates through it
        try (BpfMap ro = BpfMap.openPinned(config, true); Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(ValueLayout.JAVA_INT), value = a.allocate(ro.valueBufferSize(), 8);
            assertThat(ro.lookup(key, value)).isTrue();
            assertThat(value.get(ValueLayout.JAVA_INT, dev.filewall.bpf.Layouts.Config.SELF_TGID)).isEqualTo((int) pid);
            value.set(ValueLayout.JAVA_INT, dev.filewall.bpf.Layouts.Config.SELF_TGID, 0);
            assertThatThrownBy(() -> ro.update(key, value, BpfMap.ANY)).isInstanceOf(BpfException.class);
        }
        // bpftool, as an intruder would: through the pin, and through the map's id
        List<String> update = new java.util.ArrayList<>(List.of("bpftool", "map", "update", "pinned", config.toString(),
                "key", "0", "0", "0", "0", "value"));
        for (long i = 0; i < dev.filewall.bpf.Layouts.Config.LAYOUT.byteSize(); i++) update.add("0");
        Guest.Result r = Guest.run(update, 60);
        assertThat(r.code()).as(r.out()).isNotZero();
        assertThat(r.out()).contains("Operation not permitted");
        r = Guest.run(List.of("bpftool", "map", "list"), 60);
        assertThat(r.out()).contains("can't get map by id").contains("Operation not permitted");
        assertThat(op("create", BASE + "/deny/after-bpftool")).isEqualTo("EPERM");
        JsonNode e = awaitSelfProtection("BPF_MAP", "fw_config");
        assertThat(e.get("exe").asText()).endsWith("bpftool");
    }

    @Order(4)
    @Test
    void rootCannotKillOrTraceTheDaemon() throws Exception {
        for (String sig : List.of("-KILL", "-TERM", "-INT", "-STOP")) {
            Guest.Result r = Guest.run(List.of("kill", sig, Long.toString(pid)), 30);
            assertThat(r.code()).as("kill %s: %s", sig, r.out()).isNotZero();
            assertThat(r.out()).contains("Operation not permitted");
        }
        // what the ptrace family checks: /proc/PID/mem, as gdb or a memory-patching intruder opens it
        assertThatThrownBy(() -> Files.newByteChannel(Path.of("/proc/" + pid + "/mem")).close()).isInstanceOf(IOException.class);
        Thread.sleep(1000);
        assertThat(daemon.process.isAlive()).isTrue();
        assertThat(op("create", BASE + "/deny/after-kill")).isEqualTo("EPERM");
        JsonNode kill = awaitSelfProtection("KILL", "");
        assertThat(kill.get("exe").asText()).endsWith("/kill");
        awaitSelfProtection("PTRACE", "");
        // a reload signal is no threat
        assertThat(Guest.run(List.of("kill", "-HUP", Long.toString(pid)), 30).code()).isZero();
        Guest.Result status = Guest.filewall("status");
        assertThat(status.code()).as(status.out()).isZero();
        assertThat(status.out()).containsPattern("tampering: +\\d+ attempts on filewall refused \\(kill [1-9]\\d*, ptrace [1-9]\\d*, map write [1-9]");
    }

    @Order(5)
    @Test
    void theRulesChangeThroughTheDaemon() throws Exception {
        Path next = Files.writeString(BASE.resolve("next"), "file_path=/tmp/fws/deny/*,action=pass\n");
        Guest.Result r = Guest.filewall("reload", next.toString());
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).contains("reloaded 1 rules");
        assertThat(Files.readString(RULES)).isEqualTo(Files.readString(next));
        assertThat(op("create", BASE + "/deny/after-reload")).isEqualTo("ok");

        Path broken = Files.writeString(BASE.resolve("broken"), "file_path=/tmp/fws/deny/*,action=perhaps\n");
        r = Guest.filewall("reload", broken.toString());
        assertThat(r.code()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).contains(broken + ":1:").contains("perhaps").contains("reload rejected");
        assertThat(Files.readString(RULES)).isEqualTo(Files.readString(next));
        // and the rule file is still the daemon's alone
        assertThat(op("open-write", RULES.toString())).isEqualTo("EPERM");
    }

    @Order(6)
    @Test
    void filewallStopEndsEnforcement() throws Exception {
        Files.writeString(BASE.resolve("deny-again"), DENY_ALL);
        assertThat(Guest.filewall("reload", BASE.resolve("deny-again").toString()).code()).isZero();
        assertThat(op("create", BASE + "/deny/before-stop")).isEqualTo("EPERM");
        Guest.Result r = Guest.filewall("stop");
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).contains("enforcement ended");
        assertThat(daemon.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(daemon.process.exitValue()).isZero();
        assertThat(PINS).doesNotExist();
        assertThat(op("create", BASE + "/deny/after-stop")).isEqualTo("ok");
        assertThat(op("open-write", RULES.toString())).isEqualTo("ok");
    }
}
