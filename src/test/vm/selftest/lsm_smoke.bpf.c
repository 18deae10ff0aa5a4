// SPDX-License-Identifier: GPL-2.0
// Smallest proof that a BPF LSM program enforces in the VM: file_open of a file whose
// name equals `marker` (set by the loader before load) fails with EPERM.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define EPERM 1
#define NAME_LEN 64

const volatile char marker[NAME_LEN];
__u64 denied;   /* read by the loader: proves the hook ran, not some other check */

SEC("lsm/file_open")
int BPF_PROG(smoke_file_open, struct file *file, int ret)
{
	char name[NAME_LEN];

	if (ret)
		return ret;   /* an earlier program already denied */
	const unsigned char *p = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	if (bpf_probe_read_kernel_str(name, sizeof(name), p) < 0)
		return 0;
	for (int i = 0; i < NAME_LEN; i++) {
		if (name[i] != marker[i])
			return 0;
		if (!name[i])
			break;
	}
	__sync_fetch_and_add(&denied, 1);
	return -EPERM;
}

char LICENSE[] SEC("license") = "GPL";
