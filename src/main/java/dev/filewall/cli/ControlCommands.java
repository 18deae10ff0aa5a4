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
            description = {"Make the running daemon re-read its rules (SIGHUP) and wait until the new table is live.",
                    "Given RULES, check them first: a file with errors is not sent, and the running table stays."})
    static final class Reload implements Callable<Integer> {
        @Mixin PidFile pid;
        @Spec CommandSpec spec;
        @Parameters(index = "0", arity = "0..1", paramLabel = "RULES", description = "check these rules before reloading")
        Path rulesFile;

        @Override
        public Integer call() throws Exception {
            var err = spec.commandLine().getErr();
            if (rulesFile != null) {
                RulesOption r = new RulesOption();
                r.file = rulesFile;
                if (r.load(err) == null) return Main.RULES_INVALID;
            }
            return new Control(Pins.DEFAULT, pid.pidFile).reload(spec.commandLine().getOut(), err);
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
            description = "End enforcement: detach every hook, remove the pins, and stop the daemon.")
    static final class Stop implements Callable<Integer> {
        @Mixin PidFile pid;
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return new Control(Pins.DEFAULT, pid.pidFile).stop(spec.commandLine().getOut(), spec.commandLine().getErr());
        }
    }
}
