package dev.filewall.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.bpf.Harness;
import dev.filewall.rules.Decision;
import dev.filewall.rules.LineFormat;
import dev.filewall.rules.Query;
import dev.filewall.rules.ReferenceEvaluator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The kernel's evaluator (bpf/eval.h through fw_harness, on this machine's kernel) decides every
 * query as the reference evaluator does: over 100,000 queries a run. A failure shrinks to a
 * small rule set, printed in the line form, and the query decided differently.
 */
class KernelDifferentialTest {
    static Harness harness;
    static final AtomicLong QUERIES = new AtomicLong();

    @BeforeContainer
    static void load() {
        harness = Harness.load(4096);
    }

    @AfterContainer
    static void unload() {
        harness.close();
        System.out.println("KernelDifferentialTest: " + QUERIES.get() + " queries through the kernel");
        assertThat(QUERIES.get()).as("queries through the kernel this run").isGreaterThanOrEqualTo(100_000);
    }

    @Provide
    Arbitrary<Gen.Rules> small() {
        return Gen.rules(0, 8, 3, false);
    }

    @Provide
    Arbitrary<Gen.Rules> many() {
        return Gen.rules(33, 300, 2, true);
    }

    @Provide
    Arbitrary<List<Gen.Q>> queries() {
        return Gen.query().list().ofMinSize(1).ofMaxSize(400).withSizeDistribution(RandomDistribution.uniform());
    }

    @Property(tries = 800, shrinking = ShrinkingMode.FULL)
    void smallRuleSets(@ForAll("small") Gen.Rules rules, @ForAll("queries") List<Gen.Q> queries) throws Exception {
        check(rules, queries);
    }

    @Property(tries = 220, shrinking = ShrinkingMode.FULL)
    void manyRules(@ForAll("many") Gen.Rules rules, @ForAll("queries") List<Gen.Q> queries) throws Exception {
        check(rules, queries);
    }

    static void check(Gen.Rules rules, List<Gen.Q> queries) throws Exception {
        int generation = harness.publish(TableCompiler.compile(rules.set(), 0));
        for (Gen.Q recipe : queries) {
            Query q = recipe.make(rules.set());
            Decision expected = ReferenceEvaluator.decide(rules.set(), q);
            Harness.Result r = harness.decide(q);
            QUERIES.incrementAndGet();
            assertThat(r.error()).as("fw_err for %s\nin\n%s", q, LineFormat.print(rules.set())).isZero();
            assertThat(r.generation()).isEqualTo(generation);
            assertThat(r.decision()).as("%s\nin\n%s", q, LineFormat.print(rules.set())).isEqualTo(expected);
        }
    }
}
