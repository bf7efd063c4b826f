// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * import_cpanel.c - cPanel & WHM's "SMTP Restrictions" (Tweak Setting
 * smtpmailgidonly). There is nothing to read but whether its flag file
 * /var/cpanel/smtpgidonlytweak exists, and nothing to configure: nat OUTPUT
 * RETURNs for GID 990, GID 12 (mail), UID 202 (cpanel, to 127.0.0.1 only)
 * and UID 0, then REDIRECTs ports 25, 465 and 587 of everyone else to the
 * local Exim. The equivalent here is mode = redirect; the comments explain
 * when enforce is the better choice.
 */
#include <errno.h>
#include <string.h>

#include "import_policy.h"
#include "import_readers.h"

/* cPanel's rules exempt a GID 990 that no public source names (see the comments). */
#define CPANEL_UNNAMED_GID 990

static int identities(struct import_policy *p)
{
	char name[256];
	const char *g990 = identity_name(ID_GROUP, CPANEL_UNNAMED_GID, name, sizeof(name));
	size_t users = 0;

	if (import_add_line(p, CFG_ALLOW_USERS, "root", "cPanel exempts UID 0") ||
	    import_keep_mta(p, "cPanel exempts Exim (mailnull), which @mta finds", &users) ||
	    import_add_line(p, CFG_ALLOW_USERS, "@mailman", "cPanel exempts Mailman") ||
	    import_add_line(p, CFG_ALLOW_GROUPS, "mail", "cPanel exempts GID 12 (mail)") ||
	    import_add_line(p, CFG_ALLOW_GROUPS, "@mailman", "cPanel exempts Mailman") ||
	    import_explain(p, CFG_ALLOW_USERS,
			   "cPanel also lets the cpanel user (UID 202) through, but only to "
			   "127.0.0.1, which allow_local = yes opens to every account: it needs no "
			   "line here. @mta is Exim's user as exim -bP reports it, followed at "
			   "every sync.") ||
	    import_explain(p, CFG_ALLOW_GROUPS,
			   "cPanel's rules also exempt GID 990, which cPanel documents only as "
			   "part of \"root, exim and mailman\"; @mailman stands for Mailman here. "
			   "On this host GID 990 is %s%s%s: if that group must send mail, add "
			   "allow_groups = ITS_NAME.",
			   g990 ? "'" : "", g990 ? g990 : "not a group", g990 ? "'" : ""))
		return -ENOMEM;
	return 0;
}

static int mode(struct import_policy *p)
{
	if (import_explain(p, CFG_MODE,
			   "redirect is what cPanel does: a script that connects to a remote "
			   "port 25, 465 or 587 reaches the local Exim instead, which applies its "
			   "own authentication and limits. enforce refuses it (EPERM) and smtpguard "
			   "monitor names the account: choose enforce when scripts should fail "
			   "loudly rather than be relayed without a word.") ||
	    import_explain(p, CFG_REDIRECT_TO,
			   "cPanel's REDIRECT keeps the port and sends the connection to this host; "
			   "so does this, for IPv6 as well."))
		return -ENOMEM;
	if (!p->guarding) {
		if (import_note(
			    p, 0, true,
			    "%s does not exist: SMTP Restrictions is off, so nothing is redirected "
			    "today. Imported as mode = audit, which refuses nothing and reports "
			    "what this policy would redirect (smtpguard monitor); switch to mode = "
			    "redirect (or enforce) when the reports look right",
			    p->path) ||
		    import_add_line(p, CFG_MODE, config_mode_name(SG_MODE_AUDIT),
				    "no %s: SMTP Restrictions is off", p->label))
			return -ENOMEM;
	} else if (import_add_line(p, CFG_MODE, config_mode_name(SG_MODE_REDIRECT),
				   "%s exists: SMTP Restrictions redirects", p->label)) {
		return -ENOMEM;
	}
	return import_add_line(p, CFG_REDIRECT_TO, "127.0.0.1, ::1",
			       "cPanel's REDIRECT: this host, the same port");
}

int import_cpanel(struct import_policy *p, const char *buf, size_t len, FILE *diag)
{
	int err;

	/* cPanel creates the flag empty; a binary file there is something else. */
	if (buf && memchr(buf, '\0', len)) {
		fprintf(diag, "%s:1: NUL byte: not cPanel's flag file (cPanel creates it empty)\n",
			p->path);
		return 1;
	}
	p->guarding = buf != NULL;
	if (buf && len &&
	    import_note(p, 1, false,
			"the flag file is not empty; cPanel creates it empty and only its presence "
			"counts"))
		return -ENOMEM;
	err = import_explain(
		p, CFG_KEY_COUNT,
		"cPanel's SMTP Restrictions (WHM > Tweak Settings > \"Restrict outgoing "
		"SMTP to root, exim, and mailman\") has no settings: this is its fixed "
		"policy, in smtpguard's words.");
	if (!err)
		err = import_add_line(p, CFG_PORTS, "25, 465, 587",
				      "cPanel's SMTP Restrictions: ports 25, 465 and 587");
	if (!err)
		err = identities(p);
	if (!err)
		err = import_add_line(p, CFG_ALLOW_LOCAL, "yes",
				      "cPanel sends local SMTP to Exim anyway");
	if (!err)
		err = import_add_line(p, CFG_ALLOW_DEST, CONFIG_NONE,
				      "cPanel has no per-destination exemption");
	if (!err)
		err = mode(p);
	if (!err)
		err = import_note(p, 0, false,
				  "cPanel's rules live in the nat table, where a CSF restart can "
				  "delete them (and all outbound mail then goes out unguarded); "
				  "smtpguard's guard is a BPF link that no firewall flushes");
	if (!err)
		err = import_note(
			p, 0, false,
			"smtpguard redirects IPv6 SMTP to [::1] too; see ip6tables -t nat "
			"-S OUTPUT for whether cPanel's rules cover IPv6 on this host");
	return err;
}
