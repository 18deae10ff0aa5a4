/* SPDX-License-Identifier: GPL-2.0 */
/* Compiles, but the verifier must refuse it: BpfObjectTest expects its log. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH); /* an ARRAY lookup with a constant key cannot be NULL */
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} values SEC(".maps");

SEC("syscall")
int deref_unchecked(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&values, &key);

	return *v; /* no NULL check */
}
