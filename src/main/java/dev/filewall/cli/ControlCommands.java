package dev.filewall.cli;

import dev.filewall.daemon.Control;
import dev.filewall.daemon.Pins;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** reload, status and stop: they talk to the daemon through its pid file and to the kernel through the pins. */
final class ControlCommands {
    private ControlCommands() {}

    static final class PidFile {
        @Option(names = "--pid-file", paramLabel = "FILE", defaultValue = "/run/filewall/filewall.pid") Path pidFile;
    }

    @Command(name = "reload", mixinStandardHelpOptions = true,
            description = {"Make the running daemon re-read its rule file and wait until the new table is live.",
                    "Given RULES, the daemon checks them and, when they are valid, makes them its rule file (which only the daemon may write:",
                    "this is how the rules change). A file with errors is rejected whole, and the running table stays."})
    static final class Reload implements Callable<Integer> {
        @Mixin PidFile pid;
        @Spec CommandSpec spec;
        @Parameters(index = "0", arity = "0..1", paramLabel = "RULES", description = "the new rules, in the rule file's format")
        Path rulesFile;

        @Override
        public Integer call() throws Exception {
            return new Control(Pins.DEFAULT, pid.pidFile).reload(rulesFile, spec.commandLine().getOut(), spec.commandLine().getErr());
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show whether filewall enforces, the rules and generation, events, drops and pins.")
    static final class Status implements Callable<Integer> {
        @Mixin PidFile pid;
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return new Control(Pins.DEFAULT, pid.pidFile).status(spec.commandLine().getOut());
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = {"End enforcement: the daemon removes its pins (every hook detaches) and exits.",
                    "The only way to end it: the daemon's files, pins and maps are self-protected, and it refuses signals but from its service manager."})
    static final class Stop implements Callable<Integer> {
        @Mixin PidFile pid;
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return new Control(Pins.DEFAULT, pid.pidFile).stop(spec.commandLine().getOut(), spec.commandLine().getErr());
        }
    }
}
