package dev.filewall.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.bpf.Harness;
import dev.filewall.bpf.TableSlots;
import dev.filewall.rules.Decision;
import dev.filewall.rules.Operation;
import dev.filewall.rules.Query;
import dev.filewall.rules.ReferenceEvaluator;
import dev.filewall.rules.RuleSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 10,000 rules of the shapes CompileBench measures compile, load into the kernel and decide as the
 * reference does; their compile time is reported by the bench, not asserted.
 */
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
        try (Harness kernel = Harness.load(TableSlots.slotBlocksFor(t.size(), 1))) {
            int generation = kernel.publish(t);
            Random rnd = new Random(1);
            for (int k = 0; k < 2000; k++) {
            int i = rnd.nextInt(10_000);
            String path = switch (rnd.nextInt(4)) {
                case 0 -> "/srv/app" + i + "/data";
                case 1 -> "/srv/app" + i + "/x/logs/y.log";
                case 2 -> "/var/lib/app" + i + ".log";
                default -> "/home/u" + i + "/a/.ssh/id" + (rnd.nextBoolean() ? "" : ".pub");
            };
            String exe = "/usr/bin/tool" + rnd.nextInt(60);
            Query q = Query.of(rnd.nextInt(2), exe, exe, Operation.values()[rnd.nextInt(17)], path, null);
            Decision expected = ReferenceEvaluator.decide(set, q);
            assertThat(eval.decide(q)).as(q.toString()).isEqualTo(expected);
            Harness.Result r = kernel.decide(q);
            assertThat(r.error()).as(q.toString()).isZero();
            assertThat(r.generation()).isEqualTo(generation);
            assertThat(r.decision()).as("the kernel on %s", q).isEqualTo(expected);
            }
        }
    }
}
