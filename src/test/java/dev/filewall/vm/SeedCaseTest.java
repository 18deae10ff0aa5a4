package dev.filewall.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The iLocker case in the guest: under the seed's four rules (rules.yaml) the trojan never
 * manages a copy, rm still deletes /usr/lib/libudev.so.6, the log shows every attempt, and the
 * log manager's summary names the trojan's targets with every attempt counted.
 */
class SeedCaseTest {
    static final Path LOG = Path.of("/var/log/filewall-seed.log");
    static final Path STORE = Path.of("/var/lib/filewall/seed-events.db");
    /** Attempts per destination: like the real trojan it keeps trying, and flood control folds the retries. */
    static final int ATTEMPTS = 200;
    static Guest.Daemon daemon;

    @BeforeAll
    static void start() throws Exception {
        Guest.filewall("stop");
        Files.copy(Path.of("/bin/true"), Path.of("/usr/lib/libudev.so.6"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(LOG);
        Files.deleteIfExists(STORE);
        daemon = new Guest.Daemon(Guest.REPO.resolve("rules.yaml"), LOG, "--store", STORE.toString());
    }

    @AfterAll
    static void stop() throws Exception {
        Guest.filewall("stop");
        if (daemon != null) daemon.close();
    }

    /**
     * The seed's rules name no operation, so they admit only what modifies: a read passes without a path walk,
     * and an O_RDWR open, whose read half no rule admits, is judged as the write it also is.
     */
    @Test
    void aReadPassesUnjudgedAndAReadWriteOpenIsJudgedAsItsWrite() throws Exception {
        assertThat(Guest.op("open-read", "/usr/bin/true")).isEqualTo("ok");
        assertThat(Guest.op("open-rdwr", "/usr/bin/true")).isEqualTo("EPERM");
        Guest.awaitLogLine(LOG, ",WRITE,0,", "," + Guest.FWOPS + ",/usr/bin/true,,deny");
    }

    @Test
    void theTrojanNeverCopiesItselfAndRmStillCleans() throws Exception {
        Guest.Result trojan = Guest.run(List.of(Guest.REPO.resolve("target/vm/trojan").toString(), "0",
                Integer.toString(ATTEMPTS)), 120);
        assertThat(trojan.code()).as(trojan.out()).isEqualTo(1);
        List<String> copies = trojan.out().lines().filter(l -> l.contains(" copy ")).toList();
        assertThat(copies).hasSize(3).allSatisfy(l -> assertThat(l).endsWith(" x" + ATTEMPTS + ": EPERM"));
        assertThat(Path.of("/usr/lib/libudev.so")).doesNotExist();

        Guest.Result rm = Guest.run(List.of("/usr/bin/rm", "/usr/lib/libudev.so.6"), 30);
        assertThat(rm.code()).as(rm.out()).isZero();
        assertThat(Path.of("/usr/lib/libudev.so.6")).doesNotExist();

        String exe = Guest.REPO.resolve("target/vm/trojan").toString();
        Guest.awaitLogLine(LOG, ",CREATE,0,", "," + exe + ",/usr/bin/", ",,deny");
        Guest.awaitLogLine(LOG, ",CREATE,0,", "," + exe + ",/tmp/", ",,deny");
        Guest.awaitLogLine(LOG, ",CREATE,0,", "," + exe + ",/usr/lib/libudev.so,,deny");
        assertThat(Files.readString(LOG)).doesNotContain("libudev.so.6");

        // "what did this program try to touch?": each target with all its attempts
        List<String> targets = copies.stream().map(l -> l.substring(l.indexOf(" copy ") + 6, l.lastIndexOf(" x"))).toList();
        Map<String, Long> counts = Map.of();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Guest.Result summary = Guest.filewall("log", "--db", STORE.toString(), "--exe", exe, "--summary", "path", "--format", "json");
            assertThat(summary.code()).as(summary.out()).isZero();
            counts = summary.out().lines().map(PathsTest::json)
                    .collect(Collectors.toMap(n -> n.get("path").asText(), n -> n.get("count").asLong()));
            if (counts.values().stream().mapToLong(Long::longValue).sum() >= 3L * ATTEMPTS) break;
            Thread.sleep(1000); // flood control hands in a stopped flood's count two windows later
        }
        Map<String, Long> expected = new java.util.HashMap<>();
        for (String t : targets) expected.put(t, (long) ATTEMPTS);
        assertThat(counts).isEqualTo(expected);
        assertThat(Guest.completeLines(LOG).stream().filter(l -> l.contains("," + exe + ",")).count())
                .as("log lines for %d attempts", 3 * ATTEMPTS).isLessThan(ATTEMPTS);
    }
}
