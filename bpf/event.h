/* SPDX-License-Identifier: GPL-2.0 */
/* The deny/log event the kernel sends to the daemon through the ring buffer `fw_events`.
 * Mirrored in dev.filewall.bpf.Layouts; BtfLayoutTest checks the mirror. */
#ifndef FILEWALL_EVENT_H
#define FILEWALL_EVENT_H

#include "filewall.h"

enum fw_event_flag {
	FW_EV_TRUNCATED   = 1 << 0,  /* a path or the exe was longer than FW_PATH_MAX */
	FW_EV_UNRESOLVED  = 1 << 1,  /* a path could not be resolved: the unresolved policy decided */
	FW_EV_DRY_RUN     = 1 << 2,  /* deny was not enforced (dry run): action says what would have been */
	FW_EV_CMD_CUT     = 1 << 3,  /* the command line was longer than FW_CMD_MAX and was cut */
	FW_EV_NO_TABLE    = 1 << 4,  /* no table published: the unresolved policy decided */
	FW_EV_EVAL_ERROR  = 1 << 5,  /* the evaluator failed (corrupt table, writer race) */
	FW_EV_FIRST_SIGHT = 1 << 6,  /* the process predates filewall; exe/cmdline read on first sight */
};

/* Header of one event; the strings follow back to back (exe, cmd, path, path2), not
 * NUL-terminated, so a record is sizeof(struct fw_event) + the four lengths, rounded by
 * the ring buffer to 8 bytes. */
struct fw_event {
	__u64 time_ns;         /* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME */
	__u64 flood_hash;      /* fw_flood_key.hash: with pid, rule, op, action the event's flood key */
	__u32 op;              /* enum fw_op */
	__u32 uid;             /* fsuid */
	__u32 pid;             /* tgid */
	__u32 tid;             /* the thread (task pid) */
	__u32 ppid;            /* tgid of the real parent */
	__s32 rule;            /* deciding rule, -1 for the default or a policy */
	__u32 action;          /* enum fw_action, as decided (see FW_EV_DRY_RUN) */
	__u32 flags;           /* enum fw_event_flag */
	__u32 generation;      /* table generation that decided */
	__u32 repeats;         /* identical attempts before this one, folded by flood control (bpf/flood.h) */
	__u16 exe_len;
	__u16 cmd_len;
	__u16 path_len;
	__u16 path2_len;
};

/* fw_flood's key and value (bpf/flood.h); the daemon reads and deletes entries by key */
struct fw_flood_key {
	__u64 hash;            /* FNV-1a of the path, then path2 */
	__u32 tgid;
	__s32 rule;
	__u32 op;
	__u32 action;
};

struct fw_flood {
	__u64 sent_ns;         /* the key's last event sent */
	__u64 last_ns;         /* the last attempt folded or sent */
	__u64 count;           /* attempts folded since sent_ns */
};

#endif
