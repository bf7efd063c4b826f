// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * who.c - "which script?" (issue 17): the monitor names the unit, the
 * executable, the command line and the working directory of an attempt.
 *
 * The script is a real bash script in {WORK}/www, run with an argument full
 * of control characters, in a test cgroup named like a unit
 * ({CG}/sgt-php-fpm.service). It tries port 25 from the shell process
 * itself and then sleeps, so that the monitor finds it.
 *
 * What cannot be left to timing is made certain by stopping the monitor
 * (SIGSTOP) while the attempt is made: the event waits in the ring buffer
 * while the process exits, or exits and its PID is given to another process
 * (clone3 with set_tid, as root may), and only then does the monitor read
 * it (SIGCONT).
 *
 * The stall row points a process's arguments (PR_SET_MM_MAP, which needs no
 * privilege) at a file on a FUSE file system of the test's own that never
 * answers a read: the monitor must not wait for it (the kernel reads a
 * command line from anonymous memory only; another way of reading it would
 * hang here).
 *
 * The journal row gives the monitor a datagram socket of the test's own, at
 * {WORK}/run/systemd/journal/socket (SMTPGUARD_JOURNAL_SOCKET), and reads
 * the native-protocol entries it gets; the real journal is never touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/fuse.h>
#include <linux/prctl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "e2e.h"
#include "smtpguard.h"

#define REMOTE4 "198.51.100.25"
#define UNIT "sgt-php-fpm.service"
/* The script's argument: a tab, an escape, a newline. */
#define ARG        \
	"a\tb\x1b" \
	"c\nd"
#define ARG_ESCAPED "a\\x09b\\x1bc\\x0ad"
#define SCRIPT_UID 64201
#define NAMED_UID 64290 /* sgt-who, made by an SH row; tests/run.sh removes it */
#define STORM_UID 64207
#define DECOY_ARGV0 "decoy-sleep"
/* The MESSAGE_IDs dist/smtpguard.catalog explains. */
#define MSGID_ATTEMPT "9bf6f080d7e2a4c32bd63e9b1c6aac6a"
#define MSGID_ALERT "2c5649e2fe4761ca51cc714224926af0"
#define MSGID_STORM "c9a2228e87973bdd0de1574f8661e97d"

/* The paths a row needs, made once. */
struct who_paths {
	char unit_cg[4200]; /* {CG}/sgt-php-fpm.service */
	char cg_rel[4200]; /* the same below the cgroup v2 root, as the monitor shows it */
	char www[4200], script[4300], decoy[4200];
	char exe[PATH_MAX]; /* what /proc/PID/exe of bash says */
	char cmdline[8400]; /* the script's command line, escaped as in JSON (\\x09) */
	char cmdline_raw[8400];
};

static bool who_paths(const struct ctx *c, struct who_paths *w)
{
	const char *base = strrchr(c->cgroup, '/');
	char work[PATH_MAX];
	FILE *f;

	if (!base || !realpath(c->workdir, work) || !realpath("/bin/bash", w->exe))
		return false;
	snprintf(w->unit_cg, sizeof(w->unit_cg), "%s/" UNIT, c->cgroup);
	/* The world's cgroup is right below the root. */
	snprintf(w->cg_rel, sizeof(w->cg_rel), "%s/" UNIT, base);
	snprintf(w->www, sizeof(w->www), "%s/www", work);
	snprintf(w->script, sizeof(w->script), "%s/send.sh", w->www);
	snprintf(w->decoy, sizeof(w->decoy), "%s/decoy", work);
	snprintf(w->cmdline, sizeof(w->cmdline), "bash %s " ARG_ESCAPED, w->script);
	snprintf(w->cmdline_raw, sizeof(w->cmdline_raw), "bash %s " ARG, w->script);
	if ((mkdir(w->unit_cg, 0755) && errno != EEXIST) ||
	    (mkdir(w->www, 0755) && errno != EEXIST) || (mkdir(w->decoy, 0755) && errno != EEXIST))
		return false;
	/* ":" is a builtin: the shell process itself connects, and lives on. */
	f = fopen(w->script, "w");
	if (!f || fputs("#!/bin/bash\n: 3<>/dev/tcp/" REMOTE4 "/25\nsleep 20\nexit 0\n", f) < 0 ||
	    fchmod(fileno(f), 0755) || fclose(f))
		return false;
	return true;
}

/* In a child: into the unit's cgroup, then uid (and its own group) for good. */
static int join(const struct who_paths *w, unsigned int uid)
{
	char procs[4300];
	int fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", w->unit_cg);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		return -1;
	close(fd);
	return setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid) ? -1 : 0;
}

/* The script, from {WORK}/www, as uid; its pid (the one that connects). */
static pid_t start_script(const struct who_paths *w, unsigned int uid)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	setpgid(0, 0);
	if (join(w, uid) || chdir(w->www))
		_exit(255);
	execl("/bin/bash", "bash", w->script, ARG, (char *)NULL);
	_exit(127);
}

static void stop_script(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A refused connect from the unit's cgroup by a process that exits at once. */
static pid_t attempt_and_exit(const struct who_paths *w, unsigned int uid, int *result)
{
	const struct probe p = { .family = AF_INET, .addr = REMOTE4, .port = 25 };
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(join(w, uid) ? 255 : probe_run(&p));
	*result = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) ?
			  WEXITSTATUS(status) :
			  -1;
	return pid;
}

/* A monitor in mode (NULL: text) with output in WORK/name.out, once it reads events. */
static pid_t monitor(const struct ctx *c, enum conf conf, const char *mode, const char *name,
		     const char *env)
{
	char err[4200], line[256];
	pid_t pid = start_monitor(c, conf, mode, name, env);

	snprintf(err, sizeof(err), "%s/%s.err", c->workdir, name);
	if (!mode || strcmp(mode, "--syslog"))
		newest_line_with(err, "monitoring", 5, line, sizeof(line));
	return pid;
}

static void end_monitor(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGCONT);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* The first of want[] that line lacks, or NULL. */
static const char *missing(const char *line, const char *const *want, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!strstr(line, want[k]))
			return want[k];
	return NULL;
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return true;
	return false;
}

/*
 * A script in a unit's cgroup: the JSON event names all four, the command
 * line escaped; and the text line parses to one value per key, each the
 * original bytes.
 */
static void run_all_four(struct ctx *c, size_t i, const struct who_paths *w)
{
	char line[8192] = "", needle[32], want[6][8600], val[8400], path[4200];
	const char *wants[6], *why = NULL;
	pid_t mon, script;

	mon = monitor(c, CONF_EVENTS, "--json", "who-json", NULL);
	script = start_script(w, SCRIPT_UID);
	snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)script);
	snprintf(path, sizeof(path), "%s/who-json.out", c->workdir);
	snprintf(want[0], sizeof(want[0]), "\"cgroup\":\"%s\"", w->cg_rel);
	snprintf(want[1], sizeof(want[1]), "\"unit\":\"" UNIT "\"");
	snprintf(want[2], sizeof(want[2]), "\"exe\":\"%s\"", w->exe);
	/* JSON's own escapes: a tab is \t, ESC \u001b, a newline \n. */
	snprintf(want[3], sizeof(want[3]), "\"cmdline\":\"bash %s a\\tb\\u001bc\\nd\"", w->script);
	snprintf(want[4], sizeof(want[4]), "\"cwd\":\"%s\"", w->www);
	snprintf(want[5], sizeof(want[5]), "\"gone\":null");
	for (int k = 0; k < 6; k++)
		wants[k] = want[k];
	if (!newest_line_with(path, needle, 3, line, sizeof(line)))
		why = "no event for the script's pid within 3 s";
	else
		why = missing(line, wants, 6);
	end_monitor(mon);
	stop_script(script);
	t_result(&c->report, !why,
		 "[%zu] a script in %s, run from %s: the JSON event names its unit, cgroup, "
		 "executable, command line (escaped) and working directory%s%s%s%s",
		 i, UNIT, w->www, why ? ": missing " : "", why ? why : "", why ? "\n    " : "",
		 why ? line : "");

	/* The same in a text line: one value per key, unescaped to the original. */
	mon = monitor(c, CONF_EVENTS, NULL, "who-text", NULL);
	script = start_script(w, SCRIPT_UID);
	snprintf(needle, sizeof(needle), " pid=%d ", (int)script);
	snprintf(path, sizeof(path), "%s/who-text.out", c->workdir);
	why = NULL;
	line[0] = '\0';
	if (!newest_line_with(path, needle, 3, line, sizeof(line)))
		why = "no line for the script's pid within 3 s";
	else if (has_control_chars(line))
		why = "a control character in the line";
	else if (count_key(line, "unit", val, sizeof(val)) != 1 || strcmp(val, UNIT))
		why = "unit";
	else if (count_key(line, "cgroup", val, sizeof(val)) != 1 || strcmp(val, w->cg_rel))
		why = "cgroup";
	else if (count_key(line, "exe", val, sizeof(val)) != 1 || strcmp(val, w->exe))
		why = "exe";
	else if (count_key(line, "cwd", val, sizeof(val)) != 1 || strcmp(val, w->www))
		why = "cwd";
	else if (count_key(line, "cmdline", val, sizeof(val)) != 1 || strcmp(val, w->cmdline_raw))
		why = "cmdline";
	else if (count_key(line, "dst", val, sizeof(val)) != 1 || strcmp(val, REMOTE4 ":25"))
		why = "dst";
	end_monitor(mon);
	stop_script(script);
	t_result(&c->report, !why,
		 "[%zu] the text line of that script parses to one unit, cgroup, exe, cwd, cmdline "
		 "and dst, each the original bytes%s%s:\n    %s",
		 i, why ? ": wrong " : "", why ? why : "", line);
}

/* A process that exits before the monitor looks: kernel-side fields, and "gone". */
static void run_gone(struct ctx *c, size_t i, const struct who_paths *w)
{
	char line[8192] = "", needle[32], path[4200], uid[24], cg[4300];
	const char *wants[] = { uid,
				"\"comm\":\"e2e_guard\"",
				"\"action\":\"blocked\"",
				"\"dst\":\"" REMOTE4 "\"",
				"\"port\":25,",
				cg,
				"\"unit\":\"" UNIT "\"",
				"\"exe\":null",
				"\"cmdline\":null",
				"\"cwd\":null",
				"\"gone\":\"exited\"" };
	const char *why = NULL;
	int result;
	pid_t mon, pid;

	snprintf(uid, sizeof(uid), "\"uid\":%u,", SCRIPT_UID);
	snprintf(cg, sizeof(cg), "\"cgroup\":\"%s\"", w->cg_rel);
	mon = monitor(c, CONF_EVENTS, "--json", "who-gone", NULL);
	kill(mon, SIGSTOP);
	pid = attempt_and_exit(w, SCRIPT_UID, &result); /* exited and reaped */
	kill(mon, SIGCONT);
	snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)pid);
	snprintf(path, sizeof(path), "%s/who-gone.out", c->workdir);
	if (result != EPERM)
		why = "the connect was not refused";
	else if (!newest_line_with(path, needle, 3, line, sizeof(line)))
		why = "no event for its pid within 3 s";
	else
		why = missing(line, wants, sizeof(wants) / sizeof(wants[0]));
	if (!why && (!strstr(line, "\"cgroup_id\":") || strstr(line, "\"cgroup_id\":0,")))
		why = "cgroup_id";
	end_monitor(mon);
	t_result(&c->report, !why,
		 "[%zu] a process that exits at once: its event keeps the kernel's uid, pid, comm, "
		 "cgroup and unit, and says gone: exited, with no exe, cmdline or cwd%s%s%s%s",
		 i, why ? ": " : "", why ? why : "", why ? "\n    " : "", why ? line : "");
}

/* Raw clone3 with a chosen PID (root only: CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN). */
struct sg_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
		set_tid_size, cgroup;
};

static pid_t fork_at(pid_t want)
{
	struct sg_clone_args a = { .exit_signal = SIGCHLD,
				   .set_tid = (uint64_t)(uintptr_t)&want,
				   .set_tid_size = 1 };

	return (pid_t)syscall(SYS_clone3, &a, sizeof(a));
}

/*
 * A decoy at PID pid: uid, in the decoy directory, "decoy-sleep 20". delay_ms
 * first, so that its start is a clock tick (10 ms) later than the attempt.
 */
static pid_t decoy_at(const struct who_paths *w, pid_t pid, unsigned int uid, int delay_ms)
{
	pid_t got;

	usleep((useconds_t)delay_ms * 1000);
	got = fork_at(pid);
	if (got == 0) {
		if (join(w, uid) || chdir(w->decoy))
			_exit(255);
		execl("/bin/sleep", DECOY_ARGV0, "20", (char *)NULL);
		_exit(127);
	}
	return got;
}

/*
 * The attempt's process exits and its PID goes to a decoy before the monitor
 * looks: once the same account's (started a few ticks later), once another
 * account's (at once). The report must say so and show nothing of the decoy.
 */
static void run_pid_reuse(struct ctx *c, size_t i, const struct who_paths *w)
{
	static const struct {
		const char *label;
		unsigned int uid;
		int delay_ms;
		const char *gone[2];
	} cases[] = {
		{ "the same account's, started 30 ms later", SCRIPT_UID, 30, { "pid-reused" } },
		{ "another account's, at once", 64202, 0, { "pid-reused", "uid-changed" } },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char line[8192] = "", needle[32], path[4200], name[32], gone[48] = "";
		const char *why = NULL;
		int result = -1, tries;
		pid_t mon, pid = -1, decoy = -1;

		snprintf(name, sizeof(name), "who-reuse%zu", k);
		snprintf(path, sizeof(path), "%s/%s.out", c->workdir, name);
		mon = monitor(c, CONF_EVENTS, "--json", name, NULL);
		kill(mon, SIGSTOP);
		/* Another process on the machine may take the PID first: try again. */
		for (tries = 0; tries < 5 && decoy < 0; tries++) {
			pid = attempt_and_exit(w, SCRIPT_UID, &result);
			decoy = decoy_at(w, pid, cases[k].uid, cases[k].delay_ms);
			if (decoy < 0 && errno != EEXIST)
				break;
		}
		if (decoy < 0) {
			int err = errno;

			end_monitor(mon);
			if (err == ENOSYS || err == EPERM || err == EINVAL)
				t_skip(&c->report, "[%zu] PID reuse: clone3 with set_tid: %s", i,
				       strerror(err));
			else
				t_result(&c->report, false,
					 "[%zu] PID reuse: no decoy at pid %d: %s", i, (int)pid,
					 strerror(err));
			continue;
		}
		usleep(100 * 1000); /* the decoy has exec'd: it shows what it would show */
		kill(mon, SIGCONT);
		snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)pid);
		if (result != EPERM)
			why = "the connect was not refused";
		else if (!newest_line_with(path, needle, 3, line, sizeof(line)))
			why = "no event for the pid within 3 s";
		else if (strstr(line, "decoy") || strstr(line, "sleep"))
			why = "the decoy's data is in the report";
		else if (!strstr(line, "\"exe\":null") || !strstr(line, "\"cmdline\":null") ||
			 !strstr(line, "\"cwd\":null"))
			why = "exe, cmdline or cwd is not null";
		for (int g = 0; !gone[0] && g < 2 && cases[k].gone[g]; g++) {
			snprintf(gone, sizeof(gone), "\"gone\":\"%s\"", cases[k].gone[g]);
			if (!strstr(line, gone))
				gone[0] = '\0';
		}
		if (!why && !gone[0])
			why = "gone is not the reason expected";
		end_monitor(mon);
		stop_script(decoy);
		t_result(&c->report, !why,
			 "[%zu] PID reuse: pid %d refused, exited, then given to %s "
			 "(decoy-sleep in %s, %d attempt%s): %s%s%s%s",
			 i, (int)pid, cases[k].label, w->decoy, tries, tries == 1 ? "" : "s",
			 why ? why : gone, why ? "\n    " : "", why ? line : "", "");
	}
}

/* ---- a command line that cannot be read ------------------------------- */

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

/* The process's own start_code ... env_end (/proc/self/stat fields 26-28, 45-51). */
static bool own_mm_map(struct prctl_mm_map *m)
{
	unsigned long long v[52] = {};
	char buf[2048], *p, *save = NULL;
	FILE *f = fopen("/proc/self/stat", "r");
	int k = 3;

	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return false;
	}
	fclose(f);
	p = strrchr(buf, ')');
	for (char *t = p ? strtok_r(p + 2, " ", &save) : NULL; t && k < 52;
	     t = strtok_r(NULL, " ", &save))
		v[k++] = strtoull(t, NULL, 10);
	if (k < 52)
		return false;
	*m = (struct prctl_mm_map){ .start_code = v[26],
				    .end_code = v[27],
				    .start_stack = v[28],
				    .start_data = v[45],
				    .end_data = v[46],
				    .start_brk = v[47],
				    .brk = (uint64_t)(uintptr_t)sbrk(0),
				    .arg_start = v[48],
				    .arg_end = v[49],
				    .env_start = v[50],
				    .env_end = v[51],
				    .exe_fd = (uint32_t)-1 };
	return true;
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

		if (page == MAP_FAILED || join(w, SCRIPT_UID) || !own_mm_map(&m))
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
static void run_stall(struct ctx *c, size_t i, const struct who_paths *w)
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
	mon = monitor(c, CONF_EVENTS, "--json", "who-stall", NULL);
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
	next = attempt_and_exit(w, 64209, &result);
	snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)next);
	if (!why && !newest_line_with(path, needle, 3, next_line, sizeof(next_line)))
		why = "the next attempt's event did not come within 3 s";
	end_monitor(mon);
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

/* ---- the journal ------------------------------------------------------ */

#define ENTRIES_MAX 256
#define FIELDS_MAX 64

/* One native-protocol datagram, split into NUL-terminated names and values. */
struct entry {
	char text[16384];
	const char *name[FIELDS_MAX], *value[FIELDS_MAX];
	size_t n;
	bool printable; /* no control character in any value */
};

struct journal {
	int fd;
	struct entry *got[ENTRIES_MAX];
	size_t n;
};

/* NAME=value\n, or NAME\n + 64-bit little-endian length + bytes + \n. */
static bool parse_entry(const char *d, size_t len, struct entry *e)
{
	size_t used = 0;

	e->n = 0;
	e->printable = true;
	for (size_t i = 0; i < len && e->n < FIELDS_MAX;) {
		const char *nl = memchr(d + i, '\n', len - i), *eq;
		size_t name_len, val_len;
		const char *val;

		if (!nl)
			return false;
		eq = memchr(d + i, '=', (size_t)(nl - (d + i)));
		if (eq) {
			name_len = (size_t)(eq - (d + i));
			val = eq + 1;
			val_len = (size_t)(nl - val);
		} else {
			uint64_t l;

			name_len = (size_t)(nl - (d + i));
			if ((size_t)(nl + 1 - d) + 8 > len)
				return false;
			memcpy(&l, nl + 1, 8);
			val = nl + 9;
			val_len = (size_t)l;
			if ((size_t)(val - d) + val_len + 1 > len)
				return false;
			nl = val + val_len;
		}
		if (used + name_len + val_len + 2 > sizeof(e->text))
			return false;
		e->name[e->n] = memcpy(e->text + used, d + i, name_len);
		e->text[used + name_len] = '\0';
		used += name_len + 1;
		e->value[e->n] = memcpy(e->text + used, val, val_len);
		e->text[used + val_len] = '\0';
		used += val_len + 1;
		if (has_control_chars(e->value[e->n]) || strlen(e->value[e->n]) != val_len)
			e->printable = false;
		e->n++;
		i = (size_t)(nl + 1 - d);
	}
	return true;
}

static const char *field_of(const struct entry *e, const char *name)
{
	for (size_t k = 0; k < e->n; k++)
		if (!strcmp(e->name[k], name))
			return e->value[k];
	return NULL;
}

/* Every datagram waiting now, kept. */
static void drain(struct journal *j, int timeout_ms)
{
	static char buf[65536];
	struct pollfd p = { .fd = j->fd, .events = POLLIN };

	while (poll(&p, 1, timeout_ms) > 0) {
		ssize_t n = recv(j->fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct entry *e;

		if (n <= 0)
			break;
		timeout_ms = 0;
		if (j->n >= ENTRIES_MAX || !(e = calloc(1, sizeof(*e))))
			continue;
		if (parse_entry(buf, (size_t)n, e))
			j->got[j->n++] = e;
		else
			free(e);
	}
}

/* The first entry with field name = value (and name2 = value2 if given), waiting up to timeout. */
static const struct entry *entry_with(struct journal *j, const char *name, const char *value,
				      const char *name2, const char *value2, double timeout)
{
	double deadline = now_s() + timeout;

	do {
		drain(j, 50);
		for (size_t k = 0; k < j->n; k++) {
			const char *v = field_of(j->got[k], name), *v2;

			if (!v || strcmp(v, value))
				continue;
			v2 = name2 ? field_of(j->got[k], name2) : NULL;
			if (!name2 || (v2 && !strcmp(v2, value2)))
				return j->got[k];
		}
	} while (now_s() < deadline);
	return NULL;
}

/* The first expected field that is absent or has another value. */
static const char *check_fields(const struct entry *e, const char *const (*want)[2], size_t n,
				char *why, size_t len)
{
	for (size_t k = 0; k < n; k++) {
		const char *v = field_of(e, want[k][0]);

		if (!want[k][1] && v) {
			snprintf(why, len, "%s is there (%s)", want[k][0], v);
			return why;
		}
		if (want[k][1] && (!v || strcmp(v, want[k][1]))) {
			snprintf(why, len, "%s=%s, expected %s", want[k][0], v ? v : "(absent)",
				 want[k][1]);
			return why;
		}
	}
	return NULL;
}

static void show_entry(const struct entry *e)
{
	for (size_t k = 0; e && k < e->n; k++)
		printf("#   %s=%s\n", e->name[k], e->value[k]);
}

static bool bind_journal(const struct ctx *c, struct journal *j, char *path, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[4100];

	snprintf(dir, sizeof(dir), "%s/run", c->workdir);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/run/systemd", c->workdir);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/run/systemd/journal", c->workdir);
	mkdir(dir, 0755);
	snprintf(path, len, "%s/socket", dir);
	if (strlen(path) >= sizeof(sun.sun_path))
		return false;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	unlink(path);
	j->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return j->fd >= 0 && !bind(j->fd, (struct sockaddr *)&sun, sizeof(sun));
}

/* Fill the socket's queue from a sender of our own, until it takes no more. */
static int fill_queue(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), n = 0;

	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		return -1;
	while (n < 100000 && send(fd, "FILLER=1\n", 9, MSG_DONTWAIT) == 9)
		n++;
	close(fd);
	return n;
}

static void journal_attempt(struct ctx *c, size_t i, const struct who_paths *w, struct journal *j)
{
	char pid[16], uid[16], why[256] = "", val[8400];
	const char *const want[][2] = {
		{ "SYSLOG_IDENTIFIER", "smtpguard" },
		{ "PRIORITY", "5" },
		{ "SYSLOG_FACILITY", "2" },
		{ "SMTPGUARD_ACTION", "blocked" },
		{ "SMTPGUARD_UID", uid },
		{ "SMTPGUARD_USER", "sgt-who" },
		{ "SMTPGUARD_GID", uid },
		{ "SMTPGUARD_PID", pid },
		{ "SMTPGUARD_COMM", "bash" },
		{ "SMTPGUARD_DST", REMOTE4 },
		{ "SMTPGUARD_PORT", "25" },
		{ "SMTPGUARD_FAMILY", "ipv4" },
		{ "SMTPGUARD_CGROUP", w->cg_rel },
		{ "SMTPGUARD_UNIT", UNIT },
		{ "SMTPGUARD_EXE", w->exe },
		{ "SMTPGUARD_CMDLINE", w->cmdline },
		{ "SMTPGUARD_CWD", w->www },
		{ "SMTPGUARD_GONE", NULL },
	};
	const char *const alert_want[][2] = {
		{ "PRIORITY", "4" },
		{ "SMTPGUARD_UID", uid },
		{ "SMTPGUARD_USER", "sgt-who" },
		{ "SMTPGUARD_COUNT", "1" },
		{ "SMTPGUARD_PID", pid },
		{ "SMTPGUARD_UNIT", UNIT },
		{ "SMTPGUARD_EXE", w->exe },
		{ "SMTPGUARD_CWD", w->www },
		{ "SMTPGUARD_CMDLINE", w->cmdline },
	};
	const struct entry *e, *a = NULL;
	const char *bad = NULL, *msg;
	char env_path[4200], env[1 << 14] = "", line[8600];
	pid_t script;

	snprintf(uid, sizeof(uid), "%u", NAMED_UID);
	script = start_script(w, NAMED_UID);
	snprintf(pid, sizeof(pid), "%d", (int)script);
	e = entry_with(j, "MESSAGE_ID", MSGID_ATTEMPT, "SMTPGUARD_PID", pid, 3);
	if (!e)
		bad = "no entry with the attempt's MESSAGE_ID and its pid within 3 s";
	else
		bad = check_fields(e, want, sizeof(want) / sizeof(want[0]), why, sizeof(why));
	if (!bad && !e->printable)
		bad = "a field's value holds a control character";
	msg = e ? field_of(e, "MESSAGE") : NULL;
	if (!bad && (!msg || count_key(msg, "cmdline", val, sizeof(val)) != 1 ||
		     strcmp(val, w->cmdline_raw)))
		bad = "MESSAGE's cmdline does not parse to the original";
	t_result(
		&c->report, !bad,
		"[%zu] journal: the attempt's entry has MESSAGE_ID, SYSLOG_IDENTIFIER=smtpguard and "
		"the SMTPGUARD_* fields: user, dst, port, unit, cgroup, exe, cmdline (escaped), cwd"
		"%s%s",
		i, bad ? ": " : "", bad ? bad : "");
	if (bad)
		show_entry(e);

	/* alert_threshold = 1/60s: the same attempt raised an alert. */
	bad = NULL;
	a = entry_with(j, "MESSAGE_ID", MSGID_ALERT, "SMTPGUARD_PID", pid, 3);
	if (!a)
		bad = "no alert entry";
	else
		bad = check_fields(a, alert_want, sizeof(alert_want) / sizeof(alert_want[0]), why,
				   sizeof(why));
	snprintf(env_path, sizeof(env_path), "%s/alert-env.out", c->workdir);
	for (double deadline = now_s() + 3; !bad && now_s() < deadline; usleep(50 * 1000))
		if (read_text(env_path, env, sizeof(env)) && strstr(env, "SMTPGUARD_CWD="))
			break;
	if (!bad && !strstr(env, "SMTPGUARD_UNIT=" UNIT "\n"))
		bad = "alert_command did not get SMTPGUARD_UNIT";
	snprintf(line, sizeof(line), "SMTPGUARD_EXE=%s\n", w->exe);
	if (!bad && !strstr(env, line))
		bad = "alert_command did not get SMTPGUARD_EXE";
	snprintf(line, sizeof(line), "SMTPGUARD_CWD=%s\n", w->www);
	if (!bad && !strstr(env, line))
		bad = "alert_command did not get SMTPGUARD_CWD";
	snprintf(line, sizeof(line), "SMTPGUARD_CMDLINE=%s\n", w->cmdline);
	if (!bad && !strstr(env, line))
		bad = "alert_command did not get SMTPGUARD_CMDLINE, escaped";
	t_result(&c->report, !bad,
		 "[%zu] journal: the alert's entry has its own MESSAGE_ID and the unit, exe, cwd "
		 "and cmdline; alert_command got them as SMTPGUARD_UNIT, _EXE, _CWD, _CMDLINE%s%s",
		 i, bad ? ": " : "", bad ? bad : "");
	if (bad) {
		show_entry(a);
		printf("# alert_command's environment:\n%s", env);
	}
	stop_script(script);
}

static void journal_storm(struct ctx *c, size_t i, struct journal *j)
{
	const struct who storm = {
		"uid 64207 (journal storm)", STORM_UID, STORM_UID, NULL, CG_TEST, false
	};
	const struct probe p = { .family = AF_INET, .addr = REMOTE4, .port = 25 };
	char uid[16], why[256] = "";
	const char *const want[][2] = {
		{ "SMTPGUARD_UID", uid },
		{ "SMTPGUARD_ACTION", "blocked" },
		{ "SMTPGUARD_COUNT", "5" },
		{ "SMTPGUARD_WINDOW", "2" },
	};
	const struct entry *e;
	const char *bad = NULL;
	int refused = 0;
	size_t lines = 0;

	snprintf(uid, sizeof(uid), "%u", STORM_UID);
	/* log_burst = 3 per log_window = 2 s: 3 entries, then a summary of 5 more. */
	for (int n = 0; n < 8; n++)
		refused += probe_as(c, &storm, &p) == EPERM;
	e = entry_with(j, "MESSAGE_ID", MSGID_STORM, "SMTPGUARD_UID", uid, 8);
	for (size_t k = 0; k < j->n; k++) {
		const char *id = field_of(j->got[k], "MESSAGE_ID"), *u;

		u = field_of(j->got[k], "SMTPGUARD_UID");
		lines += id && !strcmp(id, MSGID_ATTEMPT) && u && !strcmp(u, uid);
	}
	if (refused != 8)
		bad = "not all 8 attempts were refused";
	else if (!e)
		bad = "no summary entry within 8 s";
	else
		bad = check_fields(e, want, sizeof(want) / sizeof(want[0]), why, sizeof(why));
	if (!bad && lines != 3)
		bad = "not 3 attempt entries for the account";
	t_result(&c->report, !bad,
		 "[%zu] journal: 8 attempts by uid %u in a window: %zu attempt entries and a storm "
		 "summary with its MESSAGE_ID and SMTPGUARD_COUNT=5%s%s",
		 i, STORM_UID, lines, bad ? ": " : "", bad ? bad : "");
	if (bad)
		show_entry(e);
}

/* A full journal socket never stalls the monitor: it drops, counts, and goes on. */
static void journal_full(struct ctx *c, size_t i, const struct who_paths *w, struct journal *j,
			 const char *sock)
{
	char err_path[4200], line[512] = "", pid[16];
	const char *bad = NULL;
	int filled, result;
	pid_t first, second;

	snprintf(err_path, sizeof(err_path), "%s/who-journal.err", c->workdir);
	drain(j, 100);
	filled = fill_queue(sock);
	first = attempt_and_exit(w, SCRIPT_UID, &result);
	if (filled <= 0)
		bad = "could not fill the socket's queue";
	else if (result != EPERM)
		bad = "the connect was not refused";
	else if (!newest_line_with(err_path, "log messages dropped", 4, line, sizeof(line)))
		bad = "the monitor did not report dropped messages within 4 s (stalled?)";
	/* Room again (the filler is thrown away): the next attempt's entry arrives. */
	while (recv(j->fd, line + 400, 100, MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
	second = attempt_and_exit(w, SCRIPT_UID, &result);
	snprintf(pid, sizeof(pid), "%d", (int)second);
	if (!bad && !entry_with(j, "MESSAGE_ID", MSGID_ATTEMPT, "SMTPGUARD_PID", pid, 3))
		bad = "no entry for the next attempt once the socket had room";
	t_result(&c->report, !bad,
		 "[%zu] journal: with its socket full (%d datagrams queued) the attempt of pid %d "
		 "is dropped and counted (\"%s\"); pid %d's entry arrives once there is room%s%s",
		 i, filled, (int)first, line, (int)second, bad ? ": " : "", bad ? bad : "");
}

static void run_journal(struct ctx *c, size_t i, const struct who_paths *w)
{
	struct journal j = { .fd = -1 };
	char sock[4200], env[4300], script[4200];
	const struct entry *hello;
	FILE *f;
	pid_t mon;

	snprintf(script, sizeof(script), "%s/alert-env.sh", c->workdir);
	f = fopen(script, "w");
	if (!f ||
	    fprintf(f, "#!/bin/sh\nenv | grep ^SMTPGUARD_ | sort >%s/alert-env.out\n", c->workdir) <
		    0 ||
	    fchmod(fileno(f), 0755) || fclose(f) || !bind_journal(c, &j, sock, sizeof(sock))) {
		t_result(&c->report, false, "[%zu] journal: cannot make the test's socket", i);
		return;
	}
	snprintf(env, sizeof(env), "SMTPGUARD_JOURNAL_SOCKET=%s", sock);
	mon = monitor(c, CONF_JOURNAL, "--syslog", "who-journal", env);
	hello = entry_with(&j, "SYSLOG_IDENTIFIER", "smtpguard", NULL, NULL, 5);
	t_result(&c->report,
		 hello && field_of(hello, "MESSAGE") &&
			 strstr(field_of(hello, "MESSAGE"), "monitoring the guard"),
		 "[%zu] journal: monitor --syslog writes native entries to %s "
		 "(SMTPGUARD_JOURNAL_SOCKET)%s",
		 i, sock, hello ? "" : ": nothing within 5 s");
	if (hello) {
		journal_attempt(c, i, w, &j);
		journal_storm(c, i, &j);
		journal_full(c, i, w, &j, sock);
	}
	end_monitor(mon);
	for (size_t k = 0; k < j.n; k++)
		free(j.got[k]);
	close(j.fd);
	unlink(sock);
}

/* ---- many accounts flooding at once (issue 22) ------------------------ */

#define MANY_ACCOUNTS 100
#define MANY_FIRST_UID 64500
#define MANY_SECONDS 10.0
#define MANY_MAX_ATTEMPTS 50000000UL /* per process: a bound, whatever the machine */
#define QUIET_UID 64209
#define QUIET_TRIES 10

/* The kernel's count of uid's blocked attempts (the pinned counters map). */
static unsigned long long blocked_of(const struct ctx *c, unsigned int uid)
{
	char path[4200];
	struct sg_counter v;
	int fd;
	unsigned long long n = 0;

	snprintf(path, sizeof(path), "%s/" SG_PIN_COUNTERS, c->pin_dir);
	fd = bpf_obj_get(path);
	if (fd >= 0 && !bpf_map_lookup_elem(fd, &uid, &v))
		n = v.attempts[SG_ACTION_BLOCKED];
	if (fd >= 0)
		close(fd);
	return n;
}

/* Refused connects as uid for MANY_SECONDS, with an empty argv (as execve allows). */
static void __attribute__((noreturn))
many_flooder(const struct ctx *c, unsigned int uid, unsigned long *done)
{
	const struct who fl = { "flooder", uid, uid, NULL, CG_TEST, false };
	struct prctl_mm_map m;

	if (!own_mm_map(&m))
		_exit(3);
	m.arg_end = m.arg_start; /* /proc/PID/cmdline is empty */
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&m, sizeof(m), 0) || become(c, &fl))
		_exit(2);
	*done = refused_connects_for(MANY_SECONDS, MANY_MAX_ATTEMPTS);
	_exit(0);
}

static bool all_found(char *const *found)
{
	for (int k = 0; k < QUIET_TRIES; k++)
		if (!found[k])
			return false;
	return true;
}

/* The newest event line of each pid in a file of any size (found[k] kept, malloc'd). */
static void find_pids(const char *path, const pid_t *pids, char **found)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, needle[32];
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		for (int k = 0; k < QUIET_TRIES; k++) {
			snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)pids[k]);
			if (strstr(line, needle)) {
				free(found[k]);
				found[k] = strdup(line);
			}
		}
	}
	free(line);
	if (f)
		fclose(f);
}

/*
 * 100 accounts flood at once for 10 s, each from a process whose argv is
 * empty; meanwhile a quiet account runs the script 10 times, a second apart.
 * Each of its attempts is an event of its own, with unit, exe, cmdline and
 * cwd (or gone=), and the kernel's counters are exact for every account.
 */
static void run_many_floods(struct ctx *c, size_t i, const struct who_paths *w)
{
	char *found[QUIET_TRIES] = { NULL };
	unsigned long *done = mmap(NULL, MANY_ACCOUNTS * sizeof(*done), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned long long before[MANY_ACCOUNTS + 1], quiet_before, total = 0;
	pid_t kids[MANY_ACCOUNTS], quiet[QUIET_TRIES], mon;
	char path[4200], unit[64], bad[256] = "";
	int seen = 0, whole = 0, gone = 0, inexact = 0;
	double t0, elapsed;

	if (done == MAP_FAILED) {
		t_result(&c->report, false, "[%zu] many floods: no shared memory", i);
		return;
	}
	snprintf(path, sizeof(path), "%s/who-many.out", c->workdir);
	snprintf(unit, sizeof(unit), "\"unit\":\"" UNIT "\"");
	for (int k = 0; k < MANY_ACCOUNTS; k++)
		before[k] = blocked_of(c, MANY_FIRST_UID + (unsigned int)k);
	quiet_before = blocked_of(c, QUIET_UID);
	mon = monitor(c, CONF_EVENTS, "--json", "who-many", NULL);
	t0 = now_s();
	for (int k = 0; k < MANY_ACCOUNTS; k++) {
		done[k] = 0;
		kids[k] = fork();
		if (kids[k] == 0)
			many_flooder(c, MANY_FIRST_UID + (unsigned int)k, &done[k]);
	}
	for (int k = 0; k < QUIET_TRIES; k++) {
		usleep(900 * 1000);
		quiet[k] = start_script(w, QUIET_UID);
	}
	for (int k = 0; k < MANY_ACCOUNTS; k++)
		waitpid(kids[k], NULL, 0);
	elapsed = now_s() - t0;
	/* The monitor may be seconds behind; its output is megabytes: read it line by line. */
	for (double deadline = now_s() + 15; now_s() < deadline && !all_found(found);
	     usleep(200 * 1000))
		find_pids(path, quiet, found);
	for (int k = 0; k < QUIET_TRIES; k++) {
		const char *line = found[k];

		if (!line) {
			if (!bad[0])
				snprintf(bad, sizeof(bad),
					 "no event for the quiet attempt %d (pid %d)", k + 1,
					 (int)quiet[k]);
			continue;
		}
		seen++;
		if (strstr(line, unit) && !strstr(line, "\"exe\":null") &&
		    !strstr(line, "\"cmdline\":null") && !strstr(line, "\"cwd\":null"))
			whole++;
		else if (strstr(line, unit) && !strstr(line, "\"gone\":null"))
			gone++;
		else if (!bad[0])
			snprintf(bad, sizeof(bad),
				 "the quiet attempt %d lacks unit, exe, cmdline or cwd: %.150s",
				 k + 1, line);
	}
	for (int k = 0; k < MANY_ACCOUNTS; k++) {
		unsigned long long got =
			blocked_of(c, MANY_FIRST_UID + (unsigned int)k) - before[k];

		total += done[k];
		inexact += got != done[k];
	}
	if (blocked_of(c, QUIET_UID) - quiet_before != QUIET_TRIES)
		inexact++;
	end_monitor(mon);
	for (int k = 0; k < QUIET_TRIES; k++)
		stop_script(quiet[k]);
	t_result(
		&c->report, seen == QUIET_TRIES && whole + gone == QUIET_TRIES && !inexact,
		"[%zu] %d accounts flooding at once (empty argv) made %llu refused attempts in "
		"%.1f s (%.0f/s); the quiet uid %u's %d attempts a second apart: %d events (%d with "
		"unit, exe, cmdline and cwd, %d gone=); counters exact for %d of %d accounts%s%s",
		i, MANY_ACCOUNTS, total, elapsed, total / elapsed, QUIET_UID, QUIET_TRIES, seen,
		whole, gone, MANY_ACCOUNTS + 1 - inexact, MANY_ACCOUNTS + 1, bad[0] ? ": " : "",
		bad);
	munmap(done, MANY_ACCOUNTS * sizeof(*done));
	for (int k = 0; k < QUIET_TRIES; k++)
		free(found[k]);
}

/* ---- a foreign mount namespace (issue 22) ------------------------------ */

/*
 * As a tenant that is root of its own user and mount namespace: a copy of
 * bash bind-mounted over {WORK}/www/postconf, run as postconf. The event
 * names the forged path, and says so: mnt_ns foreign, with the device and
 * inode of the file that really runs (the copy's, as the host sees it).
 */
static void run_foreign_mnt(struct ctx *c, size_t i, const struct who_paths *w)
{
	char fake[4300], target[4300], cmd[16384], path[4200], needle[32], want[3][128];
	char line[8192] = "", tline[8192] = "", val[256];
	const char *why = NULL;
	struct stat st_fake, st_target;
	pid_t mon, pid;

	snprintf(fake, sizeof(fake), "%s/tenant-bash", w->www);
	snprintf(target, sizeof(target), "%s/postconf", w->www);
	snprintf(cmd, sizeof(cmd), "cp /bin/bash '%s' && cp /bin/true '%s'", fake, target);
	if (system(cmd) || stat(fake, &st_fake) || stat(target, &st_target)) {
		t_result(&c->report, false, "[%zu] foreign mount namespace: cannot copy bash", i);
		return;
	}
	/*
	 * The ": " after sleep keeps the shell: bash execs a last simple
	 * command, and the monitor, which reads /proc as the event arrives,
	 * would find sleep there instead of the forged postconf.
	 */
	snprintf(cmd, sizeof(cmd),
		 "mount --bind '%s' '%s' && exec '%s' -c ': 3<>/dev/tcp/" REMOTE4 "/25; sleep 20; :'",
		 fake, target, target);
	snprintf(want[0], sizeof(want[0]), "\"mnt_ns\":\"foreign\"");
	snprintf(want[1], sizeof(want[1]), "\"exe_dev\":\"%u:%u\"", major(st_fake.st_dev),
		 minor(st_fake.st_dev));
	snprintf(want[2], sizeof(want[2]), "\"exe_ino\":%llu,", (unsigned long long)st_fake.st_ino);
	for (int text = 0; text < 2; text++) {
		mon = monitor(c, CONF_EVENTS, text ? NULL : "--json",
			      text ? "who-mnt-text" : "who-mnt", NULL);
		pid = fork();
		if (pid == 0) {
			setpgid(0, 0);
			if (join(w, SCRIPT_UID) || chdir(w->www))
				_exit(255);
			execlp("unshare", "unshare", "-Urm", "/bin/sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		snprintf(path, sizeof(path), "%s/%s.out", c->workdir,
			 text ? "who-mnt-text" : "who-mnt");
		snprintf(needle, sizeof(needle), text ? " pid=%d " : "\"pid\":%d,", (int)pid);
		if (!newest_line_with(path, needle, 3, text ? tline : line, sizeof(line)))
			why = why ? why : "no event within 3 s (unshare -Urm refused?)";
		end_monitor(mon);
		stop_script(pid);
	}
	for (int k = 0; !why && k < 3; k++)
		if (!strstr(line, want[k]))
			why = want[k];
	if (!why && count_key(tline, "mnt_ns", val, sizeof(val)) != 1)
		why = "the text line has no mnt_ns=";
	else if (!why && strcmp(val, "foreign"))
		why = "the text line's mnt_ns is not foreign";
	else if (!why && (count_key(tline, "exe_ino", val, sizeof(val)) != 1 ||
			  strtoull(val, NULL, 10) != (unsigned long long)st_fake.st_ino))
		why = "the text line's exe_ino is not the copy's";
	t_result(&c->report, !why,
		 "[%zu] a tenant's bash bind-mounted over %s in its own user and mount namespace: "
		 "the event says mnt_ns foreign, exe_dev %u:%u and exe_ino %llu (the copy's; "
		 "postconf's is %llu), in JSON and text%s%s%s%s",
		 i, target, major(st_fake.st_dev), minor(st_fake.st_dev),
		 (unsigned long long)st_fake.st_ino, (unsigned long long)st_target.st_ino,
		 why ? ": " : "", why ? why : "", why ? "\n    " : "", why ? line : "");
}

void run_who(struct ctx *c, size_t i, int which)
{
	struct who_paths w;

	if (!who_paths(c, &w)) {
		t_result(&c->report, false, "[%zu] who: cannot set up the script and cgroups: %s",
			 i, strerror(errno));
		return;
	}
	if (which == WHO_ALL_FOUR)
		run_all_four(c, i, &w);
	else if (which == WHO_GONE)
		run_gone(c, i, &w);
	else if (which == WHO_PID_REUSE)
		run_pid_reuse(c, i, &w);
	else if (which == WHO_STALL)
		run_stall(c, i, &w);
	else if (which == WHO_MANY_FLOODS)
		run_many_floods(c, i, &w);
	else if (which == WHO_FOREIGN_MNT)
		run_foreign_mnt(c, i, &w);
	else
		run_journal(c, i, &w);
}
