package dev.filewall.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.bpf.Harness;
import dev.filewall.compile.Table;
import dev.filewall.compile.TableCompiler;
import dev.filewall.rules.Action;
import dev.filewall.rules.Decision;
import dev.filewall.rules.DecisionCases;
import dev.filewall.rules.LineFormat;
import dev.filewall.rules.Query;
import dev.filewall.rules.ReferenceEvaluator;
import dev.filewall.rules.RuleSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The kernel's evaluator on this machine's kernel, through fw_harness, against the reference. */
class HarnessTest {
    static Harness harness;

    @BeforeAll
    static void load() {
        harness = Harness.load(4096);
    }

    @AfterAll
    static void unload() {
        harness.close();
    }

    static Harness.Result kernel(RuleSet set, Query q) throws Exception {
        int gen = harness.publish(TableCompiler.compile(set, 0));
        Harness.Result r = harness.decide(q);
        assertThat(r.generation()).isEqualTo(gen);
        return r;
    }

    @Test
    void theDecisionTableHoldsInTheKernel() throws Exception {
        RuleSet published = null;
        for (DecisionCases.Case c : DecisionCases.load()) {
            if (c.rules() != published) {
                harness.publish(TableCompiler.compile(c.rules(), 0));
                published = c.rules();
            }
            Harness.Result r = harness.decide(c.query());
            assertThat(r.error()).as(c.toString()).isZero();
            assertThat(r.decision()).as(c.toString()).isEqualTo(c.expected());
        }
    }

    @Test
    void theSeedCase() throws Exception {
        RuleSet seed = dev.filewall.rules.RuleFiles.load(Path.of("rules.yaml"), null);
        assertThat(kernel(seed, Query.of(0, "/usr/bin/rm", "rm /usr/lib/libudev.so.6", dev.filewall.rules.Operation.UNLINK,
                "/usr/lib/libudev.so.6", null)).decision()).isEqualTo(new Decision(0, Action.PASS));
        assertThat(kernel(seed, Query.of(0, "/usr/bin/irjsypzavm", "irjsypzavm", dev.filewall.rules.Operation.CREATE,
                "/usr/lib/libudev.so", null)).decision()).isEqualTo(new Decision(2, Action.DENY));
    }

    @Test
    void aPathOfPathMaxBytesIsDecided() throws Exception {
        RuleSet set = LineFormat.parse("file_path=/deep/*/end,action=deny\n", "t");
        String deep = "/deep/" + "d/".repeat((4096 - 10) / 2);
        deep = deep + "x".repeat(4096 - 4 - deep.length()) + "/end";
        assertThat(deep).hasSize(4096);
        Query q = Query.of(0, "/bin/x", "", dev.filewall.rules.Operation.CREATE, deep, null);
        assertThat(kernel(set, q).decision()).isEqualTo(ReferenceEvaluator.decide(set, q)).isEqualTo(new Decision(0, Action.DENY));
    }

    /**
     * A reader decides while a writer keeps swapping two tables that decide differently: every
     * decision must be exactly the one the table of its reported generation makes.
     */
    @Test
    void swapsAreAtomic() throws Exception {
        RuleSet a = LineFormat.parse("file_path=/a/*,action=deny\nfile_path=/x/*,action=log\n", "a");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 300; i++) b.append("file_path=/b").append(i).append("/*/[a-z]?.log,action=pass\n");
        b.append("file_path=/x/*,action=deny\n");
        RuleSet big = LineFormat.parse(b.toString(), "b");
        Table ta = TableCompiler.compile(a, 0), tb = TableCompiler.compile(big, 0);
        Query q = Query.of(0, "/bin/x", "", dev.filewall.rules.Operation.WRITE, "/x/file", null);
        Decision da = ReferenceEvaluator.decide(a, q), db = ReferenceEvaluator.decide(big, q);
        assertThat(da).isNotEqualTo(db);
        Map<Integer, Decision> byGeneration = new ConcurrentHashMap<>();
        byGeneration.put(harness.publish(ta), da);
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int i = 0; !stop.get(); i++) {
                Table t = i % 2 == 0 ? tb : ta;
                int g = harness.slots().generation() + 1;
                byGeneration.put(g, i % 2 == 0 ? db : da); // known before the table becomes visible
                assertThat(harness.publish(t)).isEqualTo(g);
            }
        });
        List<String> wrong = new ArrayList<>();
        int races = 0;
        for (int i = 0; i < 20_000; i++) {
            Harness.Result r = harness.decide(q);
            if (r.error() == 3 || r.error() == 5) races++; // gave up, never a wrong answer
            else if (r.error() != 0 || !r.decision().equals(byGeneration.get(r.generation()))) wrong.add(r.toString());
        }
        stop.set(true);
        writer.join();
        assertThat(wrong).isEmpty();
        assertThat(harness.slots().generation()).as("the writer swapped many times").isGreaterThan(20);
        assertThat(races).as("decisions that gave up").isLessThan(10_000);
        System.out.println("swapsAreAtomic: " + harness.slots().generation() + " swaps, " + races + " gave up (FW_ERR_RACE or FW_ERR_STALE)");
    }
}
