// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* kill_sessions.c - see kill_sessions.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit_codes.h"
#include "group_members.h"
#include "kill_sessions.h"
#include "live_open.h"
#include "log.h"
#include "maps.h"
#include "scope_resolve.h"
#include "sock_kill.h"

/* The guarded ports of the live guard; with --to PORTS, those of them. */
static int guarded_ports(const struct kill_request *k, __u64 *ports)
{
	struct sg_settings s;
	struct live_guard lg;
	int err = -ENOENT;

	if (live_open(&lg, k->pin_dir, 0) == LIVE_WHOLE)
		err = maps_read_settings(lg.g.fd[SG_MAP_SETTINGS], &s);
	live_close(&lg);
	if (err)
		return err;
	memcpy(ports, s.ports, sizeof(s.ports));
	if (k->to && k->to->nports) {
		__u64 only[SG_PORT_WORDS] = {};

		for (unsigned int i = 0; i < k->to->nports; i++)
			only[k->to->ports[i] / 64] |= 1ULL << (k->to->ports[i] % 64);
		for (size_t w = 0; w < SG_PORT_WORDS; w++)
			ports[w] &= only[w];
	}
	return 0;
}

/* --to as prefixes: the CIDR, or the name's addresses now. */
static int to_prefixes(const struct dest_spec *to, struct sg_dest_key *out, size_t *n)
{
	struct sg_scope_rule rule = {};
	char why[512];

	if (!to->is_name) {
		out[0] = to->key;
		*n = 1;
		return 0;
	}
	snprintf((char *)rule.dest, sizeof(rule.dest), "%s", to->name);
	if (scope_resolve_one(&rule, why, sizeof(why))) {
		log_err("--kill: %s: no session was ended", why);
		return -ENOENT;
	}
	for (size_t i = 0; i < rule.naddrs; i++)
		out[i] = (struct sg_dest_key){ .prefixlen = 128, .addr = rule.addrs[i] };
	*n = rule.naddrs;
	return 0;
}

int kill_sessions(const struct kill_request *k)
{
	struct sg_dest_key dests[SG_SCOPE_ADDRS];
	__u64 ports[SG_PORT_WORDS];
	struct sock_kill_filter f = { .ports = ports, .dests = dests };
	struct sock_kill_result r;
	__u32 *members = NULL, uid = k->id;
	int err, ret = EXIT_FAIL;

	err = guarded_ports(k, ports);
	if (err) {
		log_err("--kill: cannot read the live guard's ports (%s): no session was ended",
			strerror(-err));
		return EXIT_FAIL;
	}
	if (k->to && to_prefixes(k->to, dests, &f.ndests))
		return EXIT_FAIL;
	if (k->kind == ID_GROUP) {
		if (group_members(k->id, &members, &f.nuids)) {
			log_err("--kill: out of memory: no session was ended");
			return EXIT_FAIL;
		}
		f.uids = members;
	} else {
		f.uids = &uid;
		f.nuids = 1;
	}
	err = f.nuids ? sock_kill(&f, &r) : 0;
	if (!f.nuids)
		printf("smtpguard: --kill: %s has no members: no session to end\n", k->label);
	else if (err == -EOPNOTSUPP)
		log_err("--kill: this kernel cannot end sockets (CONFIG_INET_DIAG_DESTROY is not "
			"set): the revoke took effect, but %u open session%s of %s stay%s open "
			"until %s",
			r.found - r.ended, r.found - r.ended == 1 ? "" : "s", k->label,
			r.found - r.ended == 1 ? "s" : "",
			r.found - r.ended == 1 ? "it closes" : "they close");
	else if (err == -EPROTONOSUPPORT)
		log_err("--kill: this kernel cannot list TCP sockets (CONFIG_INET_TCP_DIAG, the "
			"tcp_diag module): the revoke took effect, no session of %s was ended",
			k->label);
	else if (err)
		/* Once one is refused the rest are only counted: M holds them. */
		log_err("--kill: %s: the revoke took effect, %u of %u open sessions of %s ended",
			strerror(-err), r.ended, r.found, k->label);
	else
		printf("smtpguard: --kill: ended %u session%s of %s to guarded ports on remote "
		       "hosts (%u network namespace%s)\n",
		       r.ended, r.ended == 1 ? "" : "s", k->label, r.netns,
		       r.netns == 1 ? "" : "s");
	if (!err)
		ret = EXIT_OK;
	free(members);
	return ret;
}
