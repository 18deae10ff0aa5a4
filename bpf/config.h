/* SPDX-License-Identifier: GPL-2.0 */
/* What the daemon tells the LSM programs (fw_config) and what they count for it (fw_counters).
 * Mirrored in dev.filewall.bpf.Layouts; the BTF layout test checks the mirror. */
#ifndef FILEWALL_CONFIG_H
#define FILEWALL_CONFIG_H

#include "filewall.h"

/* fw_config[0]: written by the daemon before it attaches, and on every reload. */
struct fw_config {
	__u32 dry_run;             /* 1: deny is logged as FW_EV_DRY_RUN and not enforced */
	__u32 unresolved_modify;   /* enum fw_action for an operation that modifies, when its path
				      cannot be resolved or exceeds FW_PATH_MAX, or no table is published */
	__u32 unresolved_read;     /* the same for OPEN/READ/EXEC */
	__u32 self_tgid;           /* the daemon's process: exempt from every rule */
	__u64 self_start_time;     /* its group leader's task->start_time; the daemon writes 0 and the
				      kernel learns it from the daemon's first operation, so a recycled
				      pid is not exempt */
	__u64 flood_window_ns;     /* identical events inside it are counted, not sent; 0: off */
	__u64 pins_dev;            /* st_dev of the bpffs holding the pins: unmounting it would unpin
				      everything (bpf/protect.h); 0: not guarded */
};

/* fw_counters[0], per CPU: summed by the daemon at scrape time. */
struct fw_counters {
	__u64 decisions[FW_NOPS][3];  /* every decision, by operation and enum fw_action */
	__u64 events;                 /* events written to fw_events */
	__u64 events_dropped;         /* events lost because fw_events was full (decision still enforced) */
	__u64 unresolved;             /* decisions made by the unresolved policy */
	__u64 exempt;                 /* operations of the daemon itself, not judged */
	__u64 repeats;                /* events folded by flood control instead of sent */
	__u64 tamper[FW_NTAMPER];     /* attempts on filewall itself, by enum fw_tamper_op - FW_NOPS */
};

#endif
