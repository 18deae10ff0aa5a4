/* SPDX-License-Identifier: GPL-2.0 */
/* Everything that crosses the kernel boundary, declared once. Java mirrors these
 * with MemoryLayout (dev.filewall.bpf.Layouts) and BtfLayoutTest checks the mirror
 * against the BTF of the compiled object, so change both together. */
#ifndef FILEWALL_H
#define FILEWALL_H

/* Limits of the language as the kernel sees it (README "Limits"). */
#define FW_PATH_MAX     4096   /* bytes of a path or exe the evaluator matches */
#define FW_CMD_MAX      1024   /* bytes of the joined argv the evaluator matches */
#define FW_MAX_RULES    16384  /* rules in one table */
#define FW_MAX_WORDS    (FW_MAX_RULES / 32)
#define FW_MAX_GROUPS   16     /* DFAs per string field */
#define FW_NOPS         17
#define FW_NFIELDS      3

/* The table is a flat array of u32 words cut into blocks of FW_BLOCK_WORDS,
 * stored in the array map fw_table (value = one block). Word o of slot s lives
 * in block s * fw_ctl.slot_blocks + o / FW_BLOCK_WORDS at index o % FW_BLOCK_WORDS. */
#define FW_BLOCK_WORDS  1024
#define FW_TABLE_MAGIC  0x46574c31 /* "FWL1" */

enum fw_op {
	FW_OP_OPEN = 0, FW_OP_READ, FW_OP_WRITE, FW_OP_CREATE, FW_OP_MKDIR,
	FW_OP_RMDIR, FW_OP_UNLINK, FW_OP_RENAME, FW_OP_LINK, FW_OP_SYMLINK,
	FW_OP_TRUNCATE, FW_OP_CHMOD, FW_OP_CHOWN, FW_OP_SETATTR, FW_OP_SETXATTR,
	FW_OP_EXEC, FW_OP_MKNOD,
};

/* Not operations of the rules: what the self-protection hooks (bpf/protect.h) deny to anyone
 * but the daemon, numbered after enum fw_op so that an event's op names either. */
enum fw_tamper_op { FW_OP_KILL = FW_NOPS, FW_OP_PTRACE, FW_OP_BPF_MAP, FW_OP_UMOUNT };
#define FW_NTAMPER      4

/* Ordered by severity: combining two decisions keeps the larger. */
enum fw_action { FW_ACT_PASS = 0, FW_ACT_LOG = 1, FW_ACT_DENY = 2 };

enum fw_field { FW_F_PATH = 0, FW_F_EXE = 1, FW_F_CMD = 2 };

struct fw_block {
	__u32 w[FW_BLOCK_WORDS];
};

/* Word 0 of a table. All *_off are word offsets from the start of the table. */
struct fw_table_hdr {
	__u32 magic;
	__u32 generation;
	__u32 nrules;
	__u32 nwords;          /* u32 words of a dense rule bitset: ceil(nrules / 32) */
	__u32 default_action;  /* enum fw_action */
	__u32 actions_off;     /* nrules words: enum fw_action of rule i */
	__u32 uid_nbounds;     /* uid intervals; bounds[0] == 0 */
	__u32 uid_bounds_off;  /* uid_nbounds ascending lower bounds */
	__u32 uo_off;          /* dense bitsets [uid interval][FW_NOPS], nwords each:
				  rules whose uid and operation match */
	__u32 ngroups[FW_NFIELDS];
	__u32 groups_off[FW_NFIELDS]; /* ngroups[f] struct fw_group, in rule order */
	__u32 op_mask;         /* bit op set when some rule admits enum fw_op op for some uid: with a
				  default of pass, an operation without its bit passes whatever the
				  path, so the hooks skip the path walk (bpf/filewall.bpf.c) */
};

/* One DFA over bytes. State 0 is dead (no rule can still match), state 1 is the start.
 * Groups of one field cover disjoint, ascending ranges of rules, so the first group
 * that yields a match holds the lowest matching rule. */
struct fw_group {
	__u32 classes_off;     /* 256 words: byte -> equivalence class */
	__u32 nclasses;
	__u32 trans_off;       /* nstates * nclasses words: next state */
	__u32 nstates;
	__u32 accept_off;      /* nstates words: offset of the state's match set, 0 = none */
	__u32 first_word;      /* rule-bitset words this group's rules occupy */
	__u32 last_word;       /* inclusive */
};
/* A match set: word count n, then n pairs (bitset word index, mask), indexes ascending. */

/* fw_ctl[0]: how the two table slots are published (a seqlock, see bpf/table.h). */
struct fw_ctl {
	__u32 seq;             /* odd while the writer fills the inactive slot */
	__u32 slot_blocks;     /* blocks per slot */
};

/* Context of the SEC("syscall") harness: a query in, a decision out. */
struct fw_query {
	__u32 uid;
	__u32 op;              /* enum fw_op */
	__u32 exe_len;
	__u32 cmd_len;
	__u32 path_len;
	__u32 path2_len;       /* 0: no second path */
	char exe[FW_PATH_MAX];
	char cmd[FW_CMD_MAX];
	char path[FW_PATH_MAX];
	char path2[FW_PATH_MAX];
	/* out */
	__s32 rule;            /* deciding rule, -1: the default action decided */
	__u32 action;          /* enum fw_action */
	__u32 generation;      /* table generation the whole decision used */
	__u32 error;           /* 0, or enum fw_err */
};

enum fw_err {
	FW_ERR_NONE = 0,
	FW_ERR_NO_TABLE = 1,   /* no table published yet */
	FW_ERR_CORRUPT = 2,    /* an offset pointed outside the slot */
	FW_ERR_RACE = 3,       /* the writer lapped this decision FW_RETRIES times */
	FW_ERR_TOO_LONG = 4,   /* a string exceeded its limit */
	FW_ERR_STALE = 5,      /* the subject set belongs to another table: recompute it */
	FW_ERR_INVAL = 6,      /* a query field out of range (op >= FW_NOPS) */
};
#define FW_NERR         8      /* room in fw_stats.errors for every enum fw_err */

/* Decision attempts under the seqlock before FW_ERR_RACE. */
#define FW_RETRIES      4

/* fw_stats[0], per CPU: rare events only, so the common path never pays for counting. */
struct fw_stats {
	__u64 retries;         /* attempts repeated because the writer lapped the reader */
	__u64 errors[FW_NERR]; /* decisions and subject computations ending in error e */
};

#endif
