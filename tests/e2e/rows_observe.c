// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rows_observe.c - what the admin is told: events, audit and
 * redirect modes, counters, alerts and their command, forged names, which
 * script tried, floods by many accounts, a foreign mount namespace, the
 * storm, a slow alert.
 * Rows as steps.h describes them; T=observe/ runs them all (README).
 */
#include "rows.h"

/* clang-format off */
static const struct step rows[] = {
	SECTION("events"),
	/* ---- See who tries (issue 4) ---- */
	SH("printf '#!/bin/sh\\necho \"$SMTPGUARD_UID $SMTPGUARD_COUNT $SMTPGUARD_ACTION\" >>{WORK}/alerts.log\\n' "
	   ">{WORK}/alert.sh && chmod 755 {WORK}/alert.sh"),
	CLI("load", CONF_EVENTS, 0, "guarding 3 ports"),
	MON_START(CONF_EVENTS),
	EVENT(denied, P4(REMOTE4, 25, PM_CONNECT), "blocked", EPERM),
	EVENT(denied, P6(REMOTE6, 465, PM_CONNECT), "blocked", EPERM),
	EVENT(denied, P6(MAPPED4, 587, PM_CONNECT), "blocked", EPERM),
	EVENT(denied_nested, P4(REMOTE4, 25, PM_TFO_SENDTO), "blocked", EPERM),
	EVENT(ct_denied, P4(OWN4, 25, PM_CONNECT), "blocked", EPERM),
	/*
	 * The event's pid, comm and cgroup come from the caller's task where
	 * the kernel lets a connect program read it (BTF gives the offsets),
	 * else from bpf_get_current_pid_tgid(), _comm() and _cgroup_id(): each
	 * generation holds one way only, and both report the same process
	 * (EVENT checks the pid and comm) and cgroup.
	 */
	EVENT_SAYS(denied, P4(REMOTE4, 25, PM_CONNECT), "blocked", EPERM,
		   "\"cgroup\":\"/smtpguard-test-"),
	SH("p=$(bpftool -j link show pinned {PIN}/link_connect4 | sed 's/.*\"prog_id\":\\([0-9]*\\).*/\\1/') && "
	   "x=$(bpftool prog dump xlated id $p) && echo \"$x\" | grep -q 'call bpf_get_current_task_btf' && "
	   "! echo \"$x\" | grep -E 'call bpf_get_current_(comm|pid_tgid|cgroup_id)'"),
	CLI_ENV("SMTPGUARD_TEST_NO_TASK_CRED=1", "load", CONF_EVENTS, 0, "no changes"),
	SH("p=$(bpftool -j link show pinned {PIN}/link_connect6 | sed 's/.*\"prog_id\":\\([0-9]*\\).*/\\1/') && "
	   "x=$(bpftool prog dump xlated id $p) && for h in comm pid_tgid cgroup_id; do "
	   "echo \"$x\" | grep -q \"call bpf_get_current_$h\" || exit 1; done"),
	EVENT_SAYS(denied, P6(REMOTE6, 465, PM_CONNECT), "blocked", EPERM,
		   "\"cgroup\":\"/smtpguard-test-"),
	EVENT_SAYS(denied_nested, P6(MAPPED4, 25, PM_TFO_SENDTO), "blocked", EPERM,
		   "/nested/a/b\""),
	CLI("load", CONF_EVENTS, 0, "no changes"),
	EVENT_SAYS(denied_nested, P4(REMOTE4, 587, PM_CONNECT), "blocked", EPERM,
		   "/nested/a/b\""),
	/*
	 * Fairness: one account floods the hook from four processes, and another
	 * that tries eight times meanwhile is reported eight times. The flood
	 * is accounted for exactly: events plus what the kernel counted and did
	 * not send (its event budget), as the monitor reports it.
	 */
	FLOOD(),
	COUNTS(counted, 7),
	CLI("status", CONF_EVENTS, 0, "uid 64206: 7 blocked, last 198.51.100.25:25"),
	CLI("stats --prometheus", CONF_EVENTS, 0, "smtpguard_loaded 1",
	    "smtpguard_attempts_total{action=\"blocked\",uid=\"64206\",user=\"\"} 7"),
	/* A ring buffer has one reader: a second monitor is refused. */
	CLI("monitor --json", CONF_EVENTS, 1, "another smtpguard monitor"),
	SECTION("audit"),
	/* Audit: let it through, say it would have been blocked. The monitor follows the reload. */
	CLI("load --mode audit", CONF_EVENTS, 0, "mode = audit: added as line 7", "~mode: enforce -> audit",
	    "auditing"),
	CLI("status", CONF_EVENTS, 0, "AUDIT MODE", "mode           audit"),
	/* --mode went into the file: the automatic syncs keep it. */
	FILE_HAS(CONF_EVENTS, NULL, "mode = audit  # set by smtpguard load --mode\n"),
	CLI("sync", CONF_EVENTS, 0, "in sync, nothing changed"),
	EVENT(denied, P4(REMOTE4, 25, PM_CONNECT), "audited", 0),
	EVENT(denied, P6(MAPPED4, 465, PM_CONNECT), "audited", 0),
	EVENT(denied, P6(REMOTE6, 587, PM_CONNECT), "audited", 0),
	SECTION("redirect"),
	/* Redirect: the local MTA gets the connection, the remote host does not. */
	CLI("load --mode redirect", CONF_EVENTS, 0, "redirecting"),
	REACH(denied, P4(REMOTE4, 25, PM_CONNECT), 1),
	REACH(denied, P6(REMOTE6, 465, PM_CONNECT), 1),
	REACH(denied, P6(MAPPED4, 587, PM_CONNECT), 1),
	REACH(denied, P4(REMOTE4, 587, PM_URING), 1),
	REACH(allowed_uid, P4(REMOTE4, 25, PM_CONNECT), 0),
	REACH(denied, P4(REMOTE4, 2525, PM_CONNECT), 0),
	EVENT(denied, P6(MAPPED4, 25, PM_CONNECT), "redirected", 0),
	/* One account's counts in every action, each with its separator. */
	SH("{BIN} status --pin-dir {PIN} | grep -Eq "
	   "'uid 64201: [0-9]+ blocked, [0-9]+ audited, [0-9]+ redirected'"),
	CLI("stats --prometheus", CONF_EVENTS, 0, "smtpguard_state{state=\"redirect\"} 1",
	    "smtpguard_info{version=\"" SMTPGUARD_VERSION "\",mode=\"redirect\"} 1"),
	/* A socket bound to another interface is not redirected: refused, counted blocked. */
	EVENT(denied, P4D(REMOTE4, 25, VETH), "blocked", EPERM),
	/* Nor is one in a container: the target is the host's MTA, not the container's. */
	EVENT(ct_denied, P4(REMOTE4, 25, PM_CONNECT), "blocked", EPERM),
	/* With no IPv6 target, IPv6 is refused (and counted as blocked), IPv4 redirected. */
	CLI("load", CONF_REDIRECT4, 0, "redirecting"),
	EVENT(denied, P6(REMOTE6, 25, PM_CONNECT), "blocked", EPERM),
	REACH(denied, P6(MAPPED4, 25, PM_CONNECT), 1),
	EVENT(denied, P4(REMOTE4, 465, PM_CONNECT), "redirected", 0),
	SECTION("alerts"),
	/* One alert per UID and window, however many attempts. */
	CLI("load --mode enforce", CONF_EVENTS, 0, "~mode: redirect -> enforce"),
	ALERT(alerted, 20),
	/* Killing the monitor changes nothing in the kernel. */
	MON_STOP(),
	CLI("status", CONF_EVENTS, 0, "loaded, enforcing"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(denied, P6(MAPPED4, 465, PM_CONNECT), EPERM),
	SECTION("forge"),
	/*
	 * The account names its process: the text line still has one value per
	 * key (comm is quoted and escaped), whatever the name holds.
	 */
	FORGE("dst=8.8.8.8:25"),
	FORGE("a\"b\\c\td=e"),
	SECTION("issue 22: alert command"),
	/*
	 * Issue 22: the file that runs is the file that was checked, at every
	 * alert. Root's script runs (through /dev/fd: a #! script run by its
	 * descriptor); its directory is then made sticky and world-writable, as
	 * /tmp is, the script removed and a tenant's planted under its name:
	 * that one never runs, and the monitor says why once, not once per
	 * alert; root's script back, it runs again.
	 */
	ALERT_SWAP(),
	/* alert_threshold = 1000/1s, 30 times the event budget: it fires when crossed. */
	ALERT_FLOOD(),
	SECTION("who"),
	/*
	 * Which script (issue 17): the unit, executable, command line and
	 * working directory of every attempt, never another process's, and
	 * the journal with fields.
	 */
	WHO(WHO_ALL_FOUR),
	WHO(WHO_GONE),
	WHO(WHO_PID_REUSE),
	WHO(WHO_STALL),
	SH("useradd -M -U -u 64290 -s /usr/sbin/nologin -c smtpguard-test sgt-who"),
	WHO(WHO_JOURNAL),
	SH("userdel sgt-who"),
	SECTION("issue 22: many floods"),
	/* Issue 22: a quiet account's 10 attempts while 100 accounts flood at once. */
	WHO(WHO_MANY_FLOODS),
	SECTION("issue 22: foreign mount namespace"),
	/* Issue 22: exe forged by a bind mount in the tenant's own mount namespace. */
	WHO(WHO_FOREIGN_MNT),
	SECTION("storm"),
	/* A storm: the connect path keeps answering, syslog stays condensed, losses are reported. */
	STORM(),
	SECTION("slow alert"),
	/*
	 * A hung alert_command never stalls the monitor: five accounts each fire
	 * it (one more than may run at once), and every event still shows at once.
	 */
	SH("printf '#!/bin/sh\\nexec sleep 8\\n' >{WORK}/slow-alert.sh && chmod 755 {WORK}/slow-alert.sh"),
	MON_START(CONF_SLOW_ALERT),
	EVENT(denied, P4(REMOTE4, 25, PM_CONNECT), "blocked", EPERM),
	EVENT(counted, P4(REMOTE4, 465, PM_CONNECT), "blocked", EPERM),
	EVENT(alerted, P6(REMOTE6, 25, PM_CONNECT), "blocked", EPERM),
	EVENT(stormer, P6(MAPPED4, 25, PM_CONNECT), "blocked", EPERM),
	EVENT(acct_old, P4(REMOTE4, 587, PM_CONNECT), "blocked", EPERM),
	EVENT(denied, P6(REMOTE6, 587, PM_CONNECT), "blocked", EPERM),
	MON_STOP(),

	CLI("unload", CONF_TEST, 0, "unloaded"),
	CLI("sync", CONF_TEST, 3, "nothing to sync"),
};
/* clang-format on */

const struct row_table rows_observe = { "observe", rows, sizeof(rows) / sizeof(rows[0]) };
