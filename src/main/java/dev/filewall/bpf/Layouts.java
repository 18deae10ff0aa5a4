package dev.filewall.bpf;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.List;

/**
 * Mirrors of the structs in bpf/filewall.h that cross the kernel boundary, named like the C
 * structs and members (LayoutsBtfTest compares them with the compiled object's BTF), with
 * byte offsets for {@code segment.get(JAVA_INT, Layouts.Query.UID)}. __u32 and __s32 are
 * JAVA_INT, __u64 JAVA_LONG, in native order as the kernel stores them.
 */
public final class Layouts {
    private Layouts() {}

    public static final int FW_PATH_MAX = 4096;
    public static final int FW_CMD_MAX = 1024;
    public static final int FW_NFIELDS = 3;
    public static final int FW_BLOCK_WORDS = 1024;
    public static final int FW_NERR = 8;

    /** struct fw_query: the harness's context, a query in and a decision out. */
    public static final class Query {
        private Query() {}

        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                JAVA_INT.withName("uid"),
                JAVA_INT.withName("op"),
                JAVA_INT.withName("exe_len"),
                JAVA_INT.withName("cmd_len"),
                JAVA_INT.withName("path_len"),
                JAVA_INT.withName("path2_len"),
                MemoryLayout.sequenceLayout(FW_PATH_MAX, JAVA_BYTE).withName("exe"),
                MemoryLayout.sequenceLayout(FW_CMD_MAX, JAVA_BYTE).withName("cmd"),
                MemoryLayout.sequenceLayout(FW_PATH_MAX, JAVA_BYTE).withName("path"),
                MemoryLayout.sequenceLayout(FW_PATH_MAX, JAVA_BYTE).withName("path2"),
                JAVA_INT.withName("rule"),
                JAVA_INT.withName("action"),
                JAVA_INT.withName("generation"),
                JAVA_INT.withName("error")).withName("fw_query");

        public static final long UID = offset(LAYOUT, "uid");
        public static final long OP = offset(LAYOUT, "op");
        public static final long EXE_LEN = offset(LAYOUT, "exe_len");
        public static final long CMD_LEN = offset(LAYOUT, "cmd_len");
        public static final long PATH_LEN = offset(LAYOUT, "path_len");
        public static final long PATH2_LEN = offset(LAYOUT, "path2_len");
        public static final long EXE = offset(LAYOUT, "exe");
        public static final long CMD = offset(LAYOUT, "cmd");
        public static final long PATH = offset(LAYOUT, "path");
        public static final long PATH2 = offset(LAYOUT, "path2");
        public static final long RULE = offset(LAYOUT, "rule");
        public static final long ACTION = offset(LAYOUT, "action");
        public static final long GENERATION = offset(LAYOUT, "generation");
        public static final long ERROR = offset(LAYOUT, "error");
    }

    /** struct fw_table_hdr: word 0 of a table. */
    public static final class TableHdr {
        private TableHdr() {}

        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                JAVA_INT.withName("magic"),
                JAVA_INT.withName("generation"),
                JAVA_INT.withName("nrules"),
                JAVA_INT.withName("nwords"),
                JAVA_INT.withName("default_action"),
                JAVA_INT.withName("actions_off"),
                JAVA_INT.withName("uid_nbounds"),
                JAVA_INT.withName("uid_bounds_off"),
                JAVA_INT.withName("uo_off"),
                MemoryLayout.sequenceLayout(FW_NFIELDS, JAVA_INT).withName("ngroups"),
                MemoryLayout.sequenceLayout(FW_NFIELDS, JAVA_INT).withName("groups_off"),
                JAVA_INT.withName("op_mask")).withName("fw_table_hdr");

        public static final long MAGIC = offset(LAYOUT, "magic");
        public static final long GENERATION = offset(LAYOUT, "generation");
        public static final long NRULES = offset(LAYOUT, "nrules");
        public static final long NWORDS = offset(LAYOUT, "nwords");
        public static final long DEFAULT_ACTION = offset(LAYOUT, "default_action");
        public static final long ACTIONS_OFF = offset(LAYOUT, "actions_off");
        public static final long UID_NBOUNDS = offset(LAYOUT, "uid_nbounds");
        public static final long UID_BOUNDS_OFF = offset(LAYOUT, "uid_bounds_off");
        public static final long UO_OFF = offset(LAYOUT, "uo_off");
        /** ngroups[f] is at NGROUPS + 4 * f. */
        public static final long NGROUPS = offset(LAYOUT, "ngroups");
        /** groups_off[f] is at GROUPS_OFF + 4 * f. */
        public static final long GROUPS_OFF = offset(LAYOUT, "groups_off");
    }

    /** struct fw_group: one DFA. */
    public static final class Group {
        private Group() {}

        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                JAVA_INT.withName("classes_off"),
                JAVA_INT.withName("nclasses"),
                JAVA_INT.withName("trans_off"),
                JAVA_INT.withName("nstates"),
                JAVA_INT.withName("accept_off"),
                JAVA_INT.withName("first_word"),
                JAVA_INT.withName("last_word")).withName("fw_group");

        public static final long CLASSES_OFF = offset(LAYOUT, "classes_off");
        public static final long NCLASSES = offset(LAYOUT, "nclasses");
        public static final long TRANS_OFF = offset(LAYOUT, "trans_off");
        public static final long NSTATES = offset(LAYOUT, "nstates");
        public static final long ACCEPT_OFF = offset(LAYOUT, "accept_off");
        public static final long FIRST_WORD = offset(LAYOUT, "first_word");
        public static final long LAST_WORD = offset(LAYOUT, "last_word");
    }

    /** struct fw_ctl: how the two table slots are published. */
    public static final class Ctl {
        private Ctl() {}

        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                JAVA_INT.withName("seq"),
                JAVA_INT.withName("slot_blocks")).withName("fw_ctl");

        public static final long SEQ = offset(LAYOUT, "seq");
        public static final long SLOT_BLOCKS = offset(LAYOUT, "slot_blocks");
    }

    /** struct fw_block: one value of the fw_table map. */
    public static final class Block {
        private Block() {}

        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                MemoryLayout.sequenceLayout(FW_BLOCK_WORDS, JAVA_INT).withName("w")).withName("fw_block");

        public static final long W = offset(LAYOUT, "w");
    }

    /** struct fw_stats: the value of the per-CPU map fw_stats; read one per CPU (BpfMap.valueBufferSize). */
    public static final class Stats {
        private Stats() {}

        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                JAVA_LONG.withName("retries"),
                MemoryLayout.sequenceLayout(FW_NERR, JAVA_LONG).withName("errors")).withName("fw_stats");

        public static final long RETRIES = offset(LAYOUT, "retries");
        /** errors[e] is at ERRORS + 8 * e. */
        public static final long ERRORS = offset(LAYOUT, "errors");
    }

    public static final int FW_NOPS = 17;
    public static final int FW_NTAMPER = 4;

    /** struct fw_config (bpf/config.h): what the daemon tells the LSM programs. */
    public static final class Config {
        private Config() {}

        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                JAVA_INT.withName("dry_run"),
                JAVA_INT.withName("unresolved_modify"),
                JAVA_INT.withName("unresolved_read"),
                JAVA_INT.withName("self_tgid"),
                JAVA_LONG.withName("self_start_time"),
                JAVA_LONG.withName("flood_window_ns"),
                JAVA_LONG.withName("pins_dev")).withName("fw_config");

        public static final long DRY_RUN = offset(LAYOUT, "dry_run");
        public static final long UNRESOLVED_MODIFY = offset(LAYOUT, "unresolved_modify");
        public static final long UNRESOLVED_READ = offset(LAYOUT, "unresolved_read");
        public static final long SELF_TGID = offset(LAYOUT, "self_tgid");
        public static final long SELF_START_TIME = offset(LAYOUT, "self_start_time");
        public static final long FLOOD_WINDOW_NS = offset(LAYOUT, "flood_window_ns");
        public static final long PINS_DEV = offset(LAYOUT, "pins_dev");
    }

    /** struct fw_counters (bpf/config.h): per-CPU counts of the LSM programs. */
    public static final class Counters {
        private Counters() {}

        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                MemoryLayout.sequenceLayout(FW_NOPS, MemoryLayout.sequenceLayout(3, JAVA_LONG)).withName("decisions"),
                JAVA_LONG.withName("events"),
                JAVA_LONG.withName("events_dropped"),
                JAVA_LONG.withName("unresolved"),
                JAVA_LONG.withName("exempt"),
                JAVA_LONG.withName("repeats"),
                MemoryLayout.sequenceLayout(FW_NTAMPER, JAVA_LONG).withName("tamper")).withName("fw_counters");

        /** decisions[op][action] is at DECISIONS + 8 * (3 * op + action). */
        public static final long DECISIONS = offset(LAYOUT, "decisions");
        public static final long EVENTS = offset(LAYOUT, "events");
        public static final long EVENTS_DROPPED = offset(LAYOUT, "events_dropped");
        public static final long UNRESOLVED = offset(LAYOUT, "unresolved");
        public static final long EXEMPT = offset(LAYOUT, "exempt");
        public static final long REPEATS = offset(LAYOUT, "repeats");
        /** tamper[k] (enum fw_tamper_op - FW_NOPS) is at TAMPER + 8 * k. */
        public static final long TAMPER = offset(LAYOUT, "tamper");
    }

    /** struct fw_event (bpf/event.h): header of a ring buffer record; the strings follow it. */
    public static final class Event {
        private Event() {}

        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                JAVA_LONG.withName("time_ns"),
                JAVA_LONG.withName("flood_hash"),
                JAVA_INT.withName("op"),
                JAVA_INT.withName("uid"),
                JAVA_INT.withName("pid"),
                JAVA_INT.withName("tid"),
                JAVA_INT.withName("ppid"),
                JAVA_INT.withName("rule"),
                JAVA_INT.withName("action"),
                JAVA_INT.withName("flags"),
                JAVA_INT.withName("generation"),
                JAVA_INT.withName("repeats"),
                JAVA_SHORT.withName("exe_len"),
                JAVA_SHORT.withName("cmd_len"),
                JAVA_SHORT.withName("path_len"),
                JAVA_SHORT.withName("path2_len")).withName("fw_event");

        public static final long TIME_NS = offset(LAYOUT, "time_ns");
        public static final long FLOOD_HASH = offset(LAYOUT, "flood_hash");
        public static final long OP = offset(LAYOUT, "op");
        public static final long UID = offset(LAYOUT, "uid");
        public static final long PID = offset(LAYOUT, "pid");
        public static final long TID = offset(LAYOUT, "tid");
        public static final long PPID = offset(LAYOUT, "ppid");
        public static final long RULE = offset(LAYOUT, "rule");
        public static final long ACTION = offset(LAYOUT, "action");
        public static final long FLAGS = offset(LAYOUT, "flags");
        public static final long GENERATION = offset(LAYOUT, "generation");
        public static final long REPEATS = offset(LAYOUT, "repeats");
        public static final long EXE_LEN = offset(LAYOUT, "exe_len");
        public static final long CMD_LEN = offset(LAYOUT, "cmd_len");
        public static final long PATH_LEN = offset(LAYOUT, "path_len");
        public static final long PATH2_LEN = offset(LAYOUT, "path2_len");
    }

    /** struct fw_flood_key (bpf/event.h): the key of fw_flood. */
    public static final class FloodKey {
        private FloodKey() {}

        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                JAVA_LONG.withName("hash"),
                JAVA_INT.withName("tgid"),
                JAVA_INT.withName("rule"),
                JAVA_INT.withName("op"),
                JAVA_INT.withName("action")).withName("fw_flood_key");

        public static final long HASH = offset(LAYOUT, "hash");
        public static final long TGID = offset(LAYOUT, "tgid");
        public static final long RULE = offset(LAYOUT, "rule");
        public static final long OP = offset(LAYOUT, "op");
        public static final long ACTION = offset(LAYOUT, "action");
    }

    /** struct fw_flood (bpf/event.h): the value of fw_flood. */
    public static final class Flood {
        private Flood() {}

        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                JAVA_LONG.withName("sent_ns"),
                JAVA_LONG.withName("last_ns"),
                JAVA_LONG.withName("count")).withName("fw_flood");

        public static final long SENT_NS = offset(LAYOUT, "sent_ns");
        public static final long LAST_NS = offset(LAYOUT, "last_ns");
        public static final long COUNT = offset(LAYOUT, "count");
    }

    /** Every mirrored struct. */
    public static final List<StructLayout> ALL = List.of(Query.LAYOUT, TableHdr.LAYOUT, Group.LAYOUT, Ctl.LAYOUT,
            Block.LAYOUT, Stats.LAYOUT, Config.LAYOUT, Counters.LAYOUT, Event.LAYOUT, FloodKey.LAYOUT, Flood.LAYOUT);

    private static long offset(StructLayout layout, String member) {
        return layout.byteOffset(groupElement(member));
    }
}
