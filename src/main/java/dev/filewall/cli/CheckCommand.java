package dev.filewall.cli;

import dev.filewall.rules.RuleSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate a rule file: print every error with file:line:column, exit 1 if there is any.")
final class CheckCommand implements Callable<Integer> {
    @Mixin RulesOption rules;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        RuleSet set = rules.load(spec.commandLine().getErr());
        if (set == null) return Main.RULES_INVALID;
        spec.commandLine().getOut().printf("%s: %d rules, default %s: ok%n", rules.file, set.rules().size(),
                set.defaultAction().word());
        return 0;
    }
}
