package dev.filewall.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.compile.TableCompiler;
import dev.filewall.logstore.Retention;
import dev.filewall.rules.Action;
import dev.filewall.rules.LineFormat;
import dev.filewall.rules.Operation;
import dev.filewall.rules.Query;
import dev.filewall.rules.ReferenceEvaluator;
import dev.filewall.rules.RuleSet;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfProtectionTest {
    @TempDir Path tmp;
    Path etc, lib, rules, log, store;
    SelfProtection p;
    RuleSet set;

    @BeforeEach
    void setUp() throws Exception {
        etc = Files.createDirectories(tmp.resolve("etc/filewall"));
        lib = Files.createDirectories(tmp.resolve("usr/lib/filewall"));
        Files.createDirectories(tmp.resolve("usr/lib/systemd/system"));
        Files.writeString(tmp.resolve("usr/lib/systemd/system/filewall.service"), "[Unit]\n");
        rules = Files.writeString(Files.createDirectories(tmp.resolve("var")).resolve("rules [1].yaml"), "").toRealPath();
        log = Files.createDirectories(tmp.resolve("log")).toRealPath().resolve("filewall.csv");
        store = tmp.toRealPath().resolve("var/events.db");
        var opt = new Daemon.Options(rules, null, etc.resolve("filewall.yaml"), log, null, tmp.resolve("run/filewall/filewall.pid"),
                Enforcer.Settings.DEFAULT, new Pins(tmp.resolve("bpf/filewall")), null, store, Retention.NONE, null, false);
        p = SelfProtection.of(opt, tmp.resolve("bin/filewall"), lib.resolve("filewall.jar"), tmp.resolve("jdk"));
        set = p.prepend(LineFormat.parse("file_path=" + tmp + "/*,action=pass\n", "user"));
    }

    Action decide(Operation op, Path path) {
        return ReferenceEvaluator.decide(set, Query.of(0, "/usr/bin/evil", "evil", op, path.toString(), null)).action();
    }

    @Test
    void filewallsOwnFilesCannotBeChangedWhateverTheRuleFileSays() {
        Path real = tmp.toAbsolutePath();
        for (Path f : new Path[] {rules, real.resolve("etc/filewall/filewall.yaml"), real.resolve("etc/filewall/new-file"), log,
                log.resolveSibling("filewall.csv.1"), store, store.resolveSibling("events.db-wal"), real.resolve("usr/lib/filewall/filewall.jar"),
                real.resolve("usr/lib/filewall"), real.resolve("usr/lib/systemd/system/filewall.service"), real.resolve("bin/filewall"),
                real.resolve("bpf/filewall/links/fw_file_open"), real.resolve("bpf/filewall"), real.resolve("run/filewall/control.sock"),
                real.resolve("jdk/lib/server/libjvm.so")})
            for (Operation op : Operation.RULES)
                assertThat(decide(op, f)).as("%s %s", op, f).isEqualTo(op.modifies() ? Action.DENY : Action.PASS);
    }

    @Test
    void theRuleFileDecidesEverythingElse() {
        assertThat(decide(Operation.WRITE, tmp.resolve("var/other"))).isEqualTo(Action.PASS);
        // the store's index, which every reader of the store writes, and a name that merely starts like the rules
        assertThat(decide(Operation.WRITE, store.resolveSibling("events.db-shm"))).isEqualTo(Action.PASS);
        assertThat(decide(Operation.WRITE, rules.resolveSibling("rules [1].yaml.bak"))).isEqualTo(Action.PASS);
        assertThat(decide(Operation.UNLINK, tmp.resolve("usr/lib/other"))).isEqualTo(Action.PASS);
    }

    @Test
    void directoriesAboveCannotBeRenamedAway() {
        assertThat(decide(Operation.RENAME, tmp.toAbsolutePath().resolve("etc"))).isEqualTo(Action.DENY);
        assertThat(decide(Operation.RENAME, tmp.toAbsolutePath().resolve("bpf"))).isEqualTo(Action.DENY);
        assertThat(decide(Operation.UNLINK, tmp.toAbsolutePath().resolve("etc"))).isEqualTo(Action.PASS);
    }

    @Test
    void theBuiltInRulesComeFirstAndCompile() throws Exception {
        assertThat(set.rules()).hasSize(SelfProtection.RULES + 1);
        assertThat(set.rules().subList(0, SelfProtection.RULES)).isEqualTo(p.rules());
        assertThat(TableCompiler.compile(set, 0).stats().rules()).isEqualTo(SelfProtection.RULES + 1);
        assertThat(p.describe()).contains(rules.toString(), tmp.toAbsolutePath() + "/bpf/filewall/");
    }
}
