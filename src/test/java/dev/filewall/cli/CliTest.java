package dev.filewall.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void checkAcceptsRulesYamlAndTheSeedLines() {
        assertThat(run("check", "rules.yaml")).isEqualTo(new Run(0, "rules.yaml: 4 rules, default pass: ok\n", ""));
        assertThat(run("check", "src/test/resources/seed.rules").code()).isZero();
    }

    @Test
    void checkPrintsEveryErrorAndExitsOne(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.rules"), "uid=x,action=deny\nfile_path=/a/[b,action=deny\n");
        Run r = run("check", bad.toString());
        assertThat(r.code()).isEqualTo(Main.RULES_INVALID);
        assertThat(r.err()).contains(bad + ":1:5: bad uid 'x'").contains(bad + ":2:14: file_path: unclosed '['")
                .contains("2 errors; nothing was applied");
    }

    @Test
    void explainGivesTheSeedDecisions() {
        Run rm = run("explain", "rules.yaml", "--uid", "0", "--exe", "/usr/bin/rm", "--op", "UNLINK", "/usr/lib/libudev.so.6");
        assertThat(rm.out()).startsWith("pass: rule 0 \"rm may clean /usr/lib\" (line 5)");
        Run trojan = run("explain", "rules.yaml", "--uid", "0", "--exe", "/usr/bin/irjsypzavm", "--op", "CREATE",
                "/usr/lib/libudev.so", "--json");
        assertThat(trojan.out()).isEqualTo("{\"rule\":2,\"line\":11,\"action\":\"deny\"}\n");
        Run other = run("explain", "rules.yaml", "--uid", "0", "--exe", "/bin/x", "--op", "create", "/home/a");
        assertThat(other.out()).isEqualTo("pass: no rule matched, default_action decided\n");
    }

    @Test
    void explainBatchAnswersEveryLineInOrder(@TempDir Path dir) throws Exception {
        Path q = Files.writeString(dir.resolve("q.jsonl"), """
                {"uid":0,"exe":"/usr/bin/rm","cmdline":"rm x","op":"UNLINK","path":"/usr/lib/x","path2":null}
                {"op":"FLY","path":"/x"}
                not json

                {"exe":"/usr/bin/mv","op":"RENAME","path":"/home/a","path2":"/tmp/b"}
                {"op":"READ","path":"/etc/passwd"}
                """);
        Run r = run("explain", "src/test/resources/seed.rules", "--batch", q.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out().lines().toList()).hasSize(5);
        assertThat(r.out().lines().toList().get(0)).isEqualTo("{\"rule\":0,\"line\":1,\"action\":\"pass\"}");
        assertThat(r.out().lines().toList().get(1)).startsWith("{\"error\":\"unknown or missing op 'FLY'");
        assertThat(r.out().lines().toList().get(2)).startsWith("{\"error\":");
        assertThat(r.out().lines().toList().get(3)).isEqualTo("{\"rule\":3,\"line\":4,\"action\":\"deny\"}");
        assertThat(r.out().lines().toList().get(4)).isEqualTo("{\"rule\":null,\"line\":null,\"action\":\"pass\"}");
    }

    @Test
    void explainRejectsHalfAQuery() {
        assertThat(run("explain", "rules.yaml", "--uid", "0", "/x").code()).isEqualTo(Main.USAGE);
        assertThat(run("explain", "rules.yaml", "--uid", "0", "--exe", "/x", "--op", "FLY", "/x").code()).isEqualTo(Main.USAGE);
    }

    @Test
    void convertRoundTripsThroughBothForms(@TempDir Path dir) throws Exception {
        Run toLines = run("convert", "rules.yaml", "--to", "ilocker");
        assertThat(toLines.out()).isEqualTo("""
                name=rm may clean /usr/lib,exe_path=/usr/bin/rm,file_path=/usr/lib/*,action=pass
                file_path=/usr/bin/*,action=deny
                file_path=/usr/lib/*,action=deny
                file_path=/tmp/*,action=deny
                """);
        Path lines = Files.writeString(dir.resolve("r.rules"), toLines.out());
        Path yaml = Files.writeString(dir.resolve("r.yaml"), run("convert", lines.toString(), "--to", "yaml").out());
        assertThat(run("convert", yaml.toString(), "--to", "ilocker").out()).isEqualTo(toLines.out());
    }

    @Test
    void formatOverridesTheFileName(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("rules.txt"), "rules:\n  - file_path: /x\n    action: log\n");
        assertThat(run("check", f.toString(), "--format", "yaml").code()).isZero();
        assertThat(run("check", f.toString()).code()).isEqualTo(Main.RULES_INVALID);
    }
}
