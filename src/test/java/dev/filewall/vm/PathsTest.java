package dev.filewall.vm;

import static dev.filewall.vm.Guest.awaitLogLine;
import static dev.filewall.vm.Guest.op;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Paths as an attacker or an unlucky operator shapes them: bypass attempts through links,
 * renames and symlinks, a 4,000-byte path, a path longer than the evaluator's limit, 100
 * nested directories, and names with commas, quotes, newlines and bytes that are not UTF-8.
 */
class PathsTest {
    static final Path BASE = Path.of("/tmp/fwp");
    static final Path LOG = BASE.resolve("filewall.log");
    static final Path JSON_LOG = BASE.resolve("filewall.json");
    static final ObjectMapper JSON = new ObjectMapper();
    /** 19 components of 200 bytes under deny/long: 3,832 bytes before the file's own name. */
    static final String LONG = "/tmp/fwp/deny/long/" + String.join("/", java.util.Collections.nCopies(19, "l".repeat(200)));
    /** Longer than FW_PATH_MAX (4,096): made before the daemon starts, since its mkdirs would be judged. */
    static final String TOO_LONG = "/tmp/fwp/pass/deep/" + String.join("/", java.util.Collections.nCopies(22, "d".repeat(200)));
    static final String NESTED = "/tmp/fwp/log/nest/" + String.join("/", java.util.stream.IntStream.rangeClosed(1, 100)
            .mapToObj(i -> "n" + i).toList());
    static Guest.Daemon daemon;

    @BeforeAll
    static void start() throws Exception {
        Guest.filewall("stop");
        for (String d : List.of("deny", "pass", "log")) Files.createDirectories(BASE.resolve(d));
        Files.writeString(BASE.resolve("deny/secret"), "secret\n");
        Files.writeString(BASE.resolve("pass/mine"), "mine\n");
        Files.createSymbolicLink(BASE.resolve("pass/sym"), Path.of("../deny/secret"));
        Files.createDirectories(Path.of(LONG));
        Files.createDirectories(Path.of(NESTED));
        assertThat(op("mkdirs", TOO_LONG)).isEqualTo("ok");
        Path rules = Files.writeString(BASE.resolve("rules"), """
                file_path=/tmp/fwp/deny/*,action=deny
                file_path=/tmp/fwp/log/*,action=log
                file_path=/tmp/fwp/pass/*,action=pass
                """);
        daemon = new Guest.Daemon(rules, LOG, "--json-log", JSON_LOG.toString());
    }

    @AfterAll
    static void stop() throws Exception {
        Guest.filewall("stop");
        if (daemon != null) daemon.close();
    }

    @Test
    void aHardLinkCannotGiveAProtectedFileAnUnprotectedName() throws Exception {
        assertThat(op("link", BASE + "/deny/secret", BASE + "/pass/alias")).isEqualTo("EPERM");
        assertThat(BASE.resolve("pass/alias")).doesNotExist();
        awaitLogLine(LOG, ",LINK,0,", ",/tmp/fwp/deny/secret,/tmp/fwp/pass/alias,deny");
    }

    @Test
    void renamesCannotMoveFilesOutOfOrIntoAProtectedDirectory() throws Exception {
        assertThat(op("rename", BASE + "/deny/secret", BASE + "/pass/moved")).isEqualTo("EPERM");
        assertThat(op("rename", BASE + "/pass/mine", BASE + "/deny/mine")).isEqualTo("EPERM");
        assertThat(op("rename-exchange", BASE + "/pass/mine", BASE + "/deny/secret")).isEqualTo("EPERM");
        assertThat(Files.readString(BASE.resolve("deny/secret"))).isEqualTo("secret\n");
        awaitLogLine(LOG, ",RENAME,0,", ",/tmp/fwp/pass/mine,/tmp/fwp/deny/mine,deny");
    }

    @Test
    void aSymlinkInAnUnprotectedPlaceIsJudgedByWhereItLeads() throws Exception {
        assertThat(op("open-write", BASE + "/pass/sym")).isEqualTo("EPERM");
        awaitLogLine(LOG, ",WRITE,0,", ",/tmp/fwp/deny/secret,,deny");
    }

    @Test
    void aFourThousandBytePathIsJudgedAndLoggedWhole() throws Exception {
        String file = LONG + "/" + "f".repeat(4000 - LONG.length() - 1);
        assertThat(file).hasSize(4000);
        assertThat(op("create", file)).isEqualTo("EPERM");
        awaitLogLine(LOG, ",CREATE,0,", "," + file + ",,deny");
    }

    @Test
    void aPathBeyondTheLimitIsDecidedByTheUnresolvedPolicyAndFlagged() throws Exception {
        // under a pass rule: a cut path is never taken for a match, the policy (deny) decides
        assertThat(Guest.run(List.of(Guest.FWOPS.toString(), "-C", TOO_LONG, "create", "f"), 30).out()).endsWith("EPERM");
        JsonNode e = awaitJson(n -> n.get("op").asText().equals("CREATE") && n.get("flags").toString().contains("truncated"));
        assertThat(e.get("action").asText()).isEqualTo("deny");
        assertThat(e.get("path").asText()).endsWith("/" + "d".repeat(200) + "/f");
        assertThat(e.get("rule").isNull()).isTrue();
    }

    @Test
    void aHundredNestedDirectoriesAreJudgedByTheFullPath() throws Exception {
        assertThat(op("create", NESTED + "/file")).isEqualTo("ok");
        awaitLogLine(LOG, ",CREATE,0,", "," + NESTED + "/file,,log");
        assertThat(op("mkdir", NESTED + "/n101")).isEqualTo("ok");
        awaitLogLine(LOG, ",MKDIR,0,", "," + NESTED + "/n101,,log");
    }

    @Test
    void oddNamesAreQuotedAndEscapedInTheLog() throws Exception {
        assertThat(op("create", BASE + "/log/a,b")).isEqualTo("ok");
        awaitLogLine(LOG, ",CREATE,0,", ",\"/tmp/fwp/log/a,b\",,log");
        assertThat(op("create", BASE + "/log/say \"hi\"")).isEqualTo("ok");
        awaitLogLine(LOG, ",CREATE,0,", ",\"/tmp/fwp/log/say \"\"hi\"\"\",,log");
        assertThat(Guest.run(List.of(Guest.FWOPS.toString(), "-x", "create", BASE + "/log/bad\\xff\\xfe"), 30).out()).endsWith("ok");
        awaitLogLine(LOG, ",CREATE,0,", ",/tmp/fwp/log/bad\\xff\\xfe,,log");
        assertThat(Guest.run(List.of(Guest.FWOPS.toString(), "-x", "create", BASE + "/deny/back\\\\slash\\x80"), 30).out()).endsWith("EPERM");
        awaitLogLine(LOG, ",CREATE,0,", ",/tmp/fwp/deny/back\\\\slash\\x80,,deny");
        assertThat(op("create", BASE + "/log/two\nlines")).isEqualTo("ok");
        Guest.awaitLogText(LOG, ",\"/tmp/fwp/log/two\nlines\",,log\n");
        JsonNode e = awaitJson(n -> n.get("path").asText().equals("/tmp/fwp/log/two\nlines"));
        assertThat(e.get("op").asText()).isEqualTo("CREATE");
    }

    @Test
    void theJsonLogCarriesEveryField() throws Exception {
        assertThat(op("mkdir", BASE + "/deny/json")).isEqualTo("EPERM");
        JsonNode e = awaitJson(n -> n.get("path").asText().equals("/tmp/fwp/deny/json"));
        assertThat(e.get("op").asText()).isEqualTo("MKDIR");
        assertThat(e.get("action").asText()).isEqualTo("deny");
        assertThat(e.get("uid").asLong()).isZero();
        assertThat(e.get("pid").asInt()).isPositive();
        assertThat(e.get("ppid").asInt()).isEqualTo((int) ProcessHandle.current().pid());
        assertThat(e.get("exe").asText()).isEqualTo(Guest.FWOPS.toString());
        assertThat(e.get("cmdline").asText()).contains("mkdir").contains("/tmp/fwp/deny/json");
        assertThat(e.get("rule").asInt()).isZero();
        assertThat(e.get("generation").asInt()).isPositive();
        assertThat(e.get("flags").size()).isZero();
        assertThat(java.time.Instant.parse(e.get("time").asText())).isBetween(
                java.time.Instant.now().minusSeconds(120), java.time.Instant.now().plusSeconds(5));
    }

    static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    /** Waits until the JSON log holds an event the predicate accepts. */
    static JsonNode awaitJson(java.util.function.Predicate<JsonNode> p) throws Exception {
        return awaitJson(JSON_LOG, p);
    }

    static JsonNode awaitJson(Path log, java.util.function.Predicate<JsonNode> p) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            for (String line : Guest.completeLines(log)) {
                JsonNode n = JSON.readTree(line);
                if (p.test(n)) return n;
            }
            if (System.nanoTime() > deadline)
                throw new AssertionError("no matching event in " + log + ":\n"
                        + (Files.exists(log) ? Files.readString(log) : "(no log)") + Guest.daemonOutput());
            Thread.sleep(100);
        }
    }
}
