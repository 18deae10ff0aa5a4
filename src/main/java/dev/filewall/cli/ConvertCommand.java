package dev.filewall.cli;

import dev.filewall.rules.LineFormat;
import dev.filewall.rules.RuleSet;
import dev.filewall.rules.YamlFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Print a rule file in the other form; converting back gives the same rules.")
final class ConvertCommand implements Callable<Integer> {
    enum To { yaml, ilocker }

    @Mixin RulesOption rules;
    @Spec CommandSpec spec;

    @Option(names = "--to", required = true, paramLabel = "yaml|ilocker", description = "the form to print")
    To to;

    @Override
    public Integer call() {
        RuleSet set = rules.load(spec.commandLine().getErr());
        if (set == null) return Main.RULES_INVALID;
        try {
            spec.commandLine().getOut().print(to == To.yaml ? YamlFormat.print(set) : LineFormat.print(set));
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("filewall: " + e.getMessage());
            return Main.RULES_INVALID;
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
