// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * import_apf.c - APF's SMTP_BLOCK, from /etc/apf/conf.apf (a shell script).
 *
 * With SMTP_BLOCK="1", APF makes a chain SMTP_BLK that OUTPUT jumps to:
 * --uid-owner 0 ACCEPT, --uid-owner NAME ACCEPT for each SMTP_ALLOWUSER
 * item and --gid-owner NAME ACCEPT for each SMTP_ALLOWGROUP item (names go
 * to iptables as they are; --gid-owner only where a runtime probe finds it
 * works), then a drop for SMTP_PORTS. SMTP_BLK itself has no loopback
 * rule, but APF's firewall_full_load() (internals/apf_core.sh) accepts all
 * of loopback first (-A OUTPUT -o lo -j ACCEPT, before any SMTP rule), so
 * local SMTP (localhost:25, the host's own addresses) always passes: the
 * import has to judge the rules APF makes, not the chain alone. IPv6 is
 * covered when USE_IPV6="1".
 */
#include <errno.h>
#include <string.h>

#include "import_policy.h"
#include "import_readers.h"
#include "import_owner_lists.h"
#include "kvfile.h"

struct apf {
	struct import_policy *p;
	struct kv_file f;
	FILE *diag;
};

static const char *value(struct apf *a, const char *name)
{
	return kv_value(&a->f, name);
}

static unsigned int line_of(struct apf *a, const char *name)
{
	return kv_line(&a->f, name);
}

/* APF tests its switches with [ "$X" == "1" ]. */
static bool on(struct apf *a, const char *name)
{
	return !strcmp(value(a, name), "1");
}

static int ports_and_mode(struct apf *a, int *errors)
{
	struct import_policy *p = a->p;
	unsigned int bl = line_of(a, "SMTP_BLOCK"), pl = line_of(a, "SMTP_PORTS");
	__u64 ports[SG_PORT_WORDS] = {};
	char buf[1024];
	int err;

	err = import_port_list(p, value(a, "SMTP_PORTS"), pl, "SMTP_PORTS", ports, a->diag);
	if (err < 0)
		return err;
	*errors += err;
	if (!*import_ports_value(ports, buf, sizeof(buf))) {
		static const unsigned int defaults[] = { 25, 465, 587 };

		for (size_t i = 0; i < 3; i++)
			ports[defaults[i] / 64] |= 1ULL << (defaults[i] % 64);
		if (import_note(
			    p, pl, true,
			    "SMTP_PORTS is empty or missing; imported with APF's and smtpguard's "
			    "default ports 25, 465 and 587") ||
		    import_add_line(p, CFG_PORTS, import_ports_value(ports, buf, sizeof(buf)),
				    "%s:%u SMTP_PORTS is empty: the default ports", p->label, pl))
			return -ENOMEM;
	} else if (import_add_line(p, CFG_PORTS, buf, "%s:%u SMTP_PORTS", p->label, pl)) {
		return -ENOMEM;
	}
	p->guarding = on(a, "SMTP_BLOCK");
	if (p->guarding)
		return import_add_line(p, CFG_MODE, config_mode_name(SG_MODE_ENFORCE),
				       "%s:%u SMTP_BLOCK", p->label, bl);
	if (import_note(p, bl, true,
			"SMTP_BLOCK=\"%s\": APF does not guard outbound SMTP today. Imported as "
			"mode = audit, which refuses nothing and reports what this policy would "
			"refuse (smtpguard monitor); switch to mode = enforce when the reports look "
			"right",
			value(a, "SMTP_BLOCK")) ||
	    import_explain(p, CFG_MODE,
			   "APF does not block outbound SMTP today (SMTP_BLOCK=\"%s\"), so this "
			   "starts in audit mode: nothing is refused, and smtpguard monitor reports "
			   "every attempt the policy above would refuse. Then set mode = enforce.",
			   value(a, "SMTP_BLOCK")))
		return -ENOMEM;
	return import_add_line(p, CFG_MODE, config_mode_name(SG_MODE_AUDIT),
			       "%s:%u SMTP_BLOCK is off", p->label, bl);
}

static int identities(struct apf *a)
{
	struct import_policy *p = a->p;
	unsigned int gl = line_of(a, "SMTP_ALLOWGROUP");
	size_t groups;
	int err;

	err = import_owner_lists(p, &a->f, "APF", IDENT_NAME_OR_ID, &groups);
	if (!err && groups)
		err = import_note(p, gl, false,
				  "APF adds its --gid-owner rules only where a runtime probe finds "
				  "that match working; smtpguard always applies allow_groups");
	if (err)
		return err;
	return import_explain(p, CFG_ALLOW_USERS,
			      "iptables resolved these names when APF last started; smtpguard "
			      "resolves them at every load and sync.");
}

static int allow_local(struct apf *a)
{
	struct import_policy *p = a->p;

	if (import_explain(p, CFG_ALLOW_LOCAL,
			   "APF accepts everything that leaves through the loopback device "
			   "(-A OUTPUT -o lo -j ACCEPT) before its SMTP_BLK chain, so every "
			   "account may reach this host's own MTA (localhost:25, or the server's "
			   "own address). smtpguard's allow_local = yes is the same set, decided "
			   "at connect() time."))
		return -ENOMEM;
	return import_add_line(p, CFG_ALLOW_LOCAL, "yes", "APF accepts -o lo before SMTP_BLK");
}

static int differences(struct apf *a)
{
	struct import_policy *p = a->p;
	const char *stop = value(a, "TCP_STOP");

	if (!on(a, "USE_IPV6") &&
	    import_note(p, line_of(a, "USE_IPV6"), true,
			"USE_IPV6=\"%s\": APF guards IPv4 only, so IPv6 SMTP passes today; "
			"smtpguard always guards IPv6 too",
			value(a, "USE_IPV6")))
		return -ENOMEM;
	if (p->guarding && *stop &&
	    import_note(p, line_of(a, "TCP_STOP"), false,
			"TCP_STOP=\"%s\": a script refused by APF sees %s; smtpguard fails its "
			"connect() at once with 'Operation not permitted' (EPERM)",
			stop,
			!strcmp(stop, "DROP") ? "a hang until it times out" :
						"a refused connection"))
		return -ENOMEM;
	if (on(a, "DEVEL_MODE") &&
	    import_note(
		    p, line_of(a, "DEVEL_MODE"), false,
		    "DEVEL_MODE=\"1\": APF's cron job stops the firewall every 5 minutes, so its "
		    "SMTP block comes and goes; smtpguard's stays loaded"))
		return -ENOMEM;
	if (import_note(p, 0, false,
			"APF's owner match checks who created the socket (fsuid/fsgid); smtpguard "
			"checks the real UID/GID of the process that calls connect()"))
		return -ENOMEM;
	return import_add_line(p, CFG_ALLOW_DEST, CONFIG_NONE,
			       "APF's SMTP_BLOCK has no per-destination exemption");
}

int import_apf(struct import_policy *p, const char *buf, size_t len, FILE *diag)
{
	struct apf a = { .p = p, .diag = diag };
	int ret, errors = 0;

	ret = kv_parse(p->path, buf, len, KV_SHELL, &a.f, diag);
	if (ret)
		goto cleanup;
	if (!kv_get(&a.f, "SMTP_BLOCK")) {
		fprintf(diag,
			"%s:%u: no SMTP_BLOCK setting in its %u lines: not a conf.apf of an APF "
			"with SMTP blocking (2.0 or later)\n",
			p->path, a.f.lines ? a.f.lines : 1, a.f.lines);
		ret = 1;
		goto cleanup;
	}
	ret = ports_and_mode(&a, &errors);
	if (!ret)
		ret = identities(&a);
	if (!ret)
		ret = allow_local(&a);
	if (!ret)
		ret = differences(&a);
	if (!ret)
		ret = errors;
cleanup:
	kv_free(&a.f);
	return ret;
}
