// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rows_core.c - the guard's core: before it, check, load, what it
 * refuses over every family and connect method, borrowed identities, nested
 * cgroups, what it lets through, and allow_local.
 * Rows as steps.h describes them; T=core/ runs them all (README).
 */
#include "rows.h"

/* clang-format off */
static const struct step rows[] = {
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
};
/* clang-format on */

const struct row_table rows_core = { "core", rows, sizeof(rows) / sizeof(rows[0]) };
