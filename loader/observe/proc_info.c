// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* proc_info.c - see proc_info.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "proc_info.h"

#define CUT_MARK "..."

const char *proc_gone_name(enum proc_gone g)
{
	switch (g) {
	case PROC_PRESENT:
		return NULL;
	case PROC_EXITED:
		return "exited";
	case PROC_PID_REUSED:
		return "pid-reused";
	case PROC_UID_CHANGED:
		return "uid-changed";
	case PROC_NO_PROCESS:
		return "no-process";
	default:
		return "unreadable";
	}
}

const char *proc_mnt_ns_name(enum proc_mnt_ns n)
{
	return n == PROC_MNT_NS_HOST ? "host" : n == PROC_MNT_NS_FOREIGN ? "foreign" : NULL;
}

const char *proc_dev_text(__u64 dev, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u", major((dev_t)dev), minor((dev_t)dev));
	return buf;
}

void proc_host_init(struct proc_host *h)
{
	struct stat st;

	memset(h, 0, sizeof(*h));
	/*
	 * PID 1's; where even root may not look at it (a sandbox, a PID 1 of
	 * another user namespace), the monitor's own, which is the host's when
	 * it runs as a plain service.
	 */
	if (stat("/proc/1/ns/mnt", &st) && stat("/proc/self/ns/mnt", &st))
		return;
	h->known = true;
	h->mnt_dev = st.st_dev;
	h->mnt_ino = st.st_ino;
}

/* Is the process of dir in the host's mount namespace? */
static enum proc_mnt_ns mnt_ns_at(int dir, const struct proc_host *host)
{
	struct stat st;

	if (!host || !host->known || fstatat(dir, "ns/mnt", &st, 0))
		return PROC_MNT_NS_UNKNOWN;
	return st.st_dev == host->mnt_dev && st.st_ino == host->mnt_ino ? PROC_MNT_NS_HOST :
									  PROC_MNT_NS_FOREIGN;
}

/*
 * The executable's device and inode, through the file the process runs (the
 * link is followed in the kernel, whatever the process's mounts call it).
 * O_PATH opens nothing on the file system, and AT_STATX_DONT_SYNC takes what
 * the kernel has: a FUSE server that never answers cannot make us wait.
 */
static void exe_id_at(int dir, struct proc_info *p)
{
	struct statx stx;
	int fd = openat(dir, "exe", O_PATH | O_CLOEXEC);

	if (fd < 0)
		return;
	if (!statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_INO, &stx) &&
	    (stx.stx_mask & STATX_INO)) {
		p->exe_id_known = true;
		p->exe_dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
		p->exe_ino = stx.stx_ino;
	}
	close(fd);
}

/* A read through the directory failed: the process went away, or /proc refused. */
static enum proc_gone why(int err)
{
	return err == ENOENT || err == ESRCH ? PROC_EXITED : PROC_UNREADABLE;
}

/* Up to len - 1 bytes of dir/name; the length, or -errno. */
static ssize_t read_at(int dir, const char *name, char *buf, size_t len)
{
	int fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t used = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (used + 1 < len && (n = read(fd, buf + used, len - 1 - used)) > 0)
		used += (size_t)n;
	if (n < 0 && used == 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[used] = '\0';
	return (ssize_t)used;
}

/* Keep at most PROC_VALUE_MAX bytes of src (n of them), cut with a mark. */
static void keep(char *dst, const char *src, size_t n)
{
	if (n > PROC_VALUE_MAX) {
		n = PROC_VALUE_MAX - strlen(CUT_MARK);
		memcpy(dst, src, n);
		memcpy(dst + n, CUT_MARK, strlen(CUT_MARK) + 1);
		return;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The target of a /proc/PID link (exe, cwd); 0 or -errno. */
static int link_at(int dir, const char *name, char *dst)
{
	char buf[4096];
	ssize_t n = readlinkat(dir, name, buf, sizeof(buf));

	if (n < 0)
		return -errno;
	keep(dst, buf, (size_t)n);
	return 0;
}

/* The arguments joined with blanks (the kernel separates them with NULs). */
static int cmdline_at(int dir, char *dst)
{
	char buf[PROC_VALUE_MAX + 64];
	ssize_t n = read_at(dir, "cmdline", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	/* The read stopped at the buffer's end: there may be more. */
	keep(dst, buf, n == (ssize_t)sizeof(buf) - 1 ? sizeof(buf) : (size_t)n);
	return 0;
}

/*
 * State and start time (clock ticks since boot) from /proc/PID/stat. The
 * command name in parentheses may hold anything, ")" included: the fields
 * follow the last ")".
 */
static int stat_at(int dir, char *state, unsigned long long *start)
{
	char buf[1024], *p;
	ssize_t n = read_at(dir, "stat", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1,
			 " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
			 "%*s %*s %llu",
			 state, start) != 2)
		return -EIO;
	return 0;
}

/* The real UID from /proc/PID/status ("Uid:\treal\teffective\t..."). */
static int ruid_at(int dir, unsigned long *ruid)
{
	char buf[4096], *p;
	ssize_t n = read_at(dir, "status", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	p = strstr(buf, "\nUid:");
	if (!p || sscanf(p + 5, "%lu", ruid) != 1)
		return -EIO;
	return 0;
}

void proc_info_read(struct proc_info *p, const struct proc_host *host, __u32 tgid, __u32 uid,
		    __u64 boot_ns)
{
	long tick_ns = 1000000000L / sysconf(_SC_CLK_TCK);
	unsigned long long start;
	unsigned long ruid;
	char path[32], state;
	int dir, err;

	memset(p, 0, sizeof(*p));
	/*
	 * The kernel gives no PID for a SYN it decided at egress (path nat or
	 * raw): a packet may leave from a timer, in whatever process happens to
	 * run, so the program records none. /proc/0 would read as "exited".
	 */
	if (!tgid) {
		p->gone = PROC_NO_PROCESS;
		return;
	}
	snprintf(path, sizeof(path), "/proc/%u", tgid);
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		p->gone = why(errno);
		return;
	}
	err = stat_at(dir, &state, &start);
	if (!err)
		err = ruid_at(dir, &ruid);
	if (err) {
		p->gone = why(-err);
		goto cleanup;
	}
	if (state == 'Z' || state == 'X') {
		p->gone = PROC_EXITED;
		goto cleanup;
	}
	/* Started after the attempt: not the process that made it. */
	if (start * (unsigned long long)tick_ns > boot_ns) {
		p->gone = PROC_PID_REUSED;
		goto cleanup;
	}
	if (ruid != uid) {
		p->gone = PROC_UID_CHANGED;
		goto cleanup;
	}
	/*
	 * No executable: the process is exiting (its memory is released before
	 * it turns into a zombie; a kernel thread has none either, but makes no
	 * attempts of its own). The working directory would still be there:
	 * half an answer reads like a whole one, so none.
	 */
	if (link_at(dir, "exe", p->exe)) {
		p->gone = PROC_EXITED;
		goto cleanup;
	}
	link_at(dir, "cwd", p->cwd);
	exe_id_at(dir, p);
	p->mnt_ns = mnt_ns_at(dir, host);
	/*
	 * Read once: an empty one (argv may be empty; or the process is in the
	 * middle of an exec) is shown as none. Never wait for it: the reader
	 * would slow down exactly when an account floods.
	 */
	cmdline_at(dir, p->cmdline);
	/* Still there? The directory never shows another process, so what was read is its own. */
	if (stat_at(dir, &state, &start) || state == 'Z' || state == 'X')
		p->gone = PROC_EXITED;
cleanup:
	if (p->gone) {
		p->exe[0] = p->cmdline[0] = p->cwd[0] = '\0';
		p->exe_id_known = false;
		p->mnt_ns = PROC_MNT_NS_UNKNOWN;
	}
	close(dir);
}
