/* SPDX-License-Identifier: GPL-2.0 */
/* Flood control: an event identical to one sent less than fw_config.flood_window_ns ago (same
 * process, rule, operation, action and paths) is counted in fw_flood instead of sent, so a
 * program retrying a million times costs one hash and one map update per attempt, and the log
 * one line per window. The next event sent for the key carries the count (fw_event.repeats);
 * the daemon collects the count of a flood that stopped (dev.filewall.events.FloodSweeper).
 * Include after emit.h. */
#ifndef FW_FLOOD_H
#define FW_FLOOD_H

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct fw_flood_key);
	__type(value, struct fw_flood);
	__uint(max_entries, 16384);
} fw_flood SEC(".maps");

struct fw_hash_ctx {
	__u64 src;
	__u64 h;
	__u32 len;
};

/* FNV-1a over 8-byte words: one step per word keeps a 4 KiB path at 512 steps */
static long fw_hash_step(__u64 i, void *arg)
{
	struct fw_hash_ctx *c = arg;
	__u64 word = 0;
	__u32 off = i * 8, n;

	if (off >= c->len)
		return 1;
	n = c->len - off;
	n = n > 8 ? 8 : n;
	if (bpf_probe_read_kernel(&word, n & 15, (const void *)(c->src + off)))
		return 1;
	c->h = (c->h ^ word) * 0x100000001b3ULL;
	return 0;
}

static __always_inline __u64 fw_hash(__u64 h, __u64 src, __u32 len)
{
	struct fw_hash_ctx c = { .src = src, .h = h ^ len, .len = len };

	bpf_loop(FW_PATH_MAX / 8, fw_hash_step, &c, 0);
	return c.h;
}

/* The flood key of the event in fw_evbuf (decision fields set), hashing its npaths paths. */
static __always_inline int fw_flood_key(struct fw_flood_key *k, __u32 npaths)
{
	struct fw_paths *w = fw_paths_get();
	struct fw_evbuf *e = fw_evbuf_get();
	__u64 h = 0xcbf29ce484222325ULL;
	__u32 i, o, n;

	if (!w || !e)
		return -1;
	for (i = 0; i < 2 && i < npaths; i++) {
		o = w->ps[i].off;
		n = w->ps[i].len;
		if (o > FW_PATH_MAX || n > FW_PATH_MAX - o)
			return -1;
		h = fw_hash(h, (__u64)&w->buf[i][fw_bnd(o, FW_PATH_MAX - 1)], n);
	}
	k->hash = h;
	k->tgid = bpf_get_current_pid_tgid() >> 32;
	k->rule = e->ev.rule;
	k->op = e->ev.op;
	k->action = e->ev.action;
	return 0;
}

/* Returns 1 when the event in fw_evbuf repeats one sent less than window ns ago: it is counted,
 * not sent. Otherwise 0, with ev.flood_hash set and ev.repeats the attempts folded since the
 * key's last event. Global: verified once per program. */
__noinline int fw_flood_fold(__u32 npaths, __u64 window)
{
	struct fw_flood_key k = {};
	struct fw_flood *v, nv = {};
	struct fw_evbuf *e;
	__u64 now = bpf_ktime_get_boot_ns(), n;

	if (fw_flood_key(&k, npaths))
		return 0;
	e = fw_evbuf_get();
	if (!e)
		return 0;
	e->ev.flood_hash = k.hash;
	e->ev.repeats = 0;
	v = bpf_map_lookup_elem(&fw_flood, &k);
	if (v && now - v->sent_ns < window) {
		__sync_fetch_and_add(&v->count, 1);
		v->last_ns = now;
		return 1;
	}
	if (v) {
		n = __sync_lock_test_and_set(&v->count, 0);
		e->ev.repeats = n > 0xffffffffULL ? 0xffffffffU : n;
		v->sent_ns = now;
		v->last_ns = now;
	} else {
		nv.sent_ns = now;
		nv.last_ns = now;
		bpf_map_update_elem(&fw_flood, &k, &nv, BPF_ANY);
	}
	return 0;
}

/* The event could not be sent (ring buffer full): give its folded count back to the key. */
__noinline int fw_flood_unfold(__u32 npaths)
{
	struct fw_flood_key k = {};
	struct fw_evbuf *e = fw_evbuf_get();
	struct fw_flood *v;

	if (!e || !e->ev.repeats || fw_flood_key(&k, npaths))
		return 0;
	v = bpf_map_lookup_elem(&fw_flood, &k);
	if (v)
		__sync_fetch_and_add(&v->count, e->ev.repeats);
	return 0;
}

#endif
