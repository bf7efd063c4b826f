// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rows_identities.c - identities: runtime allow and revoke, IDs
 * above the allowlists' arrays, the caller's IDs read from the task's
 * credentials.
 * Rows as steps.h describes them; T=identities/ runs them all (README).
 */
#include "rows.h"

/* clang-format off */
static const struct step rows[] = {
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
	 * bpf_get_current_uid_gid(): the program holds one of the two ways
	 * only, and both decide alike.
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
	   "x=$(bpftool prog dump xlated id $p) && ! echo \"$x\" | grep -q 'call bpf_get_current_uid_gid' && "
	   "echo \"$x\" | grep -q 'call bpf_get_current_task_btf'"),
	CONN(allowed_uid, P6(REMOTE6, 25, PM_CONNECT), 0),
	CONN(allowed_gid, P4(REMOTE4, 465, PM_CONNECT), 0),
	CONN(high_uid, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(high_gid, P6(REMOTE6, 25, PM_CONNECT), 0),
	CONN(denied, P6(MAPPED4, 25, PM_CONNECT), EPERM),
	CONN(denied, P4(REMOTE4, 587, PM_CONNECT), EPERM),
	CLI("load", CONF_TEST, 0),
	CONN(high_uid, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(high_gid, P4(REMOTE4, 25, PM_CONNECT), EPERM),
};
/* clang-format on */

const struct row_table rows_identities = { "identities", rows, sizeof(rows) / sizeof(rows[0]) };
