package dev.filewall.cli;

import dev.filewall.daemon.Daemon;
import dev.filewall.daemon.Enforcer;
import dev.filewall.daemon.Pins;
import dev.filewall.rules.Action;
import dev.filewall.rules.RuleFiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Enforce RULES: load (or adopt) the BPF LSM programs, apply the compiled rules, and write every",
                "deny/log event to the log. Needs root and a kernel with the bpf LSM active. SIGHUP or",
                "'filewall reload' re-reads RULES. Ending this process leaves enforcement in place;",
                "'filewall stop' ends it."})
final class RunCommand implements Callable<Integer> {
    @Mixin RulesOption rules;
    @Spec CommandSpec spec;

    @Option(names = "--log", paramLabel = "FILE", defaultValue = "/var/log/filewall/filewall.log",
            description = "the iLocker-format log (default ${DEFAULT-VALUE})")
    Path log;

    @Option(names = "--json-log", paramLabel = "FILE", description = "also write every event as a JSON line here")
    Path jsonLog;

    @Option(names = "--dry-run", description = "deny nothing; log what would have been denied as dryrun-deny")
    boolean dryRun;

    @Option(names = "--unresolved-modify", paramLabel = "ACTION", defaultValue = "deny",
            description = "decision for a modifying operation whose path cannot be resolved or is too long (default ${DEFAULT-VALUE})")
    String unresolvedModify;

    @Option(names = "--unresolved-read", paramLabel = "ACTION", defaultValue = "log",
            description = "the same for OPEN, READ and EXEC (default ${DEFAULT-VALUE})")
    String unresolvedRead;

    @Option(names = "--table-blocks", paramLabel = "N", defaultValue = "4096",
            description = "4 KiB blocks per table slot: the largest table a reload can install (default ${DEFAULT-VALUE})")
    int tableBlocks;

    @Option(names = "--pid-file", paramLabel = "FILE", defaultValue = "/run/filewall/filewall.pid") Path pidFile;

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        Action modify = Action.parse(unresolvedModify).orElse(null), read = Action.parse(unresolvedRead).orElse(null);
        if (modify == null || read == null) {
            err.println("filewall run: --unresolved-modify and --unresolved-read take pass, log or deny");
            return Main.USAGE;
        }
        RuleFiles.Format format = rules.format == null ? null : rules.format.toLowerCase().startsWith("y")
                ? RuleFiles.Format.YAML : RuleFiles.Format.ILOCKER;
        var settings = new Enforcer.Settings(tableBlocks, Enforcer.Settings.DEFAULT.ringBytes(), dryRun, modify, read);
        return new Daemon(new Daemon.Options(rules.file, format, log, jsonLog, pidFile, settings, Pins.DEFAULT),
                spec.commandLine().getOut(), err).run();
    }
}
