// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rows_config.c - the configuration file: accounts by name, roles
 * (@mta, @mailman), allow/revoke edits that persist, what a reload keeps,
 * every error at once.
 * Rows as steps.h describes them; T=config/ runs them all (README).
 */
#include "rows.h"

/* clang-format off */
static const struct step rows[] = {
	SECTION("accounts"),
	/* Identities that follow the host (issue 3). */
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
};
/* clang-format on */

const struct row_table rows_config = { "config", rows, sizeof(rows) / sizeof(rows[0]) };
