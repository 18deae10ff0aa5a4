package dev.filewall.cli;

import dev.filewall.compile.Table;
import dev.filewall.compile.TableCompiler;
import dev.filewall.compile.TableException;
import dev.filewall.rules.RuleSet;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "compile", mixinStandardHelpOptions = true,
        description = {"Compile rules into the kernel's table (docs/table.md) and report its size.",
                "The same rules always give a byte-identical table."})
final class CompileCommand implements Callable<Integer> {
    @Mixin RulesOption rules;
    @Spec CommandSpec spec;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write the table (little-endian u32 words)")
    Path output;

    @Option(names = "--stats", description = "print states, groups, classes and bytes per field")
    boolean stats;

    @Option(names = "--state-budget", paramLabel = "N", defaultValue = "" + TableCompiler.DEFAULT_STATE_BUDGET,
            description = "DFA states per group before the rules are split into another group (default ${DEFAULT-VALUE})")
    int stateBudget;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        RuleSet set = rules.load(err);
        if (set == null) return Main.RULES_INVALID;
        Table table;
        try {
            table = TableCompiler.compile(set, 0, TableCompiler.Options.DEFAULT.withStateBudget(stateBudget));
        } catch (TableException e) {
            err.println("filewall compile: " + e.getMessage());
            return Main.RULES_INVALID;
        }
        if (output != null) Files.write(output, table.toBytes());
        Table.Stats s = table.stats();
        out.printf("%d rules, %d words (%d bytes), %d match sets, %d uid intervals%n", s.rules(), s.words(), s.bytes(),
                s.matchSets(), s.uidIntervals());
        if (stats) {
            String[] fields = {"file_path", "exe_path", "cmdline"};
            out.printf("%-10s %6s %12s %8s %8s%n", "field", "group", "rules", "states", "classes");
            for (int f = 0; f < fields.length; f++) {
                List<Table.GroupStats> groups = s.groups().get(f);
                for (int g = 0; g < groups.size(); g++) {
                    Table.GroupStats gs = groups.get(g);
                    out.printf("%-10s %6d %12s %8d %8d%n", fields[f], g, gs.firstRule() + "-" + (gs.endRule() - 1),
                            gs.states(), gs.classes());
                }
            }
        }
        out.flush();
        return 0;
    }
}
