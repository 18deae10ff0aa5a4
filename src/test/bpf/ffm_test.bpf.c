/* SPDX-License-Identifier: GPL-2.0 */
/* Exercises dev.filewall.bpf on a kernel without LSM: maps, test_run of SEC("syscall")
 * programs, the ring buffer, and a raw tracepoint link to pin. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "event.h"

char LICENSE[] SEC("license") = "GPL";

/* The context of both syscall programs, shared with FfmTestObject.java. */
struct ffm_ctx {
	__u32 key;         /* in: key looked up in array and hash */
	__u32 count;       /* in: records emit() submits */
	__u64 tag;         /* in: copied into every record */
	__u64 array_value; /* out: array[key], 0 when absent */
	__u64 hash_value;  /* out: hash[key], 0 when absent */
	__u32 submitted;   /* out: records emit() submitted */
	__u32 dropped;     /* out: records emit() could not reserve */
};

struct ffm_event {
	__u32 seq;
	__u32 key;
	__u64 tag;
	__u8 fill[48];     /* 64 bytes, 72 with the ring buffer's header */
};

/* fw_flood's twin (bpf/flood.h): FloodSweeperTest plays the kernel's part from user space */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__type(key, struct fw_flood_key);
	__type(value, struct fw_flood);
} flood SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

/* No batch update in the kernel: exercises BpfMap.updateBatch's fallback. Values: program fds. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} progs SEC(".maps");

/* BpfMap refuses it: a lookup writes one value per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} percpu SEC(".maps");

/* 4096 bytes hold 56 records; the tests enlarge it with setMaxEntries when they want more. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

/* [0]: reservations that failed because the ring buffer was full, over all runs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* [0]: the tgid count_syscalls counts, [1]: its count. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} tp_state SEC(".maps");

SEC("syscall")
int probe(struct ffm_ctx *ctx)
{
	__u32 key = ctx->key;
	int found = 0;
	__u64 *v;

	v = bpf_map_lookup_elem(&array, &key);
	ctx->array_value = v ? *v : 0;
	found |= v ? 1 : 0;
	v = bpf_map_lookup_elem(&hash, &key);
	ctx->hash_value = v ? *v : 0;
	found |= v ? 2 : 0;
	return found;
}

/* bpf_loop's context must live on the stack, not in ctx. */
struct emit_state {
	__u64 tag;
	__u32 key;
	__u32 submitted;
	__u32 dropped;
};

static long emit_one(__u32 i, struct emit_state *st)
{
	struct ffm_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	__u32 zero = 0;
	__u64 *d;

	if (!e) {
		d = bpf_map_lookup_elem(&drops, &zero);
		if (d)
			__sync_fetch_and_add(d, 1);
		st->dropped++;
		return 0;
	}
	e->seq = i;
	e->key = st->key;
	e->tag = st->tag;
	__builtin_memset(e->fill, 0xab, sizeof(e->fill));
	bpf_ringbuf_submit(e, 0);
	st->submitted++;
	return 0;
}

SEC("syscall")
int emit(struct ffm_ctx *ctx)
{
	struct emit_state st = { .tag = ctx->tag, .key = ctx->key };

	bpf_loop(ctx->count, emit_one, &st, 0);
	ctx->submitted = st.submitted;
	ctx->dropped = st.dropped;
	return st.submitted;
}

SEC("raw_tp/sys_enter")
int count_syscalls(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&tp_state, &key);

	if (!v || *v != bpf_get_current_pid_tgid() >> 32)
		return 0;
	key = 1;
	v = bpf_map_lookup_elem(&tp_state, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}
