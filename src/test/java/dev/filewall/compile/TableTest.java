package dev.filewall.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.rules.Action;
import dev.filewall.rules.Decision;
import dev.filewall.rules.Glob;
import dev.filewall.rules.LineFormat;
import dev.filewall.rules.Operation;
import dev.filewall.rules.Query;
import dev.filewall.rules.Rule;
import dev.filewall.rules.RuleSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TableTest {
    @Test
    void noRulesGiveAValidTableThatAlwaysAnswersTheDefault() throws Exception {
        Table t = TableCompiler.compile(new RuleSet(Action.DENY, List.of()), 9);
        int[] w = t.words();
        assertThat(w[Table.HDR_NRULES]).isZero();
        assertThat(w[Table.HDR_NWORDS]).isZero();
        assertThat(w[Table.HDR_DEFAULT_ACTION]).isEqualTo(Action.DENY.ordinal());
        assertThat(w[Table.HDR_UID_NBOUNDS]).isEqualTo(1);
        assertThat(w[w[Table.HDR_UID_BOUNDS_OFF]]).isZero();
        assertThat(Arrays.copyOfRange(w, Table.HDR_NGROUPS, Table.HDR_NGROUPS + 3)).containsOnly(0);
        assertThat(t.size()).isEqualTo(Table.HDR_WORDS + 1);
        TableEvaluator eval = new TableEvaluator(t);
        assertThat(eval.decide(Query.of(0, "/bin/rm", "rm", Operation.UNLINK, "/etc/passwd", "/x")))
                .isEqualTo(Decision.byDefault(Action.DENY));
    }

    /** The hooks skip the path walk for an operation whose bit is clear (bpf/filewall.bpf.c): it must be set for every admitted one. */
    @Test
    void theOperationMaskHasABitForEveryOperationSomeRuleAdmits() throws Exception {
        int seed = TableCompiler.compile(LineFormat.parse("""
                exe_path=/usr/bin/rm,file_path=/usr/lib/*,action=pass
                file_path=/usr/bin/*,action=deny
                """, "seed"), 1).words()[Table.HDR_OP_MASK];
        for (Operation op : Operation.RULES) assertThat((seed >>> op.ordinal()) & 1).as("%s", op).isEqualTo(op.modifies() ? 1 : 0);
        int open = TableCompiler.compile(LineFormat.parse("uid=1000-1999,operation=OPEN,file_path=/x,action=log\n", "open"), 1)
                .words()[Table.HDR_OP_MASK];
        assertThat(open).isEqualTo(1 << Operation.OPEN.ordinal() | 1 << Operation.READ.ordinal() | 1 << Operation.WRITE.ordinal());
        assertThat(TableCompiler.compile(new RuleSet(Action.PASS, List.of()), 1).words()[Table.HDR_OP_MASK]).isZero();
    }

    @Test
    void uidIntervalsSplitAtEveryRangeEdgeAndMergeWhereNothingChanges() throws Exception {
        RuleSet set = LineFormat.parse("""
                uid=1000,action=deny
                uid=1000-1999,uid=5,action=log
                uid=1000-1999,action=pass
                uid=0-4294967295,action=pass
                uid=3000-4294967295,operation=OPEN,action=deny
                """, "uids");
        int[] w = TableCompiler.compile(set, 1).words();
        int n = w[Table.HDR_UID_NBOUNDS];
        int[] bounds = Arrays.copyOfRange(w, w[Table.HDR_UID_BOUNDS_OFF], w[Table.HDR_UID_BOUNDS_OFF] + n);
        assertThat(bounds).containsExactly(0, 5, 6, 1000, 1001, 2000, 3000);
        // uo[i][op]: the rules whose uid and operation fields admit (any uid of) interval i and op
        int uo = w[Table.HDR_UO_OFF], nwords = w[Table.HDR_NWORDS];
        for (int i = 0; i < n; i++) {
            for (Operation op : Operation.RULES) {
                int expected = 0;
                for (int r = 0; r < set.rules().size(); r++)
                    if (set.rules().get(r).admitsUid(bounds[i]) && set.rules().get(r).admitsOperation(op)) expected |= 1 << r;
                assertThat(w[uo + (i * Table.NOPS + op.ordinal()) * nwords]).as("interval %d, %s", i, op).isEqualTo(expected);
            }
        }
        assertThat(w[uo + (6 * Table.NOPS + Operation.READ.ordinal()) * nwords]).isEqualTo(0b10000); // OPEN covers READ
        TableEvaluator eval = new TableEvaluator(TableCompiler.compile(set, 1));
        assertThat(eval.decide(Query.of(4294967295L, "/x", "", Operation.READ, "/p", null))).isEqualTo(new Decision(4, Action.DENY));
        assertThat(eval.decide(Query.of(4294967295L, "/x", "", Operation.WRITE, "/p", null))).isEqualTo(new Decision(3, Action.PASS));
        assertThat(eval.decide(Query.of(5, "/x", "", Operation.CREATE, "/p", null))).isEqualTo(new Decision(1, Action.LOG));
        assertThat(eval.decide(Query.of(6, "/x", "", Operation.CREATE, "/p", null))).isEqualTo(new Decision(3, Action.PASS));
        assertThat(eval.decide(Query.of(6, "/x", "", Operation.READ, "/p", null))).isEqualTo(Decision.byDefault(Action.PASS));
    }

    @Test
    void bytesAreLittleEndianWordsAndBlocksArePaddedWithZeros() throws Exception {
        Table t = TableCompiler.compile(LineFormat.parse(SeedRulesTest.SEED, "seed"), 0x01020304);
        byte[] bytes = t.toBytes();
        assertThat(bytes).hasSize(4 * t.size());
        assertThat(Arrays.copyOfRange(bytes, 0, 8)).containsExactly(0x31, 0x4c, 0x57, 0x46, 4, 3, 2, 1);
        List<byte[]> blocks = t.blocks(Table.BLOCK_WORDS);
        assertThat(blocks).hasSize((t.size() + 1023) / 1024).allSatisfy(b -> assertThat(b).hasSize(4096));
        ByteBuffer all = ByteBuffer.allocate(4096 * blocks.size());
        blocks.forEach(all::put);
        assertThat(Arrays.copyOf(all.array(), bytes.length)).isEqualTo(bytes);
        assertThat(Arrays.copyOfRange(all.array(), bytes.length, all.capacity())).containsOnly(0);
        int[] again = new int[t.size()];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(again);
        assertThat(again).isEqualTo(t.words());
    }

    @Test
    void statesWithTheSameFutureMerge() throws Exception {
        // after /t/a both patterns are armed, after /t/b only the first: the same rule either way
        RuleSet set = LineFormat.parse("file_path=/t/*,file_path=/t/a*,action=deny\n", "min");
        Table.GroupStats path = TableCompiler.compile(set, 1).stats().groups().get(Field.PATH.ordinal()).getFirst();
        assertThat(path.built()).isGreaterThan(path.states());
        assertThat(path.states()).isEqualTo(5); // dead, start, '/', 't', '/' and then: the armed state
    }

    @Test
    void aPatternThatCanMatchNothingGivesAStartThatGoesNowhere() throws Exception {
        // the parsers cannot write an empty class; a rule built in code can
        Glob never = new Glob("[]", List.of(new Glob.ByteClass(new BitSet())));
        RuleSet set = new RuleSet(Action.LOG, List.of(new Rule(null, List.of(), List.of(), List.of(), Set.of(),
                List.of(never), Action.DENY, 0)));
        Table t = TableCompiler.compile(set, 1);
        Table.GroupStats path = t.stats().groups().get(Field.PATH.ordinal()).getFirst();
        assertThat(path.states()).isEqualTo(2);
        Query q = Query.of(0, "/x", "", Operation.OPEN, "a", null);
        assertThat(new TableEvaluator(t).decide(q)).isEqualTo(Decision.byDefault(Action.LOG));
    }

    @Test
    void matchSetsAreSharedAndTheDeadStateAcceptsNothing() throws Exception {
        // rules 0 and 1 have the same exe and cmdline patterns: one set {0, 1} serves both fields
        RuleSet set = LineFormat.parse("""
                exe_path=/bin/a*,cmdline=/bin/a*,file_path=/x/*,action=deny
                exe_path=/bin/a*,cmdline=/bin/a*,file_path=/y/*,action=deny
                """, "shared");
        Table t = TableCompiler.compile(set, 1);
        int[] w = t.words();
        for (int f = 0; f < 3; f++) {
            int g = w[Table.HDR_GROUPS_OFF + f];
            assertThat(w[w[g + Table.GRP_ACCEPT_OFF]]).as("accept[0] of field %d", f).isZero();
            assertThat(w[g + Table.GRP_FIRST_WORD]).isZero();
            assertThat(w[g + Table.GRP_LAST_WORD]).isZero();
        }
        // {0}, {1} from the path, {0, 1} from exe and cmdline
        assertThat(t.stats().matchSets()).isEqualTo(3);
    }
}
