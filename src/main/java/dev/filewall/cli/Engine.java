package dev.filewall.cli;

import dev.filewall.bpf.Harness;
import dev.filewall.bpf.TableSlots;
import dev.filewall.compile.Table;
import dev.filewall.compile.TableCompiler;
import dev.filewall.compile.TableException;
import dev.filewall.rules.Decision;
import dev.filewall.rules.Query;
import dev.filewall.rules.ReferenceEvaluator;
import dev.filewall.rules.RuleSet;
import java.util.List;

/** Something that decides queries: the reference evaluator, or the kernel through the BPF harness. */
interface Engine {
    List<Decision> decide(List<Query> queries);

    static Engine reference(RuleSet set) {
        return qs -> qs.stream().map(q -> ReferenceEvaluator.decide(set, q)).toList();
    }

    /** This machine's kernel, through the fw_harness program: needs CAP_BPF (root). */
    static Engine kernel(RuleSet set) {
        return qs -> {
            Table table;
            try {
                table = TableCompiler.compile(set, 0);
            } catch (TableException e) {
                throw new IllegalStateException(e.getMessage());
            }
            try (Harness h = Harness.load(TableSlots.slotBlocksFor(table.size(), 1))) {
                h.publish(table);
                return qs.stream().map(q -> {
                    Harness.Result r = h.decide(q);
                    if (r.error() != 0) throw new IllegalStateException("the kernel evaluator failed with fw_err " + r.error());
                    return r.decision();
                }).toList();
            }
        };
    }
}
