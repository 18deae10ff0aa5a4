package dev.filewall.compile;

import dev.filewall.rules.Glob;
import dev.filewall.rules.Rule;
import java.util.List;

/** The string fields of a rule, numbered as {@code enum fw_field}: the order of groups in a table. */
public enum Field {
    PATH("file_path"), EXE("exe_path"), CMD("cmdline");

    /** The field's key in a rule file. */
    public final String key;

    Field(String key) {
        this.key = key;
    }

    /** The rule's patterns for this field; empty: left out, matches everything. */
    public List<Glob> globs(Rule r) {
        return switch (this) {
            case PATH -> r.filePaths();
            case EXE -> r.exePaths();
            case CMD -> r.cmdlines();
        };
    }
}
