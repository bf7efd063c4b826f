/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * e2e.h - what the end-to-end rows share: who a probe runs as, the
 * configuration files, the test context, and the helpers that run the CLI
 * and probes. steps.h says what a row is; the rows are in rows_*.c.
 */
#ifndef SG_E2E_H
#define SG_E2E_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "probe.h"
#include "testlib.h"

/* Which cgroup a probe runs in. */
enum cg_where {
	CG_TEST, /* SG_CGROUP */
	CG_NESTED, /* SG_CGROUP/nested/a/b */
};

struct who {
	const char *label;
	unsigned int uid, gid;
	const char *gid_group; /* take the GID of this group (skip if absent) */
	enum cg_where cg;
	bool in_container; /* runs in the container's network namespace (SG_CT_NETNS) */
};

/* Configuration files the rows load. */
enum conf {
	CONF_TEST,
	CONF_NOLOCAL,
	CONF_EMPTY, /* an empty file: every key at its built-in default */
	CONF_MISSING, /* named on the command line but absent */
	CONF_BAD,
	CONF_RACE, /* differs from CONF_TEST, same answers for 64201 and 64202 */
	CONF_ACCT, /* allows the throwaway account by name */
	CONF_ROLES, /* @mta only */
	CONF_PERSIST, /* edited by allow/revoke without --runtime */
	CONF_THREE_ERRORS,
	CONF_DEST,
	CONF_SYNC, /* rewritten between syncs by the sync race */
	CONF_NONE, /* no --config on the command line */
	CONF_EVENTS, /* short log window, alerts, the default redirect targets */
	CONF_SLOW_ALERT, /* an alert_command that hangs */
	CONF_REDIRECT4, /* redirect mode with an IPv4 target only */
	CONF_KILL_A, /* the kill loop: allows 64202, refuses 64201 */
	CONF_KILL_B, /* ... and the other way round */
	CONF_KILL_SYNC, /* rewritten to A or B before each sync of the kill loop */
	CONF_LOCK, /* edited by parallel "smtpguard allow" runs */
	CONF_SMALL, /* max_identities = 16 */
	CONF_CT_LOOPBACK, /* container_loopback = yes */
	CONF_FILEONLY, /* edited with --file-only while nothing is loaded */
	CONF_MAILMAN, /* @mailman, which resolves to nobody on a host without Mailman */
	CONF_SCOPED, /* scoped exceptions: a user's, a group's, anyone's */
	CONF_SCOPED_NAME, /* a user's relay by name, and a name that does not resolve */
	CONF_SCOPED_EDIT, /* edited by allow/revoke --to */
	CONF_HIGH_IDS, /* IDs above the allowlists' arrays, in their hashes */
	CONF_SCOPED_V6, /* IPv6 CIDRs that would hold ::ffff:0:0/96, and one that is ::ffff: */
	CONF_KILL_SESSIONS, /* revoke --kill: port 2526 guarded too (a listener that holds sessions) */
	CONF_JOURNAL, /* alert on every attempt, log_burst 3 per 2 s (who_journal.c) */
	CONF_ALERT_SWAP, /* alert on every attempt; its command's directory is taken over */
	CONF_ALERT_FLOOD, /* alert_threshold far above the event budget */
	CONF_CT_AUDIT, /* CONF_TEST's lists in audit mode (the packet path's rows) */
	CONF_DEST_MANY, /* 18 single allow_dest addresses: the mail host's past the exact table */
	CONF_COUNT,
};

struct ctx {
	const char *bin, *pin_dir, *cgroup, *workdir, *veth, *free_cgroup, *helper, *ct_netns,
		*mx_netns;
	char nested[4096]; /* SG_CGROUP/nested/a/b */
	char nested_top[4096]; /* SG_CGROUP/nested */
	char snapshot[1 << 16]; /* S_SNAP */
	pid_t monitor; /* S_MON_START, or 0 */
	char conf_path[CONF_COUNT][4096];
	struct test_report report;
	/* resolver.c: the CLI sees the rows' own hosts file; down: DNS that fails */
	bool resolver_private, resolver_down;
};

/* identities.c: who the probes run as. */
extern const struct who root, denied, denied_nested, allowed_uid, allowed_uid_nested, allowed_gid,
	mail_group, counted, stormer, alerted, alert_flooder, quiet, ct_denied, ct_allowed, ct_raw,
	high_uid, high_gid, last_in_array, first_in_hash, acct_old, acct_new, fake_mta, fake_pfx,
	no_relay, relay_grp, named, marker;

/* confs.c: each configuration's file name in SG_WORKDIR, and its text (NULL: absent). */
struct conf_file {
	const char *file;
	const char *text;
};
extern const struct conf_file confs[CONF_COUNT];

/* "connected", "EPERM", or strerror(). */
const char *errno_name(int e);

/* In a child: join w's cgroup and take w's identity for good. */
int become(const struct ctx *c, const struct who *w);

/* Run p as w in a child: 0, an errno value, PROBE_* or 255 (setup failed). */
int probe_as(const struct ctx *c, const struct who *w, const struct probe *p);

/* probe_as(), and the child's PID (the one its event names) to *child. */
int probe_as_pid(const struct ctx *c, const struct who *w, const struct probe *p, pid_t *child);

/* A row's probe with {VETH} and the like filled in (strings in the buffers). */
struct probe_bufs {
	char addr[128], dev[64], helper[4200], cgroup_to[4200];
};
struct probe expand_probe(const struct ctx *c, const struct probe *in, struct probe_bufs *b);

/*
 * The monitor's JSON line for pid (run_events.c) among those it wrote past
 * byte from of monitor.out (monitor_out_size() before the attempt: PIDs
 * wrap, an older line may name this one), waiting up to timeout seconds.
 */
bool find_event(const struct ctx *c, size_t from, pid_t pid, double timeout, char *line,
		size_t len);
/* How many bytes monitor.out holds now. */
size_t monitor_out_size(const struct ctx *c);

/* How many lines of the file at path hold needle. */
int count_matches(const char *path, const char *needle);

/*
 * Copy in to out with {VETH}, {WORK}, {CG}, {FREE_CG}, {HELPER}, {BIN}, {PIN}
 * {CT} and {MX} (the container's and the mail host's netns files) replaced.
 */
const char *expand(const struct ctx *c, const char *in, char *out, size_t len);

/*
 * argv for the CLI: args (split on blanks, in buf) plus the test's pin dir,
 * configuration and (for load) cgroup. Returns argc.
 */
#define CLI_ARGV_MAX 24
int cli_argv(const struct ctx *c, const char *args, enum conf conf, const char *cgroup, char *buf,
	     size_t len, char **argv);

/*
 * Run the CLI with args plus the test's pin dir, configuration and (for
 * load) cgroup; capture stdout and stderr. The exit code, or -1.
 */
int run_cli(const struct ctx *c, const char *args, enum conf conf, unsigned int as_uid,
	    const char *env, const char *cgroup, char *out, size_t out_len);

bool read_text(const char *path, char *buf, size_t len);
/* The file from byte from on (at most len - 1 bytes), NUL-terminated. */
bool read_text_from(const char *path, size_t from, char *buf, size_t len);

/* Write text to path through a 0644 temporary file renamed over it. */
bool write_conf_file(const char *path, const char *text);
double now_s(void);
/*
 * The newest line of file path holding needle (a monitor's output grows;
 * PIDs wrap, so an older line may hold the same one), waiting up to timeout
 * seconds for one to appear.
 */
bool newest_line_with(const char *path, const char *needle, double timeout, char *line, size_t len);

/* Refused connects to 198.51.100.25:25 for seconds (at most max): how many got EPERM. */
unsigned long refused_connects_for(double seconds, unsigned long max);

/* resolver.c: hosts (NULL: the host's own resolver again), or a failing resolver. */
bool resolver_set(struct ctx *c, const char *hosts, bool down);
int resolver_enter(const struct ctx *c);
/* Start "smtpguard monitor" (mode NULL: text) with output to WORK/name.out and .err. */
pid_t start_monitor(const struct ctx *c, enum conf conf, const char *mode, const char *name,
		    const char *env);

/*
 * Split a text line into key=value tokens as a log parser would: how many
 * have this key; the last one's value, unescaped, to val.
 */
int count_key(const char *line, const char *key, char *val, size_t len);

/* who.c: the unit, executable, command line and working directory (issue 17). */
enum who_row {
	WHO_ALL_FOUR, /* a script in a unit's cgroup: all four, escaped, JSON and text */
	WHO_GONE, /* a process that exits at once */
	WHO_PID_REUSE, /* its PID given to a decoy before the monitor looks */
	WHO_STALL, /* its arguments on a FUSE file that never answers */
	WHO_JOURNAL, /* native journal entries on a socket of the test's */
	WHO_MANY_FLOODS, /* 100 accounts flood (empty argv) while a quiet one tries 10 times */
	WHO_FOREIGN_MNT, /* exe forged by a bind mount in the tenant's own mount namespace */
};
void run_who(struct ctx *c, size_t i, int which);

/* faults.c */
void run_kill_loop(struct ctx *c, size_t i, int rounds);
void run_lock_storm(struct ctx *c, size_t i, int writers);
void run_foreign_link(struct ctx *c, size_t i);
void run_unload_other_version(struct ctx *c, size_t i);

#endif
