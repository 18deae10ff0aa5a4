package dev.filewall.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point. Exit codes: 0 success, 1 invalid rules, 2 usage error, 3 failure at run time. */
@Command(name = "filewall", mixinStandardHelpOptions = true, version = "filewall 0.1.0",
        description = "A file-operation firewall: the kernel checks every file operation against your rules.",
        subcommands = {CheckCommand.class, ExplainCommand.class, ConvertCommand.class, CompileCommand.class,
                RunCommand.class, LogCommand.class, ControlCommands.Reload.class, ControlCommands.Status.class, ControlCommands.Stop.class,
                DoctorCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the rules have errors (each is printed as file:line:column: message)",
                "2:usage error", "3:failure at run time (kernel, I/O)"})
public final class Main {
    public static final int RULES_INVALID = 1;
    public static final int USAGE = 2;
    public static final int RUNTIME = 3;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExitCodeExceptionMapper(e -> RUNTIME);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("filewall: " + e.getMessage());
            return RUNTIME;
        });
        return cl.execute(args);
    }
}
