package dev.filewall.bpf;

import dev.filewall.compile.Table;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The writer side of the table seqlock (docs/table.md): make fw_ctl.seq odd, fill the slot
 * no decision is reading, make seq even. Single writer: the daemon, or the harness in tests.
 */
public final class TableSlots {
    private final BpfMap table;
    private final BpfMap ctl;
    private final int slotBlocks;

    /** Maps of a loaded object; fw_table must have been sized to 2 * slotBlocks before load. */
    public TableSlots(BpfMap table, BpfMap ctl, int slotBlocks) {
        if (table.maxEntries() < 2 * slotBlocks)
            throw new IllegalArgumentException("fw_table has " + table.maxEntries() + " blocks, needs 2 * " + slotBlocks);
        this.table = table;
        this.ctl = ctl;
        this.slotBlocks = slotBlocks;
    }

    /** Blocks per slot that a table of this many words needs, with room to grow on reload. */
    public static int slotBlocksFor(int words, int minBlocks) {
        int need = (words + Table.BLOCK_WORDS - 1) / Table.BLOCK_WORDS;
        return Math.max(minBlocks, need * 2);
    }

    public int capacityWords() {
        return slotBlocks * Table.BLOCK_WORDS;
    }

    /** The generation of the published table, 0 when none is published. */
    public int generation() {
        return seq() >>> 1;
    }

    /**
     * Publishes a table; returns its generation, which is written into its header so every
     * decision reports the table it used. Throws before touching the kernel if it does not fit.
     */
    public int publish(Table t) {
        if (t.size() > capacityWords())
            throw new IllegalArgumentException("the table needs " + t.size() + " words but a slot holds "
                    + capacityWords() + "; restart with a larger --table-blocks");
        int base = seq() & ~1;
        int generation = (base + 2) >>> 1;
        int slot = ((base >>> 1) + 1) & 1;
        int[] words = t.words();
        words[Table.HDR_GENERATION] = generation;
        int blocks = (words.length + Table.BLOCK_WORDS - 1) / Table.BLOCK_WORDS;
        setSeq(base + 1);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment keys = a.allocate(ValueLayout.JAVA_INT, blocks);
            MemorySegment values = a.allocate((long) blocks * Table.BLOCK_WORDS * 4, 8);
            for (int i = 0; i < blocks; i++) keys.setAtIndex(ValueLayout.JAVA_INT, i, slot * slotBlocks + i);
            MemorySegment.copy(words, 0, values, ValueLayout.JAVA_INT, 0, words.length);
            table.updateBatch(keys, values);
        }
        setSeq(base + 2);
        return generation;
    }

    private int seq() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment v = a.allocate(Layouts.Ctl.LAYOUT);
            ctl.lookup(key, v);
            return v.get(ValueLayout.JAVA_INT, Layouts.Ctl.SEQ);
        }
    }

    private void setSeq(int seq) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment v = a.allocate(Layouts.Ctl.LAYOUT);
            v.set(ValueLayout.JAVA_INT, Layouts.Ctl.SEQ, seq);
            v.set(ValueLayout.JAVA_INT, Layouts.Ctl.SLOT_BLOCKS, slotBlocks);
            ctl.update(key, v, BpfMap.ANY);
        }
    }
}
