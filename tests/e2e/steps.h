/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * steps.h - what an e2e row is: its kind, the member of struct step each
 * kind fills, and the tables of rows (one per rows_*.c file, run in the
 * order of e2e_guard.c's row_tables[]). The addresses the rows use are
 * tests/world.sh's.
 */
#ifndef SG_E2E_STEPS_H
#define SG_E2E_STEPS_H

#include <stdbool.h>
#include <stddef.h>

#include "e2e.h"
#include "probe.h"

#define REMOTE4 "198.51.100.25"
#define REMOTE6 "2001:db8:1::25"
#define MAPPED4 "::ffff:198.51.100.25"
/* A second mail host on the same link (25 and 587): the relay that is not allowed. */
#define OTHER4 "198.51.100.26"
#define OTHER6 "2001:db8:1::26"
#define MAPPED_OTHER4 "::ffff:198.51.100.26"
#define OWN4 "198.51.100.1"
#define OWN6 "2001:db8:1::1"
#define MAPPED_OWN4 "::ffff:198.51.100.1"
#define V4COMPAT "::198.51.100.25" /* deprecated IPv4-compatible form: plain IPv6 */
/* Placeholders replaced at run time by the host-side veth name. */
#define VETH "{VETH}"
#define OWN_LL "fe80::1%{VETH}"

enum step_kind {
	S_CLI,
	S_CONN,
	S_RACE,
	S_UNPIN, /* remove a pin behind the guard's back */
	S_DETACH, /* detach a pinned link behind the guard's back */
	S_SH, /* a shell command that must succeed (useradd, usermod, ...) */
	S_FILE, /* a configuration file holds want[] and not unwanted */
	S_SNAP, /* remember "list --json" */
	S_SAME, /* "list --json" is what S_SNAP remembered */
	S_SYNC_RACE, /* syncs with changing files while connecting */
	S_MON_START, /* start "smtpguard monitor --json" in the background */
	S_MON_STOP, /* SIGKILL it */
	S_EVENT, /* a probe, then its event in the monitor's output within 1 s */
	S_COUNTS, /* N refused probes move status --json by exactly N */
	S_REACH, /* a probe lands on the local listener (redirect) or the remote one */
	S_ALERT, /* N probes raise exactly one alert */
	S_STORM, /* 10,000 refused attempts against a stopped "monitor --syslog" */
	S_FLOOD, /* one UID floods from 4 processes; a quiet UID's attempts all reported */
	S_FORGE, /* a process named like a key=value pair, in the monitor's text lines */
	S_ALERT_SWAP, /* alert_command's name taken over between alerts: never run */
	S_ALERT_FLOOD, /* a threshold far above the event budget fires when crossed */
	S_KILL_LOOP, /* load, sync and unload SIGKILLed at random moments (faults.c) */
	S_LOCK_STORM, /* many allow/load/sync at once: no lost update (faults.c) */
	S_FOREIGN_LINK, /* a hook made to run another guard's program (faults.c) */
	S_UNLOAD_OTHER_VERSION, /* unload over a program of another version (faults.c) */
	S_HOSTS, /* the CLI's own hosts file from now on (.hosts); NULL: the host's resolver */
	S_RESOLVER_DOWN, /* the CLI's resolver fails (no DNS server answers), hosts unused */
	S_WHO, /* which script: unit, exe, cmdline, cwd (who.c, enum who_row) */
	S_PATH, /* a probe, its event with "path" and its count (the packet path) */
	S_SECTION, /* the name of the rows that follow, for T=PATTERN */
	S_KIND_COUNT,
};

/* S_CLI: run smtpguard; its exit code and output. */
struct cli_row {
	const char *args; /* plus the test's pin dir, configuration and (load) cgroup */
	enum conf conf;
	int exit_code;
	unsigned int as_uid; /* run the CLI as this UID (0: root) */
	const char *env; /* NAME=VALUE in the CLI's environment, or NULL */
	const char *want[4]; /* substrings the output must hold ({CG}: the test cgroup) */
	const char *unwanted; /* a substring it must not hold */
};

/* S_CONN: a probe connects as who; its result. */
struct conn_row {
	const struct who *who;
	struct probe probe;
	int expect; /* 0 or an errno */
};

/* S_EVENT: a probe, then its event in the monitor's output within 1 s. */
struct event_row {
	const struct who *who;
	struct probe probe;
	const char *action; /* "blocked", "audited", "redirected" */
	int expect; /* the connect's result: 0 or an errno */
	const char *says; /* text the event's JSON line also holds, or NULL */
};

/* S_COUNTS, S_ALERT: n refused probes as who. */
struct counted_row {
	const struct who *who;
	struct probe probe;
	int n;
};

/* S_REACH: where a probe lands. */
struct reach_row {
	const struct who *who;
	struct probe probe;
	bool local; /* on the local MTA (redirected), not the remote host */
};

/* S_PATH: a probe that connect() does not decide; its event and its count. */
struct path_row {
	const struct who *who;
	struct probe probe;
	int expect; /* the probe's result */
	unsigned int uid; /* the account the event and counter name */
	const char *action; /* "blocked" or "audited" */
	const char *path; /* "nat" or "raw" */
	const char *cmd; /* instead of the probe: a shell command, its exit status expect */
	const char *dst; /* where the SYN really went */
	unsigned int port;
};

/* S_FILE: a configuration file holds want[] and not unwanted. */
struct file_row {
	enum conf conf;
	const char *want[4];
	const char *unwanted;
};

/* S_FORGE: a process named comm connects as who. */
struct forge_row {
	const struct who *who;
	const char *comm;
};

/*
 * One row of the suite: its kind says which member of the union it fills
 * (see step_kinds[] for the function that runs it).
 */
struct step {
	enum step_kind kind;
	union {
		struct cli_row cli; /* S_CLI */
		struct conn_row conn; /* S_CONN */
		struct event_row event; /* S_EVENT */
		struct counted_row counted; /* S_COUNTS, S_ALERT */
		struct reach_row reach; /* S_REACH */
		struct file_row file; /* S_FILE */
		struct path_row path; /* S_PATH */
		struct forge_row forge; /* S_FORGE */
		enum conf monitor_conf; /* S_MON_START */
		const char *cmd; /* S_SH */
		const char *pin; /* S_UNPIN, S_DETACH: the pin's name */
		const char *hosts; /* S_HOSTS: the CLI's hosts file; NULL: the host's resolver */
		const struct who *crowd; /* S_STORM, S_FLOOD: who floods */
		int rounds; /* S_KILL_LOOP, S_LOCK_STORM */
		enum who_row who_case; /* S_WHO */
		const char *section; /* S_SECTION */
	};
};

/* One feature's rows (rows_NAME.c); T=NAME/ selects all of them. */
struct row_table {
	const char *name;
	const struct step *v;
	size_t n;
};

extern const struct row_table rows_core, rows_containers, rows_identities, rows_lifecycle,
	rows_config, rows_scoped, rows_observe;

#endif
