package dev.filewall.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class DecisionTableTest {
    static List<DecisionCases.Case> cases() throws Exception {
        return DecisionCases.load();
    }

    @Test
    void theTableHasAtLeastFortyCases() throws Exception {
        assertThat(cases()).hasSizeGreaterThanOrEqualTo(40);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void referenceEvaluatorDecidesAsWritten(DecisionCases.Case c) {
        assertThat(ReferenceEvaluator.decide(c.rules(), c.query())).isEqualTo(c.expected());
    }
}
