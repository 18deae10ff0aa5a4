package dev.filewall.compile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A compiled rule table: u32 words laid out as docs/table.md describes, and what it holds.
 * The word offsets below mirror struct fw_table_hdr and struct fw_group of bpf/filewall.h.
 */
public final class Table {
    public static final int MAGIC = 0x46574c31;
    public static final int NOPS = 17;
    public static final int NFIELDS = 3;
    public static final int MAX_GROUPS = 16;
    public static final int BLOCK_WORDS = 1024;

    // struct fw_table_hdr
    public static final int HDR_MAGIC = 0, HDR_GENERATION = 1, HDR_NRULES = 2, HDR_NWORDS = 3,
            HDR_DEFAULT_ACTION = 4, HDR_ACTIONS_OFF = 5, HDR_UID_NBOUNDS = 6, HDR_UID_BOUNDS_OFF = 7,
            HDR_UO_OFF = 8, HDR_NGROUPS = 9, HDR_GROUPS_OFF = 12, HDR_OP_MASK = 15, HDR_WORDS = 16;
    // struct fw_group
    public static final int GRP_CLASSES_OFF = 0, GRP_NCLASSES = 1, GRP_TRANS_OFF = 2, GRP_NSTATES = 3,
            GRP_ACCEPT_OFF = 4, GRP_FIRST_WORD = 5, GRP_LAST_WORD = 6, GRP_WORDS = 7;

    /**
     * One DFA: rules [firstRule, endRule) of a field; built: the states subset construction made
     * (what the state budget bounds), states: those left after minimisation, in the table.
     */
    public record GroupStats(int firstRule, int endRule, int built, int states, int classes) {}

    /** {@code groups.get(f)}: the groups of field f (PATH, EXE, CMD), in rule order. */
    public record Stats(int rules, int uidIntervals, List<List<GroupStats>> groups, int matchSets, int words) {
        public long bytes() {
            return 4L * words;
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder().append(rules).append(" rules, ").append(uidIntervals)
                    .append(" uid intervals, ").append(matchSets).append(" match sets, ").append(words)
                    .append(" words (").append(bytes()).append(" bytes)");
            for (Field f : Field.values()) {
                s.append("; ").append(f.key).append(": ").append(groups.get(f.ordinal()).stream()
                        .map(g -> "rules " + g.firstRule + "-" + (g.endRule - 1) + " " + g.states + " states ("
                                + g.built + " built) " + g.classes + " classes")
                        .collect(Collectors.joining(", ", "[", "]")));
            }
            return s.toString();
        }
    }

    final int[] words;
    private final Stats stats;

    Table(int[] words, Stats stats) {
        this.words = words;
        this.stats = stats;
    }

    /** A copy of the words. */
    public int[] words() {
        return words.clone();
    }

    public int size() {
        return words.length;
    }

    public Stats stats() {
        return stats;
    }

    /** The words as little-endian u32s. */
    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(4 * words.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(words);
        return b.array();
    }

    /**
     * The words cut into blocks of {@code blockWords} little-endian u32s (map values of
     * fw_table), the last one padded with zeros: block i holds words [i * blockWords, (i + 1) * blockWords).
     */
    public List<byte[]> blocks(int blockWords) {
        if (blockWords <= 0) throw new IllegalArgumentException("blockWords " + blockWords);
        List<byte[]> out = new ArrayList<>();
        for (int start = 0; start < words.length; start += blockWords) {
            int[] block = Arrays.copyOfRange(words, start, start + blockWords); // pads with zeros
            ByteBuffer b = ByteBuffer.allocate(4 * blockWords).order(ByteOrder.LITTLE_ENDIAN);
            b.asIntBuffer().put(block);
            out.add(b.array());
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Table t && Arrays.equals(t.words, words);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(words);
    }

    @Override
    public String toString() {
        return "Table[" + stats + "]";
    }
}
