package dev.filewall.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.rules.Action;
import dev.filewall.rules.Decision;
import dev.filewall.rules.LineFormat;
import dev.filewall.rules.Operation;
import dev.filewall.rules.Query;
import dev.filewall.rules.ReferenceEvaluator;
import dev.filewall.rules.RuleSet;
import org.junit.jupiter.api.Test;

/** The rules that stopped the iLocker trojan (docs: /work/shared/seed/ilocker-case.md). */
class SeedRulesTest {
    static final String SEED = """
            exe_path=/usr/bin/rm,file_path=/usr/lib/*,action=pass
            file_path=/usr/bin/*,action=deny
            file_path=/usr/lib/*,action=deny
            file_path=/tmp/*,action=deny
            """;

    private static Decision decide(String exe, Operation op, String path) throws Exception {
        RuleSet rules = LineFormat.parse(SEED, "seed.rules");
        Table t = TableCompiler.compile(rules, 7);
        Query q = Query.of(0, exe, exe, op, path, null);
        Decision d = new TableEvaluator(t).decide(q);
        assertThat(d).isEqualTo(ReferenceEvaluator.decide(rules, q));
        return d;
    }

    @Test
    void rmMayCleanUsrLib() throws Exception {
        assertThat(decide("/usr/bin/rm", Operation.UNLINK, "/usr/lib/libudev.so.6")).isEqualTo(new Decision(0, Action.PASS));
    }

    @Test
    void theTrojanMayNotWriteUsrLib() throws Exception {
        assertThat(decide("/usr/bin/irjsypzavm", Operation.CREATE, "/usr/lib/libudev.so")).isEqualTo(new Decision(2, Action.DENY));
        assertThat(decide("/usr/bin/irjsypzavm", Operation.CREATE, "/usr/bin/szklfovzwg")).isEqualTo(new Decision(1, Action.DENY));
        assertThat(decide("/usr/bin/irjsypzavm", Operation.CREATE, "/tmp/szklfovzwg")).isEqualTo(new Decision(3, Action.DENY));
    }

    @Test
    void elsewhereTheDefaultDecides() throws Exception {
        assertThat(decide("/usr/bin/irjsypzavm", Operation.CREATE, "/home/a")).isEqualTo(Decision.byDefault(Action.PASS));
        assertThat(decide("/usr/bin/rm", Operation.UNLINK, "/home/a")).isEqualTo(Decision.byDefault(Action.PASS));
    }

    @Test
    void renameIntoUsrLibIsJudgedOnBothPaths() throws Exception {
        RuleSet rules = LineFormat.parse(SEED, "seed.rules");
        Query q = Query.of(0, "/usr/bin/mv", "mv", Operation.RENAME, "/home/a", "/usr/lib/libudev.so");
        assertThat(new TableEvaluator(TableCompiler.compile(rules, 1)).decide(q)).isEqualTo(new Decision(2, Action.DENY));
    }

    @Test
    void tableHeader() throws Exception {
        Table t = TableCompiler.compile(LineFormat.parse(SEED, "seed.rules"), 7);
        int[] w = t.words();
        assertThat(w[Table.HDR_MAGIC]).isEqualTo(Table.MAGIC);
        assertThat(w[Table.HDR_GENERATION]).isEqualTo(7);
        assertThat(w[Table.HDR_NRULES]).isEqualTo(4);
        assertThat(w[Table.HDR_NWORDS]).isEqualTo(1);
        assertThat(w[Table.HDR_UID_NBOUNDS]).isEqualTo(1);
        assertThat(t.stats().groups()).allSatisfy(gs -> assertThat(gs).hasSize(1));
        System.out.println(t.stats());
    }
}
