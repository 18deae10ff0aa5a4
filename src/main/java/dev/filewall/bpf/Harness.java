package dev.filewall.bpf;

import dev.filewall.compile.Table;
import dev.filewall.rules.Action;
import dev.filewall.rules.Decision;
import dev.filewall.rules.Query;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The kernel's evaluator, driven through the SEC("syscall") program fw_harness with
 * BPF_PROG_TEST_RUN: the same C that the LSM programs run, deciding queries on this machine.
 */
public final class Harness implements AutoCloseable {
    /** Answer of one query: the decision, the generation it used, and fw_err. */
    public record Result(Decision decision, int generation, int error) {}

    private final BpfObject obj;
    private final BpfProgram prog, decideOnly;
    private final TableSlots slots;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment ctx = arena.allocate(Layouts.Query.LAYOUT);

    public Harness(BpfObject obj, int slotBlocks) {
        this.obj = obj;
        BpfMap table = obj.map("fw_table");
        table.setMaxEntries(2 * slotBlocks);
        obj.load();
        this.prog = obj.program("fw_harness");
        this.decideOnly = obj.program("fw_decide_only");
        this.slots = new TableSlots(table, obj.map("fw_ctl"), slotBlocks);
    }

    /** Loads the harness object shipped in the jar (built by the Makefile from bpf/). */
    public static Harness load(int slotBlocks) {
        return new Harness(BpfObject.openResource("/bpf/harness.bpf.o"), slotBlocks);
    }

    public TableSlots slots() {
        return slots;
    }

    /** FW_ERR_STALE: a table was published between computing the subject and deciding. */
    static final int ERR_STALE = 5;

    /** Decides q; a decision that a concurrent publish made stale is asked again, a few times. */
    public Result decide(Query q) {
        Result r = decideOnce(q);
        for (int i = 0; i < 10 && r.error() == ERR_STALE; i++) r = decideOnce(q);
        return r;
    }

    /**
     * Decides q's paths with the subject of the previous {@link #decide} (q's exe and cmdline are
     * not read): the per-operation work of an LSM program, whose subject is cached per task.
     */
    public Result decideWithLastSubject(Query q) {
        return run(decideOnly, q);
    }

    private Result decideOnce(Query q) {
        return run(prog, q);
    }

    private Result run(BpfProgram program, Query q) {
        ctx.fill((byte) 0);
        ctx.set(ValueLayout.JAVA_INT, Layouts.Query.UID, (int) q.uid());
        ctx.set(ValueLayout.JAVA_INT, Layouts.Query.OP, q.op().ordinal());
        put(q.exe(), Layouts.Query.EXE, Layouts.Query.EXE_LEN);
        put(q.cmdline(), Layouts.Query.CMD, Layouts.Query.CMD_LEN);
        put(q.path(), Layouts.Query.PATH, Layouts.Query.PATH_LEN);
        if (q.path2() != null) put(q.path2(), Layouts.Query.PATH2, Layouts.Query.PATH2_LEN);
        int rc = program.testRun(ctx);
        if (rc != 0) throw new IllegalStateException(program.name() + " returned " + rc);
        int rule = ctx.get(ValueLayout.JAVA_INT, Layouts.Query.RULE);
        int action = ctx.get(ValueLayout.JAVA_INT, Layouts.Query.ACTION);
        return new Result(new Decision(rule, Action.values()[action]),
                ctx.get(ValueLayout.JAVA_INT, Layouts.Query.GENERATION), ctx.get(ValueLayout.JAVA_INT, Layouts.Query.ERROR));
    }

    private void put(byte[] s, long at, long lenAt) {
        MemorySegment.copy(s, 0, ctx, ValueLayout.JAVA_BYTE, at, s.length);
        ctx.set(ValueLayout.JAVA_INT, lenAt, s.length);
    }

    public int publish(Table t) {
        return slots.publish(t);
    }

    @Override
    public void close() {
        arena.close();
        obj.close();
    }
}
