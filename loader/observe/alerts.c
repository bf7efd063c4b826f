// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* alerts.c - see alerts.h. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alerts.h"

#define NS_PER_S 1000000000ULL

bool alerts_count(struct alerts *a, struct uid_state *s, __u64 now_ns)
{
	if (!a->count)
		return false;
	if (now_ns - s->alert_window_ns >= a->seconds * NS_PER_S || !s->alert_window_ns) {
		s->alert_window_ns = now_ns;
		s->alert_count = 0;
		s->alerted = false;
	}
	s->alert_count++;
	if (s->alerted || s->alert_count < a->count)
		return false;
	s->alerted = true;
	return true;
}

static void __attribute__((noreturn))
exec_command(const struct alerts *a, const struct alert_info *i)
{
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
	setenv("SMTPGUARD_PID", buf, 1);
	setenv("SMTPGUARD_CGROUP", i->cgroup, 1);
	setenv("SMTPGUARD_UNIT", i->unit, 1);
	setenv("SMTPGUARD_EXE", i->exe, 1);
	setenv("SMTPGUARD_CMDLINE", i->cmdline, 1);
	setenv("SMTPGUARD_CWD", i->cwd, 1);
	setenv("SMTPGUARD_GONE", i->gone, 1);
	execl(a->command, a->command, (char *)NULL);
	_exit(127);
}

void alerts_run(struct alerts *a, const struct alert_info *info, __u64 now_ns)
{
	struct alert_run *slot = NULL;
	pid_t pid;

	if (!a->command)
		return;
	alerts_reap(a, now_ns);
	for (int k = 0; k < ALERT_MAX_RUNNING && !slot; k++)
		if (!a->running[k].pid)
			slot = &a->running[k];
	if (!slot) {
		a->skipped++;
		return;
	}
	pid = fork();
	if (pid == 0)
		exec_command(a, info);
	if (pid > 0) {
		slot->pid = pid;
		slot->started_ns = now_ns;
	}
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
