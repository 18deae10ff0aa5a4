package dev.filewall.vm;

import static dev.filewall.vm.Guest.awaitLogLine;
import static dev.filewall.vm.Guest.op;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every operation of the language, performed by a real program in the guest under a deny, a pass
 * and a log rule; then kill -9 of the daemon, adoption by a new one, and filewall stop.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EnforcementTest {
    static final Path BASE = Path.of("/tmp/fw");
    static final Path LOG = BASE.resolve("filewall.log");
    static Guest.Daemon daemon;

    /**
     * An fwops operation, the fixture it needs in the directory, the operation it is logged as
     * under a log rule, and the one that denies it under a deny rule (the first check that
     * fails: ftruncate's and O_TRUNC's open for writing; null for either of READ and WRITE).
     */
    record Case(String fwop, String logged, String fixture, String deniedAs) {
        Case(String fwop, String logged, String fixture) {
            this(fwop, logged, fixture, logged);
        }

        @Override
        public String toString() {
            return fwop;
        }
    }

    static final List<Case> CASES = List.of(
            new Case("open-read", "READ", "file"),
            new Case("open-write", "WRITE", "file"),
            new Case("open-rdwr", "WRITE", "file", null),
            new Case("create", "CREATE", "none"),
            new Case("mkdir", "MKDIR", "none"),
            new Case("rmdir", "RMDIR", "dir"),
            new Case("unlink", "UNLINK", "file"),
            new Case("rename", "RENAME", "file"),
            new Case("rename-exchange", "RENAME", "two"),
            new Case("link", "LINK", "file"),
            new Case("symlink", "SYMLINK", "none"),
            new Case("truncate", "TRUNCATE", "file"),
            new Case("ftruncate", "TRUNCATE", "file", "WRITE"),
            new Case("open-trunc", "TRUNCATE", "file", "WRITE"),
            new Case("chmod", "CHMOD", "file"),
            new Case("chown", "CHOWN", "file"),
            new Case("utimes", "SETATTR", "file"),
            new Case("setxattr", "SETXATTR", "file"),
            new Case("exec", "EXEC", "exe"),
            new Case("mknod-fifo", "MKNOD", "none"),
            new Case("tmpfile-link", "CREATE", "none"));

    static Path target(String dir, Case c) {
        return BASE.resolve(dir).resolve(c.fwop());
    }

    /** fwops's arguments for the case in dir: the fixture, and a second path in the same dir where the syscall takes one. */
    static String[] args(String dir, Case c) {
        String p = target(dir, c).toString();
        return switch (c.fwop()) {
            case "rename" -> new String[] {p, p + ".new"};
            case "rename-exchange" -> new String[] {p, p + ".other"};
            case "link" -> new String[] {p, p + ".link"};
            case "symlink" -> new String[] {"/etc/hostname", p};
            // the unnamed file is made where it may be, then linked in: judged as a CREATE of its name
            case "tmpfile-link" -> new String[] {BASE.resolve("pass").toString(), p};
            default -> new String[] {p};
        };
    }

    @BeforeAll
    static void start() throws Exception {
        Guest.filewall("stop"); // a previous test class may have left enforcement on
        for (String dir : List.of("deny", "pass", "log")) {
            for (Case c : CASES) {
                Path p = target(dir, c);
                Files.createDirectories(p.getParent());
                switch (c.fixture()) {
                    case "file" -> Files.writeString(p, "data\n");
                    case "dir" -> Files.createDirectories(p);
                    case "two" -> {
                        Files.writeString(p, "a\n");
                        Files.writeString(Path.of(p + ".other"), "b\n");
                    }
                    case "exe" -> {
                        Files.copy(Path.of("/bin/true"), p);
                        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
                    }
                    default -> { }
                }
            }
        }
        Files.writeString(BASE.resolve("deny/after-kill"), "x");
        // a rule without an operation covers what modifies; opens and exec are named
        Path rules = Files.writeString(BASE.resolve("rules"), """
                operation=OPEN,operation=EXEC,file_path=/tmp/fw/deny/*,action=deny
                file_path=/tmp/fw/deny/*,action=deny
                operation=OPEN,operation=EXEC,file_path=/tmp/fw/log/*,action=log
                file_path=/tmp/fw/log/*,action=log
                file_path=/tmp/fw/pass/*,action=pass
                """);
        daemon = new Guest.Daemon(rules, LOG);
    }

    @AfterAll
    static void stop() throws Exception {
        Guest.filewall("stop");
        if (daemon != null) daemon.close();
    }

    static Stream<Arguments> cases() {
        return CASES.stream().map(Arguments::of);
    }

    @Order(1)
    @ParameterizedTest(name = "{0} is denied under a deny rule and logged")
    @MethodSource("cases")
    void deniedUnderDeny(Case c) throws Exception {
        Path p = target("deny", c);
        assertThat(op(c.fwop(), args("deny", c))).as("%s %s:\n%s", c.fwop(), p, daemon.output).isEqualTo("EPERM");
        String op = c.deniedAs() == null ? "(READ|WRITE)" : c.deniedAs();
        String line = c.deniedAs() == null ? awaitLogLine(LOG, "/tmp/fw/deny/" + c.fwop() + ",", ",deny")
                : awaitLogLine(LOG, "," + c.deniedAs() + ",", "/tmp/fw/deny/" + c.fwop() + ",", ",deny");
        assertThat(line).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d," + op + ",0,\\d+,"
                + Guest.FWOPS + ",.*,deny");
    }

    @Order(2)
    @ParameterizedTest(name = "{0} succeeds under a pass rule")
    @MethodSource("cases")
    void allowedUnderPass(Case c) throws Exception {
        Path p = target("pass", c);
        assertThat(op(c.fwop(), args("pass", c))).as("%s %s:\n%s", c.fwop(), p, daemon.output).isEqualTo("ok");
    }

    @Order(3)
    @ParameterizedTest(name = "{0} succeeds under a log rule and is logged")
    @MethodSource("cases")
    void allowedAndLoggedUnderLog(Case c) throws Exception {
        Path p = target("log", c);
        assertThat(op(c.fwop(), args("log", c))).as("%s %s:\n%s", c.fwop(), p, daemon.output).isEqualTo("ok");
        if (c.deniedAs() == null) awaitLogLine(LOG, "/tmp/fw/log/" + c.fwop() + ",", ",log"); // READ or WRITE
        else awaitLogLine(LOG, "," + c.logged() + ",", "/tmp/fw/log/" + c.fwop() + ",", ",log");
    }

    @Order(4)
    @Test
    void aKilledDaemonLeavesEnforcementAndANewOneAdoptsIt() throws Exception {
        daemon.kill9();
        assertThat(op("open-write", BASE.resolve("deny/after-kill").toString())).isEqualTo("EPERM");
        daemon = new Guest.Daemon(BASE.resolve("rules"), LOG);
        assertThat(daemon.output.toString()).contains("filewall: adopted");
        assertThat(op("create", BASE.resolve("deny/after-adopt").toString())).isEqualTo("EPERM");
        awaitLogLine(LOG, ",CREATE,", "/tmp/fw/deny/after-adopt", ",deny");
    }

    @Order(5)
    @Test
    void stopEndsEnforcement() throws Exception {
        Guest.Result r = Guest.filewall("stop");
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(op("create", BASE.resolve("deny/after-stop").toString())).isEqualTo("ok");
        assertThat(Guest.filewall("status").code()).isEqualTo(3);
    }
}
