package dev.filewall.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.rules.Operation;
import dev.filewall.rules.Query;
import dev.filewall.rules.ReferenceEvaluator;
import dev.filewall.rules.RuleSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** 10,000 rules of the shapes CompileBench measures; their compile time is reported there, not asserted. */
class LargeRuleSetTest {
    @Test
    void tenThousandRulesCompileAndDecideAsTheReference() throws Exception {
        RuleSet set = CompileBench.rules(10_000, i -> switch (i % 3) {
            case 0 -> CompileBench.prefixOnly(i);
            case 1 -> CompileBench.anchoredGlobs(i);
            default -> CompileBench.leadingStar(i);
        });
        Table t = TableCompiler.compile(set, 1);
        Table.Stats s = t.stats();
        assertThat(s.rules()).isEqualTo(10_000);
        assertThat(s.uidIntervals()).isEqualTo(1);
        for (List<Table.GroupStats> groups : s.groups()) {
            assertThat(groups).isNotEmpty().hasSizeLessThanOrEqualTo(Table.MAX_GROUPS);
            assertThat(groups.getFirst().firstRule()).isZero();
            assertThat(groups.getLast().endRule()).isEqualTo(10_000);
            assertThat(groups).allSatisfy(g -> {
                assertThat(g.built()).isLessThanOrEqualTo(TableCompiler.DEFAULT_STATE_BUDGET);
                assertThat(g.states()).isBetween(2, g.built());
            });
        }
        // a few states per rule for these shapes, and one match set per rule or so
        int pathStates = s.groups().getFirst().stream().mapToInt(Table.GroupStats::states).sum();
        assertThat(pathStates).isBetween(10_000, 20 * 10_000);
        assertThat(s.matchSets()).isBetween(10_000, 3 * 10_000);
        assertThat(s.words()).isEqualTo(t.size()).isLessThan(TableCompiler.DEFAULT_MAX_WORDS);
        System.out.println(s);

        TableEvaluator eval = new TableEvaluator(t);
        Random rnd = new Random(1);
        for (int k = 0; k < 300; k++) {
            int i = rnd.nextInt(10_000);
            String path = switch (rnd.nextInt(4)) {
                case 0 -> "/srv/app" + i + "/data";
                case 1 -> "/srv/app" + i + "/x/logs/y.log";
                case 2 -> "/var/lib/app" + i + ".log";
                default -> "/home/u" + i + "/a/.ssh/id" + (rnd.nextBoolean() ? "" : ".pub");
            };
            String exe = "/usr/bin/tool" + rnd.nextInt(60);
            Query q = Query.of(rnd.nextInt(2), exe, exe, Operation.values()[rnd.nextInt(17)], path, null);
            assertThat(eval.decide(q)).as(q.toString()).isEqualTo(ReferenceEvaluator.decide(set, q));
        }
    }
}
