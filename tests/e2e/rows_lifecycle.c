// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rows_lifecycle.c - the guard's life cycle: bad configuration and
 * arguments, damage and its repair, the reload race, faults, max_identities,
 * a host without cgroup v2 or bpffs, the defaults, unload, boot.
 * Rows as steps.h describes them; T=lifecycle/ runs them all (README).
 */
#include "rows.h"

/* clang-format off */
static const struct step rows[] = {
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
};
/* clang-format on */

const struct row_table rows_lifecycle = { "lifecycle", rows, sizeof(rows) / sizeof(rows[0]) };
