package dev.filewall.cli;

import dev.filewall.rules.RuleException;
import dev.filewall.rules.RuleFiles;
import dev.filewall.rules.RuleSet;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The RULES argument and --format, shared by every command that reads a rule file. */
final class RulesOption {
    @Parameters(index = "0", paramLabel = "RULES", description = "rule file: .yaml/.yml, or iLocker lines")
    Path file;

    @Option(names = "--format", paramLabel = "yaml|ilocker", description = "override the format the file name implies")
    String format;

    /** Loads the rules, or prints every error and returns null. */
    RuleSet load(PrintWriter err) {
        RuleFiles.Format f = null;
        if (format != null) {
            switch (format.toLowerCase()) {
                case "yaml", "yml" -> f = RuleFiles.Format.YAML;
                case "ilocker", "lines" -> f = RuleFiles.Format.ILOCKER;
                default -> throw new picocli.CommandLine.ParameterException(
                        new picocli.CommandLine(new Main()), "--format: expected yaml or ilocker, got '" + format + "'");
            }
        }
        try {
            return RuleFiles.load(file, f);
        } catch (RuleException e) {
            e.errors().forEach(er -> err.println(er));
            err.println(e.errors().size() + (e.errors().size() == 1 ? " error" : " errors") + "; nothing was applied");
            err.flush();
            return null;
        }
    }
}
