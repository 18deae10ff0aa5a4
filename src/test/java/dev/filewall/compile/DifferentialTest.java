package dev.filewall.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.rules.Decision;
import dev.filewall.rules.LineFormat;
import dev.filewall.rules.Query;
import dev.filewall.rules.ReferenceEvaluator;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * The compiled table decides every query as the reference evaluator does. A failure shrinks to
 * a small rule set, shown in the line form, and the query it decides differently.
 */
class DifferentialTest {
    @Provide
    Arbitrary<Gen.Rules> small() {
        return Gen.rules(0, 8, 3, false);
    }

    /** Past 32 rules: several bitset words, sparse match sets with more than one pair. */
    @Provide
    Arbitrary<Gen.Rules> many() {
        return Gen.rules(33, 100, 2, true);
    }

    /** At least two rules: something to split into groups. */
    @Provide
    Arbitrary<Gen.Rules> several() {
        return Gen.rules(2, 10, 2, false);
    }

    @Provide
    Arbitrary<List<Gen.Q>> queries() {
        // uniform sizes: about 50 queries a try, yet a failure shrinks to the one query that fails
        return Gen.query().list().ofMinSize(1).ofMaxSize(100).withSizeDistribution(RandomDistribution.uniform());
    }

    @Property(tries = 600, shrinking = ShrinkingMode.FULL)
    void smallRuleSets(@ForAll("small") Gen.Rules rules, @ForAll("queries") List<Gen.Q> queries) throws Exception {
        check(rules, TableCompiler.Options.DEFAULT, queries);
    }

    @Property(tries = 60, shrinking = ShrinkingMode.FULL)
    void manyRules(@ForAll("many") Gen.Rules rules, @ForAll("queries") List<Gen.Q> queries) throws Exception {
        check(rules, TableCompiler.Options.DEFAULT, queries);
    }

    /** A small budget splits the rules into several groups per field; decisions stay the same. */
    @Property(tries = 200, shrinking = ShrinkingMode.FULL)
    void smallBudgets(@ForAll("several") Gen.Rules rules, @ForAll("queries") List<Gen.Q> queries,
                      @ForAll @IntRange(min = 5, max = 40) int budget) throws Exception {
        Table t;
        try {
            t = TableCompiler.compile(rules.set(), 1, TableCompiler.Options.DEFAULT.withStateBudget(budget));
        } catch (TableException e) {
            Statistics.label("outcome").collect("too large for the budget");
            assertThat(e.getMessage()).containsPattern("alone needs more than " + budget + "|more than 16 DFAs");
            return;
        }
        int groups = t.stats().groups().stream().mapToInt(List::size).max().orElse(0);
        Statistics.label("outcome").collect(groups > 1 ? "several groups" : "one group");
        check(rules, t, queries);
    }

    static void check(Gen.Rules rules, TableCompiler.Options opts, List<Gen.Q> queries) throws Exception {
        check(rules, TableCompiler.compile(rules.set(), 1, opts), queries);
    }

    static void check(Gen.Rules rules, Table t, List<Gen.Q> queries) {
        TableEvaluator eval = new TableEvaluator(t);
        for (Gen.Q recipe : queries) {
            Query q = recipe.make(rules.set());
            Decision expected = ReferenceEvaluator.decide(rules.set(), q);
            Statistics.label("decided by").collect(expected.rule() < 0 ? "the default" : expected.rule() < 32 ? "a rule < 32" : "a rule >= 32");
            assertThat(eval.decide(q)).as("%s\nin\n%s", q, LineFormat.print(rules.set())).isEqualTo(expected);
        }
    }
}
