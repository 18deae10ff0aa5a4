// SPDX-License-Identifier: GPL-2.0
/* The enforcement side: one BPF LSM program per hook. A hook only gathers (operation, path,
 * path2) and calls fw_judge, which decides through the evaluator (eval.h), applies the
 * unresolved policy, counts, sends the event and returns the verdict.
 *
 * The heavy parts are global functions (fw_judge, fw_decide_op, fw_refresh, fw_resolve,
 * fw_resolve_dentry, fw_task_load, fw_task_first, fw_emit): the verifier checks each once per
 * program instead of once per call site, and they pass kernel pointers as plain u64 read with
 * probe reads, which is also what lets one hook serve both the 6.1 and the 6.12 signatures.
 *
 * Loads on 6.1 (no file_truncate hook there: fw_file_truncate must not be loaded) and later. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "filewall.h"
#include "config.h"
#include "event.h"
#include "eval.h"
#include "path.h"
#include "task.h"
#include "emit.h"
#include "flood.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1

/* include/linux/fs.h; stable since long before 6.1 */
#define FMODE_READ   0x1
#define FMODE_WRITE  0x2
#define FMODE_EXEC   0x20
/* The flag of open_with_fake_path()'s files before backing files (6.5) replaced it: overlayfs
 * opening a layer's file for an overlay file the process just opened (judged already). */
#define FMODE_NOACCOUNT_PRE_6_5 0x20000000

/* include/linux/fs.h, stable */
#define ATTR_MODE  (1 << 0)
#define ATTR_UID   (1 << 1)
#define ATTR_GID   (1 << 2)
#define ATTR_SIZE  (1 << 3)

#define S_IFMT   00170000
#define S_IFREG  0100000

extern int LINUX_KERNEL_VERSION __kconfig;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct fw_config);
	__uint(max_entries, 1);
} fw_config SEC(".maps");

/* the decisions of one judgement: [0] the operation, [1] the second access of an O_RDWR open */
struct fw_judge_state {
	struct fw_decision d[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct fw_judge_state);
	__uint(max_entries, 1);
} fw_judge_state SEC(".maps");

static __always_inline struct fw_judge_state *fw_judge_state_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fw_judge_state, &zero);
}

static __always_inline struct fw_config *fw_config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fw_config, &zero);
}

/* Whether task belongs to the daemon's process: its tgid, and the start time of its group
 * leader (threads have their own start times). A self_start_time of 0 is learned from the
 * daemon's first operation: the daemon is alive when it writes its own tgid, so that pid cannot
 * belong to another process until the daemon exits, and fw_sched_process_exit then clears it. */
static __always_inline bool fw_is_daemon(struct fw_config *cfg, struct task_struct *task)
{
	__u64 st;

	if (!cfg->self_tgid || BPF_CORE_READ(task, tgid) != cfg->self_tgid)
		return false;
	st = BPF_CORE_READ(task, group_leader, start_time);
	if (!cfg->self_start_time && task == bpf_get_current_task_btf())
		cfg->self_start_time = st;
	return cfg->self_start_time == st;
}

/* The daemon's own operations pass unjudged. */
static __always_inline bool fw_exempt(void)
{
	struct fw_config *cfg = fw_config_get();
	struct fw_counters *cnt;

	if (!cfg || !fw_is_daemon(cfg, bpf_get_current_task_btf()))
		return false;
	cnt = fw_counters_get();
	if (cnt)
		cnt->exempt++;
	return true;
}

static __always_inline __u32 fw_policy(const struct fw_config *cfg, __u32 op)
{
	__u32 a = op == FW_OP_OPEN || op == FW_OP_READ || op == FW_OP_EXEC ?
		cfg->unresolved_read : cfg->unresolved_modify;

	return a > FW_ACT_DENY ? FW_ACT_DENY : a;
}

/* One evaluator decision of op over the gathered path(s) into fw_judge_state.d[slot]; returns
 * its enum fw_err. Global: fw_decide is inlined here once, and the judgement calls this up to
 * four times. */
__noinline int fw_decide_op(__u32 op, __u32 npaths, __u32 slot)
{
	/* Ordered to keep few values alive across helper calls: this frame sits on the deepest
	 * call chain (program, fw_judge, here, and three evaluator callbacks), which must fit
	 * the 512-byte stack. */
	struct fw_judge_state *js = fw_judge_state_get();
	struct fw_decision *out;
	struct fw_paths *w;
	struct fw_task *te;
	struct fw_req req;

	if (!js)
		return FW_ERR_CORRUPT;
	out = &js->d[slot & 1];
	req.op = op;
	req.path2_len = npaths;
	req.uid = BPF_CORE_READ(bpf_get_current_task_btf(), cred, fsuid.val);
	te = fw_task_lookup();
	w = fw_paths_get();
	if (!te || !w)
		return FW_ERR_CORRUPT;
	req.subj = &te->subj;
	req.path = w->buf[FW_BUF_PATH];
	req.path2 = w->buf[FW_BUF_PATH2];
	req.path_off = w->ps[FW_BUF_PATH].off;
	req.path_len = w->ps[FW_BUF_PATH].len;
	req.path2_off = w->ps[FW_BUF_PATH2].off;
	req.path2_len = req.path2_len > 1 ? w->ps[FW_BUF_PATH2].len : 0;
	return fw_decide(&req, out);
}

/* Recomputes the current task's subject set for the published table. */
__noinline int fw_refresh(void)
{
	struct fw_task *te = fw_task_lookup();

	if (!te)
		return FW_ERR_CORRUPT;
	return fw_compute_subject(&te->subj, te->exe, te->exe_len, te->cmd, te->cmd_len);
}

/* A decision with a subject set made fresh if the evaluator finds it stale (new task, new
 * table): the second attempt can only be stale again if yet another table was published in
 * between, and then the error goes to the unresolved policy. */
static __always_inline int fw_decide_fresh(__u32 op, __u32 npaths, __u32 slot)
{
	int err = fw_decide_op(op, npaths, slot);

	if (err == FW_ERR_STALE) {
		err = fw_refresh();
		if (!err || err == FW_ERR_STALE)
			err = fw_decide_op(op, npaths, slot);
	}
	return err;
}

/* The task's entry, made on first sight, and the event's string sources; returns the flags
 * the task contributes to the decision (FW_EV_EVAL_ERROR: the unresolved policy decides). */
static __always_inline __u32 fw_subject_flags(struct fw_evbuf *e)
{
	struct fw_task *te = fw_task_lookup();
	struct mm_struct *mm;

	if (!te) {
		fw_task_first();
		te = fw_task_lookup();
	} else {
		/* An entry of another image: an exec that fw_sched_process_exec did not see (not
		 * attached, or an exec racing with the attach). Each exec opens its file anew while
		 * the old mm still holds the old one, so exe_file always changes. */
		mm = BPF_CORE_READ(bpf_get_current_task_btf(), mm);
		if (te->exe_file != (__u64)BPF_CORE_READ(mm, exe_file) ||
		    te->arg_start != BPF_CORE_READ(mm, arg_start)) {
			fw_task_load(0);
			te = fw_task_lookup();
		} else if (te->flags & FW_TASK_CMD_UNREAD) {
			fw_task_load(te->flags & FW_EV_FIRST_SIGHT);
			te = fw_task_lookup();
		}
	}
	if (te) {
		e->exe_src = (__u64)te->exe;
		e->cmd_src = (__u64)te->cmd;
		e->exe_len = te->exe_len;
		e->cmd_len = te->cmd_len;
		return te->flags & FW_TASK_EV_FLAGS;
	}
	/* no task storage: the entry fw_task_load left in the scratch names the task */
	te = fw_task_scratch_get();
	if (!te) {
		e->exe_len = 0;
		e->cmd_len = 0;
		return FW_EV_EVAL_ERROR;
	}
	e->exe_src = (__u64)te->exe;
	e->cmd_src = (__u64)te->cmd;
	e->exe_len = te->exe_len;
	e->cmd_len = te->cmd_len;
	return (te->flags & FW_TASK_EV_FLAGS) | FW_EV_EVAL_ERROR;
}

/* Decides op (and op2, the second access of an O_RDWR open, unless FW_NOPS) over the npaths
 * paths gathered into fw_paths, and returns 0 or -EPERM. Maps are looked up again after each
 * call rather than held: this frame is on the deepest call chain. */
__noinline int fw_judge(__u32 op, __u32 op2, __u32 npaths)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fw_paths *w = fw_paths_get();
	struct fw_evbuf *e = fw_evbuf_get();
	struct fw_judge_state *js;
	struct fw_counters *cnt;
	struct fw_config *cfg;
	__u32 flags = 0, action, res, i, stacked = 0;
	int err = 0;

	if (!w || !e || op >= FW_NOPS)
		return 0;
	for (i = 0; i < 2 && i < npaths; i++) {
		res = w->ps[i].res;
		if (res == FW_W_TRUNCATED)
			flags |= FW_EV_TRUNCATED;
		else if (res >= FW_W_UNREACHABLE)
			flags |= FW_EV_UNRESOLVED;
		if (res == FW_W_INTERNAL || res == FW_W_UNREACHABLE)
			stacked++;
	}
	/* A stacking filesystem (overlayfs) working on its layers with its mounter's credentials,
	 * for an operation of this task that was judged on the path the task used: the layers'
	 * paths mean nothing to the rules. Kernel code alone overrides credentials; for files the
	 * task can name, the path is resolvable and judged whatever the credentials. */
	if (stacked && BPF_CORE_READ(task, cred) != BPF_CORE_READ(task, real_cred))
		return 0;

	flags |= fw_subject_flags(e);
	/* the evaluator's own outcome goes to js->d[0]; a subject or path the evaluator cannot
	 * see completely is the unresolved policy's */
	if (!(flags & (FW_EV_TRUNCATED | FW_EV_UNRESOLVED | FW_EV_EVAL_ERROR))) {
		err = fw_decide_fresh(op, npaths, 0);
		if (!err && op2 < FW_NOPS) {
			err = fw_decide_fresh(op2, npaths, 1);
			js = fw_judge_state_get();
			/* the more severe decides, the first on a tie */
			if (!err && js && js->d[1].action > js->d[0].action) {
				js->d[0] = js->d[1];
				op = op2;
			}
		}
		if (err)
			flags |= err == FW_ERR_NO_TABLE ? FW_EV_NO_TABLE : FW_EV_EVAL_ERROR;
	}

	cfg = fw_config_get();
	cnt = fw_counters_get();
	js = fw_judge_state_get();
	e = fw_evbuf_get();
	if (!cfg || !cnt || !js || !e)
		return 0;
	op = fw_bnd(op, FW_NOPS - 1);
	if (flags & (FW_EV_TRUNCATED | FW_EV_UNRESOLVED | FW_EV_EVAL_ERROR | FW_EV_NO_TABLE)) {
		action = fw_policy(cfg, op);
		e->ev.rule = -1;
		e->ev.generation = 0;
		cnt->unresolved++;
	} else {
		action = js->d[0].action;
		e->ev.rule = js->d[0].rule;
		e->ev.generation = js->d[0].generation;
	}
	action = fw_bnd(action, FW_ACT_DENY);
	cnt->decisions[op][action]++;
	err = 0;
	if (action == FW_ACT_DENY) {
		if (cfg->dry_run)
			flags |= FW_EV_DRY_RUN;
		else
			err = -EPERM;
	}
	if (action != FW_ACT_PASS) {
		e->ev.op = op;
		e->ev.action = action;
		e->ev.flags = flags;
		e->ev.flood_hash = 0;
		e->ev.repeats = 0;
		if (cfg->flood_window_ns && fw_flood_fold(npaths, cfg->flood_window_ns)) {
			cnt->repeats++;
			return err;
		}
		if (fw_emit(npaths) && cfg->flood_window_ns)
			fw_flood_unfold(npaths);
	}
	return err;
}

/* ---- the hooks: gather, then judge ---- */

/* Hook argument n as a plain number: the same code serves hooks whose argument types or
 * positions differ between kernels, and global functions take it as a scalar. */
static __always_inline __u64 fw_arg(void *ctx, __u32 n)
{
	__u64 v = 0;

	bpf_get_func_arg(ctx, n, &v);
	return v;
}

static __always_inline __u64 fw_path_mnt(__u64 path)
{
	return (__u64)BPF_CORE_READ((struct path *)path, mnt);
}

static __always_inline __u64 fw_path_dentry(__u64 path)
{
	return (__u64)BPF_CORE_READ((struct path *)path, dentry);
}

/* -EPERM or 0 as the verifier can see it: since 6.9 it checks that an LSM program returns a
 * value in [-MAX_ERRNO, 0], and a global function's result is an unknown scalar to it. */
static __always_inline int fw_verdict(int r)
{
	__u64 v = r;

	asm volatile("if %0 == 0 goto +1; %0 = %1" : "+r"(v) : "i"(-EPERM));
	return v;
}

#define FW_HDR_WORD(f) (offsetof(struct fw_table_hdr, f) / sizeof(__u32))

/* Whether the rules leave nothing to judge: the published table's default is pass and no rule
 * admits *op (nor *op2, the second access of an O_RDWR open, unless FW_NOPS), so no path can
 * change the decision; the pass is counted and neither the path nor the task is read. When
 * only one of the two can be decided by a rule, that one stays in *op and *op2 becomes FW_NOPS.
 * No table, a table being written or a corrupt one: everything is judged (fw_judge says why). */
static __always_inline bool fw_nothing_to_judge(__u32 *op, __u32 *op2)
{
	__u32 magic, def, mask, keep1, keep2;
	struct fw_counters *cnt;
	struct fw_slot s;

	if (fw_begin(&s) || fw_word(&s, FW_HDR_WORD(magic), &magic) ||
	    fw_word(&s, FW_HDR_WORD(default_action), &def) || fw_word(&s, FW_HDR_WORD(op_mask), &mask) ||
	    !fw_validate(&s) || magic != FW_TABLE_MAGIC || def != FW_ACT_PASS)
		return false;
	keep1 = mask & (1u << (*op & 31));
	keep2 = *op2 < FW_NOPS && (mask & (1u << (*op2 & 31)));
	if (keep1 || keep2) {
		if (!keep1)
			*op = *op2;
		if (!keep1 || !keep2)
			*op2 = FW_NOPS;
		return false;
	}
	cnt = fw_counters_get();
	if (cnt)
		cnt->decisions[fw_bnd(*op, FW_NOPS - 1)][FW_ACT_PASS]++;
	return true;
}

/* An operation on one name: (mount, dentry). LSM programs of one hook run in order and a
 * later one runs only while all before it returned 0, so there is no earlier verdict to
 * honour here. */
static __always_inline int fw_gate1(__u32 op, __u32 op2, __u64 mnt, __u64 dentry)
{
	if (fw_exempt() || fw_nothing_to_judge(&op, &op2))
		return 0;
	fw_resolve(FW_BUF_PATH, mnt, dentry);
	return fw_verdict(fw_judge(op, op2, 1));
}

/* An operation on two names, given as hook argument positions: (dir path, dentry) pairs, or a
 * bare dentry resolved through the first pair's mount (dir2 < 0). The arguments are fetched
 * after the first walk rather than held across it: the program's frame is on the deepest call
 * chain. */
static __always_inline int fw_gate2(__u32 op, void *ctx, __u32 dir1, __u32 dentry1, int dir2,
				    __u32 dentry2)
{
	__u32 none = FW_NOPS;

	if (fw_exempt() || fw_nothing_to_judge(&op, &none))
		return 0;
	fw_resolve(FW_BUF_PATH, fw_path_mnt(fw_arg(ctx, dir1)), fw_arg(ctx, dentry1));
	fw_resolve(FW_BUF_PATH2, fw_path_mnt(fw_arg(ctx, dir2 < 0 ? dir1 : dir2)), fw_arg(ctx, dentry2));
	return fw_verdict(fw_judge(op, FW_NOPS, 2));
}

/* A hook that gets only a dentry: the mount is searched (fw_resolve_dentry). */
static __always_inline int fw_gate_dentry(__u32 op, __u64 dentry)
{
	__u32 none = FW_NOPS;

	if (fw_exempt() || fw_nothing_to_judge(&op, &none))
		return 0;
	fw_resolve_dentry(FW_BUF_PATH, dentry);
	return fw_verdict(fw_judge(op, FW_NOPS, 1));
}

/* A directory entry of a (dir path, dentry) hook: the dentry is a child of dir->dentry, so
 * resolving it through dir's mount gives dir + "/" + name. */
static __always_inline int fw_gate_entry(__u32 op, void *ctx, __u32 dir_arg, __u32 dentry_arg)
{
	__u64 dir = fw_arg(ctx, dir_arg);

	return fw_gate1(op, FW_NOPS, fw_path_mnt(dir), fw_arg(ctx, dentry_arg));
}

static __always_inline int fw_gate_path(__u32 op, void *ctx)
{
	__u64 p = fw_arg(ctx, 0);

	return fw_gate1(op, FW_NOPS, fw_path_mnt(p), fw_path_dentry(p));
}

#define FW_O_FMODE_EXEC 0x20 /* __FMODE_EXEC, as open_exec() puts it in f_flags */

/* READ, WRITE (O_RDWR: both, the more severe wins) or OPEN (neither). The open of exec
 * (FMODE_EXEC) is judged as EXEC at bprm_check_security instead. */
SEC("lsm/file_open")
int BPF_PROG(fw_file_open)
{
	struct file *f = (void *)fw_arg(ctx, 0);
	__u32 mode = BPF_CORE_READ(f, f_mode), op, op2 = FW_NOPS;

	/* exec opens with __FMODE_EXEC in f_flags; f_mode carries FMODE_EXEC only on newer kernels */
	if ((mode & FMODE_EXEC) || (BPF_CORE_READ(f, f_flags) & FW_O_FMODE_EXEC))
		return 0;
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(6, 5, 0) && (mode & FMODE_NOACCOUNT_PRE_6_5))
		return 0;
	if ((mode & (FMODE_READ | FMODE_WRITE)) == (FMODE_READ | FMODE_WRITE)) {
		op = FW_OP_READ;
		op2 = FW_OP_WRITE;
	} else if (mode & FMODE_READ) {
		op = FW_OP_READ;
	} else if (mode & FMODE_WRITE) {
		op = FW_OP_WRITE;
	} else {
		op = FW_OP_OPEN;
	}
	return fw_gate1(op, op2, (__u64)BPF_CORE_READ(f, f_path.mnt),
			(__u64)BPF_CORE_READ(f, f_path.dentry));
}

/* mknod(2) and open(O_CREAT) of a new name (through may_o_create): a regular file (or mode
 * type 0, which mknod treats as regular) is CREATE, a device, FIFO or socket MKNOD. */
SEC("lsm/path_mknod")
int BPF_PROG(fw_path_mknod)
{
	__u32 mode = fw_arg(ctx, 2) & S_IFMT;

	return fw_gate_entry(mode == 0 || mode == S_IFREG ? FW_OP_CREATE : FW_OP_MKNOD, ctx, 0, 1);
}

SEC("lsm/path_mkdir")
int BPF_PROG(fw_path_mkdir)
{
	return fw_gate_entry(FW_OP_MKDIR, ctx, 0, 1);
}

SEC("lsm/path_rmdir")
int BPF_PROG(fw_path_rmdir)
{
	return fw_gate_entry(FW_OP_RMDIR, ctx, 0, 1);
}

SEC("lsm/path_unlink")
int BPF_PROG(fw_path_unlink)
{
	return fw_gate_entry(FW_OP_UNLINK, ctx, 0, 1);
}

SEC("lsm/path_symlink")
int BPF_PROG(fw_path_symlink)
{
	return fw_gate_entry(FW_OP_SYMLINK, ctx, 0, 1);
}

/* Source and destination (old_dir, old_dentry, new_dir, new_dentry, flags). Both names are
 * always judged, which covers RENAME_EXCHANGE (both names change) as well. */
SEC("lsm/path_rename")
int BPF_PROG(fw_path_rename)
{
	return fw_gate2(FW_OP_RENAME, ctx, 0, 1, 2, 3);
}

/* (old_dentry, new_dir, new_dentry): linkat refuses links across mounts, so the existing name
 * resolves through new_dir's mount. An inode without links is an O_TMPFILE file getting its
 * first name (or a deleted file, which vfs_link refuses): that is CREATE of the new name. */
SEC("lsm/path_link")
int BPF_PROG(fw_path_link)
{
	__u64 old = fw_arg(ctx, 0);

	if (BPF_CORE_READ((struct dentry *)old, d_inode, i_nlink) == 0)
		return fw_gate1(FW_OP_CREATE, FW_NOPS, fw_path_mnt(fw_arg(ctx, 1)), fw_arg(ctx, 2));
	return fw_gate2(FW_OP_LINK, ctx, 1, 0, -1, 2);
}

/* truncate(2); on 6.1 also ftruncate(2) and open(O_TRUNC), which 6.2+ send to file_truncate */
SEC("lsm/path_truncate")
int BPF_PROG(fw_path_truncate)
{
	return fw_gate_path(FW_OP_TRUNCATE, ctx);
}

/* 6.2+ only: the loader must not load it where the hook does not exist */
SEC("lsm/file_truncate")
int BPF_PROG(fw_file_truncate)
{
	struct file *f = (void *)fw_arg(ctx, 0);

	return fw_gate1(FW_OP_TRUNCATE, FW_NOPS, (__u64)BPF_CORE_READ(f, f_path.mnt),
			(__u64)BPF_CORE_READ(f, f_path.dentry));
}

SEC("lsm/path_chmod")
int BPF_PROG(fw_path_chmod)
{
	return fw_gate_path(FW_OP_CHMOD, ctx);
}

/* (path, kuid_t, kgid_t): the ids are structs passed by value; only the path is read, through
 * bpf_get_func_arg, so no struct argument is ever accessed. */
SEC("lsm/path_chown")
int BPF_PROG(fw_path_chown)
{
	return fw_gate_path(FW_OP_CHOWN, ctx);
}

/* (dentry, attr) on 6.1, (idmap, dentry, attr) since 6.8: the last two arguments, counted at
 * run time. Only changes no path hook judged: chmod, chown and truncate also arrive here
 * (ATTR_MODE, ATTR_UID/GID, ATTR_SIZE) after path_chmod, path_chown, path_truncate or
 * file_truncate decided them; what remains is times (utimes) and the like. */
SEC("lsm/inode_setattr")
int BPF_PROG(fw_inode_setattr)
{
	__u64 n = bpf_get_func_arg_cnt(ctx);
	__u64 dentry = fw_arg(ctx, n - 2), attr = fw_arg(ctx, n - 1);
	__u32 valid = BPF_CORE_READ((struct iattr *)attr, ia_valid);

	if (n < 2 || (valid & (ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_SIZE)))
		return 0;
	return fw_gate_dentry(FW_OP_SETATTR, dentry);
}

/* (userns or idmap, dentry, name, ...): the dentry is the second argument on every kernel */
SEC("lsm/inode_setxattr")
int BPF_PROG(fw_inode_setxattr)
{
	return fw_gate_dentry(FW_OP_SETXATTR, fw_arg(ctx, 1));
}

SEC("lsm/inode_removexattr")
int BPF_PROG(fw_inode_removexattr)
{
	return fw_gate_dentry(FW_OP_SETXATTR, fw_arg(ctx, 1));
}

/* Runs for the executable and again for each interpreter (#! scripts, binfmt_misc). */
SEC("lsm/bprm_check_security")
int BPF_PROG(fw_bprm_check_security)
{
	struct linux_binprm *bprm = (void *)fw_arg(ctx, 0);
	struct file *f = BPF_CORE_READ(bprm, file);

	return fw_gate1(FW_OP_EXEC, FW_NOPS, (__u64)BPF_CORE_READ(f, f_path.mnt),
			(__u64)BPF_CORE_READ(f, f_path.dentry));
}

/* After a successful exec: the new image's exe and command line (mm->arg_start..arg_end are
 * set by now), replacing the entry of the previous image. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(fw_sched_process_exec)
{
	fw_task_load(0);
	return 0;
}

#include "protect.h"
