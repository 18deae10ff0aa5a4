package dev.filewall.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.filewall.daemon.Config.ConfigException;
import dev.filewall.rules.Action;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
    @TempDir Path dir;

    private Path write(String text) throws Exception {
        return Files.writeString(dir.resolve("filewall.yaml"), text);
    }

    private List<String> errors(String text) throws Exception {
        Path f = write(text);
        try {
            Config.load(f);
        } catch (ConfigException e) {
            return e.errors().stream().map(m -> m.replace(f.toString(), "F")).toList();
        }
        throw new AssertionError("accepted: " + text);
    }

    @Test
    void thePackagedDefaultLoadsAndSaysWhatTheReadmeSays() throws Exception {
        Config c = Config.load(Path.of("packaging/filewall.yaml"));
        assertThat(c.rules()).isEqualTo(Path.of("/etc/filewall/rules.yaml"));
        assertThat(c.log().csv()).isEqualTo(Path.of("/var/log/filewall/filewall.log"));
        assertThat(c.unresolved()).isEqualTo(new Config.Unresolved(Action.DENY, Action.LOG));
        assertThat(c.metrics()).isEqualTo(new Config.Address("127.0.0.1", 9464));
        assertThat(c.dryRun()).isFalse();
        assertThat(c.store().path()).isEqualTo(Path.of("/var/lib/filewall/events.db"));
    }

    @Test
    void everyKeyIsRead() throws Exception {
        Config c = Config.load(write("""
                rules: rules/main.yaml        # relative to this file's directory
                rules_format: ilocker
                log:
                  csv: /var/log/fw.log
                  json: /var/log/fw.jsonl
                store:
                  path: /var/lib/fw/events.db
                  retention_days: 7
                  retention_mb: 512
                flood_window_ms: 250
                unresolved:
                  modify: LOG
                  read: pass
                dry_run: true
                http: "[::1]:8080"
                metrics: 0.0.0.0:9464
                table_blocks: 128
                pid_file: /run/fw.pid
                """));
        assertThat(c).isEqualTo(new Config(dir.resolve("rules/main.yaml"), "ilocker",
                new Config.Log(Path.of("/var/log/fw.log"), Path.of("/var/log/fw.jsonl")),
                new Config.Store(Path.of("/var/lib/fw/events.db"), 7, 512), 250, new Config.Unresolved(Action.LOG, Action.PASS),
                true, new Config.Address("::1", 8080), new Config.Address("0.0.0.0", 9464), 128, Path.of("/run/fw.pid")));
        assertThat(c.http().toString()).isEqualTo("[::1]:8080");
    }

    @Test
    void anEmptyFileSetsNothing() throws Exception {
        assertThat(Config.load(write(""))).isEqualTo(Config.EMPTY);
        assertThat(Config.load(write("# nothing here\n"))).isEqualTo(Config.EMPTY);
        assertThat(Config.load(write("log:\n  json:\n"))).isEqualTo(new Config(null, null, new Config.Log(null, null),
                null, null, null, null, null, null, null, null));
    }

    @Test
    void everyUnknownKeyIsReportedWithItsPosition() throws Exception {
        assertThat(errors("""
                rules: /etc/filewall/rules.yaml
                metric: 127.0.0.1:9464
                log:
                  csv: /x
                  jsn: /y
                """)).containsExactly(
                "F:2:1: unknown key 'metric' (expected one of: dry_run, flood_window_ms, http, log, metrics, pid_file, rules,"
                        + " rules_format, store, table_blocks, unresolved)",
                "F:5:3: unknown key 'jsn' (expected one of: csv, json)");
    }

    @Test
    void badValuesNameTheirKeyAndPosition() throws Exception {
        assertThat(errors("unresolved:\n  modify: block\n")).containsExactly("F:2:11: unresolved.modify: expected pass, log or deny, got 'block'");
        assertThat(errors("metrics: 9464\n")).containsExactly(
                "F:1:10: metrics: expected HOST:PORT (e.g. 127.0.0.1:9464, [::1]:9464), got '9464'");
        assertThat(errors("table_blocks: many\n")).containsExactly("F:1:15: table_blocks: expected a whole number, got 'many'");
        assertThat(errors("table_blocks: 0\n")).containsExactly("F:1:15: table_blocks: must be 1 or more");
        assertThat(errors("dry_run: maybe\n")).containsExactly("F:1:10: dry_run: expected true or false, got 'maybe'");
        assertThat(errors("store:\n  retention_days: -1\n")).containsExactly("F:2:19: store.retention_days: must be 0 or more");
        assertThat(errors("rules_format: json\n")).containsExactly("F:1:15: rules_format: expected yaml or ilocker, got 'json'");
        assertThat(errors("table_blocks: 1.5\n")).containsExactly("F:1:15: table_blocks: expected a whole number, got '1.5'");
        assertThat(errors("log: /var/log/x\n")).containsExactly("F:1:6: log: expected a mapping with csv, json, got text");
        assertThat(errors("store:\n  path: [a, b]\n")).containsExactly("F:2:9: store.path: expected a path, got a list");
    }

    @Test
    void yamlErrorsAndDuplicatesArePositioned() throws Exception {
        assertThat(errors("rules: /a\nrules: /b\n")).hasSize(1).first().asString().startsWith("F:2:");
        assertThat(errors("rules: 'unterminated\n")).hasSize(1).first().asString().startsWith("F:").contains(": YAML: ");
        assertThat(errors("- a\n- b\n")).hasSize(1).first().asString().startsWith("F:1:1: expected a mapping with rules, ").endsWith(", got a list");
    }

    @Test
    void aMissingFileIsNamed() {
        assertThatThrownBy(() -> Config.load(dir.resolve("nope.yaml"))).isInstanceOf(ConfigException.class)
                .hasMessage(dir.resolve("nope.yaml") + ": no such file");
    }

    @Test
    void addressesParseStrictly() {
        assertThat(Config.Address.parse("localhost:80")).isEqualTo(new Config.Address("localhost", 80));
        for (String bad : List.of(":80", "host", "host:", "host:99999", "host:8x", "[::1]"))
            assertThatThrownBy(() -> Config.Address.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
}
