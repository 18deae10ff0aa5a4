/* SPDX-License-Identifier: GPL-2.0 */
/* Events to the daemon (bpf/event.h) and the counters it scrapes (bpf/config.h).
 * Include after config.h, event.h and path.h. */
#ifndef FW_EMIT_H
#define FW_EMIT_H

/* max_entries is the default size; the daemon sets its own with bpf_map__set_max_entries. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} fw_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct fw_counters);
	__uint(max_entries, 1);
} fw_counters SEC(".maps");

/* Largest strings of one event: exe, cmd, path, path2. */
#define FW_EV_DATA_MAX (3 * FW_PATH_MAX + FW_CMD_MAX)

/* One event assembled before bpf_ringbuf_output copies it: a variable-size record, which
 * bpf_ringbuf_reserve (constant size) cannot make without reserving the maximum each time. */
struct fw_evbuf {
	struct fw_event ev;
	char data[FW_EV_DATA_MAX];
	/* Never written at run time: room for the verifier, which cannot relate a string's
	 * offset to the lengths before it. */
	char slack[FW_PATH_MAX];
	/* set by the caller of fw_emit with the decision fields of ev: the task's strings (in task
	 * storage, or fw_task_scratch when none could be allocated) */
	__u64 exe_src;
	__u64 cmd_src;
	__u32 exe_len;
	__u32 cmd_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct fw_evbuf);
	__uint(max_entries, 1);
} fw_evbuf SEC(".maps");

static __always_inline struct fw_evbuf *fw_evbuf_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fw_evbuf, &zero);
}

static __always_inline struct fw_counters *fw_counters_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fw_counters, &zero);
}

/* Appends src[0 .. len) at data[*off]; len <= max. */
static __always_inline void fw_ev_put(struct fw_evbuf *e, __u32 *off, __u64 src, __u32 len,
				      __u32 max)
{
	__u32 o = *off;

	if (len > max || o > FW_EV_DATA_MAX - max)
		return;
	len = fw_bnd(len, FW_PATH_MAX);
	o = fw_bnd(o, FW_EV_DATA_MAX - FW_CMD_MAX);
	if (len && bpf_probe_read_kernel(&e->data[o], len, (const void *)src))
		return;
	*off = o + len;
}

/* Sends the event whose decision fields (op, rule, action, flags, generation) and string
 * sources (and the flood fields) the caller put into fw_evbuf: completes the header from the current task, appends
 * the strings (exe, cmd, then the operation's npaths paths from fw_paths) and outputs it.
 * Returns 0, or -1 when the ring buffer was full (counted in events_dropped).
 * Global: verified once per program. */
__noinline int fw_emit(__u32 npaths)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fw_paths *w = fw_paths_get();
	struct fw_counters *cnt = fw_counters_get();
	struct fw_evbuf *e = fw_evbuf_get();
	struct fw_event *ev;
	__u32 off = 0, o, n, size;

	if (!e || !w || !cnt)
		return -1;
	ev = &e->ev;
	ev->time_ns = bpf_ktime_get_boot_ns();
	ev->uid = BPF_CORE_READ(task, cred, fsuid.val);
	ev->pid = task->tgid;
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);

	fw_ev_put(e, &off, e->exe_src, e->exe_len, FW_PATH_MAX);
	ev->exe_len = off;
	fw_ev_put(e, &off, e->cmd_src, e->cmd_len, FW_CMD_MAX);
	ev->cmd_len = off - ev->exe_len;
	o = w->ps[FW_BUF_PATH].off;
	n = w->ps[FW_BUF_PATH].len;
	size = off;
	if (o <= FW_PATH_MAX && n <= FW_PATH_MAX - o)
		fw_ev_put(e, &off, (__u64)&w->buf[FW_BUF_PATH][fw_bnd(o, FW_PATH_MAX - 1)], n,
			  FW_PATH_MAX);
	ev->path_len = off - size;
	size = off;
	if (npaths > 1) {
		o = w->ps[FW_BUF_PATH2].off;
		n = w->ps[FW_BUF_PATH2].len;
		if (o <= FW_PATH_MAX && n <= FW_PATH_MAX - o)
			fw_ev_put(e, &off, (__u64)&w->buf[FW_BUF_PATH2][fw_bnd(o, FW_PATH_MAX - 1)],
				  n, FW_PATH_MAX);
	}
	ev->path2_len = off - size;

	size = fw_bnd(sizeof(struct fw_event) + off, sizeof(struct fw_event) + FW_EV_DATA_MAX);
	if (bpf_ringbuf_output(&fw_events, e, size, 0)) {
		cnt->events_dropped++;
		return -1;
	}
	cnt->events++;
	return 0;
}

#endif
