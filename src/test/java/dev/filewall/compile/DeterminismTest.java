package dev.filewall.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.rules.LineFormat;
import dev.filewall.rules.RuleSet;
import dev.filewall.rules.RuleSetArbitraries;
import dev.filewall.rules.YamlFormat;
import java.security.MessageDigest;
import java.util.HexFormat;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The same rules give the same words: compiled twice, re-parsed, in another JVM. */
class DeterminismTest {
    /** Rule sets as the parsers make them, so that printing and parsing gives equal rules. */
    @Provide
    Arbitrary<RuleSet> rules() {
        return RuleSetArbitraries.ruleSet(12);
    }

    @Property(tries = 200)
    void sameRulesSameWords(@ForAll("rules") RuleSet set) throws Exception {
        Table a = TableCompiler.compile(set, 3);
        assertThat(TableCompiler.compile(set, 3).words()).isEqualTo(a.words());
        assertThat(TableCompiler.compile(LineFormat.parse(LineFormat.print(set), "again"), 3).words()).isEqualTo(a.words());
        assertThat(TableCompiler.compile(YamlFormat.parse(YamlFormat.print(set), "again.yaml"), 3).words()).isEqualTo(a.words());
    }

    /**
     * Pins the bytes across JVM runs (hash codes of enums and objects differ between runs, so
     * a compiler that let them order anything would fail here sooner or later). A deliberate
     * change of the compiler's output changes this digest: update it then, and tell the BPF side.
     */
    @Test
    void goldenDigest() throws Exception {
        RuleSet set = LineFormat.parse("""
                default_action=log
                uid=0,uid=1000-1999,exe_path=/usr/bin/rm,operation=UNLINK,operation=OPEN,file_path=/usr/lib/*,action=pass
                operation=SETATTR,operation=CREATE,operation=MKDIR,file_path=/usr/[bl]i[!x]/*,file_path=*.so.?,action=deny
                exe_path=/usr/bin/python3*,cmdline=*manage.py*,file_path=/srv/é/*,action=log
                uid=5-4294967295,file_path=/tmp/*,action=deny
                """, "golden.rules");
        byte[] bytes = TableCompiler.compile(set, 42).toBytes();
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        assertThat(digest).isEqualTo(GOLDEN);
    }

    static final String GOLDEN = "978d857fe5bbbf5335f2360cd7ac75746951d0d6499b163ff7c7d67d765bd427";
}
