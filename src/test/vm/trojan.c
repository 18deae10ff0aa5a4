/* The iLocker case's trojan, harmless and bounded: it copies its own program file to
 * /usr/bin/<random>, /tmp/<random> and /usr/lib/libudev.so, and if a copy succeeds it runs
 * that copy (at most 3 generations deep) and exits. Used by the VM tests and `make demo`,
 * only ever inside the guest. `trojan [GENERATION [ATTEMPTS]]`: like the real one it keeps
 * trying, ATTEMPTS times per destination (default 1), stopping at the first success. It prints
 * one line per destination: "copy DEST: ok|ERRNO", or "copy DEST xN: ..." after N attempts. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int copy_self(const char *dest)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY);
	if (in < 0)
		return errno;
	int out = open(dest, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (out < 0) {
		int e = errno;
		close(in);
		return e;
	}
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			break;
	close(in);
	close(out);
	return n < 0 ? errno : 0;
}

static void random_name(char *out, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		out[i] = 'a' + rand() % 26;
	out[len - 1] = 0;
}

int main(int argc, char **argv)
{
	int generation = argc > 1 ? atoi(argv[1]) : 0;
	int attempts = argc > 2 ? atoi(argv[2]) : 1;
	char name[11], bin[64], tmp[64];
	srand(time(NULL) ^ getpid());
	random_name(name, sizeof(name));
	snprintf(bin, sizeof(bin), "/usr/bin/%s", name);
	random_name(name, sizeof(name));
	snprintf(tmp, sizeof(tmp), "/tmp/%s", name);
	const char *dests[] = {bin, tmp, "/usr/lib/libudev.so"};
	const char *copied = NULL;
	for (int i = 0; i < 3; i++) {
		int e, n = 0;
		do
			e = copy_self(dests[i]);
		while (e && ++n < attempts);
		if (attempts > 1)
			printf("trojan[%d] pid %d copy %s x%d: %s\n", generation, getpid(), dests[i], e ? n : n + 1,
			       e ? strerrorname_np(e) : "ok");
		else
			printf("trojan[%d] pid %d copy %s: %s\n", generation, getpid(), dests[i], e ? strerrorname_np(e) : "ok");
		if (!e && !copied)
			copied = dests[i];
	}
	fflush(stdout);
	if (copied && generation < 3) {
		char next[12];
		snprintf(next, sizeof(next), "%d", generation + 1);
		execl(copied, copied, next, (char *)NULL);
		printf("trojan[%d] exec %s: %s\n", generation, copied, strerrorname_np(errno));
	}
	return copied ? 0 : 1;
}
