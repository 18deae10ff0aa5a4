package dev.filewall.compile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.filewall.rules.LineFormat;
import dev.filewall.rules.Operation;
import dev.filewall.rules.Query;
import dev.filewall.rules.ReferenceEvaluator;
import dev.filewall.rules.RuleSet;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class GroupingTest {
    static RuleSet rules(String text) throws Exception {
        return LineFormat.parse(text, "t.rules");
    }

    /** {@code /var/*}{@code /appN/*.log}: each rule doubles the states of the others, so 20 of them need several groups. */
    @Test
    void aSmallBudgetSplitsIntoMaximalGroupsThatStillDecideAsTheReference() throws Exception {
        RuleSet set = rules(IntStream.range(0, 20).mapToObj(i -> "file_path=/var/*/app" + i + "/*.log,action="
                + (i % 2 == 0 ? "deny" : "log")).collect(Collectors.joining("\n")));
        TableCompiler.Options opts = TableCompiler.Options.DEFAULT.withStateBudget(2000);
        Table t = TableCompiler.compile(set, 1, opts);
        List<Table.GroupStats> groups = t.stats().groups().get(Field.PATH.ordinal());
        assertThat(groups).hasSizeGreaterThan(2);
        int next = 0;
        for (Table.GroupStats g : groups) {
            assertThat(g.firstRule()).isEqualTo(next);
            assertThat(g.built()).isLessThanOrEqualTo(2000);
            assertThat(g.states()).isLessThanOrEqualTo(g.built());
            next = g.endRule();
            if (next < 20) {
                // maximal: one rule more would not have fit
                RuleSet withNext = new RuleSet(set.defaultAction(), set.rules().subList(g.firstRule(), next + 1));
                assertThat(TableCompiler.compile(withNext, 1, opts).stats().groups().get(Field.PATH.ordinal())).hasSize(2);
            }
        }
        assertThat(next).isEqualTo(20);

        TableEvaluator eval = new TableEvaluator(t);
        for (String path : List.of("/var/x/app3/y.log", "/var/x/app13/app2/z.log", "/var/app5/a.log", "/var/x/app19/.log",
                "/var/x/app7/a.lo", "/var//app0/app1/app2/.log", "/var/a/app1/b/app0/c.log", "/etc/passwd")) {
            Query q = Query.of(0, "/bin/sh", "sh", Operation.WRITE, path, null);
            assertThat(eval.decide(q)).as(path).isEqualTo(ReferenceEvaluator.decide(set, q));
        }
    }

    @Test
    void aRuleTooBigOnItsOwnIsAnError() throws Exception {
        // the byte 17 places before the end is 'a': 2^17 states
        RuleSet set = rules("file_path=/tmp/*,action=deny\nfile_path=*a????????????????,action=deny\n");
        assertThatThrownBy(() -> TableCompiler.compile(set, 1)).isInstanceOf(TableException.class)
                .hasMessageContaining("file_path").hasMessageContaining("rule 1 (line 2)").hasMessageContaining("65536");
    }

    @Test
    void moreThanSixteenGroupsIsAnError() throws Exception {
        // *X?? alone: 9 states; two of them: 28. With a budget of 12 every rule is a group of its own.
        String letters = "abcdefghijklmnopq";
        RuleSet set = rules(letters.chars().mapToObj(c -> "exe_path=*" + (char) c + "??,action=log")
                .collect(Collectors.joining("\n")));
        TableCompiler.Options opts = TableCompiler.Options.DEFAULT.withStateBudget(12);
        RuleSet sixteen = new RuleSet(set.defaultAction(), set.rules().subList(0, 16));
        assertThat(TableCompiler.compile(sixteen, 1, opts).stats().groups().get(Field.EXE.ordinal())).hasSize(16);
        assertThatThrownBy(() -> TableCompiler.compile(set, 1, opts)).isInstanceOf(TableException.class)
                .hasMessageContaining("exe_path").hasMessageContaining("16").hasMessageContaining("rule 16 (line 17)")
                .hasMessageContaining("12 states");
    }

    @Test
    void aTableOverTheWordLimitIsAnError() throws Exception {
        RuleSet set = rules("file_path=/usr/bin/*,action=deny\n");
        assertThat(TableCompiler.compile(set, 1).size()).isGreaterThan(100);
        assertThatThrownBy(() -> TableCompiler.compile(set, 1, TableCompiler.Options.DEFAULT.withMaxWords(100)))
                .isInstanceOf(TableException.class).hasMessageContaining("more than 100 words");
    }
}
