package dev.filewall.cli;

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
}
