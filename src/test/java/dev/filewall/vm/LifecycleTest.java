package dev.filewall.vm;

import static dev.filewall.vm.Guest.awaitLogLine;
import static dev.filewall.vm.Guest.op;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.filewall.daemon.ControlSocket;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The daemon's life: processes that were running before it, reloads by SIGHUP and by
 * `filewall reload` (a broken file keeps the running table), reloads under a storm of
 * denied writes, status, and a dry run adopted by a second daemon.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LifecycleTest {
    static final Path BASE = Path.of("/tmp/fwl");
    static final Path LOG = BASE.resolve("filewall.log");
    static final Path JSON_LOG = BASE.resolve("filewall.json");
    static final Path RULES = BASE.resolve("rules");
    static final Path PID_FILE = Path.of("/run/filewall/filewall.pid");
    /** Both deny the storm directory, at different rule indexes, so an event tells its table. */
    static final String TABLE_A = """
            file_path=/tmp/fwl/storm/*,action=deny
            exe_path=%1$s,file_path=/tmp/fwl/first/*,action=deny
            file_path=/tmp/fwl/hup/*,action=deny
            """.formatted(Guest.FWOPS);
    static final String TABLE_B = """
            file_path=/tmp/fwl/other/*,action=log
            file_path=/tmp/fwl/storm/*,action=deny
            exe_path=%1$s,file_path=/tmp/fwl/first/*,action=deny
            file_path=/tmp/fwl/hup/*,action=deny
            """.formatted(Guest.FWOPS);
    static Guest.Daemon daemon;
    static Process early;

    @BeforeAll
    static void start() throws Exception {
        Guest.filewall("stop");
        for (String d : List.of("storm", "first", "hup", "other")) Files.createDirectories(BASE.resolve(d));
        // started before filewall: its exe is learnt on first sight, not at an exec filewall saw
        early = new ProcessBuilder(Guest.FWOPS.toString(), "-w", "create", BASE + "/first/early").start();
        writeRules(TABLE_A);
        daemon = new Guest.Daemon(RULES, LOG, "--json-log", JSON_LOG.toString());
    }

    @AfterAll
    static void stop() throws Exception {
        Guest.filewall("stop");
        if (daemon != null) daemon.close();
        if (early != null) early.destroyForcibly();
    }

    static void writeRules(String text) throws IOException {
        Path tmp = Files.writeString(BASE.resolve("rules.new"), text);
        Files.move(tmp, RULES, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The rule file is the daemon's alone (self-protection): new rules go through its control socket, as
     * `filewall reload FILE` sends them, from this JVM (a JVM per reload would starve under emulation).
     * Returns the generation the daemon published.
     */
    static int reloadWith(String text) throws IOException {
        Path next = Files.writeString(BASE.resolve("rules.next"), text);
        var reply = ControlSocket.request(ControlSocket.path(PID_FILE), "reload " + next, java.time.Duration.ofMinutes(5)).orElseThrow();
        assertThat(reply.ok()).as("%s%s", reply.lines(), Guest.daemonOutput()).isTrue();
        Matcher m = Pattern.compile("reloaded \\d+ rules, generation (\\d+)").matcher(String.join("\n", reply.lines()));
        assertThat(m.find()).as("%s", reply.lines()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    static final int ROUNDS = 6;

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    int countReloads() {
        return daemon.output.toString().split("filewall: reloaded ", -1).length - 1;
    }

    void awaitReloads(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (countReloads() < n) {
            assertThat(System.nanoTime()).as("no reload within 60 s:\n%s", daemon.output).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Order(1)
    @Test
    void aProcessThatPredatesTheDaemonIsJudgedByItsExe() throws Exception {
        early.getOutputStream().write('\n');
        early.getOutputStream().flush();
        assertThat(early.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(early.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(out).isEqualTo("EPERM");
        JsonNode e = PathsTest.awaitJson(JSON_LOG, n -> n.get("path").asText().equals(BASE + "/first/early"));
        assertThat(e.get("exe").asText()).isEqualTo(Guest.FWOPS.toString());
        assertThat(e.get("cmdline").asText()).contains("create");
        assertThat(e.get("flags").toString()).contains("first_sight");
        assertThat(e.get("rule").asInt()).isEqualTo(1);
    }

    @Order(2)
    @Test
    void sighupReloadsAndABrokenFileKeepsTheRunningTable() throws Exception {
        assertThat(op("create", BASE + "/hup/a")).isEqualTo("EPERM");
        int g = reloadWith("file_path=/tmp/fwl/hup/*,action=pass\n");
        assertThat(op("create", BASE + "/hup/b")).isEqualTo("ok");
        // SIGHUP re-reads the rule file, which the daemon has just rewritten
        int before = countReloads();
        assertThat(Guest.run(List.of("kill", "-HUP", Files.readString(PID_FILE).strip()), 10).code()).isZero();
        awaitReloads(before + 1);
        assertThat(daemon.output.toString()).contains("reloaded 1 rules, generation " + (g + 1));
        assertThat(op("create", BASE + "/hup/b2")).isEqualTo("ok");

        Path deny = Files.writeString(BASE.resolve("hup.rules"), "file_path=/tmp/fwl/hup/*,action=deny\n");
        Guest.Result r = Guest.filewall("reload", deny.toString());
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(op("create", BASE + "/hup/c")).isEqualTo("EPERM");
        r = Guest.filewall("reload");
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(op("create", BASE + "/hup/c2")).isEqualTo("EPERM");

        Path broken = Files.writeString(BASE.resolve("broken.rules"), "file_path=/tmp/fwl/hup/*,action=pass\nfile_path=/tmp/fwl/hup/*,action=perhaps\n");
        r = Guest.filewall("reload", broken.toString());
        assertThat(r.code()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).contains(broken + ":2:").contains("perhaps").contains("reload rejected");
        assertThat(daemon.output.toString()).contains("reload rejected");
        assertThat(op("create", BASE + "/hup/d")).isEqualTo("EPERM");
        assertThat(Files.readString(RULES)).isEqualTo(Files.readString(deny));
    }

    /**
     * A writer hammers a directory both tables deny while the daemon swaps A and B back and
     * forth: no write ever succeeds, and every event's rule index is the one its generation's
     * table gives (A: 0, B: 1), so no decision mixed two tables.
     */
    @Order(3)
    @Test
    void reloadsUnderAWriteStormNeverLetAnythingThrough() throws Exception {
        // the storm starts once a table that denies it is in place (the previous test left another)
        reloadWith(TABLE_B);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong attempts = new AtomicLong(), succeeded = new AtomicLong();
        List<String> unexpected = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread storm = Thread.ofPlatform().start(() -> {
            for (long i = 0; running.get(); i++) {
                attempts.incrementAndGet();
                try {
                    Files.writeString(BASE.resolve("storm/f" + i), "x");
                    succeeded.incrementAndGet();
                } catch (FileSystemException e) {
                    // EPERM, as both tables say; the JDK has no exception class of its own for it
                    if (!"Operation not permitted".equals(e.getReason())) unexpected.add(e.toString());
                } catch (IOException e) {
                    unexpected.add(e.toString());
                }
                Thread.onSpinWait();
                if (i % 20 == 0) sleep(5); // leave the emulated CPUs to the daemon too
            }
        });
        Map<Integer, Integer> ruleOfGeneration = new HashMap<>();
        try {
            for (int i = 0; i < ROUNDS; i++) {
                boolean a = i % 2 == 0;
                long before = attempts.get();
                ruleOfGeneration.put(reloadWith(a ? TABLE_A : TABLE_B), a ? 0 : 1);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (attempts.get() < before + 20 && System.nanoTime() < deadline) Thread.sleep(10);
            }
        } finally {
            running.set(false);
            storm.join();
        }
        assertThat(unexpected).isEmpty();
        assertThat(succeeded.get()).as("writes that got through, of %d", attempts.get()).isZero();
        assertThat(attempts.get()).isGreaterThan(ROUNDS * 20);
        Thread.sleep(2000); // the last events reach the log
        int checked = 0;
        for (String line : Guest.completeLines(JSON_LOG)) {
            JsonNode e = PathsTest.JSON.readTree(line);
            if (!e.get("path").asText().startsWith(BASE + "/storm/")) continue;
            assertThat(e.get("action").asText()).isEqualTo("deny");
            Integer rule = ruleOfGeneration.get(e.get("generation").asInt());
            if (rule != null) {
                assertThat(e.get("rule").asInt()).as(line).isEqualTo(rule);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(100);
        assertThat(ruleOfGeneration.values()).contains(0, 1);
    }

    /** A retrying program costs a line per window, and the lines' counts add up to every attempt. */
    @Order(4)
    @Test
    void floodControlFoldsRepeatsAndLosesNoCount() throws Exception {
        int attempts = 3000;
        Guest.Result r = Guest.run(List.of(Guest.FWOPS.toString(), "-n", Integer.toString(attempts), "create", BASE + "/storm/flood"), 120);
        assertThat(r.out()).endsWith("EPERM");
        String suffix = "," + BASE + "/storm/flood,,deny";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long total;
        List<String> lines;
        do {
            Thread.sleep(500);
            lines = Guest.completeLines(LOG).stream().filter(l -> l.contains(suffix)).toList();
            total = lines.stream().mapToLong(l -> l.endsWith(suffix) ? 1 : 1 + Long.parseLong(l.substring(l.lastIndexOf("=") + 1))).sum();
        } while (total < attempts && System.nanoTime() < deadline);
        assertThat(total).as("attempts counted in %s", lines).isEqualTo(attempts);
        assertThat(lines.size()).as("lines for %d attempts: %s", attempts, lines).isLessThan(attempts / 10);
        assertThat(lines).anySatisfy(l -> assertThat(l).matches(".*" + suffix + ",repeats=\\d+"));
    }

    @Order(5)
    @Test
    void statusReportsTheRunningState() throws Exception {
        Guest.Result r = Guest.filewall("status");
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).contains("filewall: enforcing on ").contains("running, pid " + daemon.process.pid())
                .containsPattern("rules: +4\\b").containsPattern("events: +\\d+ sent, 0 dropped")
                .contains("/sys/fs/bpf/filewall");
    }

    @Order(6)
    @Test
    void aDryRunDaemonAdoptsTheHooksAndDeniesNothing() throws Exception {
        daemon.close(); // SIGTERM: enforcement stays
        assertThat(op("create", BASE + "/storm/between")).isEqualTo("EPERM");
        daemon = new Guest.Daemon(RULES, LOG, "--dry-run");
        assertThat(daemon.output.toString()).contains("filewall: adopted");
        assertThat(op("create", BASE + "/storm/dry")).isEqualTo("ok");
        awaitLogLine(LOG, ",CREATE,0,", "," + BASE + "/storm/dry,,dryrun-deny");
    }
}
