// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* alerts.c - see alerts.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "alerts.h"
#include "trust.h"

#define NS_PER_S 1000000000ULL

bool alerts_count(struct alerts *a, struct uid_state *s, __u64 attempts, __u64 now_ns)
{
	if (!a->count || !attempts)
		return false;
	/* An attempt older than the window's start (a late event) counts in it. */
	if (!s->alert_window_ns ||
	    (now_ns > s->alert_window_ns && now_ns - s->alert_window_ns >= a->seconds * NS_PER_S)) {
		s->alert_window_ns = now_ns;
		s->alert_count = 0;
		s->alerted = false;
	}
	s->alert_count = attempts > UINT32_MAX - s->alert_count ? UINT32_MAX :
								  s->alert_count + (__u32)attempts;
	if (s->alerted || s->alert_count < a->count)
		return false;
	s->alerted = true;
	return true;
}

static void __attribute__((noreturn))
exec_command(const struct alerts *a, const struct alert_info *i, int fd, bool script)
{
	char *argv[] = { (char *)a->command, NULL };
	char buf[32];
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	sigset_t none;

	/*
	 * A clean start: default signals, /dev/null for stdio, and an environment
	 * of PATH and the SMTPGUARD_* values only. Those values come from the
	 * account that tried (its command name, executable, command line and
	 * working directory, escaped but chosen by it): the command must treat
	 * them as untrusted text.
	 */
	setpgid(0, 0);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	clearenv();
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	snprintf(buf, sizeof(buf), "%u", i->uid);
	setenv("SMTPGUARD_UID", buf, 1);
	setenv("SMTPGUARD_USER", i->user ? i->user : "", 1);
	snprintf(buf, sizeof(buf), "%u", i->count);
	setenv("SMTPGUARD_COUNT", buf, 1);
	snprintf(buf, sizeof(buf), "%u", a->seconds);
	setenv("SMTPGUARD_WINDOW", buf, 1);
	setenv("SMTPGUARD_ACTION", i->action, 1);
	setenv("SMTPGUARD_LAST_DST", i->last_dst, 1);
	setenv("SMTPGUARD_COMM", i->comm, 1);
	snprintf(buf, sizeof(buf), "%u", i->pid);
	setenv("SMTPGUARD_PID", i->pid ? buf : "", 1); /* 0: not known (the counter scan) */
	setenv("SMTPGUARD_CGROUP", i->cgroup, 1);
	setenv("SMTPGUARD_UNIT", i->unit, 1);
	setenv("SMTPGUARD_EXE", i->exe, 1);
	setenv("SMTPGUARD_CMDLINE", i->cmdline, 1);
	setenv("SMTPGUARD_CWD", i->cwd, 1);
	setenv("SMTPGUARD_GONE", i->gone, 1);
	setenv("SMTPGUARD_MNT_NS", i->mnt_ns ? i->mnt_ns : "", 1);
	setenv("SMTPGUARD_EXE_DEV", i->exe_dev ? i->exe_dev : "", 1);
	setenv("SMTPGUARD_EXE_INO", i->exe_ino ? i->exe_ino : "", 1);
	/*
	 * The file that was checked, not whatever has its name now. The kernel
	 * hands a #! script to its interpreter as /dev/fd/N: that descriptor
	 * must stay open across the exec (a binary's need not).
	 */
	if (script)
		fcntl(fd, F_SETFD, 0);
	fexecve(fd, argv, environ);
	_exit(127);
}

/* Does the open file start with "#!"? Then it runs through /dev/fd/N. */
static bool is_script(int fd)
{
	char magic[2];

	return pread(fd, magic, sizeof(magic), 0) == 2 && magic[0] == '#' && magic[1] == '!';
}

/* Remember why the command is (not) run; a change is news for the log. */
static void note_trust(struct alerts *a, const char *why)
{
	if (!why) {
		if (a->refusal[0])
			snprintf(a->notice, sizeof(a->notice),
				 "alert_command %s passes its check again: running it", a->command);
		a->notice_prio = LOG_NOTICE;
		a->refusal[0] = '\0';
		return;
	}
	if (!strcmp(why, a->refusal))
		return;
	snprintf(a->refusal, sizeof(a->refusal), "%s", why);
	snprintf(a->notice, sizeof(a->notice),
		 "alert_command %s is not run: %s (it runs as root: it and every directory above "
		 "it must be root's and not writable by group or others)",
		 a->command, why);
	a->notice_prio = LOG_WARNING;
}

/* The command, opened and checked now: a descriptor to run, or -1 (why). */
static int open_command(const struct alerts *a, bool *script, char *why, size_t len)
{
	int fd = trust_open_executable(a->command, why, len);
	char dev_fd[32];

	if (fd < 0)
		return -1;
	*script = is_script(fd);
	snprintf(dev_fd, sizeof(dev_fd), "/dev/fd/%d", fd);
	if (*script && access(dev_fd, R_OK)) {
		snprintf(why, len,
			 "it is a script (#!), which the kernel runs through %s, and that is not "
			 "there (%s): mount /proc",
			 dev_fd, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

bool alerts_take_notice(struct alerts *a, char *buf, size_t len, int *prio)
{
	if (!a->notice[0])
		return false;
	snprintf(buf, len, "%s", a->notice);
	a->notice[0] = '\0';
	*prio = a->notice_prio;
	return true;
}

enum alert_outcome alerts_run(struct alerts *a, const struct alert_info *info, __u64 now_ns)
{
	struct alert_run *slot = NULL;
	char why[sizeof(a->refusal)];
	bool script = false;
	pid_t pid;
	int fd;

	if (!a->command)
		return ALERT_NO_COMMAND;
	alerts_reap(a, now_ns);
	for (int k = 0; k < ALERT_MAX_RUNNING && !slot; k++)
		if (!a->running[k].pid)
			slot = &a->running[k];
	if (!slot) {
		a->skipped++;
		return ALERT_BUSY;
	}
	fd = open_command(a, &script, why, sizeof(why));
	note_trust(a, fd < 0 ? why : NULL);
	if (fd < 0) {
		a->refused++;
		return ALERT_REFUSED;
	}
	pid = fork();
	if (pid == 0)
		exec_command(a, info, fd, script);
	close(fd);
	if (pid < 0)
		return ALERT_FORK_FAILED;
	slot->pid = pid;
	slot->started_ns = now_ns;
	return ALERT_STARTED;
}

void alerts_reap(struct alerts *a, __u64 now_ns)
{
	for (int k = 0; k < ALERT_MAX_RUNNING; k++) {
		struct alert_run *r = &a->running[k];

		if (!r->pid)
			continue;
		if (waitpid(r->pid, NULL, WNOHANG) == r->pid)
			r->pid = 0;
		else if (now_ns - r->started_ns > ALERT_COMMAND_TIMEOUT_S * NS_PER_S)
			kill(-r->pid, SIGKILL); /* reaped at a later call, never waited for */
	}
}

void alerts_kill_all(struct alerts *a)
{
	for (int k = 0; k < ALERT_MAX_RUNNING; k++)
		if (a->running[k].pid)
			kill(-a->running[k].pid, SIGKILL);
}
