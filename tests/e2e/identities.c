// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * identities.c - who the e2e rows' probes run as: the test accounts
 * (tests/run.sh makes the sgt-* ones), their groups and cgroups, and which
 * network namespace they connect from.
 */
#include "e2e.h"

const struct who root = { "root", 0, 0, NULL, CG_TEST, false };
const struct who denied = { "denied uid 64201", 64201, 64201, NULL, CG_TEST, false };
/* MON_START's attempt: its event says the monitor has read what was there before. */
const struct who marker = { "marker uid 64297", 64297, 64297, NULL, CG_TEST, false };
const struct who denied_nested = {
	"denied uid 64201, nested cgroup", 64201, 64201, NULL, CG_NESTED, false
};
const struct who allowed_uid = { "allowed uid 64202", 64202, 64201, NULL, CG_TEST, false };
const struct who allowed_uid_nested = {
	"allowed uid 64202, nested cgroup", 64202, 64201, NULL, CG_NESTED, false
};
const struct who allowed_gid = { "allowed gid 64210", 64203, 64210, NULL, CG_TEST, false };
const struct who mail_group = { "uid 64204 in group mail", 64204, 0, "mail", CG_TEST, false };
const struct who counted = { "uid 64206 (counted)", 64206, 64201, NULL, CG_TEST, false };
const struct who stormer = { "uid 64207 (storm)", 64207, 64201, NULL, CG_TEST, false };
const struct who alerted = { "uid 64208 (alert)", 64208, 64201, NULL, CG_TEST, false };
const struct who alert_flooder = {
	"uid 64216 (floods past alert_threshold)", 64216, 64201, NULL, CG_TEST, false
};
const struct who quiet = { "uid 64209 (quiet, during a flood)", 64209, 64201, NULL, CG_TEST, false };
/* Tenants of a container: their own network namespace, behind the host. */
const struct who ct_denied = {
	"denied uid 64201 in a container", 64201, 64201, NULL, CG_TEST, true
};
const struct who ct_allowed = {
	"allowed uid 64202 in a container", 64202, 64201, NULL, CG_TEST, true
};
/* Starts as root in the container's namespace; PM_RAW_SYN becomes as_uid with CAP_NET_RAW. */
const struct who ct_raw = { "a container's raw socket (CAP_NET_RAW)", 0, 0, NULL, CG_TEST, true };
/*
 * IDs on either side of the allowlists' arrays (which cover 0-65535 for the
 * configurations here) and far above them: those live in the hashes.
 */
const struct who high_uid = {
	"allowed uid 3000000000 (hash)", 3000000000u, 64201, NULL, CG_TEST, false
};
const struct who high_gid = {
	"allowed gid 3000000001 (hash)", 64211, 3000000001u, NULL, CG_TEST, false
};
const struct who last_in_array = { "uid 65535 (array)", 65535, 64201, NULL, CG_TEST, false };
const struct who first_in_hash = { "uid 65536 (hash)", 65536, 64201, NULL, CG_TEST, false };
/* Throwaway accounts made by SH() rows and removed by tests/run.sh. */
const struct who acct_old = { "sgt-acct at uid 64260", 64260, 64201, NULL, CG_TEST, false };
const struct who acct_new = { "sgt-acct at uid 64261", 64261, 64201, NULL, CG_TEST, false };
const struct who fake_mta = {
	"sgt-mta (64270), what a stand-in exim reports", 64270, 64201, NULL, CG_TEST, false
};
const struct who fake_pfx = {
	"sgt-pfx (64271), what a stand-in postconf reports", 64271, 64201, NULL, CG_TEST, false
};
/* Scoped exceptions (CONF_SCOPED*): 64201 (denied) has a relay, these have theirs or none. */
const struct who no_relay = { "uid 64214 (no scoped rule)", 64214, 64201, NULL, CG_TEST, false };
const struct who relay_grp = {
	"uid 64215 in gid 64212 (a group's relay)", 64215, 64212, NULL, CG_TEST, false
};
const struct who named = { "uid 64213 (a relay by name)", 64213, 64201, NULL, CG_TEST, false };
