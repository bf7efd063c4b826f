// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * e2e_guard.c - the guard in the real kernel, as a script of table rows.
 *
 * A row is either a CLI call (the real build/smtpguard, expected exit code
 * and output) or a connection attempt: an identity (UID, GID, cgroup) x a
 * family x an address x a port x a method, with the expected result (0 or
 * EPERM). Rows run in order, so "after load" and "after unload" read
 * naturally. Adding a case is adding a line.
 *
 * tests/run.sh prepares the world and passes it in the environment:
 *   SG_BIN      the smtpguard binary
 *   SG_PIN_DIR  a test pin dir (never the default one)
 *   SG_CGROUP   a test cgroup (never the root); probes run inside it
 *   SG_WORKDIR  a scratch directory for configuration files
 *   SG_VETH     the host's interface towards the mail host (has fe80::1)
 *   SG_CT_NETNS a container's network namespace behind the host (world.sh)
 *   SG_MX_NETNS the mail host's network namespace
 * and runs this program in the test "host" network namespace, which has
 * 198.51.100.1/24 and 2001:db8:1::1/64 on a veth to the "mail host"
 * namespace (198.51.100.25, 2001:db8:1::25; ports 25 465 587 2525 open)
 * and listeners on 0.0.0.0:25 and [::]:25 of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "e2e.h"
#include "smtpguard.h"
#include "probe.h"
#include "testlib.h"

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

#define RACE_LOADS 20
#define SYNC_RACE_ROUNDS 51 /* one load, then 50 syncs */
#define RACE_MAX_SECONDS 60
#define SUITE_MAX_SECONDS 600

const struct who root = { "root", 0, 0, NULL, CG_TEST, false };
const struct who denied = { "denied uid 64201", 64201, 64201, NULL, CG_TEST, false };
const struct who denied_nested = {
	"denied uid 64201, nested cgroup", 64201, 64201, NULL, CG_NESTED, false
};
const struct who allowed_uid = { "allowed uid 64202", 64202, 64201, NULL, CG_TEST, false };
const struct who allowed_uid_nested = {
	"allowed uid 64202, nested cgroup", 64202, 64201, NULL, CG_NESTED, false
};
static const struct who allowed_gid = { "allowed gid 64210", 64203, 64210, NULL, CG_TEST, false };
static const struct who mail_group = { "uid 64204 in group mail", 64204, 0, "mail", CG_TEST, false };
static const struct who counted = { "uid 64206 (counted)", 64206, 64201, NULL, CG_TEST, false };
static const struct who stormer = { "uid 64207 (storm)", 64207, 64201, NULL, CG_TEST, false };
static const struct who alerted = { "uid 64208 (alert)", 64208, 64201, NULL, CG_TEST, false };
static const struct who alert_flooder = {
	"uid 64216 (floods past alert_threshold)", 64216, 64201, NULL, CG_TEST, false
};
static const struct who quiet = {
	"uid 64209 (quiet, during a flood)", 64209, 64201, NULL, CG_TEST, false
};
/* Tenants of a container: their own network namespace, behind the host. */
static const struct who ct_denied = {
	"denied uid 64201 in a container", 64201, 64201, NULL, CG_TEST, true
};
static const struct who ct_allowed = {
	"allowed uid 64202 in a container", 64202, 64201, NULL, CG_TEST, true
};
/* Starts as root in the container's namespace; PM_RAW_SYN becomes as_uid with CAP_NET_RAW. */
static const struct who ct_raw = {
	"a container's raw socket (CAP_NET_RAW)", 0, 0, NULL, CG_TEST, true
};
/*
 * IDs on either side of the allowlists' arrays (which cover 0-65535 for the
 * configurations here) and far above them: those live in the hashes.
 */
static const struct who high_uid = {
	"allowed uid 3000000000 (hash)", 3000000000u, 64201, NULL, CG_TEST, false
};
static const struct who high_gid = {
	"allowed gid 3000000001 (hash)", 64211, 3000000001u, NULL, CG_TEST, false
};
static const struct who last_in_array = { "uid 65535 (array)", 65535, 64201, NULL, CG_TEST, false };
static const struct who first_in_hash = { "uid 65536 (hash)", 65536, 64201, NULL, CG_TEST, false };
/* Throwaway accounts made by SH() rows and removed by tests/run.sh. */
static const struct who acct_old = { "sgt-acct at uid 64260", 64260, 64201, NULL, CG_TEST, false };
static const struct who acct_new = { "sgt-acct at uid 64261", 64261, 64201, NULL, CG_TEST, false };
static const struct who fake_mta = {
	"sgt-mta (64270), what a stand-in exim reports", 64270, 64201, NULL, CG_TEST, false
};
static const struct who fake_pfx = {
	"sgt-pfx (64271), what a stand-in postconf reports", 64271, 64201, NULL, CG_TEST, false
};
/* Scoped exceptions (CONF_SCOPED*): 64201 (denied) has a relay, these have theirs or none. */
static const struct who no_relay = {
	"uid 64214 (no scoped rule)", 64214, 64201, NULL, CG_TEST, false
};
static const struct who relay_grp = {
	"uid 64215 in gid 64212 (a group's relay)", 64215, 64212, NULL, CG_TEST, false
};
static const struct who named = {
	"uid 64213 (a relay by name)", 64213, 64201, NULL, CG_TEST, false
};

static const struct {
	const char *file;
	const char *text;
} confs[CONF_COUNT] = {
	[CONF_TEST] = { "test.conf", "# e2e: lists may repeat and append\n"
				     "ports = 25, 465\n"
				     "ports = 587\n"
				     "allow_users = root 64202\n"
				     "allow_groups = 64210\n"
				     "allow_local = yes\n" },
	[CONF_NOLOCAL] = { "nolocal.conf", "ports = 25 465 587\n"
					   "allow_users = root 64202\n"
					   "allow_groups = 64210\n"
					   "allow_local = no\n" },
	[CONF_EMPTY] = { "empty.conf", "" },
	[CONF_MISSING] = { "absent.conf", NULL },
	[CONF_ACCT] = { "acct.conf", "allow_users = root sgt-acct\n"
				     "allow_groups = none\n" },
	[CONF_ROLES] = { "roles.conf", "allow_users = root @mta\n"
				       "allow_groups = @mta\n" },
	[CONF_PERSIST] = { "persist.conf", "# smtpguard test: this comment must survive\n"
					   "ports = 25 465 587\n"
					   "allow_users = root 64202   # the test's allowed UID\n"
					   "\n"
					   "allow_groups = 64210\n" },
	[CONF_THREE_ERRORS] = { "three.conf", "ports = 25, 0\n"
					      "allow_users = root 64201 nosuchuser-sgtest\n"
					      "colour = blue\n"
					      "allow_local = perhaps\n" },
	[CONF_DEST] = { "dest.conf", "allow_users = root 64202\n"
				     "allow_groups = 64210\n"
				     "allow_dest = 198.51.100.16/28   # the mail host, .25\n"
				     "allow_dest = 2001:db8:1::20/124\n" },
	[CONF_SYNC] = { "sync.conf", NULL }, /* written by the race */
	[CONF_NONE] = { "(no --config)", NULL },
	[CONF_REDIRECT4] = { "redirect4.conf", "allow_users = root 64202\n"
					       "mode = redirect\n"
					       "redirect_to = 127.0.0.1:25\n" },
	[CONF_SLOW_ALERT] = { "slow-alert.conf", "allow_users = root 64202\n"
						 "alert_threshold = 1/60s\n"
						 "alert_command = {WORK}/slow-alert.sh\n" },
	[CONF_EVENTS] = { "events.conf", "allow_users = root 64202\n"
					 "allow_groups = 64210\n"
					 "log_window = 2\n"
					 "log_burst = 5\n"
					 "alert_threshold = 5/60s\n"
					 "alert_command = {WORK}/alert.sh\n" },
	[CONF_RACE] = { "race.conf", "ports = 25 587 2525\n"
				     "allow_users = 64202 64299 root\n"
				     "allow_groups = 64210 64298\n"
				     "allow_local = no\n" },
	[CONF_KILL_A] = { "kill-a.conf", "allow_users = root 64202\nallow_groups = none\n" },
	[CONF_KILL_B] = { "kill-b.conf", "allow_users = root 64201\nallow_groups = none\n" },
	[CONF_KILL_SYNC] = { "kill-sync.conf", NULL }, /* written by the kill loop */
	[CONF_LOCK] = { "lock.conf", "allow_users = root 64202\nallow_groups = none\n" },
	[CONF_MAILMAN] = { "mailman.conf", "allow_users = root @mailman\n" },
	[CONF_JOURNAL] = { "journal.conf", "allow_users = root 64202\n"
					   "allow_groups = 64210\n"
					   "log_window = 2\n"
					   "log_burst = 3\n"
					   "alert_threshold = 1/60s\n"
					   "alert_command = {WORK}/alert-env.sh\n" },
	[CONF_ALERT_SWAP] = { "alert-swap.conf", "allow_users = root 64202\n"
						 "alert_threshold = 1/60s\n"
						 "alert_command = {WORK}/alert-swap/alert.sh\n" },
	[CONF_ALERT_FLOOD] = { "alert-flood.conf", "allow_users = root 64202\n"
						   "alert_threshold = 1000/1s\n"
						   "alert_command = {WORK}/alert-flood.sh\n" },
	[CONF_FILEONLY] = { "fileonly.conf", "allow_users = root 64202\n" },
	[CONF_CT_AUDIT] = { "ct-audit.conf", "ports = 25 465 587\n"
					     "allow_users = root 64202\n"
					     "allow_groups = 64210\n"
					     "mode = audit\n" },
	[CONF_CT_LOOPBACK] = { "ct-loopback.conf", "allow_users = root 64202\n"
						   "allow_groups = none\n"
						   "container_loopback = yes\n" },
	[CONF_SCOPED] = { "scoped.conf",
			  "ports = 25 465 587\n"
			  "allow_users = root 64202\n"
			  "allow_groups = none\n"
			  "allow_user_dest = 64201 198.51.100.25:587 [2001:db8:1::25]:465\n"
			  "allow_group_dest = 64212 198.51.100.0/24:465\n"
			  "allow_dest = 198.51.100.26:25\n" },
	[CONF_SCOPED_NAME] = { "scoped-name.conf",
			       "allow_users = root\n"
			       "allow_groups = none\n"
			       "allow_user_dest = 64213 relay.sgt-e2e.test:587\n"
			       "allow_user_dest = 64213 gone.sgt-e2e.test\n" },
	[CONF_SCOPED_EDIT] = { "scoped-edit.conf", "# scoped exceptions, edited by the rows\n"
						   "allow_users = root\n"
						   "allow_groups = none\n" },
	[CONF_SCOPED_V6] = { "scoped-v6.conf",
			     "ports = 25 465 587\n"
			     "allow_users = root 64202\n"
			     "allow_groups = none\n"
			     "allow_user_dest = 64201 [::/0]:25\n"
			     "allow_group_dest = 64212 ::/1\n"
			     "allow_user_dest = 64214 [::/0]:25 [::ffff:198.51.100.0/120]:25\n" },
	[CONF_KILL_SESSIONS] = { "kill-sessions.conf", "ports = 25 465 587 2526\n"
						       "allow_users = root 64202\n"
						       "allow_groups = none\n" },
	[CONF_SMALL] = { "small.conf", "max_identities = 16\n"
				       "allow_users = root 64202\n"
				       "allow_groups = none\n" },
	[CONF_HIGH_IDS] = { "high-ids.conf", "allow_users = root 64202 3000000000\n"
					     "allow_groups = 64210 3000000001\n" },
	/* Would allow the denied UID if anything of it were applied. */
	[CONF_BAD] = { "bad.conf", "ports = 25\n"
				   "allow_users = root 64201\n"
				   "ports = 0\n" },
};

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

/* clang-format off */
#define P4(a, p, m) { .family = AF_INET, .addr = a, .port = p, .method = m }
#define P6(a, p, m) { .family = AF_INET6, .addr = a, .port = p, .method = m }
#define P4B(a, p, b) { .family = AF_INET, .addr = a, .port = p, .method = PM_BIND_ADDR, .bind_addr = b }
#define P6B(a, p, b) { .family = AF_INET6, .addr = a, .port = p, .method = PM_BIND_ADDR, .bind_addr = b }
#define P4H(a, p, m, h) { .family = AF_INET, .addr = a, .port = p, .method = m, .helper = h }
#define P4A(a, p, m, u) { .family = AF_INET, .addr = a, .port = p, .method = m, .as_uid = u }
#define P4C(a, p, m, u) { .family = AF_INET, .addr = a, .port = p, .method = m, .as_uid = u, .cgroup_to = "{FREE_CG}" }
#define CONN(w, pr, e) { .kind = S_CONN, .conn = { .who = &w, .probe = pr, .expect = e } }
#define CLI(a, c, code, ...) { .kind = S_CLI, .cli = { .args = a, .conf = c, .exit_code = code, .want = { __VA_ARGS__ } } }
#define CLI_NOT(a, c, code, bad, ...) \
	{ .kind = S_CLI, .cli = { .args = a, .conf = c, .exit_code = code, .unwanted = bad, \
				  .want = { __VA_ARGS__ } } }
#define CLI_AS(uid, a, c, code, ...) \
	{ .kind = S_CLI, .cli = { .args = a, .conf = c, .exit_code = code, .as_uid = uid, \
				  .want = { __VA_ARGS__ } } }
#define RACE() { .kind = S_RACE }
#define UNPIN(name) { .kind = S_UNPIN, .pin = name }
#define SH(command) { .kind = S_SH, .cmd = command }
#define FILE_HAS(c, bad, ...) { .kind = S_FILE, .file = { .conf = c, .unwanted = bad, .want = { __VA_ARGS__ } } }
#define SNAP() { .kind = S_SNAP }
#define SAME() { .kind = S_SAME }
#define SYNC_RACE() { .kind = S_SYNC_RACE }
#define MON_START(c) { .kind = S_MON_START, .monitor_conf = c }
#define MON_STOP() { .kind = S_MON_STOP }
#define EVENT(w, pr, act, e) { .kind = S_EVENT, .event = { .who = &w, .probe = pr, .action = act, .expect = e } }
#define COUNTS(w, times) { .kind = S_COUNTS, .counted = { .who = &w, .n = times, .probe = P4(REMOTE4, 25, PM_CONNECT) } }
#define REACH(w, pr, to_local) { .kind = S_REACH, .reach = { .who = &w, .probe = pr, .local = to_local } }
#define ALERT(w, times) { .kind = S_ALERT, .counted = { .who = &w, .n = times, .probe = P4(REMOTE4, 25, PM_CONNECT) } }
#define STORM() { .kind = S_STORM, .crowd = &stormer }
#define FLOOD() { .kind = S_FLOOD, .crowd = &stormer }
#define FORGE(name) { .kind = S_FORGE, .forge = { .who = &denied, .comm = name } }
#define ALERT_SWAP() { .kind = S_ALERT_SWAP }
#define ALERT_FLOOD() { .kind = S_ALERT_FLOOD, .crowd = &alert_flooder }
#define CLI_ENV(env_, a, c, code, ...) \
	{ .kind = S_CLI, .cli = { .env = env_, .args = a, .conf = c, .exit_code = code, \
				  .want = { __VA_ARGS__ } } }
#define DETACH(name) { .kind = S_DETACH, .pin = name }
#define KILL_LOOP(n) { .kind = S_KILL_LOOP, .rounds = n }
#define LOCK_STORM(n) { .kind = S_LOCK_STORM, .rounds = n }
#define FOREIGN_LINK() { .kind = S_FOREIGN_LINK }
#define UNLOAD_OTHER_VERSION() { .kind = S_UNLOAD_OTHER_VERSION }
#define HOSTS(text) { .kind = S_HOSTS, .hosts = text }
#define RESOLVER_DOWN() { .kind = S_RESOLVER_DOWN }
/* An event whose JSON line also holds text. */
#define EVENT_SAYS(w, pr, act, e, text) { .kind = S_EVENT, .event = { .who = &w, .probe = pr, .action = act, .expect = e, .says = text } }
#define WHO(which) { .kind = S_WHO, .who_case = which }
/* Names the rows below it, for T=PATTERN; not a row of its own (no number, no result). */
#define SECTION(title) { .kind = S_SECTION, .section = title }
#define P4R(a, p, u) { .family = AF_INET, .addr = a, .port = p, .method = PM_RAW_SYN, .as_uid = u }
#define P6R(a, p, u) { .family = AF_INET6, .addr = a, .port = p, .method = PM_RAW_SYN, .as_uid = u }
/* A shell command (exit status e) as the rootless container's root (world.sh). */
#define UCT(cmd) "echo $$ >{CG}/cgroup.procs && nsenter -t $(cat {WORK}/uct.pid) -U -n -S 0 -G 0 " cmd
#define PATH_SH(command, e, u, act, pth, d, prt) \
	{ .kind = S_PATH, .path = { .who = &root, .cmd = command, .expect = e, .uid = u, \
				    .action = act, .path = pth, .dst = d, .port = prt } }
#define PATH_EVENT(w, pr, e, u, act, pth, d, prt) \
	{ .kind = S_PATH, .path = { .who = &w, .probe = pr, .expect = e, .uid = u, .action = act, \
				    .path = pth, .dst = d, .port = prt } }
#define P4D(a, p, dev) { .family = AF_INET, .addr = a, .port = p, .method = PM_CONNECT, .bind_dev = dev }
#define P6D(a, p, dev) { .family = AF_INET6, .addr = a, .port = p, .method = PM_CONNECT, .bind_dev = dev }
/* clang-format on */

/* clang-format off */
static const struct step steps[] = {
	SECTION("before the guard"),
	/* The test host answers before any guard: every later EPERM is the guard's. */
	CLI("status", CONF_TEST, 3, "not loaded"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(denied, P6(REMOTE6, 25, PM_CONNECT), 0),
	CONN(denied, P6(MAPPED4, 25, PM_CONNECT), 0),

	SECTION("check"),
	/* The host can run the guard: check probes by trying, and leaves nothing behind. */
	CLI("check --cgroup {CG}", CONF_TEST, 0, "the guard can work on this host", "not loaded at {PIN}"),
	CLI("check --json --cgroup {CG}", CONF_TEST, 0, "{\"schema\":1,\"can_work\":true,",
	    "\"id\":\"ringbuf\",\"name\":\"BPF ring buffer\",\"status\":\"ok\"",
	    "\"id\":\"cgroup_link\",\"name\":\"bpf_link for cgroups\",\"status\":\"ok\"",
	    "\"missing\":[]}"),
	SH("! ls {CG} | grep -q smtpguard-probe"),
	CLI_AS(64201, "check", CONF_TEST, 1, "must run as root"),
	CLI("check --mode audit", CONF_TEST, 2, "--mode does not apply"),
	CLI("check extra", CONF_TEST, 2, "expected no arguments"),

	SECTION("load"),
	/* Load. Every row below runs after the loader process has exited. */
	CLI("load", CONF_TEST, 0, "guarding 3 ports", "1 group"),
	CLI("check --cgroup {CG}", CONF_TEST, 0, "loaded at {PIN}"),
	CLI("status --json", CONF_TEST, 0, "\"loaded\":true", "\"ports\":[25,465,587]",
	    "{\"uid\":64202,", "\"cgroup\":\"{CG}\""),
	CLI("status", CONF_TEST, 0, "loaded, enforcing", "guarded ports  25 465 587", "uid 0 (root)"),

	SECTION("denied"),
	/* A denied UID: every guarded port, over IPv4, IPv6 and IPv4-mapped IPv6. */
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(denied, P4(REMOTE4, 465, PM_CONNECT), EPERM),
	CONN(denied, P4(REMOTE4, 587, PM_CONNECT), EPERM),
	CONN(denied, P6(REMOTE6, 25, PM_CONNECT), EPERM),
	CONN(denied, P6(REMOTE6, 465, PM_CONNECT), EPERM),
	CONN(denied, P6(REMOTE6, 587, PM_CONNECT), EPERM),
	CONN(denied, P6(MAPPED4, 25, PM_CONNECT), EPERM),
	CONN(denied, P6(MAPPED4, 465, PM_CONNECT), EPERM),
	CONN(denied, P6(MAPPED4, 587, PM_CONNECT), EPERM),
	CONN(denied, P6(V4COMPAT, 25, PM_CONNECT), EPERM),

	SECTION("connect methods"),
	/* Every other way to start a TCP connection. */
	CONN(denied, P4(REMOTE4, 25, PM_NONBLOCK), EPERM),
	CONN(denied, P6(REMOTE6, 25, PM_NONBLOCK), EPERM),
	CONN(denied, P4B(REMOTE4, 25, OWN4), EPERM),
	CONN(denied, P6B(REMOTE6, 465, OWN6), EPERM),
	CONN(denied, P4(REMOTE4, 25, PM_BIND_PORT0), EPERM),
	CONN(denied, P6(REMOTE6, 587, PM_BIND_PORT0), EPERM),
	CONN(denied, P4(REMOTE4, 25, PM_TFO_SENDTO), EPERM),
	CONN(denied, P6(REMOTE6, 25, PM_TFO_SENDTO), EPERM),
	CONN(denied, P6(MAPPED4, 25, PM_TFO_SENDTO), EPERM),
	CONN(denied, P4(REMOTE4, 465, PM_TFO_CONNECT), EPERM),
	CONN(denied, P6(REMOTE6, 465, PM_TFO_CONNECT), EPERM),
	CONN(denied, P4(REMOTE4, 25, PM_MPTCP), EPERM),
	CONN(denied, P6(REMOTE6, 25, PM_MPTCP), EPERM),
	CONN(denied, P6(MAPPED4, 587, PM_MPTCP), EPERM),
	CONN(denied, P4(REMOTE4, 25, PM_URING), EPERM),
	CONN(denied, P6(REMOTE6, 25, PM_URING), EPERM),
	CONN(denied, P4(REMOTE4, 587, PM_URING_ASYNC), EPERM),
	CONN(denied, P6(MAPPED4, 465, PM_URING_ASYNC), EPERM),

	SECTION("borrowed identities"),
	/*
	 * Borrowed identities. The identity is the task that connects, by its
	 * real IDs in the initial user namespace; the guard is the socket's
	 * cgroup's, fixed when the socket is made.
	 */
	CONN(denied, P4(REMOTE4, 25, PM_USERNS), EPERM),
	CONN(denied, P6(REMOTE6, 465, PM_USERNS), EPERM),
	SH("install -m 0755 {HELPER} {WORK}/sg-connect && "
	   "install -m 4755 -o root {HELPER} {WORK}/setuid-connect"),
	CONN(denied, P4H(REMOTE4, 25, PM_VFORK_EXEC, "{WORK}/sg-connect"), EPERM),
	CONN(denied, P4H(REMOTE4, 25, PM_SETUID_EXEC, "{WORK}/setuid-connect"), EPERM),
	CONN(root, P4A(REMOTE4, 25, PM_THREAD_SETUID, 64201), EPERM),
	CONN(root, P4A(REMOTE4, 25, PM_SCM_RIGHTS, 64201), EPERM),
	CONN(root, P4A(REMOTE4, 25, PM_SCM_RIGHTS, 64202), 0),
	CONN(root, P4C(REMOTE4, 25, PM_CGROUP_MOVE, 64201), EPERM),
	CONN(root, P4C(REMOTE4, 25, PM_CGROUP_FREE, 64201), 0),

	SECTION("nested cgroups"),
	/* Nested cgroups inherit the program attached above them. */
	CONN(denied_nested, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(denied_nested, P6(REMOTE6, 465, PM_CONNECT), EPERM),
	CONN(denied_nested, P6(MAPPED4, 587, PM_CONNECT), EPERM),

	SECTION("allowed"),
	/* Allowed identities get through, by every method. */
	CONN(allowed_uid, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(allowed_uid, P6(REMOTE6, 465, PM_CONNECT), 0),
	CONN(allowed_uid, P6(MAPPED4, 587, PM_CONNECT), 0),
	CONN(allowed_uid, P4(REMOTE4, 25, PM_TFO_SENDTO), 0),
	CONN(allowed_uid, P6(REMOTE6, 25, PM_MPTCP), 0),
	CONN(allowed_uid, P4(REMOTE4, 25, PM_URING), 0),
	CONN(allowed_uid, P4(REMOTE4, 25, PM_URING_ASYNC), 0),
	CONN(allowed_uid, P4B(REMOTE4, 25, OWN4), 0),
	CONN(allowed_uid_nested, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(allowed_gid, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(allowed_gid, P6(REMOTE6, 587, PM_CONNECT), 0),
	CONN(allowed_gid, P6(MAPPED4, 465, PM_CONNECT), 0),
	CONN(root, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(root, P6(REMOTE6, 25, PM_CONNECT), 0),

	SECTION("unguarded"),
	/* Unguarded ports and datagram sockets pass untouched. */
	CONN(denied, P4(REMOTE4, 2525, PM_CONNECT), 0),
	CONN(denied, P6(REMOTE6, 2525, PM_CONNECT), 0),
	CONN(denied, P6(MAPPED4, 2525, PM_CONNECT), 0),
	CONN(denied, P4(REMOTE4, 25, PM_UDP), 0),
	/*
	 * A load that guards other ports moves the commit point's port filter
	 * with it: the newly guarded port is refused, the one left is free.
	 */
	CLI("load", CONF_RACE, 0, "guarding 3 ports"),
	CONN(denied, P4(REMOTE4, 2525, PM_CONNECT), EPERM),
	CONN(denied, P6(MAPPED4, 2525, PM_CONNECT), EPERM),
	CONN(denied, P6(REMOTE6, 465, PM_CONNECT), 0),
	CLI("load", CONF_TEST, 0, "guarding 3 ports"),
	CONN(denied, P4(REMOTE4, 2525, PM_CONNECT), 0),
	CONN(denied, P6(REMOTE6, 465, PM_CONNECT), EPERM),

	SECTION("allow_local"),
	/* allow_local = yes: loopback and the host's own addresses. */
	CONN(denied, P4("127.0.0.1", 25, PM_CONNECT), 0),
	CONN(denied, P4("127.0.0.2", 25, PM_CONNECT), 0),
	CONN(denied, P6("::1", 25, PM_CONNECT), 0),
	CONN(denied, P6("::ffff:127.0.0.1", 25, PM_CONNECT), 0),
	CONN(denied, P4("0.0.0.0", 25, PM_CONNECT), 0),
	CONN(denied, P6("::", 25, PM_CONNECT), 0),
	CONN(denied, P4(OWN4, 25, PM_CONNECT), 0),
	CONN(denied, P6(OWN6, 25, PM_CONNECT), 0),
	CONN(denied, P6(MAPPED_OWN4, 25, PM_CONNECT), 0),
	CONN(denied, P4D("127.0.0.1", 25, "lo"), 0),

	/*
	 * "Local" is only local when routing may choose loopback: a socket bound
	 * to another interface (SO_BINDTODEVICE needs no privilege) can reach a
	 * neighbour that answers for our addresses, and a link-local address
	 * with a scope id names whoever is on that link.
	 */
	CONN(denied, P6D(OWN6, 25, VETH), EPERM),
	CONN(denied, P4D(OWN4, 25, VETH), EPERM),
	CONN(denied, P4D("127.0.0.1", 25, VETH), EPERM),
	CONN(denied, P6D("::1", 25, VETH), EPERM),
	CONN(denied, P6(OWN_LL, 25, PM_CONNECT), EPERM),
	CONN(allowed_uid, P6(OWN_LL, 25, PM_CONNECT), 0),
	CONN(allowed_uid, P6D(OWN6, 25, VETH), 0),

	SECTION("containers"),
	/*
	 * A container's network namespace is not the host's: its loopback and
	 * the host's addresses mean what its root makes them mean. Here its root
	 * DNATs the host's addresses and 127.0.0.2 (route_localnet) to the
	 * remote MX; the allowed rows prove the rewrite reaches the MX.
	 */
	SH("printf 'table ip sgt-ct {\n chain out { type nat hook output priority -100;\n"
	   "  ip daddr { 198.51.100.1, 127.0.0.2 } tcp dport 25 dnat to 198.51.100.25; }\n"
	   " chain post { type nat hook postrouting priority 100; oifname != lo masquerade; }\n}\n"
	   "table ip6 sgt-ct6 {\n chain out { type nat hook output priority -100;\n"
	   "  ip6 daddr 2001:db8:1::1 tcp dport 25 dnat to 2001:db8:1::25; }\n}\n' >{WORK}/ct-dnat.nft && "
	   "nsenter --net={CT} nft -f {WORK}/ct-dnat.nft && "
	   "nsenter --net={CT} sysctl -qw net.ipv4.conf.all.route_localnet=1"),
	REACH(ct_allowed, P4(OWN4, 25, PM_CONNECT), 0),
	REACH(ct_allowed, P4("127.0.0.2", 25, PM_CONNECT), 0),
	REACH(ct_allowed, P6(OWN6, 25, PM_CONNECT), 0),
	CONN(ct_denied, P4(OWN4, 25, PM_CONNECT), EPERM),
	CONN(ct_denied, P4("127.0.0.2", 25, PM_CONNECT), EPERM),
	CONN(ct_denied, P6(OWN6, 25, PM_CONNECT), EPERM),
	CONN(ct_denied, P6("::ffff:198.51.100.1", 25, PM_CONNECT), EPERM),
	CONN(ct_denied, P4("127.0.0.1", 25, PM_CONNECT), EPERM),
	CONN(ct_denied, P6("::1", 25, PM_CONNECT), EPERM),
	CONN(ct_denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(ct_denied, P4(REMOTE4, 2525, PM_CONNECT), 0),
	CONN(ct_allowed, P4(REMOTE4, 25, PM_CONNECT), 0),
	/* The host's own exemptions are unchanged. */
	CONN(denied, P4(OWN4, 25, PM_CONNECT), 0),
	CONN(denied, P4("127.0.0.2", 25, PM_CONNECT), 0),
	/*
	 * container_loopback = yes trusts a container's own loopback MTA. Its
	 * root's rewrite of loopback to the MX (127.0.0.2) passes connect(),
	 * but the packet path catches the rewritten SYN as it leaves ("nat"):
	 * only an allowed UID reaches the MX that way. The host's addresses
	 * stay guarded.
	 */
	CLI("load", CONF_CT_LOOPBACK, 0, "~container_loopback: no -> yes"),
	CLI("status", CONF_CT_LOOPBACK, 0, "their own loopback is exempt"),
	CONN(ct_denied, P4("127.0.0.1", 25, PM_CONNECT), ECONNREFUSED),
	CONN(ct_denied, P6("::1", 25, PM_CONNECT), ECONNREFUSED),
	CONN(ct_denied, P4("127.0.0.2", 25, PM_NONBLOCK), ETIMEDOUT),
	REACH(ct_allowed, P4("127.0.0.2", 25, PM_CONNECT), 0),
	CONN(ct_denied, P4(OWN4, 25, PM_CONNECT), EPERM),
	CONN(ct_denied, P6(OWN6, 25, PM_CONNECT), EPERM),
	CLI("load", CONF_TEST, 0, "~container_loopback: yes -> no"),
	CONN(ct_denied, P4("127.0.0.1", 25, PM_CONNECT), EPERM),
	/* Before 5.14 the cookie comes from a sock_create probe: the same answers, no leftovers. */
	CLI_ENV("SMTPGUARD_TEST_NETNS_PROBE=1", "load", CONF_TEST, 0, "no changes"),
	CONN(ct_denied, P4(OWN4, 25, PM_CONNECT), EPERM),
	CONN(denied, P4(OWN4, 25, PM_CONNECT), 0),
	CONN(denied, P6("::1", 25, PM_CONNECT), 0),
	SH("! ls -d {CG}/smtpguard-netns-probe.* 2>/dev/null"),

	SECTION("containers: NAT and raw sockets"),
	/*
	 * Issue 22: a container's root DNATs unguarded ports (2526, 80) to
	 * MX:25 in its own namespace, or sends a SYN from a raw socket: the
	 * egress program decides the SYN as it leaves. A refused SYN is
	 * dropped, so the connect times out (a non-blocking one never becomes
	 * writable, a blocking one with SO_SNDTIMEO says EINPROGRESS); the allowed account still gets
	 * through (the rewrite works). The host's own sockets are unchanged.
	 */
	SH("printf 'table ip sgt-ct-port {\n chain out { type nat hook output priority -100;\n"
	   "  ip daddr 198.51.100.25 tcp dport { 2526, 80 } dnat to 198.51.100.25:25; }\n}\n"
	   "table ip6 sgt-ct-port6 {\n chain out { type nat hook output priority -100;\n"
	   "  ip6 daddr 2001:db8:1::25 tcp dport { 2526, 80 } dnat to [2001:db8:1::25]:25; }\n}\n' "
	   ">{WORK}/ct-port.nft && nsenter --net={CT} nft -f {WORK}/ct-port.nft"),
	MON_START(CONF_TEST),
	CONN(ct_allowed, P4(REMOTE4, 2526, PM_CONNECT), 0),
	CONN(ct_allowed, P6(REMOTE6, 80, PM_CONNECT), 0),
	CONN(ct_allowed, P6(MAPPED4, 80, PM_CONNECT), 0),
	PATH_EVENT(ct_denied, P4(REMOTE4, 2526, PM_NONBLOCK), ETIMEDOUT, 64201, "blocked", "nat", REMOTE4, 25),
	PATH_EVENT(ct_denied, P4(REMOTE4, 80, PM_NONBLOCK), ETIMEDOUT, 64201, "blocked", "nat", REMOTE4, 25),
	PATH_EVENT(ct_denied, P6(REMOTE6, 2526, PM_NONBLOCK), ETIMEDOUT, 64201, "blocked", "nat", REMOTE6, 25),
	PATH_EVENT(ct_denied, P6(MAPPED4, 80, PM_NONBLOCK), ETIMEDOUT, 64201, "blocked", "nat", REMOTE4, 25),
	CONN(ct_denied, P4(REMOTE4, 2525, PM_CONNECT), 0),
	CONN(ct_raw, P4R(REMOTE4, 25, 64202), 0),
	CONN(ct_raw, P6R(REMOTE6, 25, 64202), 0),
	CONN(ct_raw, P4R(REMOTE4, 2525, 64201), 0),
	PATH_EVENT(ct_raw, P4R(REMOTE4, 25, 64201), EPERM, 64201, "blocked", "raw", REMOTE4, 25),
	PATH_EVENT(ct_raw, P6R(REMOTE6, 465, 64201), EPERM, 64201, "blocked", "raw", REMOTE6, 465),
	/*
	 * The root of a rootless container (its own user namespace, mapped to
	 * 64201, owns its network namespace): its own nft DNAT, its own raw
	 * socket. It is 0 in its namespace, and root is allowed: the guard
	 * must judge it as the host's 64201 (bpf_get_socket_uid() would say 0).
	 */
	SH(UCT("nft -f {WORK}/ct-port.nft")),
	PATH_SH(UCT("{HELPER} 4 " REMOTE4 " 2526"), EINPROGRESS, 64201, "blocked", "nat", REMOTE4, 25),
	PATH_SH(UCT("{HELPER} 6 " REMOTE6 " 80"), EINPROGRESS, 64201, "blocked", "nat", REMOTE6, 25),
	PATH_SH(UCT("{HELPER} 4 " REMOTE4 " 25 -r"), EPERM, 64201, "blocked", "raw", REMOTE4, 25),
	PATH_SH(UCT("{HELPER} 6 " REMOTE6 " 587 -r"), EPERM, 64201, "blocked", "raw", REMOTE6, 587),
	SH(UCT("{HELPER} 4 " REMOTE4 " 2525 -r")),
	SH(UCT("{HELPER} 6 " REMOTE6 " 2525")),
	/* From the host's namespace, raw or NAT'd, the allowlists decide as before. */
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(allowed_uid, P4(REMOTE4, 25, PM_CONNECT), 0),
	/* Audit mode: the SYN leaves, the event says it would have been refused. */
	CLI("load", CONF_CT_AUDIT, 0, "~mode: enforce -> audit"),
	PATH_EVENT(ct_denied, P4(REMOTE4, 2526, PM_CONNECT), 0, 64201, "audited", "nat", REMOTE4, 25),
	PATH_EVENT(ct_raw, P6R(REMOTE6, 25, 64201), 0, 64201, "audited", "raw", REMOTE6, 25),
	PATH_SH(UCT("{HELPER} 4 " REMOTE4 " 80"), 0, 64201, "audited", "nat", REMOTE4, 25),
	PATH_SH(UCT("{HELPER} 4 " REMOTE4 " 25 -r"), 0, 64201, "audited", "raw", REMOTE4, 25),
	CONN(ct_allowed, P4(REMOTE4, 2526, PM_CONNECT), 0),
	CLI("load", CONF_TEST, 0, "~mode: audit -> enforce"),
	/* Nobody's: without the kernel's help a NAT'd or raw SYN is no account's. */
	CLI_ENV("SMTPGUARD_TEST_EGRESS=nobody", "check", CONF_TEST, 0, "DEGRADED: NAT'd SYNs are nobody's",
		"raw SYNs are nobody's"),
	CLI_ENV("SMTPGUARD_TEST_EGRESS=nobody", "load", CONF_TEST, 0),
	CONN(ct_raw, P4R(REMOTE4, 25, 64202), EPERM),
	CONN(ct_allowed, P4(REMOTE4, 25, PM_CONNECT), 0),
	CLI("load", CONF_TEST, 0),
	CONN(ct_raw, P4R(REMOTE4, 25, 64202), 0),
	MON_STOP(),
	/* The container's own DNAT goes again: later rows hold sessions to its port 2526. */
	SH("nsenter --net={CT} nft delete table ip sgt-ct-port && "
	   "nsenter --net={CT} nft delete table ip6 sgt-ct-port6"),

	SECTION("own addresses"),
	/*
	 * Own addresses are the ones the kernel delivers locally: an IPv6
	 * address whose duplicate detection failed (the mail host holds it) and
	 * one kept on an interface that is down are not ours; a normal one is.
	 */
	SH("nsenter --net={MX} sh -c 'ip addr add 2001:db8:1::99/64 nodad dev "
	   "$(ip -o link show type veth | cut -d: -f2 | cut -d@ -f1)' && "
	   "ip addr add 2001:db8:1::99/64 dev {VETH} && ip addr add 2001:db8:1::98/64 dev {VETH} nodad && "
	   "for i in $(seq 60); do ip -6 addr show dev {VETH} | grep -q dadfailed && break; sleep 0.1; done && "
	   "ip -6 addr show dev {VETH} | grep '2001:db8:1::99' | grep -q dadfailed"),
	SH("ip link add sgt-down type veth peer name sgt-down-p && sysctl -qw net.ipv6.conf.sgt-down.keep_addr_on_down=1 && "
	   "ip link set sgt-down up && ip addr add 2001:db8:3::1/64 dev sgt-down nodad && "
	   "ip link set sgt-down down && ip -6 addr show dev sgt-down | grep -q 2001:db8:3::1"),
	CLI_NOT("sync", CONF_TEST, 0, "2001:db8:1::99", "+local 2001:db8:1::98"),
	CLI_NOT("status --json", CONF_TEST, 0, "2001:db8:3::1", "\"2001:db8:1::98\""),
	CONN(denied, P6("2001:db8:1::99", 25, PM_CONNECT), EPERM),
	CONN(denied, P6("2001:db8:3::1", 25, PM_CONNECT), EPERM),
	CONN(denied, P6("2001:db8:1::98", 25, PM_CONNECT), 0),
	SH("ip link del sgt-down && ip addr del 2001:db8:1::99/64 dev {VETH} && "
	   "ip addr del 2001:db8:1::98/64 dev {VETH}"),
	CLI("sync", CONF_TEST, 0, "-local 2001:db8:1::98"),

	SECTION("allow_local no"),
	/* allow_local = no: the same destinations are refused. */
	CLI("load", CONF_NOLOCAL, 0, "allow_local no"),
	CONN(denied, P4("127.0.0.1", 25, PM_CONNECT), EPERM),
	CONN(denied, P4("127.0.0.2", 25, PM_CONNECT), EPERM),
	CONN(denied, P6("::1", 25, PM_CONNECT), EPERM),
	CONN(denied, P6("::ffff:127.0.0.1", 25, PM_CONNECT), EPERM),
	CONN(denied, P6(MAPPED_OWN4, 25, PM_CONNECT), EPERM),
	CONN(denied, P4("0.0.0.0", 25, PM_CONNECT), EPERM),
	CONN(denied, P6("::", 25, PM_CONNECT), EPERM),
	CONN(denied, P4(OWN4, 25, PM_CONNECT), EPERM),
	CONN(denied, P6(OWN6, 25, PM_CONNECT), EPERM),
	CONN(allowed_uid, P4("127.0.0.1", 25, PM_CONNECT), 0),
	CONN(allowed_gid, P6(OWN6, 25, PM_CONNECT), 0),

	SECTION("runtime"),
	/* Runtime changes take effect on the next connect(); load drops them. */
	CLI("load", CONF_TEST, 0, "allow_local yes"),
	CLI("allow user 64201 --runtime", CONF_TEST, 0, "allowed uid 64201"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(denied, P6(MAPPED4, 25, PM_CONNECT), 0),
	CLI("list --json", CONF_TEST, 0, "{\"uid\":64201,", "\"runtime\""),
	CLI("revoke user 64201 --runtime", CONF_TEST, 0, "revoked uid 64201"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CLI("allow group 64201 --runtime", CONF_TEST, 0, "allowed gid 64201"),
	CONN(denied, P6(REMOTE6, 25, PM_CONNECT), 0),
	CLI("revoke group 64201 --runtime", CONF_TEST, 0, "revoked gid 64201"),
	CONN(denied, P6(REMOTE6, 25, PM_CONNECT), EPERM),
	CLI("allow user 64201 --runtime", CONF_TEST, 0, "allowed uid 64201"),
	CLI("load", CONF_TEST, 0),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CLI_NOT("list --json", CONF_TEST, 0, "64201", "{\"uid\":64202,"),

	SECTION("high ids"),
	/*
	 * An ID below the array's range is one origin byte, above it one hash
	 * entry: both decide alike, change at runtime alike, and are listed
	 * alike. The hash has room for 256 more than it was loaded with (here
	 * 1 + 256) until the next load.
	 */
	CLI("load", CONF_HIGH_IDS, 0, "3 users, 2 groups"),
	CONN(high_uid, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(high_uid, P6(REMOTE6, 465, PM_CONNECT), 0),
	CONN(high_gid, P6(MAPPED4, 25, PM_CONNECT), 0),
	CONN(high_gid, P4(REMOTE4, 587, PM_CONNECT), 0),
	CONN(last_in_array, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(first_in_hash, P6(REMOTE6, 25, PM_CONNECT), EPERM),
	CLI("allow user 65535 --runtime", CONF_HIGH_IDS, 0, "allowed uid 65535"),
	CLI("allow user 65536 --runtime", CONF_HIGH_IDS, 0, "allowed uid 65536"),
	CONN(last_in_array, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(first_in_hash, P6(REMOTE6, 25, PM_CONNECT), 0),
	CLI("list --json", CONF_HIGH_IDS, 0, "{\"uid\":65535,\"name\":null,\"origin\":[\"runtime\"]}",
	    "{\"uid\":65536,\"name\":null,\"origin\":[\"runtime\"]}",
	    "{\"uid\":3000000000,\"name\":null,\"origin\":[\"config\",\"id\"]}",
	    "{\"gid\":3000000001,"),
	CLI("status", CONF_HIGH_IDS, 0, "users (5/131072)"),
	CLI("allow user 3000000000 --runtime", CONF_HIGH_IDS, 0, "is already allowed"),
	CLI("revoke user 3000000000 --runtime", CONF_HIGH_IDS, 0, "revoked uid 3000000000"),
	CLI("revoke user 65535 --runtime", CONF_HIGH_IDS, 0, "revoked uid 65535"),
	CLI("revoke user 65535 --runtime", CONF_HIGH_IDS, 0, "was not allowed"),
	CONN(high_uid, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(last_in_array, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(first_in_hash, P4(REMOTE4, 25, PM_CONNECT), 0),
	CLI("revoke user 65536 --runtime", CONF_HIGH_IDS, 0, "revoked uid 65536"),
	CONN(first_in_hash, P6(MAPPED4, 25, PM_CONNECT), EPERM),
	SH("for u in $(seq 3000000100 3000000356); do {BIN} allow user $u --runtime --pin-dir {PIN} "
	   ">/dev/null || exit 1; done"),
	CLI("allow user 3000000999 --runtime", CONF_HIGH_IDS, 1,
	    "no more room for IDs of 65536 and above (257)", "without --runtime"),
	CLI("allow user 1000 --runtime", CONF_HIGH_IDS, 0, "allowed uid 1000"),
	CLI("sync", CONF_HIGH_IDS, 0, "-uid 3000000100 (no name, runtime)", "+uid 3000000000"),
	CONN(high_uid, P4(REMOTE4, 25, PM_CONNECT), 0),

	SECTION("task credentials"),
	/*
	 * The caller's IDs come from its task's credentials where the kernel
	 * lets a connect program read them (BTF gives the offsets), else from
	 * bpf_get_current_uid_gid(): the program holds exactly one of the two,
	 * and both decide alike.
	 */
	CLI_ENV("SMTPGUARD_TEST_NO_TASK_CRED=1", "load", CONF_HIGH_IDS, 0, "no changes"),
	SH("p=$(bpftool -j link show pinned {PIN}/link_connect6 | sed 's/.*\"prog_id\":\\([0-9]*\\).*/\\1/') && "
	   "bpftool prog dump xlated id $p | grep -q 'call bpf_get_current_uid_gid' && "
	   "! bpftool prog dump xlated id $p | grep -q get_current_task_btf"),
	CONN(allowed_uid, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(allowed_gid, P6(REMOTE6, 465, PM_CONNECT), 0),
	CONN(high_uid, P6(MAPPED4, 25, PM_CONNECT), 0),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(denied, P6(REMOTE6, 587, PM_CONNECT), EPERM),
	CLI("load", CONF_HIGH_IDS, 0, "no changes"),
	SH("p=$(bpftool -j link show pinned {PIN}/link_connect4 | sed 's/.*\"prog_id\":\\([0-9]*\\).*/\\1/') && "
	   "n=$(bpftool prog dump xlated id $p | grep -c 'call bpf_get_current_uid_gid\\|call bpf_get_current_task_btf') && "
	   "test \"$n\" = 1"),
	CONN(allowed_uid, P6(REMOTE6, 25, PM_CONNECT), 0),
	CONN(allowed_gid, P4(REMOTE4, 465, PM_CONNECT), 0),
	CONN(high_uid, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(high_gid, P6(REMOTE6, 25, PM_CONNECT), 0),
	CONN(denied, P6(MAPPED4, 25, PM_CONNECT), EPERM),
	CONN(denied, P4(REMOTE4, 587, PM_CONNECT), EPERM),
	CLI("load", CONF_TEST, 0),
	CONN(high_uid, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(high_gid, P4(REMOTE4, 25, PM_CONNECT), EPERM),

	SECTION("bad configuration"),
	/* A bad configuration is refused whole: the live guard stays as it was. */
	CLI("load", CONF_BAD, 2, "bad.conf:3: bad port '0'", "nothing applied"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(denied, P4(REMOTE4, 465, PM_CONNECT), EPERM),
	CONN(allowed_uid, P4(REMOTE4, 25, PM_CONNECT), 0),
	CLI_NOT("list --json", CONF_TEST, 0, "64201", "{\"uid\":64202,"),

	SECTION("bad arguments"),
	/* Bad arguments: usage errors, nothing changed. */
	CLI("allow user nosuchuser-sgtest --runtime", CONF_TEST, 2, "no such user 'nosuchuser-sgtest'"),
	CLI("allow users 64201 --runtime", CONF_TEST, 2, "expected 'user', 'group' or 'dest'"),
	CLI("allow dest 203.0.113.7/24 --runtime", CONF_TEST, 2, "host bits are set"),
	CLI("allow dest 203.0.113.0/33", CONF_TEST, 2, "prefix length must be 0 to 32"),
	CLI("allow user 4294967295 --runtime", CONF_TEST, 2, "not a valid user name or ID"),
	CLI("status --runtime", CONF_TEST, 2, "--runtime does not apply"),
	CLI("status extra", CONF_TEST, 2, "expected no arguments"),
	CLI("frobnicate", CONF_TEST, 2, "unknown command 'frobnicate'"),
	CLI_AS(64201, "status", CONF_TEST, 1, "must run as root"),
	CLI_AS(64201, "allow user nosuchuser-sgtest", CONF_TEST, 2, "no such user"),
	CLI_AS(64201, "check-config", CONF_TEST, 0, "test.conf is valid"),
	CLI("load", CONF_MISSING, 2, "absent.conf: no such file"),
	CLI("unload --pin-dir {WORK}", CONF_TEST, 1, "not a directory on a BPF filesystem"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),

	SECTION("damage"),
	/* Damage behind the guard's back: status says so, load repairs. */
	UNPIN("link_connect6"),
	CLI("status", CONF_TEST, 3, "DAMAGED", "link_connect6 is not pinned"),
	CLI("status --json", CONF_TEST, 3, "\"damaged\":true", "\"state\":\"damaged\""),
	CLI("stats --prometheus", CONF_TEST, 0, "smtpguard_state{state=\"damaged\"} 1",
	    "smtpguard_state{state=\"enforcing\"} 0", "smtpguard_loaded 0"),
	CLI("allow user 64201 --runtime", CONF_TEST, 3, "damaged"),
	/* sync exits 1, not 3: its timer's unit counts 3 as "nothing loaded". */
	CLI("sync", CONF_TEST, 1, "damaged", "smtpguard load"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CLI("load", CONF_TEST, 0),
	CLI("status", CONF_TEST, 0, "loaded, enforcing"),
	CONN(denied, P6(REMOTE6, 25, PM_CONNECT), EPERM),
	DETACH("link_connect4"),
	CLI("status", CONF_TEST, 3, "connect4 is detached"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), 0),
	CLI("load", CONF_TEST, 0),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	UNPIN("allow_uid"),
	UNPIN("settings"),
	CLI("status", CONF_TEST, 0, "loaded, enforcing"),
	CLI("allow user 64201 --runtime", CONF_TEST, 0, "allowed uid 64201"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), 0),
	CLI("load", CONF_TEST, 0),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),

	SECTION("reload race"),
	/*
	 * Reload over and over while connecting, alternating two different
	 * configurations and two attach points (in-place update and new link):
	 * no wrong answer at any moment.
	 */
	RACE(),

	SECTION("faults"),
	/*
	 * SIGKILL load, sync and unload at random moments: the kernel enforces
	 * the old state or the new one, never a mix, and status says which.
	 * Then many changes at once: the lock loses none of them.
	 */
	KILL_LOOP(150),
	LOCK_STORM(24),
	FOREIGN_LINK(),
	UNLOAD_OTHER_VERSION(),
	CONN(denied, P6(REMOTE6, 25, PM_CONNECT), EPERM),
	CONN(allowed_uid, P6(REMOTE6, 25, PM_CONNECT), 0),

	SECTION("max_identities"),
	/* max_identities sizes the allowlists; going past it names the limit. */
	CLI("load", CONF_SMALL, 0, "guarding 3 ports"),
	CLI("status", CONF_SMALL, 0, "users (2/16)"),
	SH("for u in $(seq 64300 64313); do {BIN} allow user $u --runtime --pin-dir {PIN} "
	   ">/dev/null || exit 1; done"),
	CLI("allow user 64314 --runtime", CONF_SMALL, 1, "the allowlist is full (max_identities = 16)"),
	SH("printf 'max_identities = 16\nallow_users = root' >{WORK}/over.conf && "
	   "for u in $(seq 64300 64316); do printf ' %s' $u >>{WORK}/over.conf; done && "
	   "echo >>{WORK}/over.conf && chmod 644 {WORK}/over.conf && "
	   "{BIN} load --config {WORK}/over.conf --pin-dir {PIN} --cgroup {CG} 2>&1 | "
	   "grep -q 'over.conf:1: max_identities = 16, but 18 users resolved'"),
	CLI("status", CONF_SMALL, 0, "users (16/16)"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CLI("load", CONF_TEST, 0, "~max_identities: 16 -> 131072"),

	SECTION("no cgroup v2 or bpffs"),
	/* No cgroup v2, no bpffs, a cgroup that is not one: clear errors, non-zero exits. */
	SH("unshare -m sh -c 'findmnt -n -t cgroup2 -o TARGET | xargs -r umount -l && "
	   "test -z \"$(findmnt -n -t cgroup2)\" && "
	   "{ {BIN} load --pin-dir {PIN}-nocg --config {WORK}/test.conf; test $? = 1; }' 2>&1 | "
	   "grep -q 'no cgroup v2 hierarchy'"),
	SH("unshare -m sh -c 'findmnt -n -t bpf -o TARGET | xargs -r umount -l && "
	   "{ {BIN} status --pin-dir {PIN}; test $? = 3; }' | "
	   "grep -q 'no BPF filesystem is mounted on /sys/fs/bpf'"),
	CLI("load --pin-dir {WORK}", CONF_TEST, 1, "is not on a BPF filesystem"),
	CLI("load --cgroup {WORK}", CONF_TEST, 1, "is not a cgroup v2 directory"),
	/* A first load that fails leaves no empty pin dir behind. */
	CLI("load --pin-dir {PIN}-nocg --cgroup {WORK}", CONF_TEST, 1, "is not a cgroup v2 directory"),
	SH("test ! -e {PIN}-nocg"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),

	SECTION("defaults"),
	/* The built-in defaults: root and the mail group; 64202 is no longer allowed. */
	CLI("load", CONF_EMPTY, 0, "guarding 3 ports", "1 user"),
	/* No Mailman here: a note in status, no warning from every sync. */
	CLI_NOT("sync", CONF_EMPTY, 0, "warning", "in sync"),
	CLI("status", CONF_EMPTY, 0, "\n  roles          @mta matches nobody on this host (",
	    "\n  roles          @mailman matches nobody on this host"),
	CLI("status --json", CONF_EMPTY, 0, "\"empty_roles\":[\"@mta\",\"@mailman\"]"),
	CLI("check-config", CONF_MAILMAN, 0, "mailman.conf:1: warning: @mailman resolves to no user"),
	CLI_NOT("load", CONF_MAILMAN, 0, "warning", "guarding 3 ports"),
	CLI("load", CONF_EMPTY, 0, "guarding 3 ports"),
	CONN(root, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(root, P6(REMOTE6, 587, PM_CONNECT), 0),
	CONN(mail_group, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(allowed_uid, P6(REMOTE6, 25, PM_CONNECT), EPERM),
	CONN(denied, P4("127.0.0.1", 25, PM_CONNECT), 0),

	SECTION("unload"),
	/* Unload restores free access. */
	CLI("unload", CONF_TEST, 0, "unloaded"),
	CLI("status", CONF_TEST, 3, "not loaded"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(denied, P6(REMOTE6, 25, PM_CONNECT), 0),
	CONN(denied, P6(MAPPED4, 25, PM_CONNECT), 0),
	/* allow and revoke change nothing when no guard is loaded, unless --file-only says so. */
	CLI("allow user 64201", CONF_FILEONLY, 3, "not loaded", "nothing changed", "--file-only"),
	CLI("revoke user 64202", CONF_FILEONLY, 3, "not loaded"),
	FILE_HAS(CONF_FILEONLY, "64201", "allow_users = root 64202\n"),
	CLI("allow user 64201 --file-only", CONF_FILEONLY, 0, "added as line 2", "only the file was changed"),
	FILE_HAS(CONF_FILEONLY, NULL, "allow_users = root 64202\nallow_users = 64201\n"),
	CLI("allow user 64201 --file-only --runtime", CONF_FILEONLY, 2, "exclude each other"),
	CLI("allow user 64201 --file-only --config {WORK}/never.conf", CONF_NONE, 2,
	    "never.conf: No such file or directory; smtpguard never creates it"),
	SH("test ! -e {WORK}/never.conf"),
	CLI("status", CONF_TEST, 3, "not loaded"),
	SECTION("boot"),
	/* At boot, a broken file must not leave the host unguarded. */
	CLI("load", CONF_BAD, 2, "nothing applied", "loaded the built-in defaults instead"),
	CLI("status", CONF_TEST, 0, "loaded, enforcing", "uid 0 (root)"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(root, P4(REMOTE4, 25, PM_CONNECT), 0),
	CLI("load", CONF_BAD, 2, "the loaded guard is unchanged"),

	/* ---- Identities that follow the host (issue 3) ---- */

	SECTION("accounts"),
	/* An account allowed by name follows its UID through usermod and userdel. */
	SH("groupadd -g 64280 sgt-grp"),
	SH("useradd -K UID_MAX=65000 -M -N -g sgt-grp -u 64260 -s /usr/sbin/nologin sgt-acct"),
	CLI("load", CONF_ACCT, 0),
	CONN(acct_old, P4(REMOTE4, 25, PM_CONNECT), 0),
	SH("usermod -u 64261 sgt-acct"),
	CLI("sync", CONF_ACCT, 0, "+uid 64261 (sgt-acct", "-uid 64260", "2 changes applied"),
	CONN(acct_new, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(acct_old, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CLI("sync", CONF_ACCT, 0, "in sync, nothing changed"),
	SH("userdel sgt-acct"),
	CLI("sync", CONF_ACCT, 0, "acct.conf:1: warning: no such user sgt-acct", "-uid 64261"),
	CONN(acct_new, P6(REMOTE6, 25, PM_CONNECT), EPERM),
	CLI_NOT("list --json", CONF_ACCT, 0, "6426", "{\"uid\":0,"),
	CLI("check-config", CONF_ACCT, 2, "acct.conf:1: no such user sgt-acct"),

	SECTION("roles"),
	/* @mta is whatever Exim and Postfix say, asked at every load and sync. */
	SH("useradd -K UID_MAX=65000 -M -N -g sgt-grp -u 64270 -s /usr/sbin/nologin sgt-mta"),
	SH("useradd -K UID_MAX=65000 -M -N -g sgt-grp -u 64271 -s /usr/sbin/nologin sgt-pfx"),
	SH("mkdir -p {WORK}/fake-bin {WORK}/fake-pfx {WORK}/slow-bin && "
	   "printf '#!/bin/sh\\necho exim_user = sgt-mta\\necho exim_group = 64211\\n' "
	   ">{WORK}/fake-bin/exim && "
	   "printf '#!/bin/sh\\necho sgt-pfx\\n' >{WORK}/fake-pfx/postconf && "
	   "printf '#!/bin/sh\\nexec sleep 30\\n' >{WORK}/slow-bin/exim && "
	   "chmod 755 {WORK}/fake-bin/exim {WORK}/fake-pfx/postconf {WORK}/slow-bin/exim"),
	CLI_ENV("SMTPGUARD_MTA_PATH={WORK}/fake-bin", "load", CONF_ROLES, 0),
	CLI("list --json", CONF_ROLES, 0, "{\"uid\":64270,\"name\":\"sgt-mta\",\"origin\":[\"config\",\"@mta\"]}",
	    "{\"gid\":64211,"),
	CONN(fake_mta, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(fake_pfx, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CLI_ENV("SMTPGUARD_MTA_PATH={WORK}/fake-bin:{WORK}/fake-pfx", "sync", CONF_ROLES, 0,
		"+uid 64271 (sgt-pfx, @mta)"),
	CONN(fake_pfx, P4(REMOTE4, 25, PM_CONNECT), 0),
	/*
	 * A revoke that a role would undo fails before it changes anything: not
	 * the file, and not the live guard (here revoked at runtime first, which
	 * a sync would have undone).
	 */
	CLI_ENV("SMTPGUARD_MTA_PATH={WORK}/fake-bin:{WORK}/fake-pfx", "revoke user sgt-mta --runtime",
		CONF_ROLES, 0, "revoked uid 64270"),
	SNAP(),
	CLI_ENV("SMTPGUARD_MTA_PATH={WORK}/fake-bin:{WORK}/fake-pfx", "revoke user sgt-mta", CONF_ROLES, 1,
		"nothing was changed: uid 64270 (sgt-mta, @mta) would still be allowed"),
	SAME(),
	FILE_HAS(CONF_ROLES, NULL, "allow_users = root @mta\n"),
	CONN(fake_mta, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CLI_ENV("SMTPGUARD_MTA_PATH={WORK}/fake-bin:{WORK}/fake-pfx", "sync", CONF_ROLES, 0,
		"+uid 64270 (sgt-mta, @mta)"),
	/* Root is revoked only with --force. */
	SNAP(),
	CLI("revoke user root", CONF_ROLES, 2, "refusing to revoke root without --force", "cron"),
	CLI("revoke user 0 --runtime", CONF_ROLES, 2, "without --force"),
	SAME(),
	FILE_HAS(CONF_ROLES, NULL, "allow_users = root @mta\n"),
	CONN(root, P4(REMOTE4, 25, PM_CONNECT), 0),
	/* Exim installed but silent: the known Exim accounts, and only system accounts. */
	SH("! getent passwd mailnull exim >/dev/null && "
	   "useradd -r -M -N -g sgt-grp -c smtpguard-test -s /usr/sbin/nologin mailnull && "
	   "useradd -K UID_MAX=65000 -M -N -g sgt-grp -u 64272 -c smtpguard-test -s /usr/sbin/nologin exim && "
	   "mkdir -p {WORK}/broken-bin && printf '#!/bin/sh\\nexit 1\\n' >{WORK}/broken-bin/exim && "
	   "chmod 755 {WORK}/broken-bin/exim"),
	CLI_ENV("SMTPGUARD_MTA_PATH={WORK}/broken-bin", "sync", CONF_ROLES, 0, "-uid 64270", "-uid 64271", "-gid 64211",
		"ignoring account exim for a role: UID 64272 is not a system account"),
	CLI_NOT("list --json", CONF_ROLES, 0, "64272", "\"name\":\"mailnull\",\"origin\":[\"config\",\"@mta\"]"),
	/* No Exim installed: a leftover mailnull of a removed MTA is not allowed. */
	CLI_ENV("SMTPGUARD_MTA_PATH=/nonexistent", "sync", CONF_ROLES, 0, "(mailnull"),
	CLI_NOT("list --json", CONF_ROLES, 0, "mailnull", "{\"uid\":0,"),
	/*
	 * An exim others may write is not run, and is no Exim: mailnull stays
	 * out. The warning names that file, not the last directory searched.
	 */
	SH("chmod 775 {WORK}/broken-bin/exim"),
	CLI_ENV("SMTPGUARD_MTA_PATH={WORK}/broken-bin:{WORK}/fake-pfx", "sync", CONF_ROLES, 0,
		"broken-bin/exim: it must be owned by root"),
	CLI_NOT("list --json", CONF_ROLES, 0, "mailnull", "{\"uid\":0,"),
	SH("chmod 755 {WORK}/broken-bin/exim"),
	SH("userdel mailnull && userdel exim"),
	/* A stand-in that others may write is never run as root. */
	SH("chmod 775 {WORK}/fake-bin/exim"),
	CLI_ENV("SMTPGUARD_MTA_PATH={WORK}/fake-bin", "sync", CONF_ROLES, 0, "not running", "must be owned by root"),
	SH("chmod 755 {WORK}/fake-bin/exim"),
	/* A hung exim, and whatever it started, is killed after 5 s. */
	CLI_ENV("SMTPGUARD_MTA_PATH={WORK}/slow-bin", "sync", CONF_ROLES, 0, "did not answer within 5000 ms"),
	CLI("check-config", CONF_ROLES, 0, "roles.conf is valid"),

	SECTION("persist"),
	/* allow/revoke without --runtime edit the file, keep its comments, and sync. */
	CLI("load", CONF_PERSIST, 0),
	CLI("status", CONF_PERSIST, 0, "config         {WORK}/persist.conf"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CLI("allow user 64201", CONF_PERSIST, 0, "uid 64201: added as line 4", "+uid 64201"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), 0),
	FILE_HAS(CONF_PERSIST, NULL, "# smtpguard test: this comment must survive\n",
		 "allow_users = root 64202   # the test's allowed UID\nallow_users = 64201\n"),
	CLI("sync", CONF_PERSIST, 0, "in sync, nothing changed"),
	/* Without --config, sync and allow follow the file the guard was loaded from. */
	CLI("sync", CONF_NONE, 0, "in sync, nothing changed"),
	/* And check-config, so that "check-config && sync" judges the file sync applies. */
	CLI("check-config", CONF_NONE, 0,
	    "checking {WORK}/persist.conf, the file the guard at {PIN} was loaded from",
	    "{WORK}/persist.conf is valid"),
	CLI("load", CONF_PERSIST, 0, "no changes"),
	/* Without CAP_SYS_PTRACE /proc/1/ns/net cannot be read: load says it could not check. */
	SH("SMTPGUARD_CGROUP_ROOT={FREE_CG} setpriv --bounding-set -sys_ptrace --inh-caps -sys_ptrace "
	   "{BIN} load --pin-dir {PIN} 2>&1 | grep -q \"could not check whether this is PID 1's network "
	   "namespace (/proc/1/ns/net: Permission denied)\""),
	CONN(denied, P6(MAPPED4, 587, PM_CONNECT), 0),
	CLI("allow user 64201", CONF_PERSIST, 0, "already listed on line 4"),
	CLI("allow user 64201 --config {WORK}/never.conf", CONF_NONE, 2, "smtpguard never creates it"),
	SH("test ! -e {WORK}/never.conf"),
	CLI("allow dest 203.0.113.0/24", CONF_NONE, 0, "of {WORK}/persist.conf", "+dest 203.0.113.0/24"),
	CLI("revoke user 64201", CONF_PERSIST, 0, "removed from line 4", "-uid 64201"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CLI("revoke group 64210", CONF_PERSIST, 0, "removed from line 5"),
	FILE_HAS(CONF_PERSIST, "64201", "# smtpguard test: this comment must survive\n",
		 "allow_groups = none\n", "allow_dest = 203.0.113.0/24\n"),
	CONN(allowed_gid, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CLI("allow user 64201 --runtime", CONF_PERSIST, 0, "until the next load or sync"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), 0),
	CLI("sync", CONF_PERSIST, 0, "-uid 64201 (no name, runtime)"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),

	SECTION("cgroup and file kept"),
	/*
	 * A plain load keeps the guard's cgroup and file (SMTPGUARD_CGROUP_ROOT:
	 * if it did not, it would land in the unguarded test cgroup, never the
	 * host's root). Moves are asked for and printed.
	 */
	SH("SMTPGUARD_CGROUP_ROOT={FREE_CG} {BIN} load --pin-dir {PIN} >{WORK}/keep.out 2>&1 && "
	   "grep -q 'no changes' {WORK}/keep.out && ! grep -q '~cgroup' {WORK}/keep.out && grep -q ' on {CG}:' {WORK}/keep.out"),
	CLI("status --json", CONF_NONE, 0, "\"cgroup\":\"{CG}\"", "\"config\":\"{WORK}/persist.conf\""),
	CONN(allowed_gid, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CLI("load --cgroup {FREE_CG}", CONF_PERSIST, 0, "~cgroup: {CG} -> {FREE_CG}"),
	CLI("load --cgroup {CG}", CONF_PERSIST, 0, "~cgroup: {FREE_CG} -> {CG}"),
	/* load --mode follows the recorded file too, and never creates one. */
	SH("SMTPGUARD_CGROUP_ROOT={FREE_CG} {BIN} load --mode audit --pin-dir {PIN} >/dev/null"),
	FILE_HAS(CONF_PERSIST, NULL, "# smtpguard test: this comment must survive\n",
		 "mode = audit  # set by smtpguard load --mode\n"),
	CLI("list --json", CONF_NONE, 0, "{\"uid\":64202,"),
	CLI("status --json", CONF_NONE, 0, "\"state\":\"audit\"", "\"cgroup\":\"{CG}\""),
	SH("SMTPGUARD_CGROUP_ROOT={FREE_CG} {BIN} load --mode enforce --pin-dir {PIN} >/dev/null"),
	FILE_HAS(CONF_PERSIST, "mode = audit", "mode = enforce  # set by smtpguard load --mode (was audit)\n"),
	CLI("load --mode audit --config {WORK}/never.conf", CONF_NONE, 2, "never.conf does not exist",
	    "Nothing was changed"),
	SH("test ! -e {WORK}/never.conf"),
	CLI("status --json", CONF_NONE, 0, "\"state\":\"enforcing\""),

	SECTION("three errors"),
	/* A file with three errors: all three reported, the live maps unchanged. */
	SNAP(),
	CLI("load", CONF_THREE_ERRORS, 2, "three.conf:1: bad port '0'", "three.conf:3: unknown key 'colour'",
	    "three.conf:4: bad value 'perhaps'", "3 errors, nothing applied"),
	SAME(),
	CLI("sync", CONF_THREE_ERRORS, 2, "three.conf:1: bad port '0'",
	    "three.conf:2: warning: no such user nosuchuser-sgtest", "three.conf:3: unknown key 'colour'",
	    "3 errors, nothing applied"),
	SAME(),
	CLI("check-config", CONF_THREE_ERRORS, 2, "three.conf:1:", "three.conf:3:", "three.conf:4:"),
	CLI("allow user 64201", CONF_THREE_ERRORS, 2, "fix them first"),
	SAME(),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),

	SECTION("allow_dest"),
	/* allow_dest: anyone may reach the trusted relay, over v4, v6 and v4-mapped. */
	CLI("load", CONF_DEST, 0, "2 destinations"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(denied, P6(REMOTE6, 465, PM_CONNECT), 0),
	CONN(denied, P6(MAPPED4, 587, PM_CONNECT), 0),
	CLI("status --json", CONF_DEST, 0, "\"allow_dest\":[\"198.51.100.16/28\",\"2001:db8:1::20/124\"]"),
	CLI("load", CONF_TEST, 0, "-dest 198.51.100.16/28"),
	CONN(denied, P6(MAPPED4, 587, PM_CONNECT), EPERM),
	CLI("allow dest 198.51.100.25 --runtime", CONF_TEST, 0, "allowed dest 198.51.100.25"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(denied, P6(MAPPED4, 25, PM_CONNECT), 0),
	CONN(denied, P6(REMOTE6, 25, PM_CONNECT), EPERM),
	CLI("revoke dest 198.51.100.25/32 --runtime", CONF_TEST, 0, "revoked dest"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),

	SECTION("scoped"),
	/*
	 * Scoped exceptions (issue 16): an account may reach its own relay, on
	 * its ports, and nothing else; a group a CIDR; anyone a port of a host.
	 */
	CLI("load", CONF_SCOPED, 0, "(and 4 scoped exceptions)"),
	CONN(denied, P4(REMOTE4, 587, PM_CONNECT), 0),
	CONN(denied, P6(MAPPED4, 587, PM_CONNECT), 0),
	CONN(denied, P6(REMOTE6, 465, PM_CONNECT), 0),
	/* Another port of its relay, the relay's other family, another host. */
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(denied, P4(REMOTE4, 465, PM_CONNECT), EPERM),
	CONN(denied, P6(REMOTE6, 587, PM_CONNECT), EPERM),
	CONN(denied, P4(OTHER4, 587, PM_CONNECT), EPERM),
	CONN(denied, P6(OTHER6, 587, PM_CONNECT), EPERM),
	/* Another user gets none of it. */
	CONN(no_relay, P4(REMOTE4, 587, PM_CONNECT), EPERM),
	CONN(no_relay, P6(REMOTE6, 465, PM_CONNECT), EPERM),
	/* A group's relay: an IPv4 CIDR on one port, also v4-mapped, not IPv6. */
	CONN(relay_grp, P4(REMOTE4, 465, PM_CONNECT), 0),
	CONN(relay_grp, P6(MAPPED4, 465, PM_CONNECT), 0),
	CONN(relay_grp, P4(REMOTE4, 587, PM_CONNECT), EPERM),
	CONN(relay_grp, P6(REMOTE6, 465, PM_CONNECT), EPERM),
	/* allow_dest with a port: anyone, on that port only. */
	CONN(no_relay, P4(OTHER4, 25, PM_CONNECT), 0),
	CONN(no_relay, P6(MAPPED_OTHER4, 25, PM_CONNECT), 0),
	CONN(no_relay, P4(OTHER4, 587, PM_CONNECT), EPERM),
	CONN(no_relay, P6(OTHER6, 25, PM_CONNECT), EPERM),
	CLI("status", CONF_SCOPED, 0, "scoped (4)", "uid 64201: 198.51.100.25:587 (line 4, config,id, 2 let through)",
	    "gid 64212: 198.51.100.0/24:465", "anyone: 198.51.100.26:25"),
	/* A reload builds a new generation: the rules' counts go on, as the other counters do. */
	CLI("load", CONF_SCOPED, 0, "no changes"),
	CLI("status", CONF_SCOPED, 0, "uid 64201: 198.51.100.25:587 (line 4, config,id, 2 let through)"),
	CLI("list --json", CONF_SCOPED, 0,
	    "{\"who\":\"user\",\"id\":64201,\"name\":null,\"dest\":\"198.51.100.25\",\"ports\":[587],",
	    "\"state\":\"literal\",\"addresses\":[\"198.51.100.25\"],\"resolved_at\":null"),
	/* What the account may reach instead, in its refused attempts' events. */
	MON_START(CONF_SCOPED),
	EVENT_SAYS(denied, P4(REMOTE4, 25, PM_CONNECT), "blocked", EPERM,
		   "\"scope\":\"uid 64201 may reach 198.51.100.25:587, [2001:db8:1::25]:465, not 198.51.100.25:25\""),
	EVENT_SAYS(relay_grp, P6(REMOTE6, 465, PM_CONNECT), "blocked", EPERM,
		   "\"scope\":\"uid 64215 (group 64212) may reach 198.51.100.0/24:465, not [2001:db8:1::25]:465\""),
	EVENT_SAYS(no_relay, P4(REMOTE4, 587, PM_CONNECT), "blocked", EPERM, "\"scope\":null"),
	MON_STOP(),

	SECTION("scoped edit"),
	/* allow/revoke --to: the file (comments kept) and the live guard; --runtime: the guard alone. */
	CLI("load", CONF_SCOPED_EDIT, 0),
	CONN(no_relay, P4(OTHER4, 587, PM_CONNECT), EPERM),
	CLI("allow user 64214 --to 198.51.100.26:587", CONF_SCOPED_EDIT, 0, "added as line 4",
	    "+scoped uid 64214: 198.51.100.26:587"),
	FILE_HAS(CONF_SCOPED_EDIT, NULL, "# scoped exceptions, edited by the rows\n",
		 "allow_groups = none\nallow_user_dest = 64214 198.51.100.26:587\n"),
	CONN(no_relay, P4(OTHER4, 587, PM_CONNECT), 0),
	CONN(no_relay, P4(OTHER4, 25, PM_CONNECT), EPERM),
	CONN(denied, P4(OTHER4, 587, PM_CONNECT), EPERM),
	CLI("allow user 64214 --to 198.51.100.26:587", CONF_SCOPED_EDIT, 0, "already listed on line 4"),
	CLI("allow user 64214 --to 198.51.100.26:2525", CONF_SCOPED_EDIT, 2, "port 2525 is not guarded",
	    "nothing was changed"),
	CLI("allow group 64212 --to [2001:db8:1::/64]:25", CONF_SCOPED_EDIT, 0,
	    "+scoped gid 64212: [2001:db8:1::/64]:25"),
	CONN(relay_grp, P6(OTHER6, 25, PM_CONNECT), 0),
	CONN(relay_grp, P6(REMOTE6, 25, PM_CONNECT), 0),
	CONN(relay_grp, P4(OTHER4, 25, PM_CONNECT), EPERM),
	CLI("revoke user 64214 --to 198.51.100.26", CONF_SCOPED_EDIT, 0, "removed from line 4",
	    "-scoped uid 64214: 198.51.100.26:587"),
	CONN(no_relay, P4(OTHER4, 587, PM_CONNECT), EPERM),
	CLI("revoke group 64212 --to [2001:db8:1::/64]:25", CONF_SCOPED_EDIT, 0, "-scoped gid 64212"),
	CONN(relay_grp, P6(OTHER6, 25, PM_CONNECT), EPERM),
	FILE_HAS(CONF_SCOPED_EDIT, "_dest", "# scoped exceptions, edited by the rows\n"
		 "allow_users = root\nallow_groups = none\n"),
	CLI("allow user 64214 --to 198.51.100.26:25 --runtime", CONF_SCOPED_EDIT, 0,
	    "until the next load or sync"),
	CONN(no_relay, P4(OTHER4, 25, PM_CONNECT), 0),
	FILE_HAS(CONF_SCOPED_EDIT, "_dest", "allow_groups = none\n"),
	CLI("sync", CONF_SCOPED_EDIT, 0, "-scoped uid 64214: 198.51.100.26:25"),
	CONN(no_relay, P4(OTHER4, 25, PM_CONNECT), EPERM),
	CLI("allow dest 198.51.100.26:587", CONF_SCOPED_EDIT, 0, "+scoped anyone: 198.51.100.26:587"),
	CONN(no_relay, P4(OTHER4, 587, PM_CONNECT), 0),
	CONN(denied, P6(MAPPED_OTHER4, 587, PM_CONNECT), 0),
	CONN(denied, P4(OTHER4, 25, PM_CONNECT), EPERM),
	CLI("revoke dest 198.51.100.26:587", CONF_SCOPED_EDIT, 0, "-scoped anyone: 198.51.100.26:587"),
	CONN(no_relay, P4(OTHER4, 587, PM_CONNECT), EPERM),
	/* --to a name: refused when it does not resolve, its addresses when it does. */
	HOSTS("198.51.100.26 relay.sgt-e2e.test\n"),
	CLI("allow user 64214 --to nowhere.sgt-e2e.test:587", CONF_SCOPED_EDIT, 2,
	    "nowhere.sgt-e2e.test does not resolve", "nothing was changed"),
	FILE_HAS(CONF_SCOPED_EDIT, "nowhere", "allow_groups = none\n"),
	CLI("allow user 64214 --to relay.sgt-e2e.test:587 --runtime", CONF_SCOPED_EDIT, 0,
	    "+scoped uid 64214: relay.sgt-e2e.test:587 (198.51.100.26)"),
	CONN(no_relay, P4(OTHER4, 587, PM_CONNECT), 0),
	CLI("revoke user 64214 --to relay.sgt-e2e.test --runtime", CONF_SCOPED_EDIT, 0,
	    "-scoped uid 64214: relay.sgt-e2e.test:587"),
	CONN(no_relay, P4(OTHER4, 587, PM_CONNECT), EPERM),

	SECTION("scoped names"),
	/*
	 * A relay by name, resolved at load and at every sync: followed when it
	 * moves (one commit, the old addresses go), kept when the resolver
	 * fails. A name that does not resolve allows nothing.
	 */
	HOSTS("198.51.100.25 relay.sgt-e2e.test\n2001:db8:1::25 relay.sgt-e2e.test\n"),
	CLI("check-config", CONF_SCOPED_NAME, 2, "scoped-name.conf:4: gone.sgt-e2e.test does not resolve"),
	CLI("load", CONF_SCOPED_NAME, 0, "scoped-name.conf:4: warning: gone.sgt-e2e.test does not resolve",
	    "it allows nothing"),
	CLI("status", CONF_SCOPED_NAME, 0, "relay.sgt-e2e.test:587 [198.51.100.25, 2001:db8:1::25, resolved 2",
	    "gone.sgt-e2e.test [NO ADDRESS", "WARNING        1 scoped rule names a host that does not resolve"),
	CONN(named, P4(REMOTE4, 587, PM_CONNECT), 0),
	CONN(named, P6(REMOTE6, 587, PM_CONNECT), 0),
	CONN(named, P6(MAPPED4, 587, PM_CONNECT), 0),
	CONN(named, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(named, P4(OTHER4, 587, PM_CONNECT), EPERM),
	CLI("sync", CONF_SCOPED_NAME, 0, "in sync, nothing changed"),
	HOSTS("198.51.100.26 relay.sgt-e2e.test\n"),
	CLI("sync", CONF_SCOPED_NAME, 0,
	    "~scoped uid 64213: relay.sgt-e2e.test:587: 198.51.100.25, 2001:db8:1::25 -> 198.51.100.26"),
	CONN(named, P4(OTHER4, 587, PM_CONNECT), 0),
	CONN(named, P4(REMOTE4, 587, PM_CONNECT), EPERM),
	CONN(named, P6(REMOTE6, 587, PM_CONNECT), EPERM),
	RESOLVER_DOWN(),
	CLI("sync", CONF_SCOPED_NAME, 0, "cannot resolve relay.sgt-e2e.test now", "keeping its addresses",
	    "~scoped uid 64213: relay.sgt-e2e.test:587: the resolver failed, keeping 198.51.100.26"),
	CLI("status", CONF_SCOPED_NAME, 0, "[STALE: the resolver failed at ", "keeping 198.51.100.26",
	    "WARNING        the resolver failed for 2 scoped rules"),
	CLI("status --json", CONF_SCOPED_NAME, 0, "\"state\":\"stale\",\"addresses\":[\"198.51.100.26\"]"),
	CONN(named, P4(OTHER4, 587, PM_CONNECT), 0),
	CONN(named, P4(REMOTE4, 587, PM_CONNECT), EPERM),
	CLI("sync", CONF_SCOPED_NAME, 0, "in sync, nothing changed"),
	HOSTS("198.51.100.26 relay.sgt-e2e.test\n"),
	CLI("sync", CONF_SCOPED_NAME, 0, "the resolver answers again: 198.51.100.26 -> 198.51.100.26"),
	CLI("status --json", CONF_SCOPED_NAME, 0, "\"state\":\"resolved\",\"addresses\":[\"198.51.100.26\"]"),
	HOSTS(NULL),

	SECTION("scoped v6 CIDR"),
	/*
	 * IPv4 is decided as ::ffff:a.b.c.d, inside ::/0: an IPv6 CIDR reaches
	 * IPv6 only (issue 22). A CIDR within ::ffff:0:0/96 is IPv4.
	 */
	CLI("load", CONF_SCOPED_V6, 0, "(and 4 scoped exceptions)"),
	CONN(denied, P6(REMOTE6, 25, PM_CONNECT), 0),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(denied, P6(MAPPED4, 25, PM_CONNECT), EPERM),
	CONN(denied, P6(REMOTE6, 587, PM_CONNECT), EPERM),
	CONN(relay_grp, P6(REMOTE6, 465, PM_CONNECT), 0),
	CONN(relay_grp, P4(REMOTE4, 465, PM_CONNECT), EPERM),
	CONN(relay_grp, P6(MAPPED4, 25, PM_CONNECT), EPERM),
	CONN(no_relay, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(no_relay, P6(MAPPED4, 25, PM_CONNECT), 0),
	CONN(no_relay, P6(REMOTE6, 25, PM_CONNECT), 0),
	CONN(no_relay, P4(REMOTE4, 587, PM_CONNECT), EPERM),
	CLI("status", CONF_SCOPED_V6, 0, "uid 64201: [::/0]:25 (line 4", "gid 64212: ::/1 [every guarded port] (line 5",
	    "uid 64214: 198.51.100.0/24:25"),
	CLI("list --json", CONF_SCOPED_V6, 0, "\"dest\":\"::/0\",\"ports\":[25],"),
	/* allow_dest and --to take the same reading. */
	CLI("allow dest ::/0 --runtime", CONF_SCOPED_V6, 0, "+scoped anyone: ::/0"),
	CONN(named, P6(REMOTE6, 587, PM_CONNECT), 0),
	CONN(named, P4(REMOTE4, 587, PM_CONNECT), EPERM),
	CONN(named, P6(MAPPED4, 465, PM_CONNECT), EPERM),
	CLI("revoke dest ::/0 --runtime", CONF_SCOPED_V6, 0, "-scoped anyone: ::/0"),
	CLI("allow user 64213 --to [::/0]:587 --runtime", CONF_SCOPED_V6, 0,
	    "+scoped uid 64213: [::/0]:587"),
	CONN(named, P6(REMOTE6, 587, PM_CONNECT), 0),
	CONN(named, P4(REMOTE4, 587, PM_CONNECT), EPERM),
	CLI("allow user 64213 --to [::ffff:198.51.100.0/120]:587 --runtime", CONF_SCOPED_V6, 0,
	    "+scoped uid 64213: 198.51.100.0/24:587"),
	CONN(named, P4(REMOTE4, 587, PM_CONNECT), 0),
	HOSTS(NULL),
	/* Back to what the rows below expect (the sync race's allowed UID is allowed from the start). */
	CLI("load", CONF_TEST, 0, "-scoped uid 64213"),

	SECTION("revoke --kill"),
	/*
	 * A revoke refuses the next connect(); the sessions already open stay,
	 * unless --kill ends them (issue 22): the account's sockets to guarded
	 * ports on remote hosts, v4, v6 and v4-mapped, a group's members'. The
	 * mail host holds sessions open on 2526 (guarded here) and 2527 (not).
	 */
	SH("install -m 0755 {HELPER} {WORK}/sg-hold && "
	   "printf '#!/bin/sh\n# NAME UID GID FAMILY ADDRESS PORT: a session held in the test cgroup\n"
	   "echo $$ >{CG}/cgroup.procs || exit 1\n"
	   "setpriv --reuid=$2 --regid=$3 --clear-groups {WORK}/sg-hold $4 $5 $6 -h 30 >{WORK}/$1.out 2>&1 &\n"
	   "echo $! >{WORK}/$1.pid\n"
	   "for i in $(seq 50); do grep -q connected {WORK}/$1.out && exit 0; sleep 0.1; done; exit 1\n' >{WORK}/hold.sh && "
	   "printf '#!/bin/sh\n# NAME: its session was aborted within 3 s\n"
	   "for i in $(seq 30); do grep -q \"ended: Software caused connection abort\" {WORK}/$1.out && exit 0; "
	   "sleep 0.1; done; exit 1\n' >{WORK}/ended.sh && "
	   "printf '#!/bin/sh\n# NAME: its session is still open\n"
	   "grep -qx connected {WORK}/$1.out && [ $(wc -l <{WORK}/$1.out) = 1 ]\n' >{WORK}/open.sh && "
	   "chmod 755 {WORK}/hold.sh {WORK}/ended.sh {WORK}/open.sh && "
	   "{ nsenter --net={MX} $(dirname {HELPER})/sg-listen -k -t 120 198.51.100.25:2526 198.51.100.25:2527 "
	   "[2001:db8:1::25]:2526 >{WORK}/hold-listen.out & echo $! >{WORK}/hold-listen.pid; } && "
	   "for i in $(seq 50); do grep -q ready {WORK}/hold-listen.out && exit 0; sleep 0.1; done; exit 1"),
	CLI("load", CONF_KILL_SESSIONS, 0),
	CLI("allow user 64214 --runtime", CONF_KILL_SESSIONS, 0, "allowed uid 64214"),
	SH("{WORK}/hold.sh k-v4 64214 64201 4 198.51.100.25 2526"),
	SH("{WORK}/hold.sh k-v6 64214 64201 6 2001:db8:1::25 2526"),
	SH("{WORK}/hold.sh k-mapped 64214 64201 6 ::ffff:198.51.100.25 2526"),
	SH("{WORK}/hold.sh k-unguarded 64214 64201 4 198.51.100.25 2527"),
	SH("{WORK}/hold.sh k-other 64202 64201 4 198.51.100.25 2526"),
	SH("nsenter --net={CT} {WORK}/hold.sh k-container 64214 64201 4 198.51.100.25 2526"),
	CLI("revoke user 64214 --runtime", CONF_KILL_SESSIONS, 0, "revoked uid 64214"),
	CONN(no_relay, P4(REMOTE4, 2526, PM_CONNECT), EPERM),
	SH("sleep 1 && {WORK}/open.sh k-v4 && {WORK}/open.sh k-v6 && {WORK}/open.sh k-mapped && "
	   "{WORK}/open.sh k-container"),
	CLI("revoke user 64214 --runtime --kill", CONF_KILL_SESSIONS, 0, "was not allowed",
	    "--kill: ended 4 sessions of uid 64214 to guarded ports on remote hosts"),
	SH("{WORK}/ended.sh k-v4 && {WORK}/ended.sh k-v6 && {WORK}/ended.sh k-mapped && "
	   "{WORK}/ended.sh k-container"),
	SH("{WORK}/open.sh k-unguarded && {WORK}/open.sh k-other"),
	CLI("revoke user 64214 --runtime --kill", CONF_KILL_SESSIONS, 0, "--kill: ended 0 sessions"),
	/* --to: the sessions to that destination only. */
	CLI("allow user 64214 --runtime", CONF_KILL_SESSIONS, 0, "allowed uid 64214"),
	SH("{WORK}/hold.sh t-v4 64214 64201 4 198.51.100.25 2526"),
	SH("{WORK}/hold.sh t-v6 64214 64201 6 2001:db8:1::25 2526"),
	CLI("revoke user 64214 --to [::/0]:2526 --runtime --kill", CONF_KILL_SESSIONS, 0,
	    "--kill: ended 1 session of uid 64214"),
	SH("{WORK}/ended.sh t-v6 && {WORK}/open.sh t-v4"),
	CLI("revoke user 64214 --runtime --kill", CONF_KILL_SESSIONS, 0, "revoked uid 64214",
	    "--kill: ended 1 session of uid 64214"),
	SH("{WORK}/ended.sh t-v4"),
	/* A group: its members, by their primary group and by the group's list. */
	SH("groupadd -g 64285 sgt-kgrp && "
	   "useradd -K UID_MAX=65000 -M -N -g sgt-kgrp -u 64286 -s /usr/sbin/nologin sgt-kill && "
	   "useradd -K UID_MAX=65000 -M -N -G sgt-kgrp -u 64287 -s /usr/sbin/nologin sgt-kmem"),
	CLI("allow group sgt-kgrp --runtime", CONF_KILL_SESSIONS, 0, "allowed gid 64285"),
	SH("{WORK}/hold.sh g-primary 64286 64285 4 198.51.100.25 2526"),
	SH("{WORK}/hold.sh g-listed 64287 64285 6 2001:db8:1::25 2526"),
	CLI("revoke group sgt-kgrp --runtime --kill", CONF_KILL_SESSIONS, 0,
	    "--kill: ended 2 sessions of gid 64285 (sgt-kgrp)"),
	SH("{WORK}/ended.sh g-primary && {WORK}/ended.sh g-listed && {WORK}/open.sh k-other"),
	/* Without --runtime: the file, the sync, then the sessions. */
	CLI("allow user 64214", CONF_KILL_SESSIONS, 0, "+uid 64214"),
	SH("{WORK}/hold.sh f-v4 64214 64201 4 198.51.100.25 2526"),
	CLI("revoke user 64214 --kill", CONF_KILL_SESSIONS, 0, "-uid 64214",
	    "--kill: ended 1 session of uid 64214"),
	SH("{WORK}/ended.sh f-v4 && {WORK}/open.sh k-other"),
	CLI("revoke dest 198.51.100.25 --kill", CONF_KILL_SESSIONS, 2, "--kill goes with user or group"),
	CLI("revoke user 64214 --file-only --kill", CONF_KILL_SESSIONS, 2, "--kill goes with user or group"),
	CLI("allow user 64214 --kill", CONF_KILL_SESSIONS, 2, "option --kill does not apply"),
	SH("kill $(cat {WORK}/*.pid) 2>/dev/null; userdel sgt-kill && userdel sgt-kmem && groupdel sgt-kgrp"),
	CLI("load", CONF_TEST, 0),

	SECTION("sync race"),
	/* 50 syncs that each change the guard, while an allowed and a denied UID connect. */
	SYNC_RACE(),
	/* The race spent uid 64201's event budget for this second (SG_EVENT_BURST). */
	SH("sleep 1.1"),

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

#define N_STEPS (sizeof(steps) / sizeof(steps[0]))

const char *errno_name(int e)
{
	switch (e) {
	case 0:
		return "connected";
	case EPERM:
		return "EPERM";
	case PROBE_UNSUPPORTED:
		return "unsupported";
	default:
		return strerror(e);
	}
}

/*
 * In a child: join w's cgroup and take w's identity for good (real, effective
 * and saved IDs, no supplementary groups). 0, 255 on failure, or
 * PROBE_UNSUPPORTED when w's group does not exist on this host.
 */
int become(const struct ctx *c, const struct who *w)
{
	const char *cg = w->cg == CG_NESTED ? c->nested : c->cgroup;
	char procs[4200];
	unsigned int gid = w->gid;
	int fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	fd = open(procs, O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1)
		return 255;
	close(fd);
	if (w->gid_group) {
		struct group *gr = getgrnam(w->gid_group);

		if (!gr)
			return PROBE_UNSUPPORTED;
		gid = gr->gr_gid;
	}
	if (w->in_container) {
		int ns = open(c->ct_netns, O_RDONLY | O_CLOEXEC);

		if (ns < 0 || setns(ns, CLONE_NEWNET))
			return 255;
		close(ns);
	}
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(w->uid, w->uid, w->uid))
		return 255;
	return 0;
}

static void __attribute__((noreturn))
probe_child(const struct ctx *c, const struct who *w, const struct probe *p)
{
	int err = become(c, w);

	_exit(err ? err : probe_run(p));
}

static int probe_as_pid(const struct ctx *c, const struct who *w, const struct probe *p,
			pid_t *child)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 255;
	if (pid == 0)
		probe_child(c, w, p);
	if (child)
		*child = pid;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 255;
	return WEXITSTATUS(status);
}

int probe_as(const struct ctx *c, const struct who *w, const struct probe *p)
{
	return probe_as_pid(c, w, p, NULL);
}

/* Copy in to out with {VETH}, {WORK} and {CG} replaced. */
const char *expand(const struct ctx *c, const char *in, char *out, size_t len)
{
	static const char *const keys[] = { "{VETH}", "{WORK}", "{CG}", "{FREE_CG}", "{HELPER}",
					    "{BIN}",  "{PIN}",	"{CT}", "{MX}" };
	const char *vals[] = { c->veth, c->workdir, c->cgroup,	 c->free_cgroup, c->helper,
			       c->bin,	c->pin_dir, c->ct_netns, c->mx_netns };
	size_t used = 0;

	if (!in)
		return NULL;
	while (*in && used + 1 < len) {
		bool hit = false;

		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]) && !hit; k++) {
			size_t n = strlen(keys[k]);

			if (!strncmp(in, keys[k], n)) {
				used += (size_t)snprintf(out + used, len - used, "%s", vals[k]);
				in += n;
				hit = true;
			}
		}
		if (!hit)
			out[used++] = *in++;
	}
	out[used < len ? used : len - 1] = '\0';
	return out;
}

/* The step's probe with {VETH} and the like filled in (strings in the buffers). */
struct probe_bufs {
	char addr[128], dev[64], helper[4200], cgroup_to[4200];
};

static struct probe expand_probe(const struct ctx *c, const struct probe *in, struct probe_bufs *b)
{
	struct probe p = *in;

	p.addr = expand(c, in->addr, b->addr, sizeof(b->addr));
	p.bind_dev = expand(c, in->bind_dev, b->dev, sizeof(b->dev));
	p.helper = expand(c, in->helper, b->helper, sizeof(b->helper));
	p.cgroup_to = expand(c, in->cgroup_to, b->cgroup_to, sizeof(b->cgroup_to));
	return p;
}

static void run_conn(struct ctx *c, size_t i, const struct step *s)
{
	struct probe_bufs bufs;
	struct probe pr = expand_probe(c, &s->conn.probe, &bufs), *p = &pr;
	int got;

	got = probe_as(c, s->conn.who, p);

	if (got == PROBE_SETUP_FAILED) {
		t_result(&c->report, false, "[%zu] %s: %s: the probe could not take its identity",
			 i, s->conn.who->label, probe_method_name(p->method));
		return;
	}
	if (got == PROBE_UNSUPPORTED) {
		t_skip(&c->report, "[%zu] %s: %s to %s port %u: not supported by this kernel", i,
		       s->conn.who->label, probe_method_name(p->method), p->addr, p->port);
		return;
	}
	t_result(&c->report, got == s->conn.expect,
		 "[%zu] %s: %s to %s port %u%s%s: %s (expected %s)", i, s->conn.who->label,
		 probe_method_name(p->method), p->addr, p->port,
		 p->bind_dev ? ", bound to device " : "", p->bind_dev ? p->bind_dev : "",
		 got == 255 ? "probe setup failed" : errno_name(got), errno_name(s->conn.expect));
}

int cli_argv(const struct ctx *c, const char *args, enum conf conf, const char *cgroup, char *buf,
	     size_t len, char **argv)
{
	char *save = NULL;
	int argc = 0;

	expand(c, args, buf, len);
	argv[argc++] = (char *)c->bin;
	for (char *t = strtok_r(buf, " ", &save); t && argc < 16; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	if (!strstr(args, "--pin-dir")) {
		argv[argc++] = "--pin-dir";
		argv[argc++] = (char *)c->pin_dir;
	}
	if (conf != CONF_NONE) {
		argv[argc++] = "--config";
		argv[argc++] = (char *)c->conf_path[conf];
	}
	if (!strncmp(args, "load", 4) && !strstr(args, "--cgroup")) {
		argv[argc++] = "--cgroup";
		argv[argc++] = (char *)(cgroup ? cgroup : c->cgroup);
	}
	argv[argc] = NULL;
	return argc;
}

int run_cli(const struct ctx *c, const char *args, enum conf conf, unsigned int as_uid,
	    const char *env, const char *cgroup, char *out, size_t out_len)
{
	char buf[1024], envbuf[1024], *argv[CLI_ARGV_MAX];
	int pipefd[2], status;
	size_t used = 0;
	ssize_t n;
	pid_t pid;

	cli_argv(c, args, conf, cgroup, buf, sizeof(buf), argv);
	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		/*
		 * Open the binary while still root: a clone under /root (0700)
		 * cannot be reached by path once the child is another user.
		 */
		int bin_fd = open(c->bin, O_PATH | O_CLOEXEC);

		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		if (resolver_enter(c)) {
			perror("e2e_guard: the rows' own resolver");
			_exit(127);
		}
		if (as_uid && (setgroups(0, NULL) || setresgid(as_uid, as_uid, as_uid) ||
			       setresuid(as_uid, as_uid, as_uid))) {
			perror("e2e_guard: dropping privileges");
			_exit(127);
		}
		if (env && expand(c, env, envbuf, sizeof(envbuf)))
			putenv(envbuf);
		fexecve(bin_fd, argv, environ);
		perror("e2e_guard: exec smtpguard");
		_exit(127);
	}
	close(pipefd[1]);
	while (used + 1 < out_len && (n = read(pipefd[0], out + used, out_len - used - 1)) > 0)
		used += (size_t)n;
	out[used] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void run_cli_step(struct ctx *c, size_t i, const struct step *s)
{
	static char out[1 << 16];
	const char *why = NULL;
	char want[4200];
	int code = run_cli(c, s->cli.args, s->cli.conf, s->cli.as_uid, s->cli.env, NULL, out,
			   sizeof(out));

	if (code != s->cli.exit_code)
		why = "wrong exit code";
	for (int k = 0; !why && k < 4 && s->cli.want[k]; k++)
		if (!strstr(out, expand(c, s->cli.want[k], want, sizeof(want))))
			why = s->cli.want[k];
	if (!why && s->cli.unwanted && strstr(out, s->cli.unwanted))
		why = "output holds what it must not";
	t_result(&c->report, !why, "[%zu] smtpguard %s (%s%s): exit %d%s%s%s%s", i, s->cli.args,
		 confs[s->cli.conf].file, s->cli.as_uid ? ", not root" : "", code, why ? ": " : "",
		 why ? why : "", why ? "\n--- output ---\n" : "", why ? out : "");
}

struct race_shared {
	volatile int stop;
	long attempts[2], wrong[2];
	int last_err[2];
};

/* Probe in a loop as allowed (0) or denied (1) until told to stop. */
static void __attribute__((noreturn))
race_prober(const struct ctx *c, struct race_shared *sh, int which)
{
	struct probe p4 = P4(REMOTE4, 25, PM_CONNECT), p6 = P6(MAPPED4, 587, PM_CONNECT);
	time_t deadline = time(NULL) + RACE_MAX_SECONDS;

	/* In the nested cgroup: both attach points of the race are above it. */
	if (become(c, which ? &denied_nested : &allowed_uid_nested))
		_exit(1);
	while (!sh->stop && time(NULL) < deadline) {
		int err = probe_run(sh->attempts[which] % 2 ? &p6 : &p4);

		if (err != (which ? EPERM : 0)) {
			sh->wrong[which]++;
			sh->last_err[which] = err;
		}
		sh->attempts[which]++;
	}
	_exit(0);
}

/* Write text to path the way an admin's editor would: a 0644 temporary file renamed over it. */
bool write_conf_file(const char *path, const char *text)
{
	char tmp[4200];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return false;
	if (fchmod(fileno(f), 0644) || fputs(text, f) < 0) {
		fclose(f);
		return false;
	}
	return !fclose(f) && !rename(tmp, path);
}

/* One change to the guard per call, while the probers run; true if it worked. */
typedef bool (*race_driver)(const struct ctx *c, int n);

#define SYNC_A "ports = 25 587 2525\nallow_users = root 64202 64299\nallow_groups = 64210\n"
#define SYNC_B "ports = 25 465 587\nallow_users = 64202 root\nallow_local = no\n"

/* Alternate two configurations; every third load moves the attachment (new link). */
static bool reload_driver(const struct ctx *c, int n)
{
	const char *cg = (n / 3) % 2 ? c->nested_top : c->cgroup;
	char out[4096];

	return run_cli(c, "load", n % 2 ? CONF_RACE : CONF_TEST, 0, NULL, cg, out, sizeof(out)) ==
	       0;
}

/* Rewrite the file, then sync: every sync must really change the guard. */
static bool sync_driver(const struct ctx *c, int n)
{
	char out[4096];

	if (!write_conf_file(c->conf_path[CONF_SYNC], n % 2 ? SYNC_B : SYNC_A))
		return false;
	if (n == 0)
		return run_cli(c, "load", CONF_SYNC, 0, NULL, NULL, out, sizeof(out)) == 0;
	return run_cli(c, "sync", CONF_SYNC, 0, NULL, NULL, out, sizeof(out)) == 0 &&
	       strstr(out, "applied");
}

static void run_race(struct ctx *c, size_t i, const char *what, race_driver drive, int rounds)
{
	struct race_shared *sh =
		mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char out[4096];
	int ok = 0;
	pid_t kids[2];

	if (sh == MAP_FAILED) {
		t_result(&c->report, false, "[%zu] %s: mmap failed", i, what);
		return;
	}
	memset(sh, 0, sizeof(*sh));
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		if (kids[k] == 0)
			race_prober(c, sh, k);
	}
	usleep(100 * 1000);
	for (int n = 0; n < rounds; n++)
		ok += drive(c, n);
	sh->stop = 1;
	for (int k = 0; k < 2; k++)
		waitpid(kids[k], NULL, 0);
	/* Leave the guard where the rows below expect it. */
	ok += run_cli(c, "load", CONF_TEST, 0, NULL, NULL, out, sizeof(out)) == 0;
	t_result(&c->report,
		 ok == rounds + 1 && !sh->wrong[0] && !sh->wrong[1] && sh->attempts[0] >= rounds &&
			 sh->attempts[1] >= rounds,
		 "[%zu] %s: %d/%d changes ok; allowed uid: %ld attempts, %ld refused%s%s; "
		 "denied uid: %ld attempts, %ld let through",
		 i, what, ok, rounds + 1, sh->attempts[0], sh->wrong[0],
		 sh->wrong[0] ? ", last: " : "", sh->wrong[0] ? errno_name(sh->last_err[0]) : "",
		 sh->attempts[1], sh->wrong[1]);
	munmap(sh, sizeof(*sh));
}

/* Run a shell command; it must succeed. */
static void run_sh(struct ctx *c, size_t i, const struct step *s)
{
	char cmd[2048];
	int status;

	expand(c, s->cmd, cmd, sizeof(cmd));
	status = system(cmd);
	t_result(&c->report, status == 0, "[%zu] sh: %s%s", i, cmd, status == 0 ? "" : ": failed");
}

bool read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return true;
}

static void run_file_check(struct ctx *c, size_t i, const struct step *s)
{
	static char text[1 << 16];
	const char *why = NULL;

	if (!read_text(c->conf_path[s->file.conf], text, sizeof(text)))
		why = "cannot read it";
	for (int k = 0; !why && k < 4 && s->file.want[k]; k++)
		if (!strstr(text, s->file.want[k]))
			why = s->file.want[k];
	if (!why && s->file.unwanted && strstr(text, s->file.unwanted))
		why = "it holds what it must not";
	t_result(&c->report, !why, "[%zu] %s holds what the edits should leave%s%s%s%s", i,
		 confs[s->file.conf].file, why ? ": " : "", why ? why : "",
		 why ? "\n--- file ---\n" : "", why ? text : "");
}

/* "list --json" now, compared with (S_SAME) or kept as (S_SNAP) the snapshot. */
static void run_snapshot(struct ctx *c, size_t i, const struct step *s)
{
	static char now[1 << 16];
	int code = run_cli(c, "list --json", CONF_TEST, 0, NULL, NULL, now, sizeof(now));

	if (s->kind == S_SNAP) {
		snprintf(c->snapshot, sizeof(c->snapshot), "%s", now);
		t_result(&c->report, code == 0, "[%zu] snapshot of list --json", i);
		return;
	}
	t_result(&c->report, code == 0 && !strcmp(now, c->snapshot),
		 "[%zu] list --json is unchanged since the snapshot%s%s", i,
		 code == 0 && !strcmp(now, c->snapshot) ? "" : ":\n--- now ---\n",
		 code == 0 && !strcmp(now, c->snapshot) ? "" : now);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start "smtpguard monitor" with output to WORK/NAME.out and .err. */
pid_t start_monitor(const struct ctx *c, enum conf conf, const char *mode, const char *name,
		    const char *env)
{
	char out[4200], err[4200];
	pid_t pid = fork();

	if (pid)
		return pid;
	snprintf(out, sizeof(out), "%s/%s.out", c->workdir, name);
	snprintf(err, sizeof(err), "%s/%s.err", c->workdir, name);
	if (!freopen(out, "w", stdout) || !freopen(err, "w", stderr))
		_exit(127);
	if (env)
		putenv((char *)env);
	if (!mode) /* plain text */
		execl(c->bin, c->bin, "monitor", "--pin-dir", c->pin_dir, "--config",
		      c->conf_path[conf], (char *)NULL);
	execl(c->bin, c->bin, "monitor", mode, "--pin-dir", c->pin_dir, "--config",
	      c->conf_path[conf], (char *)NULL);
	_exit(127);
}

static void run_mon_start(struct ctx *c, size_t i, const struct step *s)
{
	char out[4200], text[256] = "";
	double deadline = now_s() + 3;

	c->monitor = start_monitor(c, s->monitor_conf, "--json", "monitor", NULL);
	snprintf(out, sizeof(out), "%s/monitor.err", c->workdir);
	/* It says so once it reads the ring buffer. */
	while (now_s() < deadline &&
	       !(read_text(out, text, sizeof(text)) && strstr(text, "monitoring")))
		usleep(50 * 1000);
	t_result(&c->report, strstr(text, "monitoring") != NULL,
		 "[%zu] smtpguard monitor --json started (pid %d)", i, (int)c->monitor);
}

static void run_mon_stop(struct ctx *c, size_t i, const struct step *s)
{
	bool ok = c->monitor > 0 && !kill(c->monitor, SIGKILL) &&
		  waitpid(c->monitor, NULL, 0) == c->monitor;

	t_result(&c->report, ok, "[%zu] monitor killed with SIGKILL", i);
	c->monitor = 0;
}

bool newest_line_with(const char *path, const char *needle, double timeout, char *line, size_t len)
{
	static char text[1 << 20];
	double deadline = now_s() + timeout;

	do {
		const char *hit, *start, *end;

		if (read_text(path, text, sizeof(text)) && (hit = strstr(text, needle))) {
			/* The newest: PIDs wrap (pid_max 32768), an old line may have this one. */
			for (const char *next; (next = strstr(hit + 1, needle));)
				hit = next;
			for (start = hit; start > text && start[-1] != '\n'; start--)
				;
			end = strchr(hit, '\n');
			snprintf(line, len, "%.*s", (int)(end ? end - start : (long)strlen(start)),
				 start);
			return true;
		}
		usleep(20 * 1000);
	} while (now_s() < deadline);
	return false;
}

/* The monitor's JSON line for pid, waiting up to timeout seconds. */
static bool find_event(const struct ctx *c, pid_t pid, double timeout, char *line, size_t len)
{
	char path[4200], needle[32];

	snprintf(path, sizeof(path), "%s/monitor.out", c->workdir);
	snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)pid);
	return newest_line_with(path, needle, timeout, line, len);
}

/* "time":"2026-11-21T10:04:05Z" within 5 s of now. */
static bool event_time_is_now(const char *line)
{
	const char *t = strstr(line, "\"time\":\"");
	struct tm tm = {};

	if (!t || !strptime(t + 8, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return false;
	return labs((long)(timegm(&tm) - time(NULL))) <= 5;
}

static void run_event(struct ctx *c, size_t i, const struct step *s)
{
	struct probe_bufs bufs;
	struct probe pr = expand_probe(c, &s->event.probe, &bufs);
	const struct probe *p = &pr;
	bool mapped = !strncmp(p->addr, "::ffff:", 7);
	const char *family = p->family == AF_INET ? "ipv4" : mapped ? "ipv4-mapped" : "ipv6";
	char line[1024] = "", want[6][96], extra[512];
	const char *why = NULL;
	int got, wants = 6;
	double t0;
	pid_t pid;

	got = probe_as_pid(c, s->event.who, p, &pid);
	t0 = now_s();
	snprintf(want[0], sizeof(want[0]), "\"action\":\"%s\"", s->event.action);
	snprintf(want[1], sizeof(want[1]), "\"uid\":%u,", s->event.who->uid);
	snprintf(want[2], sizeof(want[2]), "\"comm\":\"e2e_guard\"");
	snprintf(want[3], sizeof(want[3]), "\"dst\":\"%s\"", mapped ? p->addr + 7 : p->addr);
	snprintf(want[4], sizeof(want[4]), "\"port\":%u,", p->port);
	snprintf(want[5], sizeof(want[5]), "\"family\":\"%s\"", family);
	/* An extra text the row asks for (EVENT_SAYS). */
	if (s->event.says) {
		expand(c, s->event.says, extra, sizeof(extra));
		wants = 7;
	}
	if (got != s->event.expect)
		why = "the connect did not give the expected result";
	else if (!find_event(c, pid, 1.0, line, sizeof(line)))
		why = "no event for its pid within 1 s";
	for (int k = 0; !why && k < wants; k++)
		if (!strstr(line, k < 6 ? want[k] : extra))
			why = k < 6 ? want[k] : extra;
	if (!why && !event_time_is_now(line))
		why = "its time is not now (CLOCK_BOOTTIME to wall clock)";
	t_result(&c->report, !why, "[%zu] %s: %s to %s port %u: %s, event in %.0f ms%s%s%s%s", i,
		 s->event.who->label, probe_method_name(p->method), p->addr, p->port,
		 errno_name(got), (now_s() - t0) * 1000, why ? ": " : "", why ? why : "",
		 why ? "\n    " : "", why ? line : "");
}

/* A number after key in text, after the first occurrence of anchor (or 0). */
static long json_number(const char *text, const char *anchor, const char *key)
{
	const char *a = anchor ? strstr(text, anchor) : text, *k;

	if (!a || !(k = strstr(a, key)))
		return 0;
	return strtol(k + strlen(key), NULL, 10);
}

/* This account's count of action in status --json. */
static long account_count(const struct ctx *c, unsigned int uid, const char *action)
{
	static char out[1 << 16];
	char anchor[48], key[32];

	snprintf(anchor, sizeof(anchor), "{\"uid\":%u,", uid);
	snprintf(key, sizeof(key), "\"%s\":", action);
	run_cli(c, "status --json", CONF_TEST, 0, NULL, NULL, out, sizeof(out));
	return strstr(out, anchor) ? json_number(out, anchor, key) : 0;
}

static void run_path(struct ctx *c, size_t i, const struct step *s)
{
	const struct path_row *r = &s->path;
	struct probe_bufs bufs;
	struct probe pr = expand_probe(c, &r->probe, &bufs);
	char file[4200], line[1024] = "", want[5][96];
	long before = account_count(c, r->uid, r->action), after;
	const char *why = NULL;
	char cmd[2048];
	int got;

	if (r->cmd) {
		int status = system(expand(c, r->cmd, cmd, sizeof(cmd)));

		got = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
		pr.addr = cmd;
	} else {
		got = probe_as(c, r->who, &pr);
	}

	snprintf(file, sizeof(file), "%s/monitor.out", c->workdir);
	snprintf(want[0], sizeof(want[0]), "\"path\":\"%s\"", r->path);
	snprintf(want[1], sizeof(want[1]), "\"action\":\"%s\"", r->action);
	snprintf(want[2], sizeof(want[2]), "\"uid\":%u,", r->uid);
	snprintf(want[3], sizeof(want[3]), "\"dst\":\"%s\"", r->dst);
	snprintf(want[4], sizeof(want[4]), "\"port\":%u,", r->port);
	after = account_count(c, r->uid, r->action);
	if (got != r->expect)
		why = "the probe did not give the expected result";
	else if (after <= before)
		why = "its account's counter did not move";
	else if (!newest_line_with(file, want[3], 1.0, line, sizeof(line)))
		why = "no event for its destination within 1 s";
	for (int k = 0; !why && k < 5; k++)
		if (!strstr(line, want[k]))
			why = want[k];
	t_result(&c->report, !why, "[%zu] %s: %s to %s port %u: %s; %s %ld -> %ld%s%s%s%s", i,
		 r->cmd ? "the rootless container's root" : r->who->label,
		 r->cmd ? "sh" : probe_method_name(pr.method), pr.addr, pr.port, errno_name(got),
		 r->action, before, after, why ? ": " : "", why ? why : "", why ? "\n    " : "",
		 why ? line : "");
}

static void run_counts(struct ctx *c, size_t i, const struct step *s)
{
	static char before[1 << 16], after[1 << 16];
	char anchor[48];
	long ub, ua, tb, ta;
	int refused = 0;

	snprintf(anchor, sizeof(anchor), "{\"uid\":%u,", s->counted.who->uid);
	run_cli(c, "status --json", CONF_TEST, 0, NULL, NULL, before, sizeof(before));
	for (int n = 0; n < s->counted.n; n++)
		refused += probe_as(c, s->counted.who, &s->counted.probe) == EPERM;
	run_cli(c, "status --json", CONF_TEST, 0, NULL, NULL, after, sizeof(after));
	ub = strstr(before, anchor) ? json_number(before, anchor, "\"blocked\":") : 0;
	ua = json_number(after, anchor, "\"blocked\":");
	tb = json_number(before, "\"totals\"", "\"blocked\":");
	ta = json_number(after, "\"totals\"", "\"blocked\":");
	t_result(&c->report,
		 refused == s->counted.n && ua - ub == s->counted.n && ta - tb == s->counted.n,
		 "[%zu] %d refused attempts by %s: its counter %ld -> %ld, total %ld -> %ld", i,
		 refused, s->counted.who->label, ub, ua, tb, ta);
}

static int count_matches(const char *path, const char *needle)
{
	static char text[1 << 20];
	int n = 0;

	if (!read_text(path, text, sizeof(text)))
		return 0;
	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Lines in a file of any size (the remote listener's log grows past 1 MiB). */
static int count_lines(const char *path)
{
	char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;
	int lines = 0;

	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		for (size_t k = 0; k < n; k++)
			lines += buf[k] == '\n';
	if (f)
		fclose(f);
	return lines;
}

/* Does the file end with this line? */
static bool last_line_is(const char *path, const char *line)
{
	static char text[1 << 16];
	size_t n, l = strlen(line);

	if (!read_text(path, text, sizeof(text)))
		return false;
	n = strlen(text);
	return n >= l && !strcmp(text + n - l, line);
}

static void run_reach(struct ctx *c, size_t i, const struct step *s)
{
	char host_log[4200], mx_log[4200], want[64];
	int h0, m0, h1 = 0, m1 = 0, got;
	double deadline;

	snprintf(host_log, sizeof(host_log), "%s/host-accepted.log", c->workdir);
	snprintf(mx_log, sizeof(mx_log), "%s/mx-accepted.log", c->workdir);
	h0 = count_lines(host_log);
	m0 = count_lines(mx_log);
	got = probe_as(c, s->reach.who, &s->reach.probe);
	deadline = now_s() + 2;
	do { /* the listener logs when it gets round to accept() */
		usleep(20 * 1000);
		h1 = count_lines(host_log);
		m1 = count_lines(mx_log);
	} while (h1 - h0 + m1 - m0 < 1 && now_s() < deadline);
	usleep(100 * 1000);
	h1 = count_lines(host_log);
	m1 = count_lines(mx_log);
	/* Redirected to the IPv4 target (v4 and v4-mapped sockets) or the IPv6 one. */
	snprintf(want, sizeof(want), "accepted %s:25\n",
		 s->reach.probe.family == AF_INET6 && strncmp(s->reach.probe.addr, "::ffff:", 7) ?
			 "::1" :
			 "127.0.0.1");
	if (s->reach.local && !last_line_is(host_log, want))
		h1 = -1000;
	t_result(&c->report,
		 got == 0 && h1 - h0 == (s->reach.local ? 1 : 0) &&
			 m1 - m0 == (s->reach.local ? 0 : 1),
		 "[%zu] %s: %s to %s port %u: %s; reached the %s (local listener +%d, remote +%d)",
		 i, s->reach.who->label, probe_method_name(s->reach.probe.method),
		 s->reach.probe.addr, s->reach.probe.port, errno_name(got),
		 s->reach.local ? "local MTA (redirected)" : "remote host", h1 - h0, m1 - m0);
}

static void run_alert(struct ctx *c, size_t i, const struct step *s)
{
	char log[4200], err[4200], line[32], banner[48];
	double deadline;
	int refused = 0, fired;

	snprintf(log, sizeof(log), "%s/alerts.log", c->workdir);
	snprintf(err, sizeof(err), "%s/monitor.err", c->workdir);
	/* alert.sh writes "$SMTPGUARD_UID $SMTPGUARD_COUNT $SMTPGUARD_ACTION". */
	snprintf(line, sizeof(line), "%u 5 blocked\n", s->counted.who->uid);
	snprintf(banner, sizeof(banner), "ALERT uid=%u(", s->counted.who->uid);
	for (int n = 0; n < s->counted.n; n++)
		refused += probe_as(c, s->counted.who, &s->counted.probe) == EPERM;
	deadline = now_s() + 3;
	while (!count_matches(log, line) && now_s() < deadline)
		usleep(50 * 1000);
	usleep(1200 * 1000); /* any second alert would be here by now */
	fired = count_matches(log, line);
	t_result(&c->report,
		 refused == s->counted.n && fired == 1 && count_matches(err, banner) == 1,
		 "[%zu] %d attempts by %s over a 5/60s threshold: alert_command ran %d time(s), "
		 "%d ALERT line(s)",
		 i, refused, s->counted.who->label, fired, count_matches(err, banner));
}

/* Print a small file as "# name: line" comments, for whoever reads the log. */
static void show_file(const char *name, const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		printf("# %s: %s", name, line);
	if (f)
		fclose(f);
}

/* The number right after the first occurrence of needle in a file, or 0. */
static long number_after(const char *path, const char *needle)
{
	static char text[1 << 16];
	const char *p;

	if (!read_text(path, text, sizeof(text)) || !(p = strstr(text, needle)))
		return 0;
	return strtol(p + strlen(needle), NULL, 10);
}

#define STORM_ATTEMPTS 10000

/* 10,000 connects by one process; exits 0 when every one got EPERM. */
static void __attribute__((noreturn)) storm_child(const struct ctx *c, const struct who *w)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(25) };
	int eperm = 0;

	if (become(c, w))
		_exit(2);
	inet_pton(AF_INET, REMOTE4, &sin.sin_addr);
	for (int n = 0; n < STORM_ATTEMPTS; n++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) && errno == EPERM)
			eperm++;
		if (fd >= 0)
			close(fd);
	}
	_exit(eperm == STORM_ATTEMPTS ? 0 : 1);
}

/* A syslog socket of our own: every datagram becomes a line of WORK/syslog.log. */
static pid_t start_collector(const struct ctx *c, char *sock, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char log[4200], buf[2048];
	int fd;
	pid_t pid;

	snprintf(sock, len, "%s/syslog.sock", c->workdir);
	snprintf(log, sizeof(log), "%s/syslog.log", c->workdir);
	if (strlen(sock) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	unlink(sock);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)))
		return -1;
	pid = fork();
	if (pid == 0) {
		FILE *f = fopen(log, "w");

		for (ssize_t n; f && (n = recv(fd, buf, sizeof(buf) - 1, 0)) >= 0;) {
			buf[n] = '\0';
			fprintf(f, "%s\n", buf);
			fflush(f);
		}
		_exit(0);
	}
	close(fd);
	return pid;
}

static void run_storm(struct ctx *c, size_t i, const struct step *s)
{
	char sock[4200], env[4300], log[4200], line[64];
	int status = -1, logged, summary, total, lost;
	long summarised, dropped;
	pid_t collector, monitor, storm;
	double t0, elapsed;

	collector = start_collector(c, sock, sizeof(sock));
	snprintf(env, sizeof(env), "SMTPGUARD_SYSLOG_SOCKET=%s", sock);
	monitor = start_monitor(c, CONF_EVENTS, "--syslog", "monitor-syslog", env);
	snprintf(log, sizeof(log), "%s/syslog.log", c->workdir);
	for (double deadline = now_s() + 5; now_s() < deadline;) {
		if (count_matches(log, "monitoring the guard"))
			break; /* it reads the ring buffer, with its loss baseline set */
		usleep(50 * 1000);
	}
	/* Stopped, the monitor cannot drain the ring buffer: it fills, events drop. */
	kill(monitor, SIGSTOP);
	t0 = now_s();
	storm = fork();
	if (storm == 0)
		storm_child(c, s->crowd);
	waitpid(storm, &status, 0);
	elapsed = now_s() - t0;
	kill(monitor, SIGCONT);
	/* The 2 s log window ends and is summarised; give a loaded machine time. */
	snprintf(line, sizeof(line), "uid=%u(?): ", s->crowd->uid);
	for (double deadline = now_s() + 10; now_s() < deadline;) {
		usleep(200 * 1000);
		if (count_matches(log, line))
			break;
	}
	summary = count_matches(log, line);
	summarised = number_after(log, line);
	dropped = number_after(log, "lost ");
	snprintf(line, sizeof(line), "blocked uid=%u(", s->crowd->uid);
	logged = count_matches(log, line);
	total = count_matches(log, "\n");
	lost = count_matches(log, "lost ");
	kill(monitor, SIGTERM);
	waitpid(monitor, NULL, 0);
	kill(collector, SIGKILL);
	waitpid(collector, NULL, 0);
	show_file("syslog", log);
	/* Every attempt is accounted for: logged, summarised, or lost and reported. */
	/* One UID cannot fill the ring buffer (its event budget): "lost" may be 0. */
	t_result(&c->report,
		 collector > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && logged >= 1 &&
			 logged <= 5 && summary == 1 && total <= 20 &&
			 logged + summarised + dropped == STORM_ATTEMPTS,
		 "[%zu] storm: %d refused connects in %.2f s (%.1f us each, all EPERM: %s); "
		 "syslog got %d lines in all: %d event lines for the UID, %d summary (%ld more), "
		 "%d lost-events report(s) (%ld lost); %d + %ld + %ld = %ld of %d",
		 i, STORM_ATTEMPTS, elapsed, elapsed * 1e6 / STORM_ATTEMPTS,
		 WIFEXITED(status) && !WEXITSTATUS(status) ? "yes" : "no", total, logged, summary,
		 summarised, lost, dropped, logged, summarised, dropped,
		 logged + summarised + dropped, STORM_ATTEMPTS);
}

/*
 * Split a text line into key=value tokens as a log parser would (blanks
 * separate, a double-quoted value may hold blanks and \-escapes). How many
 * tokens have this key; the last one's value, unescaped, to val.
 */
int count_key(const char *line, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);
	int n = 0;

	for (const char *p = line; *p;) {
		const char *tok = p;
		bool is_key;

		while (*p == ' ')
			p++;
		tok = p;
		is_key = !strncmp(tok, key, klen) && tok[klen] == '=';
		if (is_key) {
			size_t used = 0;

			p += klen + 1;
			n++;
			if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					char ch = *p;

					if (*p == '\\' && p[1] == 'x' && p[2] && p[3]) {
						char hex[3] = { p[2], p[3], 0 };

						ch = (char)strtol(hex, NULL, 16);
						p += 3;
					} else if (*p == '\\' && p[1]) {
						ch = *++p;
					}
					if (used + 1 < len)
						val[used++] = ch;
				}
				if (*p == '"')
					p++;
			} else {
				while (*p && *p != ' ' && used + 1 < len)
					val[used++] = *p++;
			}
			val[used] = '\0';
		}
		while (*p && *p != ' ') {
			if (*p == '"') /* a quoted value of another key */
				for (p++; *p && *p != '"'; p++)
					if (*p == '\\' && p[1])
						p++;
			if (*p)
				p++;
		}
	}
	return n;
}

static void run_forge(struct ctx *c, size_t i, const struct step *s)
{
	static char text[1 << 16];
	char path[4200], needle[32], line[1024] = "", dst[128] = "", comm[64] = "";
	int ndst = 0, ncomm = 0, got = -1, status;
	pid_t monitor, pid;

	snprintf(path, sizeof(path), "%s/monitor-text.out", c->workdir);
	monitor = start_monitor(c, CONF_EVENTS, NULL, "monitor-text", NULL);
	usleep(500 * 1000); /* it attaches within its first tick */
	pid = fork();
	if (pid == 0) {
		struct probe p = P4(REMOTE4, 25, PM_CONNECT);

		if (become(c, s->forge.who) || prctl(PR_SET_NAME, s->forge.comm))
			_exit(255);
		_exit(probe_run(&p));
	}
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		got = WEXITSTATUS(status);
	snprintf(needle, sizeof(needle), " pid=%d ", (int)pid);
	for (double deadline = now_s() + 3; now_s() < deadline; usleep(50 * 1000)) {
		const char *hit, *start, *end;

		if (!read_text(path, text, sizeof(text)) || !(hit = strstr(text, needle)))
			continue;
		for (start = hit; start > text && start[-1] != '\n'; start--)
			;
		end = strchr(hit, '\n');
		snprintf(line, sizeof(line), "%.*s", (int)(end ? end - start : (long)strlen(start)),
			 start);
		break;
	}
	kill(monitor, SIGTERM);
	waitpid(monitor, NULL, 0);
	ndst = count_key(line, "dst", dst, sizeof(dst));
	ncomm = count_key(line, "comm", comm, sizeof(comm));
	t_result(
		&c->report,
		got == EPERM && ndst == 1 && !strcmp(dst, REMOTE4 ":25") && ncomm == 1 &&
			!strcmp(comm, s->forge.comm),
		"[%zu] a process named '%s' is refused (%s) and its line parses to one dst (%s) and "
		"one comm (%s):\n    %s",
		i, s->forge.comm, errno_name(got), dst, comm, line);
}

/* Write a file as uid (a tenant planting it), mode 0755. */
static bool write_as(unsigned int uid, const char *path, const char *text)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int fd;

		if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(1);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
		_exit(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) &&
				      !fchmod(fd, 0755) && !close(fd) ?
			      0 :
			      1);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

/* Root's alert script at path: it logs "root UID" to log. */
static bool root_alert_script(const char *path, const char *log)
{
	FILE *f = fopen(path, "w");

	return f && fprintf(f, "#!/bin/sh\necho \"root $SMTPGUARD_UID\" >>%s\n", log) > 0 &&
	       !fchmod(fileno(f), 0755) && !fclose(f);
}

/* A monitor of conf with text output in WORK/name.out and .err, once it reads events. */
static pid_t text_monitor(const struct ctx *c, enum conf conf, const char *name)
{
	char err[4200], line[256];
	pid_t pid = start_monitor(c, conf, NULL, name, NULL);

	snprintf(err, sizeof(err), "%s/%s.err", c->workdir, name);
	newest_line_with(err, "monitoring", 5, line, sizeof(line));
	return pid;
}

static void run_alert_swap(struct ctx *c, size_t i, const struct step *s)
{
	static const struct who takers[] = {
		{ "uid 64217", 64217, 64201, NULL, CG_TEST, false },
		{ "uid 64218", 64218, 64201, NULL, CG_TEST, false },
		{ "uid 64219", 64219, 64201, NULL, CG_TEST, false },
		{ "uid 64220", 64220, 64201, NULL, CG_TEST, false },
	};
	const struct probe p = P4(REMOTE4, 25, PM_CONNECT);
	char dir[4200], script[4300], log[4200], err[4200], line[512] = "", tenant[4400];
	const char *why = NULL;
	int refusals = 0, again = 0;
	pid_t mon;

	(void)s;
	snprintf(dir, sizeof(dir), "%s/alert-swap", c->workdir);
	snprintf(script, sizeof(script), "%s/alert.sh", dir);
	snprintf(log, sizeof(log), "%s/alert-swap.log", c->workdir);
	snprintf(err, sizeof(err), "%s/alert-swap.err", c->workdir);
	snprintf(tenant, sizeof(tenant), "#!/bin/sh\necho \"tenant $SMTPGUARD_UID\" >>%s\n", log);
	unlink(script);
	unlink(log);
	if ((mkdir(dir, 0755) && errno != EEXIST) || chmod(dir, 0755) ||
	    !root_alert_script(script, log)) {
		t_result(&c->report, false, "[%zu] alert swap: cannot make %s: %s", i, script,
			 strerror(errno));
		return;
	}
	mon = text_monitor(c, CONF_ALERT_SWAP, "alert-swap");
	/* Root's script, a #! script run through its descriptor. */
	if (probe_as(c, &takers[0], &p) != EPERM)
		why = "the first attempt was not refused";
	else if (!newest_line_with(log, "root 64217", 3, line, sizeof(line)))
		why = "root's alert script did not run for the first alert";
	/* /tmp's way: anyone may create a name there, and root's file is gone (tmpfiles). */
	if (!why && (chmod(dir, 01777) || unlink(script) || !write_as(64201, script, tenant)))
		why = "cannot plant the tenant's script";
	for (int k = 1; !why && k < 3; k++)
		if (probe_as(c, &takers[k], &p) != EPERM)
			why = "an attempt was not refused";
	usleep(1500 * 1000); /* an alert command would have run by now */
	if (!why && newest_line_with(log, "tenant", 0, line, sizeof(line)))
		why = "THE TENANT'S SCRIPT RAN AS ROOT";
	refusals = count_matches(err, "is not run: ");
	if (!why && refusals != 1)
		why = "not one \"alert_command ... is not run\" message for two refused alerts";
	/* Root's script again: it runs, and the monitor says so. */
	if (!why && (unlink(script) || chmod(dir, 0755) || !root_alert_script(script, log)))
		why = "cannot put root's script back";
	if (!why && probe_as(c, &takers[3], &p) != EPERM)
		why = "the last attempt was not refused";
	else if (!why && !newest_line_with(log, "root 64220", 3, line, sizeof(line)))
		why = "root's script did not run once it was back";
	again = count_matches(err, "passes its check again");
	if (!why && again != 1)
		why = "the monitor did not say the command passes its check again";
	kill(mon, SIGTERM);
	waitpid(mon, NULL, 0);
	if (why) {
		show_file("alert-swap.err", err);
		show_file("alert-swap.log", log);
	}
	t_result(
		&c->report, !why,
		"[%zu] alert_command in a directory taken over between alerts (made 1777, root's "
		"script removed, uid 64201's planted): root's ran before and after, the tenant's "
		"never; %d \"is not run\" message(s) for 2 alerts, %d \"passes its check again\"%s%s",
		i, refusals, again, why ? ": " : "", why ? why : "");
}

static void run_alert_flood(struct ctx *c, size_t i, const struct step *s)
{
	char script[4200], log[4200], needle[32], line[256] = "";
	double t0, flood_s = 0, alert_s = 0;
	long count = 0;
	int status = -1, alerts = 0;
	FILE *f;
	pid_t mon, storm;

	snprintf(script, sizeof(script), "%s/alert-flood.sh", c->workdir);
	snprintf(log, sizeof(log), "%s/alert-flood.log", c->workdir);
	unlink(log);
	f = fopen(script, "w");
	if (!f ||
	    fprintf(f,
		    "#!/bin/sh\necho \"$SMTPGUARD_UID $SMTPGUARD_COUNT $SMTPGUARD_ACTION\" >>%s\n",
		    log) < 0 ||
	    fchmod(fileno(f), 0755) || fclose(f)) {
		t_result(&c->report, false, "[%zu] alert flood: cannot write %s", i, script);
		return;
	}
	mon = text_monitor(c, CONF_ALERT_FLOOD, "alert-flood");
	snprintf(needle, sizeof(needle), "%u ", s->crowd->uid);
	t0 = now_s();
	storm = fork();
	if (storm == 0)
		storm_child(c, s->crowd);
	waitpid(storm, &status, 0);
	flood_s = now_s() - t0;
	if (newest_line_with(log, needle, 3, line, sizeof(line)))
		alert_s = now_s() - t0;
	usleep(1500 * 1000); /* a second alert in this window would be here by now */
	alerts = count_matches(log, needle);
	count = strtol(line + strlen(needle), NULL, 10);
	kill(mon, SIGTERM);
	waitpid(mon, NULL, 0);
	t_result(&c->report,
		 WIFEXITED(status) && !WEXITSTATUS(status) && alerts == 1 && count >= 1000 &&
			 alert_s > 0 && alert_s < 2.5,
		 "[%zu] %d refused attempts by %s in %.2f s, alert_threshold = 1000/1s (event "
		 "budget %d/s): alert_command ran %d time(s), %.2f s after the flood began, with "
		 "SMTPGUARD_COUNT=%ld",
		 i, STORM_ATTEMPTS, s->crowd->label, flood_s, SG_EVENT_BURST, alerts, alert_s,
		 count);
}

#define FLOOD_PROCS 4
#define FLOOD_SECONDS 2.0
#define FLOOD_MAX_ATTEMPTS 20000000 /* per process: a bound, whatever the machine */
#define QUIET_ATTEMPTS 8

unsigned long refused_connects_for(double seconds, unsigned long max)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(25) };
	double deadline = now_s() + seconds;
	unsigned long n = 0;

	inet_pton(AF_INET, REMOTE4, &sin.sin_addr);
	while (n < max && ((n & 255) || now_s() < deadline)) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) && errno == EPERM)
			n++;
		if (fd >= 0)
			close(fd);
	}
	return n;
}

/* Refused connects as fast as one process can, for FLOOD_SECONDS; the count to *done. */
static void __attribute__((noreturn))
flood_child(const struct ctx *c, const struct who *w, unsigned long *done)
{
	unsigned long n;

	if (become(c, w))
		_exit(2);
	n = refused_connects_for(FLOOD_SECONDS, FLOOD_MAX_ATTEMPTS);
	__atomic_add_fetch(done, n, __ATOMIC_SEQ_CST);
	_exit(0);
}

/* Sum of the numbers after key on the lines of text that hold both needles. */
static unsigned long sum_json(const char *text, const char *needle1, const char *needle2,
			      const char *key, unsigned long *lines)
{
	unsigned long sum = 0;

	*lines = 0;
	for (const char *l = text; l && *l;) {
		const char *end = strchr(l, '\n'), *k;
		size_t len = end ? (size_t)(end - l) : strlen(l);
		char buf[2048];

		snprintf(buf, sizeof(buf), "%.*s", (int)len, l);
		if (strstr(buf, needle1) && strstr(buf, needle2)) {
			(*lines)++;
			if (key && (k = strstr(buf, key)))
				sum += strtoul(k + strlen(key), NULL, 10);
		}
		l = end ? end + 1 : NULL;
	}
	return sum;
}

static void run_flood(struct ctx *c, size_t i, const struct step *s)
{
	static char text[1 << 22];
	unsigned long *done = mmap(NULL, sizeof(*done), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned long events = 0, gap_s = 0, gap_l = 0, ns_s = 0, ns_l = 0, n;
	const struct probe quiet_probe = P4(REMOTE4, 25, PM_CONNECT);
	char path[4200], uidkey[32], line[1024];
	pid_t kids[FLOOD_PROCS], quiet_pid[QUIET_ATTEMPTS];
	int quiet_eperm = 0, quiet_seen = 0;
	size_t offset = 0;
	double t0, elapsed;
	bool exact = false;

	snprintf(path, sizeof(path), "%s/monitor.out", c->workdir);
	if (done == MAP_FAILED || c->monitor <= 0) {
		t_result(&c->report, false, "[%zu] flood: needs a running monitor", i);
		return;
	}
	*done = 0;
	if (read_text(path, text, sizeof(text)))
		offset = strlen(text);
	t0 = now_s();
	for (int k = 0; k < FLOOD_PROCS; k++)
		if ((kids[k] = fork()) == 0)
			flood_child(c, s->crowd, done);
	/* The quiet account tries now and then while the flood runs. */
	for (int k = 0; k < QUIET_ATTEMPTS; k++) {
		usleep((useconds_t)(FLOOD_SECONDS * 1e6 / (QUIET_ATTEMPTS + 2)));
		quiet_eperm += probe_as_pid(c, &quiet, &quiet_probe, &quiet_pid[k]) == EPERM;
	}
	for (int k = 0; k < FLOOD_PROCS; k++)
		waitpid(kids[k], NULL, 0);
	elapsed = now_s() - t0;
	for (int k = 0; k < QUIET_ATTEMPTS; k++)
		quiet_seen += find_event(c, quiet_pid[k], 3.0, line, sizeof(line));
	/* The monitor's counter scan reports what was not sent within a tick or two. */
	snprintf(uidkey, sizeof(uidkey), "\"uid\":%u,", s->crowd->uid);
	for (double deadline = now_s() + 5; !exact && now_s() < deadline; usleep(200 * 1000)) {
		const char *t;

		if (!read_text(path, text, sizeof(text)))
			continue;
		t = text + (offset < strlen(text) ? offset : strlen(text));
		gap_s = sum_json(t, uidkey, "\"type\":\"event\"",
				 "\"not_sent_suppressed\":", &events);
		gap_l = sum_json(t, uidkey, "\"type\":\"event\"", "\"not_sent_lost\":", &n);
		ns_s = sum_json(t, uidkey, "\"type\":\"not_sent\"", "\"suppressed\":", &n);
		ns_l = sum_json(t, uidkey, "\"type\":\"not_sent\"", "\"lost\":", &n);
		exact = events + gap_s + gap_l + ns_s + ns_l == *done;
	}
	t_result(
		&c->report,
		quiet_eperm == QUIET_ATTEMPTS && quiet_seen == QUIET_ATTEMPTS && exact &&
			*done > 1000 && events < *done / 10,
		"[%zu] flood: %d processes of uid %u made %lu refused attempts in %.1f s (%.0f/s); "
		"%lu sent as events (%.0f/s), %lu + %lu counted and not sent (budget %d/s), "
		"%lu + %lu lost: %s; the quiet uid %u: %d/%d refused, %d/%d reported",
		i, FLOOD_PROCS, s->crowd->uid, *done, elapsed, *done / elapsed, events,
		events / elapsed, gap_s, ns_s, SG_EVENT_BURST, gap_l, ns_l,
		exact ? "every attempt accounted for" : "NOT all accounted for", quiet.uid,
		quiet_eperm, QUIET_ATTEMPTS, quiet_seen, QUIET_ATTEMPTS);
	munmap(done, sizeof(*done));
}

/* Damage the guard the way an admin's rm or bpftool would. */
static void run_tamper(struct ctx *c, size_t i, const struct step *s)
{
	char path[4200];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", c->pin_dir, s->pin);
	if (s->kind == S_UNPIN) {
		err = unlink(path) ? errno : 0;
	} else {
		fd = bpf_obj_get(path);
		err = fd < 0 || bpf_link_detach(fd) ? errno : 0;
		if (fd >= 0)
			close(fd);
	}
	t_result(&c->report, !err, "[%zu] %s %s behind the guard's back%s%s", i,
		 s->kind == S_UNPIN ? "rm" : "bpf_link_detach", path, err ? ": " : "",
		 err ? strerror(err) : "");
}

static int setup(struct ctx *c)
{
	const char *e[] = { "SG_BIN",	      "SG_PIN_DIR", "SG_CGROUP",   "SG_WORKDIR", "SG_VETH",
			    "SG_FREE_CGROUP", "SG_HELPER",  "SG_CT_NETNS", "SG_MX_NETNS" };
	const char **dst[] = { &c->bin,		&c->pin_dir, &c->cgroup,   &c->workdir, &c->veth,
			       &c->free_cgroup, &c->helper,  &c->ct_netns, &c->mx_netns };

	for (size_t k = 0; k < sizeof(e) / sizeof(e[0]); k++) {
		*dst[k] = getenv(e[k]);
		if (!*dst[k]) {
			fprintf(stderr, "e2e_guard: %s is not set (run tests/run.sh)\n", e[k]);
			return -1;
		}
	}
	snprintf(c->nested_top, sizeof(c->nested_top), "%s/nested", c->cgroup);
	mkdir(c->nested_top, 0755);
	snprintf(c->nested, sizeof(c->nested), "%s/nested/a", c->cgroup);
	mkdir(c->nested, 0755);
	snprintf(c->nested, sizeof(c->nested), "%s/nested/a/b", c->cgroup);
	if (mkdir(c->nested, 0755) && errno != EEXIST) {
		perror(c->nested);
		return -1;
	}
	for (int k = 0; k < CONF_COUNT; k++) {
		char text[4096];
		FILE *f;

		snprintf(c->conf_path[k], sizeof(c->conf_path[k]), "%s/%s", c->workdir,
			 confs[k].file);
		if (!confs[k].text)
			continue;
		f = fopen(c->conf_path[k], "w");
		/* smtpguard refuses a configuration others may write. */
		if (!f || fchmod(fileno(f), 0644) ||
		    fputs(expand(c, confs[k].text, text, sizeof(text)), f) < 0 || fclose(f)) {
			perror(c->conf_path[k]);
			return -1;
		}
	}
	return 0;
}

/* Kinds whose function takes something else than the row. */
static void run_reload_race(struct ctx *c, size_t i, const struct step *s)
{
	run_race(c, i, "reload race", reload_driver, RACE_LOADS);
}

static void run_sync_race(struct ctx *c, size_t i, const struct step *s)
{
	run_race(c, i, "sync race", sync_driver, SYNC_RACE_ROUNDS);
}

static void run_kill_loop_row(struct ctx *c, size_t i, const struct step *s)
{
	run_kill_loop(c, i, s->rounds);
}

static void run_lock_storm_row(struct ctx *c, size_t i, const struct step *s)
{
	run_lock_storm(c, i, s->rounds);
}

static void run_foreign_link_row(struct ctx *c, size_t i, const struct step *s)
{
	run_foreign_link(c, i);
}

static void run_unload_other_version_row(struct ctx *c, size_t i, const struct step *s)
{
	run_unload_other_version(c, i);
}

static void run_who_row(struct ctx *c, size_t i, const struct step *s)
{
	run_who(c, i, s->who_case);
}

static void run_resolver(struct ctx *c, size_t i, const struct step *s)
{
	bool down = s->kind == S_RESOLVER_DOWN;

	t_result(&c->report, resolver_set(c, s->hosts, down), "[%zu] the CLI's resolver: %s", i,
		 down	  ? "fails (no DNS server answers)" :
		 s->hosts ? "its own hosts file" :
			    "the host's");
}

/*
 * What the rows after a row may depend on. With T=PATTERN, the rows before
 * the last selected one run too (quietly: only a failure among them is
 * shown), except those that change nothing: the rows that only read
 * (READS), and the long scenarios that leave the guard as they found it
 * and nothing after them reads (SCENARIO: the races, the fault rows, the
 * storm, the flood, the which-script rows).
 */
enum row_effect {
	LEAVES, /* state later rows read: the guard, files, counters, the monitor */
	READS,
	SCENARIO,
};

/* Every kind of row: its name (in the row's name), its function, its effect. */
static const struct {
	const char *name;
	void (*run)(struct ctx *c, size_t i, const struct step *s);
	enum row_effect effect;
} step_kinds[S_KIND_COUNT] = {
	[S_CLI] = { "cli", run_cli_step, LEAVES }, /* but see cli_reads_only() */
	[S_CONN] = { "conn", run_conn, LEAVES },
	[S_RACE] = { "reload race", run_reload_race, SCENARIO },
	[S_UNPIN] = { "unpin", run_tamper, LEAVES },
	[S_DETACH] = { "detach", run_tamper, LEAVES },
	[S_SH] = { "sh", run_sh, LEAVES },
	[S_FILE] = { "file", run_file_check, READS },
	[S_SNAP] = { "snapshot", run_snapshot, LEAVES },
	[S_SAME] = { "same as the snapshot", run_snapshot, READS },
	[S_SYNC_RACE] = { "sync race", run_sync_race, SCENARIO },
	[S_MON_START] = { "monitor start", run_mon_start, LEAVES },
	[S_MON_STOP] = { "monitor stop", run_mon_stop, LEAVES },
	[S_EVENT] = { "event", run_event, LEAVES },
	[S_PATH] = { "packet path", run_path, LEAVES },
	[S_COUNTS] = { "counts", run_counts, LEAVES },
	[S_REACH] = { "reach", run_reach, LEAVES },
	[S_ALERT] = { "alert", run_alert, LEAVES },
	[S_STORM] = { "storm", run_storm, SCENARIO },
	[S_FLOOD] = { "flood", run_flood, SCENARIO },
	[S_FORGE] = { "forge", run_forge, LEAVES },
	[S_ALERT_SWAP] = { "alert command swapped", run_alert_swap, SCENARIO },
	[S_ALERT_FLOOD] = { "alert over the event budget", run_alert_flood, SCENARIO },
	[S_KILL_LOOP] = { "kill loop", run_kill_loop_row, SCENARIO },
	[S_LOCK_STORM] = { "lock storm", run_lock_storm_row, SCENARIO },
	[S_FOREIGN_LINK] = { "foreign link", run_foreign_link_row, SCENARIO },
	/* It ends by loading the test configuration again: later rows see that. */
	[S_UNLOAD_OTHER_VERSION] = { "unload over another version", run_unload_other_version_row,
				     LEAVES },
	[S_HOSTS] = { "hosts", run_resolver, LEAVES },
	[S_RESOLVER_DOWN] = { "resolver down", run_resolver, LEAVES },
	[S_WHO] = { "who", run_who_row, SCENARIO },
	[S_SECTION] = { "section", NULL, READS },
};

/* Commands that change nothing a later row sees. */
static bool cli_reads_only(const char *args)
{
	static const char *const readers[] = { "status",       "list",	"check",
					       "check-config", "stats", "monitor" };
	size_t len = strcspn(args, " ");

	for (size_t k = 0; k < sizeof(readers) / sizeof(readers[0]); k++)
		if (strlen(readers[k]) == len && !strncmp(args, readers[k], len))
			return true;
	return false;
}

static bool sets_state(const struct step *s)
{
	return step_kinds[s->kind].effect == LEAVES &&
	       !(s->kind == S_CLI && cli_reads_only(s->cli.args));
}

static const struct probe *row_probe(const struct step *s, const struct who **who)
{
	switch (s->kind) {
	case S_CONN:
		*who = s->conn.who;
		return &s->conn.probe;
	case S_EVENT:
		*who = s->event.who;
		return &s->event.probe;
	case S_COUNTS:
	case S_ALERT:
		*who = s->counted.who;
		return &s->counted.probe;
	case S_REACH:
		*who = s->reach.who;
		return &s->reach.probe;
	default:
		return NULL;
	}
}

/* "[N] SECTION: KIND: WHAT", what T=PATTERN matches. */
static const char *row_name(size_t n, const char *section, const struct step *s, char *buf,
			    size_t len)
{
	const struct who *who = NULL;
	const struct probe *p = row_probe(s, &who);
	char what[512] = "";

	if (p)
		snprintf(what, sizeof(what), "%s: %s to %s port %u", who->label,
			 probe_method_name(p->method), p->addr, p->port);
	else if (s->kind == S_CLI)
		snprintf(what, sizeof(what), "smtpguard %s (%s)", s->cli.args,
			 confs[s->cli.conf].file);
	else if (s->kind == S_SH)
		snprintf(what, sizeof(what), "%s", s->cmd);
	else if (s->kind == S_FILE)
		snprintf(what, sizeof(what), "%s", confs[s->file.conf].file);
	else if (s->kind == S_MON_START)
		snprintf(what, sizeof(what), "%s", confs[s->monitor_conf].file);
	else if (s->kind == S_UNPIN || s->kind == S_DETACH)
		snprintf(what, sizeof(what), "%s", s->pin);
	else if (s->kind == S_FORGE)
		snprintf(what, sizeof(what), "%s", s->forge.comm);
	else if (s->kind == S_HOSTS)
		snprintf(what, sizeof(what), "%s", s->hosts ? s->hosts : "the host's resolver");
	snprintf(buf, len, "[%zu] %s: %s%s%s", n, section, step_kinds[s->kind].name,
		 what[0] ? ": " : "", what);
	return buf;
}

/*
 * Which rows run: all of them, or (filter) those whose name holds it and,
 * before the last of them, those that leave state behind (sets_state()).
 * Returns how many rows the filter selected; *setup counts the others that
 * run.
 */
static size_t select_rows(const char *filter, bool *run, bool *selected, size_t *setup)
{
	const char *section = "";
	size_t n = 0, nsel = 0, last = 0;
	char name[1024];

	for (size_t k = 0; k < N_STEPS; k++) {
		const struct step *s = &steps[k];

		run[k] = selected[k] = false;
		if (s->kind == S_SECTION) {
			section = s->section;
			continue;
		}
		selected[k] = !filter ||
			      strstr(row_name(n, section, s, name, sizeof(name)), filter);
		if (selected[k]) {
			nsel++;
			last = k;
		}
		n++;
	}
	*setup = 0;
	for (size_t k = 0; k < N_STEPS; k++) {
		run[k] = selected[k] || (nsel && k < last && sets_state(&steps[k]));
		*setup += run[k] && !selected[k];
	}
	return nsel;
}

/* --count: print how many rows SG_TEST_FILTER selects, and run none. */
int main(int argc, char **argv)
{
	static bool run[N_STEPS], selected[N_STEPS];
	const char *env = getenv("SG_TEST_FILTER");
	char *filter = env && *env ? strdup(env) : NULL;
	struct ctx c = {};
	size_t nsel, nsetup, n = 0;

	/* The rows decide what is shown (testlib.h would match each result's own text). */
	unsetenv("SG_TEST_FILTER");
	alarm(SUITE_MAX_SECONDS); /* a hung kernel call must not hang CI */
	nsel = select_rows(filter, run, selected, &nsetup);
	if (argc > 1 && !strcmp(argv[1], "--count")) {
		printf("%zu\n", nsel);
		free(filter);
		return 0;
	}
	if (filter) {
		printf("# T=%s: %zu rows selected", filter, nsel);
		if (nsetup)
			printf(", %zu rows before them run to set the state up (shown if they fail)",
			       nsetup);
		printf("\n");
		fflush(stdout); /* before any fork */
	}
	if (!nsel)
		return t_summary(&c.report);
	if (setup(&c))
		return 2;
	for (size_t k = 0; k < N_STEPS; k++) {
		const struct step *s = &steps[k];

		if (s->kind == S_SECTION)
			continue;
		if (run[k]) {
			c.report.quiet = !selected[k];
			step_kinds[s->kind].run(&c, n, s);
		}
		n++;
	}
	c.report.quiet = false;
	if (c.monitor > 0) {
		kill(c.monitor, SIGKILL);
		waitpid(c.monitor, NULL, 0);
	}
	free(filter);
	return t_summary(&c.report);
}
