// SPDX-License-Identifier: GPL-2.0
/* The host bench's event producer (dev.filewall.events.PipelineBench): a SEC("syscall")
 * program, run with BPF_PROG_TEST_RUN, that writes `count` deny events into a ring buffer laid
 * out as the LSM programs' fw_events: struct fw_event (bpf/event.h) followed by the strings of
 * the seed's log line `CREATE,0,14840,/usr/bin/irjsypzavm,/usr/lib/libudev.so,,deny`. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "filewall.h"
#include "event.h"

char LICENSE[] SEC("license") = "GPL";

/* max_entries is set by the bench (bpf_map__set_max_entries) for each ring size it tries */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} fw_events SEC(".maps");

#define EXE "/usr/bin/irjsypzavm"
#define CMD "irjsypzavm"
#define PATH "/usr/lib/libudev.so"
#define SLEN(s) (sizeof(s) - 1)

struct bench_record {
	struct fw_event ev;
	char exe[SLEN(EXE)];
	char cmd[SLEN(CMD)];
	char path[SLEN(PATH)];
};

/* The test run's context, mirrored in PipelineBench.CTX. */
struct bench_ctx {
	__u32 count;     /* in: events to write */
	__u32 submitted; /* out */
	__u32 dropped;   /* out: reservations refused because the ring buffer was full */
};

/* bpf_loop's context must live on the stack, not in ctx. */
struct bench_state {
	__u32 submitted;
	__u32 dropped;
};

static long emit_one(__u32 i, struct bench_state *st)
{
	struct bench_record *r = bpf_ringbuf_reserve(&fw_events, sizeof(*r), 0);

	if (!r) {
		st->dropped++;
		return 0;
	}
	r->ev.time_ns = bpf_ktime_get_boot_ns();
	r->ev.op = FW_OP_CREATE;
	r->ev.uid = 0;
	r->ev.pid = 14840 + (i & 1023);
	r->ev.tid = r->ev.pid;
	r->ev.ppid = 1;
	r->ev.rule = 2;
	r->ev.action = FW_ACT_DENY;
	r->ev.flags = 0;
	r->ev.generation = 1;
	r->ev.repeats = 0;
	r->ev.exe_len = SLEN(EXE);
	r->ev.cmd_len = SLEN(CMD);
	r->ev.path_len = SLEN(PATH);
	r->ev.path2_len = 0;
	__builtin_memcpy(r->exe, EXE, SLEN(EXE));
	__builtin_memcpy(r->cmd, CMD, SLEN(CMD));
	__builtin_memcpy(r->path, PATH, SLEN(PATH));
	bpf_ringbuf_submit(r, 0);
	st->submitted++;
	return 0;
}

SEC("syscall")
int bench_emit(struct bench_ctx *ctx)
{
	struct bench_state st = {};

	bpf_loop(ctx->count, emit_one, &st, 0);
	ctx->submitted = st.submitted;
	ctx->dropped = st.dropped;
	return 0;
}
