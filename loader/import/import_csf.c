// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * import_csf.c - ConfigServer CSF's SMTP_BLOCK, from /etc/csf/csf.conf.
 *
 * What csf.pl builds from these settings (its SMTP_BLOCK block), in the
 * order the rules end up in, since each is inserted with -I at the top of
 * the SMTPOUTPUT chain that OUTPUT jumps to:
 *   -o lo ACCEPT                          if SMTP_ALLOWLOCAL
 *   --gid-owner GID ACCEPT                for each SMTP_ALLOWGROUP item that
 *                                         getgrnam() knows, GID 0 skipped
 *   --uid-owner UID ACCEPT                for each SMTP_ALLOWUSER item that
 *                                         getpwnam() knows (a number too, as
 *                                         a name), UID 0 skipped
 *   --uid-owner 0 ACCEPT                  always
 *   --dports SMTP_PORTS DROP_OUT          unless SMTP_REDIRECT, which uses
 *                                         nat OUTPUT RETURN ... REDIRECT
 * The same in ip6tables only with IPV6 = "1" (redirect only with an IPv6
 * nat table). lfd alerts when one UID's blocks are logged more than
 * UID_LIMIT times in UID_INTERVAL seconds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "import_policy.h"
#include "import_readers.h"
#include "import_owner_lists.h"
#include "kvfile.h"
#include "parse.h"

/* lfd's own floor for UID_INTERVAL. */
#define LFD_MIN_INTERVAL 60

struct csf {
	struct import_policy *p;
	struct kv_file f;
	FILE *diag;
	int errors;
};

static const char *value(struct csf *c, const char *name)
{
	return kv_value(&c->f, name);
}

static unsigned int line_of(struct csf *c, const char *name)
{
	return kv_line(&c->f, name);
}

static bool on(struct csf *c, const char *name)
{
	return kv_perl_true(value(c, name));
}

/* A copy of s without blanks, as csf.pl treats SMTP_PORTS and list items. */
static char *no_blanks(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t')
			*o++ = *s;
	*o = '\0';
	return out;
}

static int mode_and_ports(struct csf *c, bool *redirect, __u64 *ports)
{
	struct import_policy *p = c->p;
	unsigned int bl = line_of(c, "SMTP_BLOCK"), rl = line_of(c, "SMTP_REDIRECT");
	char *list = no_blanks(value(c, "SMTP_PORTS")), buf[1024];
	bool empty;
	int err;

	if (!list)
		return -ENOMEM;
	err = import_port_list(p, list, line_of(c, "SMTP_PORTS"), "SMTP_PORTS", ports, c->diag);
	empty = !*list;
	free(list);
	if (err < 0)
		return err;
	c->errors += err;
	*redirect = on(c, "SMTP_REDIRECT");
	p->guarding = on(c, "SMTP_BLOCK") && !empty;
	if (empty) {
		static const unsigned int defaults[] = { 25, 465, 587 };

		for (size_t i = 0; i < 3; i++)
			ports[defaults[i] / 64] |= 1ULL << (defaults[i] % 64);
		if (import_note(p, line_of(c, "SMTP_PORTS"), true,
				"SMTP_PORTS is empty, so csf blocks no port at all; imported with "
				"smtpguard's ports 25, 465 and 587") ||
		    import_add_line(p, CFG_PORTS, import_ports_value(ports, buf, sizeof(buf)),
				    "%s:%u SMTP_PORTS is empty: smtpguard's default ports",
				    p->label, line_of(c, "SMTP_PORTS")))
			return -ENOMEM;
	} else if (import_add_line(p, CFG_PORTS, import_ports_value(ports, buf, sizeof(buf)),
				   "%s:%u SMTP_PORTS", p->label, line_of(c, "SMTP_PORTS"))) {
		return -ENOMEM;
	}
	if (!p->guarding) {
		if (import_note(
			    p, bl, true,
			    "SMTP_BLOCK = \"%s\": csf does not guard outbound SMTP today. "
			    "Imported as mode = audit, which refuses nothing and reports what this "
			    "policy would refuse (smtpguard monitor); switch to mode = %s when the "
			    "reports look right",
			    value(c, "SMTP_BLOCK"), *redirect ? "redirect" : "enforce") ||
		    import_explain(
			    p, CFG_MODE,
			    "csf does not block outbound SMTP today (SMTP_BLOCK = \"%s\"), so "
			    "this starts in audit mode: nothing is refused, every attempt the "
			    "policy above would refuse is reported by smtpguard monitor. When "
			    "the reports show only what you expect, set mode = %s.",
			    value(c, "SMTP_BLOCK"), *redirect ? "redirect" : "enforce") ||
		    import_add_line(p, CFG_MODE, config_mode_name(SG_MODE_AUDIT),
				    "%s:%u SMTP_BLOCK is off", p->label, bl))
			return -ENOMEM;
		return 0;
	}
	if (*redirect)
		return import_add_line(p, CFG_MODE, config_mode_name(SG_MODE_REDIRECT),
				       "%s:%u SMTP_BLOCK, %s:%u SMTP_REDIRECT", p->label, bl,
				       p->label, rl);
	return import_add_line(p, CFG_MODE, config_mode_name(SG_MODE_ENFORCE),
			       "%s:%u SMTP_BLOCK, SMTP_REDIRECT is off", p->label, bl);
}

/* csf's REDIRECT has no --to-ports: the connection goes to this host, same port. */
static int redirect_target(struct csf *c, const __u64 *ports)
{
	struct import_policy *p = c->p;
	unsigned int rl = line_of(c, "SMTP_REDIRECT");
	unsigned int high = 0;

	for (unsigned int port = 1024; port < 65536 && !high; port++)
		if (config_port_guarded(ports, port))
			high = port;
	if (import_note(p, rl, false,
			"csf redirects IPv6 only with IPV6 = \"1\" and an ip6tables nat table; "
			"without them IPv6 SMTP is not guarded at all. smtpguard redirects IPv6 to "
			"[::1] as well") ||
	    import_explain(p, CFG_REDIRECT_TO,
			   "csf's REDIRECT sends the connection to this host, on the port it was "
			   "made to; smtpguard does the same at connect() time (for IPv6 too)."))
		return -ENOMEM;
	if (!high)
		return import_add_line(p, CFG_REDIRECT_TO, "127.0.0.1, ::1",
				       "%s:%u SMTP_REDIRECT (same port, this host)", p->label, rl);
	if (import_note(p, rl, true,
			"SMTP_PORTS has port %u, which any account may bind, so smtpguard will "
			"not keep the port when it redirects: every redirected connection goes "
			"to the local MTA's port 25",
			high))
		return -ENOMEM;
	return import_add_line(p, CFG_REDIRECT_TO, "127.0.0.1:25, [::1]:25",
			       "%s:%u SMTP_REDIRECT (port 25: SMTP_PORTS has %u)", p->label, rl,
			       high);
}

static int identities(struct csf *c)
{
	struct import_policy *p = c->p;
	size_t groups;
	int err;

	err = import_owner_lists(p, &c->f, "csf", IDENT_LOOKUP_ALL, &groups);
	if (err)
		return err;
	if (import_explain(p, CFG_ALLOW_USERS,
			   "csf looked these names up once, at its last restart; smtpguard "
			   "resolves them at every load and sync, so a re-created account is "
			   "followed and a removed one is dropped.") ||
	    import_explain(p, CFG_ALLOW_GROUPS,
			   "Like csf's --gid-owner, only the primary group counts (smtpguard checks "
			   "the real GID of the process)."))
		return -ENOMEM;
	return 0;
}

static int allow_local(struct csf *c)
{
	struct import_policy *p = c->p;
	unsigned int ll = line_of(c, "SMTP_ALLOWLOCAL");
	bool yes = on(c, "SMTP_ALLOWLOCAL");

	if (import_explain(p, CFG_ALLOW_LOCAL,
			   "csf's SMTP_ALLOWLOCAL accepts what leaves through the loopback "
			   "device: 127.0.0.1, ::1 and this host's own addresses. smtpguard's "
			   "allow_local is the same set, decided at connect() time.") ||
	    (!yes && import_note(p, ll, false,
				 "SMTP_ALLOWLOCAL is off: csf refuses local SMTP too (a script's "
				 "localhost:25), and so will smtpguard (allow_local = no)")))
		return -ENOMEM;
	return import_add_line(p, CFG_ALLOW_LOCAL, yes ? "yes" : "no", "%s:%u SMTP_ALLOWLOCAL",
			       p->label, ll);
}

/* A decimal csf value; an error (counted) when it is not one. */
static bool number(struct csf *c, const char *name, __u32 max, __u32 *out)
{
	char shown[PARSE_SHOWN_SIZE(IMPORT_SHOWN_MAX)];

	if (!parse_u32(value(c, name), max, out))
		return true;
	parse_shown(value(c, name), strlen(value(c, name)), IMPORT_SHOWN_MAX, shown);
	fprintf(c->diag, "%s:%u: %s = \"%s\" is not a number from 0 to %u\n", c->p->path,
		line_of(c, name), name, shown, max);
	c->errors++;
	return false;
}

/* lfd's User ID Tracking: an alert when a UID is blocked more than UID_LIMIT times. */
static int uid_tracking(struct csf *c)
{
	struct import_policy *p = c->p;
	unsigned int il = line_of(c, "UID_INTERVAL"), ll = line_of(c, "UID_LIMIT");
	__u32 interval = 0, limit = 10, seconds;
	char val[64];

	if (!kv_get(&c->f, "UID_INTERVAL") ||
	    !number(c, "UID_INTERVAL", 0xffffffffu - 1, &interval))
		return 0;
	if (kv_get(&c->f, "UID_LIMIT") && !number(c, "UID_LIMIT", 999999, &limit))
		return 0;
	if (!interval)
		return import_explain(
			p, CFG_ALERT_THRESHOLD,
			"lfd's User ID Tracking is off (%s:%u UID_INTERVAL = \"0\"), so "
			"no alert_threshold. Set one (such as 20/60s) to hear when an "
			"account keeps trying.",
			p->label, il);
	if (kv_get(&c->f, "LF_DAEMON") && !on(c, "LF_DAEMON"))
		return import_note(p, line_of(c, "LF_DAEMON"), false,
				   "LF_DAEMON is off, so lfd does not run and UID_INTERVAL has no "
				   "effect: no alert_threshold imported");
	seconds = interval < LFD_MIN_INTERVAL ? LFD_MIN_INTERVAL : interval;
	if (seconds > 86400) {
		seconds = 86400;
		if (import_note(
			    p, il, true,
			    "UID_INTERVAL = \"%u\" is longer than smtpguard's longest alert window "
			    "(86400 s, a day): imported as one day",
			    interval))
			return -ENOMEM;
	}
	snprintf(val, sizeof(val), "%u/%us", limit + 1, seconds);
	if (import_note(p, il, false,
			"lfd counts the UID's blocks on every port of UID_PORTS (\"%s\") from log "
			"lines that are rate-limited (30 a minute) and mails an alert; smtpguard "
			"counts every refused SMTP attempt exactly, logs the alert (smtpguard "
			"monitor) and runs alert_command if you set one",
			value(c, "UID_PORTS")) ||
	    import_explain(p, CFG_ALERT_THRESHOLD,
			   "lfd alerts when a UID is blocked more than UID_LIMIT (%u) times in "
			   "UID_INTERVAL (%u s%s); csf.uidignore has no equivalent here. Add "
			   "alert_command = /path/to/script to be mailed as lfd did.",
			   limit, interval,
			   interval < LFD_MIN_INTERVAL ? ", lfd's minimum is 60" : ""))
		return -ENOMEM;
	return import_add_line(p, CFG_ALERT_THRESHOLD, val, "%s:%u UID_INTERVAL, %s:%u UID_LIMIT",
			       p->label, il, p->label, ll);
}

/* Where csf and smtpguard differ although the import keeps the policy. */
static int differences(struct csf *c)
{
	struct import_policy *p = c->p;
	const char *drop = value(c, "DROP_OUT");

	if (!on(c, "IPV6") &&
	    import_note(p, line_of(c, "IPV6"), true,
			"IPV6 = \"%s\": csf does not guard IPv6 at all, so IPv6 SMTP passes today; "
			"smtpguard always guards IPv6 too, and other accounts' IPv6 SMTP will be %s",
			value(c, "IPV6"), p->guarding ? "refused" : "reported in audit mode"))
		return -ENOMEM;
	if (p->guarding && *drop && !on(c, "SMTP_REDIRECT") &&
	    import_note(p, line_of(c, "DROP_OUT"), false,
			"DROP_OUT = \"%s\": a refused script sees %s from csf; smtpguard fails its "
			"connect() at once with 'Operation not permitted' (EPERM)",
			drop,
			strcmp(drop, "DROP") ? "'Connection refused'" :
					       "a hang until it times out"))
		return -ENOMEM;
	if (on(c, "TESTING") &&
	    import_note(
		    p, line_of(c, "TESTING"), false,
		    "TESTING = \"%s\": csf's cron job flushes its rules every %s minutes, so its "
		    "SMTP block comes and goes; smtpguard's stays loaded",
		    value(c, "TESTING"),
		    *value(c, "TESTING_INTERVAL") ? value(c, "TESTING_INTERVAL") : "few"))
		return -ENOMEM;
	if (import_note(
		    p, 0, false,
		    "csf's owner match checks who created the socket (its fsuid/fsgid); "
		    "smtpguard checks the real UID/GID of the process that calls connect(), so a "
		    "setuid program is judged by the account that runs it"))
		return -ENOMEM;
	return import_add_line(p, CFG_ALLOW_DEST, CONFIG_NONE,
			       "csf has no per-destination exemption in SMTP_BLOCK");
}

int import_csf(struct import_policy *p, const char *buf, size_t len, FILE *diag)
{
	struct csf c = { .p = p, .diag = diag };
	__u64 ports[SG_PORT_WORDS] = {};
	bool redirect = false;
	int ret;

	ret = kv_parse(p->path, buf, len, KV_CSF, &c.f, diag);
	if (ret)
		goto cleanup;
	if (!kv_get(&c.f, "SMTP_BLOCK")) {
		fprintf(diag, "%s:%u: no SMTP_BLOCK setting in its %u lines: not a csf.conf\n",
			p->path, c.f.lines ? c.f.lines : 1, c.f.lines);
		ret = 1;
		goto cleanup;
	}
	ret = mode_and_ports(&c, &redirect, ports);
	if (!ret && redirect)
		ret = redirect_target(&c, ports);
	if (!ret)
		ret = identities(&c);
	if (!ret)
		ret = allow_local(&c);
	if (!ret)
		ret = uid_tracking(&c);
	if (!ret)
		ret = differences(&c);
	if (!ret)
		ret = c.errors;
cleanup:
	kv_free(&c.f);
	return ret;
}
