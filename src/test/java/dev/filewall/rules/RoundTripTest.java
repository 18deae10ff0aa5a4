package dev.filewall.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class RoundTripTest {
    @Provide
    Arbitrary<RuleSet> ruleSets() {
        return RuleSetArbitraries.ruleSet(6);
    }

    @Property(tries = 1000)
    void lineFormRoundTrips(@ForAll("ruleSets") RuleSet set) throws Exception {
        String text = LineFormat.print(set);
        assertThat(LineFormat.parse(text, "t")).as(text).isEqualTo(set);
    }

    @Property(tries = 1000)
    void yamlRoundTrips(@ForAll("ruleSets") RuleSet set) throws Exception {
        String text = YamlFormat.print(set);
        assertThat(YamlFormat.parse(text, "t.yaml")).as(text).isEqualTo(set);
    }

    @Property(tries = 300)
    void convertingBothWaysKeepsTheRules(@ForAll("ruleSets") RuleSet set) throws Exception {
        RuleSet viaYaml = YamlFormat.parse(YamlFormat.print(LineFormat.parse(LineFormat.print(set), "a")), "b");
        assertThat(viaYaml).isEqualTo(set);
    }

    @Test
    void theSeedLinesAreAcceptedVerbatimAndEqualRulesYaml() throws Exception {
        RuleSet lines = RuleFiles.load(Path.of("src/test/resources/seed.rules"), null);
        RuleSet yaml = RuleFiles.load(Path.of("rules.yaml"), null);
        assertThat(lines.rules()).hasSize(4);
        // rules.yaml names its first rule; the line form has no names, otherwise they are the same rules
        assertThat(yaml.rules().stream().map(r -> new Rule(null, r.uids(), r.exePaths(), r.cmdlines(), r.operations(),
                r.filePaths(), r.action(), 0)).toList()).isEqualTo(lines.rules());
        assertThat(LineFormat.print(lines)).isEqualTo(Files.readString(Path.of("src/test/resources/seed.rules")));
    }

    @Test
    void iLockerExamplesFromTheArticleParse() throws Exception {
        RuleSet set = LineFormat.parse("""
                #uid=0,exe_path=*,cmdline=*,operation=MKDIR,file_path=/tmp/test/pass/*,action=pass
                uid=0,exe_path=*,cmdline=*,operation=MKDIR,file_path=/tmp/test/pass/*,action=pass
                uid=*,exe_path=*,cmdline=*,operation=*,file_path=/tmp/test/*,action=deny
                """, "article");
        assertThat(set.rules()).hasSize(2);
        Rule first = set.rules().getFirst();
        assertThat(first.uids()).containsExactly(new UidRange(0, 0));
        assertThat(first.exePaths()).isEmpty();
        assertThat(first.operations()).containsExactly(Operation.MKDIR);
        assertThat(first.line()).isEqualTo(2);
        assertThat(set.rules().get(1).operations()).isEmpty();
    }

    @Test
    void lineBreaksCannotBeWrittenInTheLineForm() throws Exception {
        RuleSet set = YamlFormat.parse("rules:\n  - cmdline: \"a\\nb\"\n    action: log\n", "t.yaml");
        assertThatThrownBy(() -> LineFormat.print(set)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line break");
    }
}
