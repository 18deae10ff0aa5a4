// SPDX-License-Identifier: GPL-2.0
/* fsbench: the cost of the file operations filewall judges, one syscall pattern at a time.
 *
 *   fsbench [-n ITERS] [-b BATCHES] [-t TAG] DIR [OP...]
 *
 * Works in DIR/data (created), runs each OP (default: all) ITERS times split into BATCHES
 * timed batches after a warm-up of ITERS/10, and prints one line per OP:
 *
 *   fsbench tag=TAG op=OP iters=N ns=MEDIAN min=MIN max=MAX
 *
 * ns is the median over the batches of the time per iteration (CLOCK_MONOTONIC), min and max
 * the fastest and slowest batch. In a TCG guest the clock is the host's, so a batch during which
 * the host ran something else is slower, never faster: min is the figure that noise disturbs
 * least. Any failed syscall ends the run with exit 1 and names the call: a rule that denies
 * what the benchmark does is a broken setup, not a result.
 * Static build: an exec of a static binary is much cheaper in the TCG guest. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[4096], file[4200], tmp[4200], ren_a[4200], ren_b[4200], sub[4200];
static long iters = 20000;
static int batches = 20;
static const char *tag = "-";

static void die(const char *call, const char *path)
{
	fprintf(stderr, "fsbench: %s %s: %s\n", call, path, strerror(errno));
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* One iteration of each operation; i lets rename and chmod alternate. */
static void op_open_read(long i)
{
	int fd = open(file, O_RDONLY);

	(void)i;
	if (fd < 0)
		die("open(O_RDONLY)", file);
	close(fd);
}

static void op_open_write(long i)
{
	int fd = open(file, O_WRONLY);

	(void)i;
	if (fd < 0)
		die("open(O_WRONLY)", file);
	close(fd);
}

static void op_create_unlink(long i)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);

	(void)i;
	if (fd < 0)
		die("open(O_CREAT)", tmp);
	close(fd);
	if (unlink(tmp))
		die("unlink", tmp);
}

static void op_mkdir_rmdir(long i)
{
	(void)i;
	if (mkdir(sub, 0755))
		die("mkdir", sub);
	if (rmdir(sub))
		die("rmdir", sub);
}

static void op_rename(long i)
{
	const char *from = i & 1 ? ren_b : ren_a, *to = i & 1 ? ren_a : ren_b;

	if (rename(from, to))
		die("rename", from);
}

static void op_chmod(long i)
{
	if (chmod(file, i & 1 ? 0600 : 0644))
		die("chmod", file);
}

static void op_stat(long i)
{
	struct stat st;

	(void)i;
	if (stat(file, &st))
		die("stat", file);
}

static const struct {
	const char *name;
	void (*fn)(long);
} ops[] = {
	{ "open_read", op_open_read },	   { "open_write", op_open_write }, { "create_unlink", op_create_unlink },
	{ "mkdir_rmdir", op_mkdir_rmdir }, { "rename", op_rename },	    { "chmod", op_chmod },
	{ "stat", op_stat },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void run(unsigned k)
{
	long per = iters / batches, i, n = 0;
	double t[64];

	for (i = 0; i < iters / 10; i++)
		ops[k].fn(n++);
	for (int b = 0; b < batches; b++) {
		double t0 = now_ns();

		for (i = 0; i < per; i++)
			ops[k].fn(n++);
		t[b] = (now_ns() - t0) / per;
	}
	/* rename alternates: leave the name where the next run expects it */
	if (ops[k].fn == op_rename && (n & 1))
		op_rename(n);
	qsort(t, batches, sizeof(t[0]), cmp_double);
	printf("fsbench tag=%s op=%s iters=%ld ns=%.1f min=%.1f max=%.1f\n", tag, ops[k].name, per * batches,
	       batches & 1 ? t[batches / 2] : (t[batches / 2 - 1] + t[batches / 2]) / 2, t[0], t[batches - 1]);
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: fsbench [-n ITERS] [-b BATCHES] [-t TAG] DIR [OP...]\nOPs:");
	for (unsigned k = 0; k < NOPS; k++)
		fprintf(stderr, " %s", ops[k].name);
	fprintf(stderr, "\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int c, fd;

	while ((c = getopt(argc, argv, "n:b:t:")) != -1) {
		switch (c) {
		case 'n': iters = atol(optarg); break;
		case 'b': batches = atoi(optarg); break;
		case 't': tag = optarg; break;
		default: usage();
		}
	}
	if (optind >= argc || iters < 1 || batches < 1 || batches > 64 || iters < batches)
		usage();
	if (snprintf(dir, sizeof(dir), "%s/data", argv[optind]) >= (int)sizeof(dir))
		usage();
	snprintf(file, sizeof(file), "%s/file.txt", dir);
	snprintf(tmp, sizeof(tmp), "%s/new.txt", dir);
	snprintf(ren_a, sizeof(ren_a), "%s/old-name.txt", dir);
	snprintf(ren_b, sizeof(ren_b), "%s/new-name.txt", dir);
	snprintf(sub, sizeof(sub), "%s/subdir", dir);
	if (mkdir(dir, 0755) && errno != EEXIST)
		die("mkdir", dir);
	unlink(tmp);
	rmdir(sub);
	unlink(ren_b);
	if ((fd = open(file, O_WRONLY | O_CREAT, 0644)) < 0)
		die("open(O_CREAT)", file);
	close(fd);
	if ((fd = open(ren_a, O_WRONLY | O_CREAT, 0644)) < 0)
		die("open(O_CREAT)", ren_a);
	close(fd);

	if (optind + 1 == argc) {
		for (unsigned k = 0; k < NOPS; k++)
			run(k);
		return 0;
	}
	for (int a = optind + 1; a < argc; a++) {
		unsigned k;

		for (k = 0; k < NOPS && strcmp(ops[k].name, argv[a]); k++)
			;
		if (k == NOPS)
			usage();
		run(k);
	}
	return 0;
}
