package dev.filewall.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.daemon.Daemon;
import dev.filewall.rules.Action;
import dev.filewall.rules.RuleFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** filewall run: flags override the configuration file, which overrides the defaults. */
class RunConfigTest {
    @TempDir Path dir;
    private final StringWriter err = new StringWriter();

    private RunCommand.Prepared prepare(String... args) {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs(args);
        return run.prepare(new PrintWriter(err, true));
    }

    private Path config(String yaml) throws Exception {
        return Files.writeString(dir.resolve("filewall.yaml"), yaml);
    }

    @Test
    void theFileFillsWhatNoFlagSays() throws Exception {
        Path c = config("""
                rules: rules.yaml
                rules_format: ilocker
                log: {csv: /var/log/a.log, json: /var/log/a.jsonl}
                unresolved: {modify: log, read: pass}
                dry_run: true
                flood_window_ms: 250
                table_blocks: 128
                metrics: 127.0.0.1:9464
                pid_file: /run/a.pid
                """);
        Daemon.Options o = prepare("--config", c.toString()).options();
        assertThat(o.rules()).isEqualTo(dir.resolve("rules.yaml"));
        assertThat(o.format()).isEqualTo(RuleFiles.Format.ILOCKER);
        assertThat(o.log()).isEqualTo(Path.of("/var/log/a.log"));
        assertThat(o.jsonLog()).isEqualTo(Path.of("/var/log/a.jsonl"));
        assertThat(o.pidFile()).isEqualTo(Path.of("/run/a.pid"));
        assertThat(o.metrics()).isEqualTo(new InetSocketAddress("127.0.0.1", 9464));
        assertThat(o.settings().dryRun()).isTrue();
        assertThat(o.settings().unresolvedModify()).isEqualTo(Action.LOG);
        assertThat(o.settings().unresolvedRead()).isEqualTo(Action.PASS);
        assertThat(o.settings().floodWindow()).isEqualTo(Duration.ofMillis(250));
        assertThat(o.settings().slotBlocks()).isEqualTo(128);
    }

    @Test
    void flagsOverrideTheFile() throws Exception {
        Path c = config("""
                rules: rules.yaml
                log: {csv: /var/log/a.log}
                unresolved: {modify: log}
                dry_run: true
                flood_window_ms: 250
                metrics: 127.0.0.1:9464
                """);
        Daemon.Options o = prepare("other.rules", "--config", c.toString(), "--format", "yaml", "--log", "/tmp/b.log",
                "--dry-run=false", "--unresolved-modify", "pass", "--flood-window", "2s", "--metrics", "[::1]:9000").options();
        assertThat(o.rules()).isEqualTo(Path.of("other.rules"));
        assertThat(o.format()).isEqualTo(RuleFiles.Format.YAML);
        assertThat(o.log()).isEqualTo(Path.of("/tmp/b.log"));
        assertThat(o.settings().dryRun()).isFalse();
        assertThat(o.settings().unresolvedModify()).isEqualTo(Action.PASS);
        assertThat(o.settings().unresolvedRead()).isEqualTo(Action.LOG); // neither says: the default
        assertThat(o.settings().floodWindow()).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.metrics()).isEqualTo(new InetSocketAddress("::1", 9000));
    }

    @Test
    void withAnEmptyFileTheDefaultsApply() throws Exception {
        Daemon.Options o = prepare("r.yaml", "--config", config("# nothing\n").toString()).options();
        assertThat(o.log()).isEqualTo(Path.of("/var/log/filewall/filewall.log"));
        assertThat(o.jsonLog()).isNull();
        assertThat(o.metrics()).isNull();
        assertThat(o.settings().dryRun()).isFalse();
        assertThat(o.settings().unresolvedModify()).isEqualTo(Action.DENY);
        assertThat(o.settings().floodWindow()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.settings().slotBlocks()).isEqualTo(4096);
        assertThat(o.pidFile()).isEqualTo(Path.of("/run/filewall/filewall.pid"));
    }

    @Test
    void noRulesAnywhereIsAUsageError() throws Exception {
        Path c = config("dry_run: true\n");
        assertThat(prepare("--config", c.toString()).exit()).isEqualTo(Main.USAGE);
        assertThat(err.toString()).isEqualTo("filewall run: no RULES: name a rule file, or set 'rules:' in " + c + "\n");
    }

    @Test
    void aBadFileStopsRunBeforeAnythingStarts() throws Exception {
        Path c = config("rules: r.yaml\nmetrcs: 127.0.0.1:9464\n");
        CliTest.Run r = CliTest.run("run", "--config", c.toString());
        assertThat(r.code()).isEqualTo(Main.RULES_INVALID);
        assertThat(r.err()).startsWith(c + ":2:1: unknown key 'metrcs' (expected one of: ")
                .endsWith("filewall run: " + c + " has errors; nothing was started\n");
        assertThat(CliTest.run("run", "--config", dir.resolve("none.yaml").toString()).err())
                .startsWith(dir.resolve("none.yaml") + ": no such file");
    }

    @Test
    void aBadMetricsAddressIsAUsageError() {
        CliTest.Run r = CliTest.run("run", "r.yaml", "--metrics", "9464");
        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.err()).contains("expected HOST:PORT (e.g. 127.0.0.1:9464, [::1]:9464), got '9464'");
    }
}
