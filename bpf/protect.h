/* SPDX-License-Identifier: GPL-2.0 */
/* Self-protection: what no rule file can allow. The built-in rules the daemon puts first in
 * every table (dev.filewall.daemon.SelfProtection) keep everyone but the daemon from writing
 * filewall's files and from unlinking or renaming its pins; these hooks guard the rest:
 * - task_kill: a signal that would end or stop the daemon, unless it comes from the daemon's
 *   real parent (its service manager: systemd, or whatever started it) or the daemon itself;
 * - ptrace_access_check: attaching to the daemon (ptrace, /proc/PID/mem, pidfd_getfd,
 *   process_vm_writev), which would let a process act as the daemon;
 * - bpf_map: a writable fd of one of filewall's maps (BPF_OBJ_GET of a pin, MAP_GET_FD_BY_ID),
 *   through which the table, the configuration or the event ring could be changed;
 * - sb_umount: unmounting the bpffs that holds the pins, which would release every link.
 * While no daemon runs (fw_sched_process_exit saw it exit) the maps may be opened for writing:
 * that is how a restarted daemon, or `filewall stop` without one, takes the pins over.
 * Each refusal is counted (fw_counters.tamper) and sent as an event whose op is the
 * enum fw_tamper_op. Dry run logs instead of refusing, as it does for the rules.
 * Include at the end of filewall.bpf.c. */
#ifndef FW_PROTECT_H
#define FW_PROTECT_H

/* include/uapi/asm-generic/signal.h, include/linux/ptrace.h */
#define SIGHUP   1
#define SIGCHLD  17
#define SIGCONT  18
#define SIGURG   23
#define SIGWINCH 28
#define PTRACE_MODE_ATTACH 0x02

/* Counts and reports one refused attempt of op (an enum fw_tamper_op) whose path the caller
 * put into fw_paths' first buffer; returns the verdict. Global: verified once per program. */
__noinline int fw_tamper(__u32 op)
{
	struct fw_config *cfg = fw_config_get();
	struct fw_counters *cnt = fw_counters_get();
	struct fw_evbuf *e = fw_evbuf_get();
	__u32 flags;

	if (!cfg || !cnt || !e)
		return 0;
	cnt->tamper[fw_bnd(op - FW_NOPS, FW_NTAMPER - 1)]++;
	flags = fw_subject_flags(e) & ~FW_EV_EVAL_ERROR;
	cfg = fw_config_get();
	e = fw_evbuf_get();
	if (!cfg || !e)
		return 0;
	if (cfg->dry_run)
		flags |= FW_EV_DRY_RUN;
	e->ev.op = op;
	e->ev.action = FW_ACT_DENY;
	e->ev.rule = -1;
	e->ev.generation = 0;
	e->ev.flags = flags;
	e->ev.flood_hash = 0;
	e->ev.repeats = 0;
	fw_emit(1);
	return cfg->dry_run ? 0 : -EPERM;
}

/* An event without a path. */
static __always_inline void fw_no_path(void)
{
	struct fw_paths *w = fw_paths_get();

	if (w) {
		w->ps[FW_BUF_PATH].off = 0;
		w->ps[FW_BUF_PATH].len = 0;
	}
}

static __always_inline bool fw_by_daemon(struct fw_config *cfg)
{
	return fw_is_daemon(cfg, bpf_get_current_task_btf());
}

SEC("lsm/task_kill")
int BPF_PROG(fw_task_kill)
{
	struct task_struct *p = (void *)fw_arg(ctx, 0);
	int sig = fw_arg(ctx, 2);
	struct fw_config *cfg = fw_config_get();

	if (!cfg || sig == 0 || sig == SIGHUP || sig == SIGCHLD || sig == SIGCONT || sig == SIGURG ||
	    sig == SIGWINCH || !fw_is_daemon(cfg, p) || fw_by_daemon(cfg))
		return 0;
	if (bpf_get_current_task_btf()->tgid == BPF_CORE_READ(p, group_leader, real_parent, tgid))
		return 0;
	fw_no_path();
	return fw_verdict(fw_tamper(FW_OP_KILL));
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(fw_ptrace_access_check)
{
	struct task_struct *child = (void *)fw_arg(ctx, 0);
	__u32 mode = fw_arg(ctx, 1);
	struct fw_config *cfg = fw_config_get();

	if (!cfg || !(mode & PTRACE_MODE_ATTACH) || !fw_is_daemon(cfg, child) || fw_by_daemon(cfg))
		return 0;
	fw_no_path();
	return fw_verdict(fw_tamper(FW_OP_PTRACE));
}

static __always_inline bool fw_own_map(__u64 m)
{
	return m == (__u64)&fw_table || m == (__u64)&fw_ctl || m == (__u64)&fw_stats ||
	       m == (__u64)&fw_config || m == (__u64)&fw_judge_state || m == (__u64)&fw_events ||
	       m == (__u64)&fw_counters || m == (__u64)&fw_evbuf || m == (__u64)&fw_eval_scratch ||
	       m == (__u64)&fw_flood || m == (__u64)&fw_paths || m == (__u64)&fw_tasks ||
	       m == (__u64)&fw_task_scratch;
}

/* A read-only fd passes: `filewall status` reads the table and the counters through one. */
SEC("lsm/bpf_map")
int BPF_PROG(fw_bpf_map)
{
	__u64 map = fw_arg(ctx, 0);
	__u32 fmode = fw_arg(ctx, 1);
	struct fw_config *cfg = fw_config_get();
	struct fw_paths *w;
	long n;

	if (!cfg || !(fmode & FMODE_WRITE) || !cfg->self_tgid || !fw_own_map(map) || fw_by_daemon(cfg))
		return 0;
	/* the map's name is the event's path */
	w = fw_paths_get();
	if (!w)
		return 0;
	w->ps[FW_BUF_PATH].off = 0;
	w->ps[FW_BUF_PATH].len = 0;
	n = bpf_probe_read_kernel_str(w->buf[FW_BUF_PATH], 16 /* BPF_OBJ_NAME_LEN */,
				      ((struct bpf_map *)map)->name);
	if (n > 1)
		w->ps[FW_BUF_PATH].len = n - 1;
	return fw_verdict(fw_tamper(FW_OP_BPF_MAP));
}

/* new_encode_dev(): the st_dev that stat(2) reports for a superblock's s_dev */
static __always_inline __u64 fw_encode_dev(__u32 dev)
{
	__u64 major = dev >> 20, minor = dev & 0xfffff;

	return (minor & 0xff) | (major << 8) | ((minor & ~0xffull) << 12);
}

SEC("lsm/sb_umount")
int BPF_PROG(fw_sb_umount)
{
	struct vfsmount *mnt = (void *)fw_arg(ctx, 0);
	struct fw_config *cfg = fw_config_get();

	if (!cfg || !cfg->pins_dev || fw_encode_dev(BPF_CORE_READ(mnt, mnt_sb, s_dev)) != cfg->pins_dev ||
	    fw_by_daemon(cfg))
		return 0;
	fw_resolve(FW_BUF_PATH, (__u64)mnt, (__u64)BPF_CORE_READ(mnt, mnt_root));
	return fw_verdict(fw_tamper(FW_OP_UMOUNT));
}

/* The daemon's process is gone: nobody is exempt, and the pins may be taken over. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(fw_sched_process_exit)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fw_config *cfg = fw_config_get();

	if (cfg && BPF_CORE_READ(task, signal, live.counter) == 0 && fw_is_daemon(cfg, task)) {
		cfg->self_tgid = 0;
		cfg->self_start_time = 0;
	}
	return 0;
}

#endif
