/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * alerts.h - "alert_threshold = 20/60s": one alert per UID and window once
 * the UID reaches the count, like lfd's UID tracking. An alert_command runs
 * with the details in SMTPGUARD_* environment variables, never waited for:
 * at most ALERT_MAX_RUNNING at once (more are skipped and counted), each
 * killed after ALERT_COMMAND_TIMEOUT_S.
 *
 * The count is of attempts, not of events: the kernel sends an account's
 * events within a budget and counts the rest (suppressed, lost) exactly, so
 * the monitor counts each event and what its account's counters say was not
 * sent before it, and what its counter scan finds each second. A threshold
 * far above the event budget fires within a second of being crossed.
 *
 * alert_command is opened and checked again at every alert, and the open
 * file is what runs (trust.h): a file that fails the check is not run, and
 * the monitor is told once per change (alerts_take_notice()).
 */
#ifndef SG_ALERTS_H
#define SG_ALERTS_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

#include "uidtab.h"

#define ALERT_MAX_RUNNING 4
#define ALERT_COMMAND_TIMEOUT_S 30

struct alert_run {
	pid_t pid;
	__u64 started_ns;
};

struct alerts {
	__u32 count, seconds; /* 0: off */
	const char *command; /* or NULL */
	struct alert_run running[ALERT_MAX_RUNNING];
	__u64 skipped; /* commands not started: too many running */
	__u64 refused; /* commands not run: the file failed its check */
	char refusal[600]; /* why the last one was not run; "" when it ran */
	char notice[800]; /* what changed about it, for the monitor's log; "" */
	int notice_prio; /* LOG_WARNING (refused) or LOG_NOTICE (trusted again) */
};

struct alert_info {
	__u32 uid;
	const char *user; /* or NULL */
	__u32 count; /* attempts in the window */
	const char *action; /* "blocked", ... */
	const char *last_dst; /* "198.51.100.25:25" */
	const char *comm;
	__u32 pid; /* 0: not known */
	/* Where and what, escaped (escape_text()); "" when unknown. */
	const char *cgroup, *unit, *exe, *cmdline, *cwd;
	const char *gone; /* why exe, cmdline and cwd are "", or "" */
	/* "foreign" when the process's mount namespace is not the host's ("host", ""),
	 * and the executable's device ("MAJ:MIN") and inode ("" when unknown). */
	const char *mnt_ns, *exe_dev, *exe_ino;
};

/*
 * Count attempts (at least 1) of s->uid made at at_ns (CLOCK_BOOTTIME, as
 * the kernel's times: attempts counted by the scan a second later still
 * fall in the window they were made in); true when they cross the threshold
 * (the caller reports it, then calls alerts_run()).
 */
bool alerts_count(struct alerts *a, struct uid_state *s, __u64 attempts, __u64 at_ns);

/* What alerts_run() did. */
enum alert_outcome {
	ALERT_NO_COMMAND,
	ALERT_STARTED,
	ALERT_BUSY, /* ALERT_MAX_RUNNING run already: skipped */
	ALERT_REFUSED, /* the file failed its check: not run (see a->refusal) */
	ALERT_FORK_FAILED,
};

/* Start alert_command for it, if set, trusted and not too many are running. */
enum alert_outcome alerts_run(struct alerts *a, const struct alert_info *info, __u64 now_ns);

/*
 * What changed about alert_command since the last look (refused for a new
 * reason, or trusted again), once per change, into buf; false when nothing
 * did. *prio: its syslog priority.
 */
bool alerts_take_notice(struct alerts *a, char *buf, size_t len, int *prio);

/* Reap finished commands, kill overdue ones. Never blocks. Call about once a second. */
void alerts_reap(struct alerts *a, __u64 now_ns);

/* At exit: kill the commands still running (and what they started). */
void alerts_kill_all(struct alerts *a);

#endif
