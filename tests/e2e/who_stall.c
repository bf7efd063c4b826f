// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * who_stall.c - the which-script row whose command line cannot be read.
 *
 * It points a process's arguments (PR_SET_MM_MAP, which needs no privilege)
 * at a file on a FUSE file system of the test's own that never answers a
 * read: the monitor must not wait for it (the kernel reads a command line
 * from anonymous memory only; another way of reading it would hang here).
 */
#include <errno.h>
#include <linux/fuse.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "e2e.h"
#include "smtpguard.h"
#include "who_rows.h"

/* Answer a FUSE request: a header and len bytes of payload (or an error). */
static void fuse_reply(int fd, uint64_t unique, int error, const void *payload, size_t len)
{
	char buf[512];
	struct fuse_out_header h = { .len = (uint32_t)(sizeof(h) + (error ? 0 : len)),
				     .error = -error,
				     .unique = unique };

	memcpy(buf, &h, sizeof(h));
	if (!error && len)
		memcpy(buf + sizeof(h), payload, len);
	if (write(fd, buf, h.len) < 0)
		_exit(1);
}

static void fuse_attr_of(uint64_t node, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = node;
	a->mode = node == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0644;
	a->nlink = node == FUSE_ROOT_ID ? 2 : 1;
	a->size = node == FUSE_ROOT_ID ? 0 : 4096;
	a->blocks = node == FUSE_ROOT_ID ? 0 : 8;
	a->blksize = 4096;
}

/*
 * A file system of one file, "f" (node 2), whose reads are never answered:
 * whoever touches its pages waits until the connection goes. Serves on fd
 * until it is aborted.
 */
static void __attribute__((noreturn)) fuse_server(int fd)
{
	static char req[FUSE_MIN_READ_BUFFER + 4096];

	for (;;) {
		ssize_t n = read(fd, req, sizeof(req));
		const struct fuse_in_header *in = (const void *)req;
		const char *arg = req + sizeof(*in);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < (ssize_t)sizeof(*in))
			_exit(0); /* aborted or unmounted */
		if (in->opcode == FUSE_INIT) {
			struct fuse_init_out o = { .major = FUSE_KERNEL_VERSION,
						   .minor = FUSE_KERNEL_MINOR_VERSION,
						   .max_readahead = 4096,
						   .max_background = 16,
						   .congestion_threshold = 12,
						   .max_write = 4096,
						   .time_gran = 1 };

			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
		} else if (in->opcode == FUSE_LOOKUP) {
			struct fuse_entry_out o = { .nodeid = 2, .generation = 1 };

			if (strcmp(arg, "f")) {
				fuse_reply(fd, in->unique, ENOENT, NULL, 0);
				continue;
			}
			fuse_attr_of(2, &o.attr);
			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
		} else if (in->opcode == FUSE_GETATTR) {
			struct fuse_attr_out o = {};

			fuse_attr_of(in->nodeid, &o.attr);
			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
		} else if (in->opcode == FUSE_OPEN) {
			struct fuse_open_out o = { .fh = 1 };

			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
		} else if (in->opcode == FUSE_READ || in->opcode == FUSE_FORGET ||
			   in->opcode == FUSE_BATCH_FORGET || in->opcode == FUSE_INTERRUPT) {
			continue; /* never answered (reads), or no answer expected */
		} else if (in->opcode == FUSE_FLUSH || in->opcode == FUSE_RELEASE) {
			fuse_reply(fd, in->unique, 0, NULL, 0);
		} else {
			fuse_reply(fd, in->unique, ENOSYS, NULL, 0);
		}
	}
}

/* Mount it on dir; the server's pid, or -1. */
static pid_t stall_fs_mount(const char *dir)
{
	char opts[128];
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	pid_t pid;

	if (fd < 0)
		return -1;
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	if (mount("sgt-stall", dir, "fuse", MS_NOSUID | MS_NODEV, opts)) {
		close(fd);
		return -1;
	}
	pid = fork();
	if (pid == 0)
		fuse_server(fd);
	close(fd);
	return pid;
}

/*
 * A process of SCRIPT_UID whose arguments are the FUSE file's first page:
 * it maps the file, moves its arguments there (as an account can), tries
 * port 25 and sleeps. It never touches the page itself.
 */
static pid_t start_staller(const struct who_paths *w, const char *file)
{
	const struct probe p = { .family = AF_INET, .addr = REMOTE4, .port = 25 };
	pid_t pid = fork();

	if (pid == 0) {
		struct prctl_mm_map m;
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		char *page = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);

		if (page == MAP_FAILED || who_join(w, SCRIPT_UID) || !who_own_mm_map(&m))
			_exit(255);
		m.arg_start = (uint64_t)(uintptr_t)page;
		m.arg_end = m.arg_start + 64;
		if (prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&m, sizeof(m), 0))
			_exit(254);
		probe_run(&p);
		pause();
		_exit(0);
	}
	return pid;
}

/*
 * The staller's event comes at once, with its exe and without a command
 * line, and the next account's event follows: the monitor did not wait for
 * the file system.
 */
void run_stall(struct ctx *c, size_t i, const struct who_paths *w)
{
	char dir[4200], file[4300], path[4200], line[8192] = "", needle[32];
	char next_line[8192] = "";
	const char *why = NULL;
	pid_t server, mon, staller = -1, next = -1;
	int result;
	double t0 = 0, took = 0;

	snprintf(dir, sizeof(dir), "%s/stall-fs", c->workdir);
	snprintf(file, sizeof(file), "%s/f", dir);
	snprintf(path, sizeof(path), "%s/who-stall.out", c->workdir);
	mkdir(dir, 0755);
	server = stall_fs_mount(dir);
	if (server < 0) {
		if (errno == ENOENT || errno == ENODEV || errno == EPERM)
			t_skip(&c->report,
			       "[%zu] a command line on a stalled FUSE file: no FUSE (%s)", i,
			       strerror(errno));
		else
			t_result(&c->report, false,
				 "[%zu] cannot mount the test's FUSE file system: %s", i,
				 strerror(errno));
		rmdir(dir);
		return;
	}
	mon = who_monitor(c, CONF_EVENTS, "--json", "who-stall", NULL);
	staller = start_staller(w, file);
	snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)staller);
	t0 = now_s();
	if (!newest_line_with(path, needle, 3, line, sizeof(line)))
		why = "no event for the staller within 3 s (the monitor hangs?)";
	took = now_s() - t0;
	if (!why && (!strstr(line, "\"cmdline\":null") || !strstr(line, "\"exe\":\"") ||
		     !strstr(line, "\"gone\":null")))
		why = "its event should have exe, no cmdline, gone null";
	/* And the monitor goes on: the next attempt is reported too. */
	next = who_attempt_and_exit(w, 64209, &result);
	snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)next);
	if (!why && !newest_line_with(path, needle, 3, next_line, sizeof(next_line)))
		why = "the next attempt's event did not come within 3 s";
	who_end_monitor(mon);
	if (staller > 0) {
		kill(staller, SIGKILL);
		waitpid(staller, NULL, 0);
	}
	/* Unmounting aborts the connection: the monitor's stuck read ends. */
	umount2(dir, MNT_DETACH);
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	rmdir(dir);
	t_result(&c->report, !why,
		 "[%zu] a process whose arguments are on a FUSE file that never answers: its event "
		 "came in %.0f ms, with exe and without cmdline, and the next one followed%s%s%s%s",
		 i, took * 1000, why ? ": " : "", why ? why : "", why ? "\n    " : "",
		 why ? line : "");
}
