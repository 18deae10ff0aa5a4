// SPDX-License-Identifier: GPL-2.0
/* fwops OP PATH [ARG]: performs ONE file operation, so that a VM test can check what filewall
 * decided from the outcome alone. Prints "ok" or the errno name of the step that failed
 * (e.g. "EPERM"; the step goes to stderr) and exits 0 (ok), 1 (EPERM), 2 (other errno),
 * 64 (usage). Arguments follow the syscalls' order. Build: see the usage text. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static const char *usage_text =
	"usage: fwops [-x] [-w] [-C DIR] [-n N] OP PATH [ARG]\n"
	"  -x        PATH and ARG are escaped: \\xHH is that byte, \\\\ a backslash (non-UTF-8 names)\n"
	"  -w        wait for a line on stdin first (a process that predates the daemon)\n"
	"  -C DIR    enter DIR one component at a time first, so DIR may exceed PATH_MAX\n"
	"  -n N      perform OP N times (a flood); prints the last outcome\n"
	"  open-read PATH | open-write PATH | open-rdwr PATH   open(2) with that access\n"
	"  open-trunc PATH          open(O_WRONLY|O_TRUNC)\n"
	"  create PATH              open(O_CREAT|O_EXCL|O_WRONLY, 0644)\n"
	"  mkdir PATH | rmdir PATH | unlink PATH\n"
	"  rename OLD NEW | rename-exchange A B (renameat2 RENAME_EXCHANGE)\n"
	"  link OLD NEW | symlink TARGET LINKPATH\n"
	"  truncate PATH            truncate(PATH, 0)\n"
	"  ftruncate PATH           open(O_WRONLY), then ftruncate(fd, 0)\n"
	"  chmod PATH [OCTAL]       default 0640\n"
	"  chown PATH               chown to the caller's euid:egid\n"
	"  utimes PATH              utimensat(PATH, NULL): the times to now\n"
	"  setxattr PATH [NAME]     NAME=\"1\"; default trusted.fwtest\n"
	"  removexattr PATH [NAME]  default trusted.fwtest\n"
	"  exec PATH [ARG]          fork, execve(PATH, {PATH, ARG}); ok once execve succeeded\n"
	"  mknod-fifo PATH          mknod(PATH, S_IFIFO|0644)\n"
	"  tmpfile-link DIR NEWPATH open(DIR, O_TMPFILE|O_WRONLY), then linkat(AT_EMPTY_PATH) as NEWPATH\n"
	"  mkdirs PATH              mkdir each missing component, entering each: PATH may exceed PATH_MAX\n"
	"prints ok or the errno name; exit 0 ok, 1 EPERM, 2 other errno, 64 usage\n"
	"build: gcc -O2 -Wall -Werror -o target/vm/fwops src/test/vm/fwops.c\n";

static const char *errname(int e)
{
	static char buf[16];

	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case EXDEV: return "EXDEV";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENODATA: return "ENODATA";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOEXEC: return "ENOEXEC";
	case ETXTBSY: return "ETXTBSY";
	case EROFS: return "EROFS";
	case ELOOP: return "ELOOP";
	case EBADF: return "EBADF";
	}
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static int quiet;

static int result(const char *step, int rc)
{
	int e = errno;

	if (quiet)
		return rc >= 0 ? 0 : e == EPERM ? 1 : 2;
	if (rc >= 0) {
		puts("ok");
		return 0;
	}
	fprintf(stderr, "fwops: %s: %s\n", step, strerror(e));
	puts(errname(e));
	return e == EPERM ? 1 : 2;
}

static int open_close(const char *path, int flags, mode_t mode)
{
	int fd = open(path, flags, mode);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* fork + execve; the child reports a failed execve through a close-on-exec pipe */
static int do_exec(const char *path, const char *arg)
{
	char *argv[] = { (char *)path, (char *)arg, NULL };
	int p[2], err = 0, status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return result("pipe2", -1);
	pid = fork();
	if (pid < 0)
		return result("fork", -1);
	if (pid == 0) {
		close(p[0]);
		execv(path, argv);
		err = errno;
		if (write(p[1], &err, sizeof(err)) != sizeof(err))
			_exit(126);
		_exit(127);
	}
	close(p[1]);
	if (read(p[0], &err, sizeof(err)) != sizeof(err))
		err = 0;
	close(p[0]);
	waitpid(pid, &status, 0);
	errno = err;
	return result("execve", err ? -1 : 0);
}

static int do_tmpfile_link(const char *dir, const char *newpath)
{
	char proc[64];
	int fd = open(dir, O_TMPFILE | O_WRONLY, 0600), rc;

	if (fd < 0)
		return result("open(O_TMPFILE)", -1);
	rc = linkat(fd, "", AT_FDCWD, newpath, AT_EMPTY_PATH);
	if (rc < 0 && errno == ENOENT) {
		/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd works for anyone */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		rc = linkat(AT_FDCWD, proc, AT_FDCWD, newpath, AT_SYMLINK_FOLLOW);
	}
	rc = result("linkat", rc);
	close(fd);
	return rc;
}

/* \xHH -> the byte, \\ -> a backslash, in place */
static char *unescape(char *s)
{
	char *r = s, *w = s;
	unsigned int b;

	while (*r) {
		if (r[0] == '\\' && r[1] == 'x' && sscanf(r + 2, "%2x", &b) == 1) {
			*w++ = (char)b;
			r += 4;
		} else if (r[0] == '\\' && r[1] == '\\') {
			*w++ = '\\';
			r += 2;
		} else {
			*w++ = *r++;
		}
	}
	*w = 0;
	return s;
}

/* chdir along path one component at a time, creating the missing ones if create */
static int walk(char *path, int create)
{
	char *c, *save = NULL;

	if (path[0] == '/' && chdir("/"))
		return result("chdir", -1);
	for (c = strtok_r(path, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (create && mkdir(c, 0755) && errno != EEXIST)
			return result("mkdir", -1);
		if (chdir(c))
			return result("chdir", -1);
	}
	return -1;
}

static int run(const char *op, const char *path, const char *arg);

int main(int argc, char **argv)
{
	int rc, escaped = 0;
	long times = 1;
	char line[16];

	for (; argc > 1 && argv[1][0] == '-'; argc--, argv++) {
		if (strcmp(argv[1], "-x") == 0) {
			escaped = 1;
		} else if (strcmp(argv[1], "-w") == 0) {
			if (!fgets(line, sizeof(line), stdin))
				return result("read stdin", -1);
		} else if (strcmp(argv[1], "-n") == 0 && argc > 2) {
			times = atol(argv[2]);
			argc--, argv++;
		} else if (strcmp(argv[1], "-C") == 0 && argc > 2) {
			rc = walk(argv[2], 0);
			if (rc >= 0)
				return rc;
			argc--, argv++;
		} else {
			fputs(usage_text, stderr);
			return 64;
		}
	}
	if (escaped)
		for (int i = 2; i < argc; i++)
			unescape(argv[i]);
	if (argc < 3 || argc > 4 || times < 1) {
		fputs(usage_text, stderr);
		return 64;
	}
	/* a flood prints only its last outcome */
	for (quiet = 1; times > 1; times--)
		run(argv[1], argv[2], argc > 3 ? argv[3] : NULL);
	quiet = 0;
	return run(argv[1], argv[2], argc > 3 ? argv[3] : NULL);
}

static int run(const char *op, const char *path, const char *arg)
{
	int fd, rc;

#define IS(name) (strcmp(op, name) == 0)
#define NEED_ARG() do { if (!arg) { fputs(usage_text, stderr); return 64; } } while (0)
	if (IS("open-read"))
		return result("open", open_close(path, O_RDONLY, 0));
	if (IS("open-write"))
		return result("open", open_close(path, O_WRONLY, 0));
	if (IS("open-rdwr"))
		return result("open", open_close(path, O_RDWR, 0));
	if (IS("open-trunc"))
		return result("open", open_close(path, O_WRONLY | O_TRUNC, 0));
	if (IS("create"))
		return result("open", open_close(path, O_CREAT | O_EXCL | O_WRONLY, 0644));
	if (IS("mkdirs")) {
		rc = walk((char *)path, 1);
		return rc >= 0 ? rc : result("mkdirs", 0);
	}
	if (IS("mkdir"))
		return result("mkdir", mkdir(path, 0755));
	if (IS("rmdir"))
		return result("rmdir", rmdir(path));
	if (IS("unlink"))
		return result("unlink", unlink(path));
	if (IS("rename")) {
		NEED_ARG();
		return result("rename", rename(path, arg));
	}
	if (IS("rename-exchange")) {
		NEED_ARG();
		return result("renameat2", (int)syscall(SYS_renameat2, AT_FDCWD, path, AT_FDCWD,
							 arg, RENAME_EXCHANGE));
	}
	if (IS("link")) {
		NEED_ARG();
		return result("link", link(path, arg));
	}
	if (IS("symlink")) {
		NEED_ARG();
		return result("symlink", symlink(path, arg));
	}
	if (IS("truncate"))
		return result("truncate", truncate(path, 0));
	if (IS("ftruncate")) {
		fd = open(path, O_WRONLY);
		if (fd < 0)
			return result("open", -1);
		rc = result("ftruncate", ftruncate(fd, 0));
		close(fd);
		return rc;
	}
	if (IS("chmod"))
		return result("chmod", chmod(path, arg ? (mode_t)strtol(arg, NULL, 8) : 0640));
	if (IS("chown"))
		return result("chown", chown(path, geteuid(), getegid()));
	if (IS("utimes"))
		return result("utimensat", utimensat(AT_FDCWD, path, NULL, 0));
	if (IS("setxattr"))
		return result("setxattr", setxattr(path, arg ? arg : "trusted.fwtest", "1", 1, 0));
	if (IS("removexattr"))
		return result("removexattr", removexattr(path, arg ? arg : "trusted.fwtest"));
	if (IS("exec"))
		return do_exec(path, arg);
	if (IS("mknod-fifo"))
		return result("mknod", mknod(path, S_IFIFO | 0644, 0));
	if (IS("tmpfile-link")) {
		NEED_ARG();
		return do_tmpfile_link(path, arg);
	}
	fprintf(stderr, "fwops: unknown operation %s\n", op);
	fputs(usage_text, stderr);
	return 64;
}
