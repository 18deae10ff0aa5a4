package dev.filewall.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ParseErrorsTest {
    private static List<String> errors(RuleFiles.Format f, String text) {
        RuleException e = catchThrowableOfType(RuleException.class,
                () -> RuleFiles.parse(text, f == RuleFiles.Format.YAML ? "r.yaml" : "r.rules", f));
        assertThat(e).as("expected errors for:\n" + text).isNotNull();
        return e.errors().stream().map(RuleError::toString).toList();
    }

    @Test
    void everyErrorOfALineFileIsReportedWithItsPosition() {
        List<String> errs = errors(RuleFiles.Format.ILOCKER, """
                uid=abc,action=deny
                file_path=/ok/*,action=deny
                operation=FLY,file_path=relative/*,action=deny
                file_path=/x,action=maybe,color=red
                file_path=/a=b,action=deny
                exe_path=/x
                """);
        assertThat(errs).containsExactly(
                "r.rules:1:5: bad uid 'abc': expected *, a number 0-4294967295, or a range like 1000-1999",
                "r.rules:3:11: unknown operation 'FLY': expected *, DELETE or one of [OPEN, READ, WRITE, CREATE, MKDIR, RMDIR, UNLINK, RENAME, LINK, SYMLINK, TRUNCATE, CHMOD, CHOWN, SETATTR, SETXATTR, EXEC, MKNOD]",
                "r.rules:3:25: file_path: 'relative/*' can never match: paths are absolute, start it with / or a wildcard",
                "r.rules:4:21: unknown action 'maybe': expected pass, deny or log",
                "r.rules:4:27: unknown key 'color': expected one of name, uid, exe_path, cmdline, operation, file_path, action",
                "r.rules:5:13: unescaped '=' in the value of 'file_path': write \\=",
                "r.rules:6:1: rule has no action: add action=pass, deny or log");
    }

    @Test
    void everyErrorOfAYamlFileIsReportedWithItsPosition() {
        List<String> errs = errors(RuleFiles.Format.YAML, """
                default_action: block
                rules:
                  - file_path: [/a/*, "[x"]
                    action: deny
                  - uid: 5-2
                    operation: [OPEN, nope]
                    action: pass
                    colour: red
                  - file_path: /x
                extra: 1
                """);
        assertThat(errs).containsExactly(
                "r.yaml:1:17: default_action: expected pass, deny or log",
                "r.yaml:3:23: file_path: unclosed '[': a class ends with ']'",
                "r.yaml:5:10: bad uid '5-2': expected *, a number 0-4294967295, or a range like 1000-1999",
                "r.yaml:6:23: unknown operation 'nope': expected *, DELETE or one of [OPEN, READ, WRITE, CREATE, MKDIR, RMDIR, UNLINK, RENAME, LINK, SYMLINK, TRUNCATE, CHMOD, CHOWN, SETATTR, SETXATTR, EXEC, MKNOD]",
                "r.yaml:8:5: unknown key 'colour': expected one of name, uid, exe_path, cmdline, operation, file_path, action",
                "r.yaml:9:5: rule has no action: add action=pass, deny or log",
                "r.yaml:10:1: unknown key 'extra': expected default_action or rules");
    }

    @Test
    void aLoneStarInYamlGetsAHint() {
        assertThat(errors(RuleFiles.Format.YAML, "rules:\n  - file_path: *\n    action: deny\n").getFirst())
                .contains("quote it");
    }

    @Test
    void limitsAreErrorsNotTruncation() {
        String longPath = "/" + "a".repeat(Limits.PATH_MAX);
        assertThat(errors(RuleFiles.Format.ILOCKER, "file_path=" + longPath + ",action=deny\n").getFirst())
                .contains("at most 4096");
        assertThat(errors(RuleFiles.Format.ILOCKER, "cmdline=" + "c".repeat(Limits.CMDLINE_MAX + 1) + ",action=deny\n")
                .getFirst()).contains("can never match");
        String many = "file_path=/x,action=deny\n".repeat(Limits.RULES_MAX + 1);
        assertThat(errors(RuleFiles.Format.ILOCKER, many)).containsExactly("r.rules:1:1: 16385 rules, at most 16384 in one set");
    }

    @Provide
    Arbitrary<String> junk() {
        Arbitrary<String> pieces = Arbitraries.of("uid=", "action=", "deny", "pass", ",", "=", "\\", "#", "\n", "[", "*",
                "file_path=/", "rules:", "- ", "  ", ":", "'", "\"", "{", "}", "[", "]", "&a", "!!int", "\t", "operation=", "5-");
        return Arbitraries.oneOf(pieces.list().ofMaxSize(30).map(l -> String.join("", l)), Arbitraries.strings());
    }

    @Property(tries = 2000)
    void malformedInputOnlyEverRaisesRuleException(@ForAll("junk") String text) {
        for (RuleFiles.Format f : RuleFiles.Format.values()) {
            try {
                RuleFiles.parse(text, "junk", f);
            } catch (RuleException expected) {
                assertThat(expected.errors()).isNotEmpty();
            }
        }
    }
}
