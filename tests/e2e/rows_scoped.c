// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rows_scoped.c - destinations and scoped exceptions: allow_dest,
 * scoped relays by ID, name and IPv6 CIDR, their edits, revoke --kill, the
 * sync race.
 * Rows as steps.h describes them; T=scoped/ runs them all (README).
 */
#include "rows.h"

/* clang-format off */
static const struct step rows[] = {
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
	/*
	 * The program scans allow_dest's first 16 single addresses (the exact
	 * table) and asks the trie only when it holds more: the mail host's are
	 * the 17th and 18th, found in the trie alone.
	 */
	CLI("load", CONF_DEST_MANY, 0, "18 destinations"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(denied, P6(REMOTE6, 465, PM_CONNECT), 0),
	CONN(denied, P6(MAPPED4, 587, PM_CONNECT), 0),
	CONN(denied, P4(OTHER4, 25, PM_CONNECT), EPERM),
	CONN(denied, P6(OTHER6, 25, PM_CONNECT), EPERM),
	/* A prefix allowed at runtime: the table must send the program to the trie, then no more. */
	CLI("load", CONF_TEST, 0, "-dest 198.51.100.25/32"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CLI("allow dest 198.51.100.0/24 --runtime", CONF_TEST, 0, "allowed dest 198.51.100.0/24"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), 0),
	CONN(denied, P6(MAPPED4, 465, PM_CONNECT), 0),
	CONN(denied, P6(REMOTE6, 25, PM_CONNECT), EPERM),
	CLI("revoke dest 198.51.100.0/24 --runtime", CONF_TEST, 0, "revoked dest"),
	CONN(denied, P4(REMOTE4, 25, PM_CONNECT), EPERM),
	CONN(denied, P6(MAPPED4, 465, PM_CONNECT), EPERM),

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
};
/* clang-format on */

const struct row_table rows_scoped = { "scoped", rows, sizeof(rows) / sizeof(rows[0]) };
