// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rows_containers.c - containers: a container's loopback and the
 * host's, a container's root with NAT rules and raw sockets (the packet
 * path), the host's own addresses, allow_local = no.
 * Rows as steps.h describes them; T=containers/ runs them all (README).
 */
#include "rows.h"

/* The host's end of the rootless container's veth (world.sh): its MAC, by the shell. */
#define UCT_GW_MAC "\"$(ip -br link | awk '/^sgtu/ { print $3 }')\""
/* README's forward-path rule, in a table of the test's own in the host's namespace. */
#define FWD_RULE                                                                           \
	"nft add table inet sgt_fwd && nft add chain inet sgt_fwd forward "                \
	"'{ type filter hook forward priority 0; }' && nft add rule inet sgt_fwd forward " \
	"iifname \"sgt*\" tcp dport '{ 25, 465, 587 }' drop"

/* clang-format off */
static const struct step rows[] = {
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
	/*
	 * Out of scope (README): a frame on an AF_PACKET socket skips the IP
	 * stack, so no cgroup program sees it, and the host forwards it: the
	 * SYN-ACK comes back. The README's forward-path rule on the host stops
	 * it, and only the guarded ports.
	 */
	SH(UCT("{HELPER} 4 " REMOTE4 " 25 -p " UCT_GW_MAC)),
	SH(FWD_RULE),
	SH(UCT("{HELPER} 4 " REMOTE4 " 25 -p " UCT_GW_MAC "; [ $? = 110 ]")),
	SH(UCT("{HELPER} 4 " REMOTE4 " 2525 -p " UCT_GW_MAC)),
	/* Gone whatever happened above: the rule would cut the other container off too. */
	SH("nft delete table inet sgt_fwd 2>/dev/null; ! nft list table inet sgt_fwd 2>/dev/null"),
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
};
/* clang-format on */

const struct row_table rows_containers = { "containers", rows, sizeof(rows) / sizeof(rows[0]) };
