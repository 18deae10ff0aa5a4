/* SPDX-License-Identifier: GPL-2.0 */
/* The subject of a decision: a task's executable, command line and subject set, kept in task
 * storage (fw_tasks) so a file operation walks only its path.
 *
 * Filled at exec (tp_btf/sched_process_exec, when mm->arg_start..arg_end are final and the
 * argument pages were just written, so reading them cannot fault), and on first sight for tasks
 * that have no entry: tasks older than filewall, threads, fork children. A thread or a child that
 * has not exec'd runs the image of its group leader or parent: their entry is copied when it
 * describes the same mm contents (same exe_file and argument area), otherwise the task's own mm
 * is read (FW_EV_FIRST_SIGHT). An entry whose exe_file or arg_start no longer match the mm is
 * read again at the next decision, so an exec the tracepoint missed cannot leave the previous
 * image's subject in place. The subject set is computed lazily at the next decision
 * (subj.table == 0, or a table newer than subj.table).
 *
 * Include after path.h and eval.h. */
#ifndef FW_TASK_H
#define FW_TASK_H

/* fw_task.flags beyond enum fw_event_flag: the command line could not be read (argument
 * pages swapped out): decisions go to the unresolved policy and each one retries the read. */
#define FW_TASK_CMD_UNREAD (1u << 31)
/* flags that make every decision of the task the unresolved policy's */
#define FW_TASK_UNRESOLVED (FW_EV_TRUNCATED | FW_EV_UNRESOLVED)
/* flags an event inherits from the task */
#define FW_TASK_EV_FLAGS (FW_EV_TRUNCATED | FW_EV_UNRESOLVED | FW_EV_CMD_CUT | FW_EV_FIRST_SIGHT)

struct fw_task {
	__u64 exe_file;        /* mm->exe_file when read: identifies the image for copies */
	__u64 arg_start;       /* mm->arg_start when read */
	__u32 exe_len;
	__u32 cmd_len;
	__u32 flags;
	__u32 pad;
	struct fw_subject subj;
	/* cmd before exe: the evaluator reads strings as buf[pos & (FW_PATH_MAX - 1)], so a
	 * buffer must have FW_PATH_MAX bytes of the value after its start; cmd borrows exe's. */
	char cmd[FW_CMD_MAX];
	char exe[FW_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fw_task);
} fw_tasks SEC(".maps");

/* Where an entry is assembled before it is stored, and the entry itself when task storage
 * cannot be allocated. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct fw_task);
	__uint(max_entries, 1);
} fw_task_scratch SEC(".maps");

static __always_inline struct fw_task *fw_task_scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fw_task_scratch, &zero);
}

static __always_inline struct fw_task *fw_task_lookup(void)
{
	return bpf_task_storage_get(&fw_tasks, bpf_get_current_task_btf(), 0, 0);
}

struct fw_nul_ctx {
	char *cmd;
	__u32 len;
};

/* argv strings are NUL-separated: NUL -> space, 8 bytes per turn */
static int fw_nul_cb(__u32 i, void *ctx)
{
	struct fw_nul_ctx *c = ctx;
	__u32 k, o;

#pragma unroll
	for (k = 0; k < 8; k++) {
		o = i * 8 + k;
		if (o >= c->len)
			return 1;
		if (!c->cmd[o & (FW_CMD_MAX - 1)])
			c->cmd[o & (FW_CMD_MAX - 1)] = ' ';
	}
	return 0;
}

/* The command line from mm's argument area into t: argv joined by single spaces, cut at
 * FW_CMD_MAX (FW_EV_CMD_CUT). The area ends with the last argument's NUL, which is dropped.
 * A kernel thread (no mm) has an empty command line. */
static __always_inline void fw_read_cmd(struct fw_task *t, struct mm_struct *mm)
{
	unsigned long start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
	struct fw_nul_ctx c;
	__u64 n;

	t->cmd_len = 0;
	t->arg_start = start;
	if (!mm || end <= start)
		return;
	n = end - start - 1;
	if (n > FW_CMD_MAX) {
		n = FW_CMD_MAX;
		t->flags |= FW_EV_CMD_CUT;
	}
	n = fw_bnd(n, FW_CMD_MAX);
	if (n && bpf_probe_read_user(t->cmd, n, (void *)start)) {
		t->flags |= FW_TASK_CMD_UNREAD | FW_EV_UNRESOLVED;
		return;
	}
	c.cmd = t->cmd;
	c.len = n;
	bpf_loop((n + 7) / 8, fw_nul_cb, &c, 0);
	t->cmd_len = n;
}

/* Reads the current task's exe and command line into fw_task_scratch (flags: extra enum
 * fw_event_flag bits, e.g. FW_EV_FIRST_SIGHT), then stores it as the task's entry, replacing
 * an existing one. Returns 0 when stored, 1 when only the scratch holds it (no memory for
 * task storage), -1 on failure. Global: verified once per program. */
__noinline int fw_task_load(__u32 flags)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fw_paths *w = fw_paths_get();
	struct fw_task *t = fw_task_scratch_get(), *te;
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	struct file *exe = BPF_CORE_READ(mm, exe_file);
	__u32 res, len, off;

	if (!w || !t)
		return -1;
	t->flags = flags & ~(FW_TASK_UNRESOLVED | FW_TASK_CMD_UNREAD | FW_EV_CMD_CUT);
	t->exe_file = (__u64)exe;
	t->exe_len = 0;
	t->subj.table = 0;
	if (exe) {
		res = fw_resolve(FW_BUF_EXE, (__u64)BPF_CORE_READ(exe, f_path.mnt),
				 (__u64)BPF_CORE_READ(exe, f_path.dentry));
		if (res == FW_W_TRUNCATED)
			t->flags |= FW_EV_TRUNCATED;
		else if (res > FW_W_INTERNAL)
			t->flags |= FW_EV_UNRESOLVED;
		off = w->ps[FW_BUF_EXE].off;
		len = w->ps[FW_BUF_EXE].len;
		if (off <= FW_PATH_MAX && len <= FW_PATH_MAX - off) {
			len = fw_bnd(len, FW_PATH_MAX);
			bpf_probe_read_kernel(t->exe, len, &w->buf[FW_BUF_EXE][fw_bnd(off, FW_PATH_MAX - 1)]);
			t->exe_len = len;
		}
	}
	fw_read_cmd(t, mm);

	te = bpf_task_storage_get(&fw_tasks, task, t, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!te)
		return 1;
	/* an existing entry (exec, retry) is overwritten; a new one already holds t */
	bpf_probe_read_kernel(te, sizeof(*te), t);
	return 0;
}

/* The first sight of a task without an entry: a copy of its group leader's or parent's entry
 * when that one describes the same image, else its own mm read by fw_task_load. Same return
 * values as fw_task_load. */
__noinline int fw_task_first(void)
{
	struct task_struct *task = bpf_get_current_task_btf(), *other;
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	__u64 exe = (__u64)BPF_CORE_READ(mm, exe_file), args = BPF_CORE_READ(mm, arg_start);
	struct fw_task *src, *te;

	other = task->group_leader;
	if (other && other != task) {
		src = bpf_task_storage_get(&fw_tasks, other, 0, 0);
		if (src && src->exe_file == exe && src->arg_start == args &&
		    !(src->flags & FW_TASK_CMD_UNREAD)) {
			te = bpf_task_storage_get(&fw_tasks, task, src, BPF_LOCAL_STORAGE_GET_F_CREATE);
			if (te)
				return 0;
		}
	}
	other = task->real_parent;
	if (other) {
		src = bpf_task_storage_get(&fw_tasks, other, 0, 0);
		if (src && src->exe_file == exe && src->arg_start == args &&
		    !(src->flags & FW_TASK_CMD_UNREAD)) {
			te = bpf_task_storage_get(&fw_tasks, task, src, BPF_LOCAL_STORAGE_GET_F_CREATE);
			if (te)
				return 0;
		}
	}
	return fw_task_load(FW_EV_FIRST_SIGHT);
}

#endif
