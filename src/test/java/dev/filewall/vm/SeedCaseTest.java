package dev.filewall.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The iLocker case in the guest: under the seed's four rules (rules.yaml) the trojan never
 * manages a copy, rm still deletes /usr/lib/libudev.so.6, and the log shows every attempt.
 */
class SeedCaseTest {
    static final Path LOG = Path.of("/var/log/filewall-seed.log");
    static Guest.Daemon daemon;

    @BeforeAll
    static void start() throws Exception {
        Guest.filewall("stop");
        Files.copy(Path.of("/bin/true"), Path.of("/usr/lib/libudev.so.6"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(LOG);
        daemon = new Guest.Daemon(Guest.REPO.resolve("rules.yaml"), LOG);
    }

    @AfterAll
    static void stop() throws Exception {
        Guest.filewall("stop");
        if (daemon != null) daemon.close();
    }

    @Test
    void theTrojanNeverCopiesItselfAndRmStillCleans() throws Exception {
        Guest.Result trojan = Guest.run(List.of(Guest.REPO.resolve("target/vm/trojan").toString()), 60);
        assertThat(trojan.code()).as(trojan.out()).isEqualTo(1);
        assertThat(trojan.out().lines().filter(l -> l.contains(" copy ")).toList()).hasSize(3)
                .allSatisfy(l -> assertThat(l).endsWith(": EPERM"));
        assertThat(Path.of("/usr/lib/libudev.so")).doesNotExist();

        Guest.Result rm = Guest.run(List.of("/usr/bin/rm", "/usr/lib/libudev.so.6"), 30);
        assertThat(rm.code()).as(rm.out()).isZero();
        assertThat(Path.of("/usr/lib/libudev.so.6")).doesNotExist();

        String exe = Guest.REPO.resolve("target/vm/trojan").toString();
        Guest.awaitLogLine(LOG, ",CREATE,0,", "," + exe + ",/usr/bin/", ",,deny");
        Guest.awaitLogLine(LOG, ",CREATE,0,", "," + exe + ",/tmp/", ",,deny");
        Guest.awaitLogLine(LOG, ",CREATE,0,", "," + exe + ",/usr/lib/libudev.so,,deny");
        assertThat(Files.readString(LOG)).doesNotContain("libudev.so.6");
    }
}
