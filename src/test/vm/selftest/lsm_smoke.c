// Loader for lsm_smoke.bpf.c (usage: lsm_smoke [DIR]): load + attach, open(marker) must fail with EPERM while an
// unrelated file still opens, detach, open(marker) must succeed. Exit 0 = enforcement works.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "lsm_smoke.skel.h"

#define MARKER "filewall-vm-smoke.marker"

static int try_open(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int fail(const char *what, int err)
{
	printf("vm-selftest: FAIL: %s (%s)\n", what, err ? strerror(err) : "no error");
	return 1;
}

int main(int argc, char **argv)
{
	char dir[128], marker[192], other[192];
	struct utsname u;
	int err;

	uname(&u);
	/* optional: where to put the test files (default /tmp, a tmpfs in the guest) */
	snprintf(dir, sizeof(dir), "%s/vm-smoke.XXXXXX", argc > 1 ? argv[1] : "/tmp");
	if (!mkdtemp(dir))
		return fail("mkdtemp", errno);
	snprintf(marker, sizeof(marker), "%s/%s", dir, MARKER);
	snprintf(other, sizeof(other), "%s/other", dir);
	for (const char *p = marker; p; p = p == marker ? other : NULL) {
		int fd = open(p, O_CREAT | O_WRONLY, 0644);   /* before attach: creating opens too */
		if (fd < 0)
			return fail("create test file", errno);
		close(fd);
	}

	struct lsm_smoke_bpf *skel = lsm_smoke_bpf__open();
	if (!skel)
		return fail("open BPF object", errno);
	strncpy((char *)skel->rodata->marker, MARKER, sizeof(skel->rodata->marker) - 1);
	if ((err = lsm_smoke_bpf__load(skel)))
		return fail("load (verifier)", -err);
	if ((err = lsm_smoke_bpf__attach(skel)))
		return fail("attach lsm/file_open", -err);

	int attached = try_open(marker), unrelated = try_open(other);
	__u64 denied = skel->bss->denied;
	lsm_smoke_bpf__destroy(skel);   /* detaches */
	int detached = try_open(marker);

	if (attached != EPERM)
		return fail("open(marker) while attached should be EPERM", attached);
	if (unrelated)
		return fail("open(other file) while attached should succeed", unrelated);
	if (denied < 1)
		return fail("program did not count its denial", 0);
	if (detached)
		return fail("open(marker) after detach should succeed", detached);
	printf("vm-selftest: PASS on %s: open(%s) EPERM while attached (hook denied %llu open(s)), "
	       "other file ok, ok after detach\n", u.release, marker, (unsigned long long)denied);
	unlink(marker);
	unlink(other);
	rmdir(dir);
	return 0;
}
