// SPDX-License-Identifier: GPL-2.0
/* The evaluator behind BPF_PROG_TEST_RUN: one struct fw_query in, the decision out.
 * Runs the same fw_compute_subject and fw_decide as the LSM programs, so the host
 * kernel (which refuses LSM programs) can test them. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "filewall.h"
#include "eval.h"

char LICENSE[] SEC("license") = "GPL";

/* Unused by the code, which reads tables by word offset: declared so that the header and group
 * layouts are in this object's BTF, where LayoutsBtfTest checks the Java mirror against them. */
struct fw_table_hdr fw_btf_table_hdr;
struct fw_group fw_btf_group;

/* Every string buffer is FW_PATH_MAX bytes, cmd included (see eval.h). */
struct fw_harness_scratch {
	char exe[FW_PATH_MAX];
	char cmd[FW_PATH_MAX];
	char path[FW_PATH_MAX];
	char path2[FW_PATH_MAX];
	/* here rather than on this frame's stack, which the call chain below it needs */
	struct fw_decision d;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct fw_harness_scratch);
	__uint(max_entries, 1);
} fw_harness_scratch SEC(".maps");

/* The subject of the last fw_harness query, kept for fw_decide_only: what an LSM program has
 * in task storage. One entry, not per CPU: a caller may move between CPUs between the calls. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct fw_subject);
	__uint(max_entries, 1);
} fw_harness_subject SEC(".maps");

/* v (already checked <= max) with the bound made visible to the verifier in the very
 * register that is used next: 6.1 loses a bound checked on one register once clang
 * reloads the value from a stack spill. */
#define fw_bound(v, max) ({						\
	__u32 __b = (v);						\
	asm volatile("if %0 <= %1 goto +1; %0 = 0" : "+r"(__b) : "i"(max)); \
	__b;								\
})

static __always_inline int fw_harness_run(struct fw_query *q, bool subject)
{
	__u32 zero = 0, exe_len = q->exe_len, cmd_len = q->cmd_len;
	__u32 path_len = q->path_len, path2_len = q->path2_len;
	struct fw_harness_scratch *sc = bpf_map_lookup_elem(&fw_harness_scratch, &zero);
	struct fw_subject *subj = bpf_map_lookup_elem(&fw_harness_subject, &zero);
	struct fw_req req;
	struct fw_decision *d;

	if (!sc || !subj)
		return 0;
	d = &sc->d;
	/* The ctx allows only constant offsets; the helper copies the variable lengths. */
	if (exe_len > FW_PATH_MAX || cmd_len > FW_CMD_MAX || path_len > FW_PATH_MAX ||
	    path2_len > FW_PATH_MAX)
		goto too_long;
	bpf_probe_read_kernel(sc->path, fw_bound(path_len, FW_PATH_MAX), q->path);
	bpf_probe_read_kernel(sc->path2, fw_bound(path2_len, FW_PATH_MAX), q->path2);

	/* A table published between the two calls makes the subject stale: the decision
	 * then says FW_ERR_STALE and the caller runs the query again. */
	if (subject) {
		bpf_probe_read_kernel(sc->exe, fw_bound(exe_len, FW_PATH_MAX), q->exe);
		bpf_probe_read_kernel(sc->cmd, fw_bound(cmd_len, FW_CMD_MAX), q->cmd);
		if (fw_compute_subject(subj, sc->exe, exe_len, sc->cmd, cmd_len)) {
			fw_fail(d, subj->error);
			d->generation = 0;
			goto out;
		}
	}
	req.subj = subj;
	req.path = sc->path;
	req.path2 = sc->path2;
	req.uid = q->uid;
	req.op = q->op;
	req.path_off = 0;
	req.path_len = path_len;
	req.path2_off = 0;
	req.path2_len = path2_len;
	fw_decide(&req, d);
	goto out;
too_long:
	fw_fail(d, FW_ERR_TOO_LONG);
	d->generation = 0;
out:
	q->rule = d->rule;
	q->action = d->action;
	q->generation = d->generation;
	q->error = d->error;
	return 0;
}

SEC("syscall")
int fw_harness(struct fw_query *q)
{
	return fw_harness_run(q, true);
}

/* The per-operation cost alone: decides q's paths with the subject of the last fw_harness
 * query (its exe and cmdline are ignored), as an LSM program does with a task's cached one. */
SEC("syscall")
int fw_decide_only(struct fw_query *q)
{
	return fw_harness_run(q, false);
}
