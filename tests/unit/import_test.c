// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * import_test.c - "smtpguard import" without the kernel: each reader on the
 * fixtures in tests/import/ (which follow the incumbents' real files), on
 * the same files edited the way an admin would, and on files that are not
 * of that kind. The output of every accepted row is parsed again with the
 * real configuration parser and judged by what it means. One row per case.
 *
 * Usage: unit_import FIXTURE_DIR
 */
#include <errno.h>
#include <grp.h>
#include <time.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "config.h"
#include "import.h"
#include "kvfile.h"
#include "testlib.h"

static const char *fixture_dir = "tests/import";

/* A fixture, with "from" -> "to" replacements applied, the way sed would. */
struct edit {
	const char *from, *to;
};

struct import_case {
	const char *name;
	enum import_source src;
	const char *fixture; /* a file in fixture_dir, or NULL */
	const char *text; /* the file itself when fixture is NULL (NULL too: an absent file) */
	size_t len; /* of text, when it holds NUL bytes */
	struct edit edits[6];
	bool on_cpanel;
	bool bad; /* not of that kind: errors expected */
	const char *diag[4]; /* substrings stderr must hold ("FILE" stands for the path) */
	const char *not_diag; /* a substring stderr must not hold */
	/* What the output means, when accepted (NULL: not checked) */
	const char *mode;
	const char *ports;
	const char *users, *groups; /* the items, as written, separated by blanks */
	const char *local; /* "yes" / "no" */
	const char *alert; /* "11/300", or "" for none */
	const char *out[3]; /* substrings the output must hold */
};

#define ENABLED_CSF                                        \
	{                                                  \
		"SMTP_BLOCK = \"0\"", "SMTP_BLOCK = \"1\"" \
	}
#define ENABLED_APF                                    \
	{                                              \
		"SMTP_BLOCK=\"0\"", "SMTP_BLOCK=\"1\"" \
	}

/* clang-format off */
static const struct import_case cases[] = {
	/* ---- CSF ---- */
	{ .name = "csf: the current release's defaults", .src = IMPORT_CSF, .fixture = "csf.conf",
	  .diag = { "FILE:169: warning: SMTP_BLOCK = \"0\": csf does not guard outbound SMTP today",
		    "FILE:201: warning: SMTP_ALLOWUSER names 'cpanel': no such user",
		    "FILE:108: warning: IPV6 = \"0\": csf does not guard IPv6 at all",
		    "FILE:35: note: TESTING = \"1\"" },
	  .mode = "audit", .ports = "25 465 587", .users = "root @mta", .groups = "mail", .local = "yes",
	  .alert = "",
	  .out = { "csf.conf:192 SMTP_PORTS", "csf always allows root",
		   "csf.conf:202 SMTP_ALLOWGROUP" } },
	{ .name = "csf: SMTP_BLOCK on, users by name, UID 0 and numbers skipped", .src = IMPORT_CSF,
	  .fixture = "csf.conf",
	  .edits = { ENABLED_CSF,
		     { "SMTP_ALLOWUSER = \"cpanel\"",
		       "SMTP_ALLOWUSER = \"daemon, root,nosuchuser-sgt,1\"" },
		     { "IPV6 = \"0\"", "IPV6 = \"1\"" } },
	  .diag = { "FILE:201: warning: SMTP_ALLOWUSER names 'nosuchuser-sgt': no such user",
		    "FILE:201: note: SMTP_ALLOWUSER names 'root', which is uid 0",
		    "FILE:201: warning: SMTP_ALLOWUSER names '1': CSF looks a number up as a user name",
		    "FILE:267: note: DROP_OUT = \"REJECT\"" },
	  .not_diag = "IPV6 = ",
	  .mode = "enforce", .ports = "25 465 587", .users = "root @mta daemon", .groups = "mail",
	  .local = "yes", .alert = "",
	  .out = { "allow_users = daemon", "csf.conf:201 SMTP_ALLOWUSER" } },
	{ .name = "csf: redirect keeps the port when every port is below 1024", .src = IMPORT_CSF,
	  .fixture = "csf.conf",
	  .edits = { ENABLED_CSF, { "SMTP_REDIRECT = \"0\"", "SMTP_REDIRECT = \"1\"" } },
	  .diag = { "FILE:185: note: csf redirects IPv6 only with IPV6 = \"1\"" },
	  .not_diag = "DROP_OUT",
	  .mode = "redirect", .ports = "25 465 587", .users = "root @mta", .groups = "mail",
	  .out = { "redirect_to = 127.0.0.1, ::1" } },
	{ .name = "csf: redirect with a port from 1024 goes to port 25", .src = IMPORT_CSF,
	  .fixture = "csf.conf",
	  .edits = { ENABLED_CSF, { "SMTP_REDIRECT = \"0\"", "SMTP_REDIRECT = \"1\"" },
		     { "SMTP_PORTS = \"25,465,587\"", "SMTP_PORTS = \"25, 465,587,2525:2526\"" } },
	  .diag = { "FILE:185: warning: SMTP_PORTS has port 2525" },
	  .mode = "redirect", .ports = "25 465 587 2525 2526",
	  .out = { "redirect_to = 127.0.0.1:25, [::1]:25" } },
	{ .name = "csf: lfd's UID tracking becomes alert_threshold", .src = IMPORT_CSF,
	  .fixture = "csf.conf",
	  .edits = { ENABLED_CSF, { "UID_INTERVAL = \"0\"", "UID_INTERVAL = \"300\"" } },
	  .diag = { "FILE:306: note: lfd counts the UID's blocks" },
	  .mode = "enforce", .alert = "11/300",
	  .out = { "csf.conf:306 UID_INTERVAL, csf.conf:307 UID_LIMIT" } },
	{ .name = "csf: UID_INTERVAL below lfd's minimum counts as 60 s", .src = IMPORT_CSF,
	  .fixture = "csf.conf",
	  .edits = { { "UID_INTERVAL = \"0\"", "UID_INTERVAL = \"20\"" },
		     { "UID_LIMIT = \"10\"", "UID_LIMIT = \"4\"" } },
	  .mode = "audit", .alert = "5/60", .out = { "lfd's minimum is 60" } },
	{ .name = "csf: no lfd, no alerts", .src = IMPORT_CSF, .fixture = "csf.conf",
	  .edits = { { "UID_INTERVAL = \"0\"", "UID_INTERVAL = \"300\"" },
		     { "LF_DAEMON = \"1\"", "LF_DAEMON = \"0\"" } },
	  .diag = { "note: LF_DAEMON is off" }, .mode = "audit", .alert = "" },
	{ .name = "csf: SMTP_ALLOWLOCAL off refuses local SMTP too", .src = IMPORT_CSF,
	  .fixture = "csf.conf",
	  .edits = { ENABLED_CSF, { "SMTP_ALLOWLOCAL = \"1\"", "SMTP_ALLOWLOCAL = \"0\"" } },
	  .diag = { "FILE:177: note: SMTP_ALLOWLOCAL is off" }, .mode = "enforce", .local = "no" },
	{ .name = "csf: no group allowed is written as none", .src = IMPORT_CSF,
	  .fixture = "csf.conf",
	  .edits = { ENABLED_CSF, { "SMTP_ALLOWGROUP = \"mail,mailman\"", "SMTP_ALLOWGROUP = \"\"" } },
	  .mode = "enforce", .users = "root @mta", .groups = "", .out = { "allow_groups = none" } },
	{ .name = "csf: a setting on a line that starts with a blank has no effect",
	  .src = IMPORT_CSF, .fixture = "csf.conf",
	  .edits = { { "SMTP_ALLOWUSER = \"cpanel\"", "  SMTP_ALLOWUSER = \"daemon\"" } },
	  .diag = { "FILE:201: warning: csf ignores a line that starts with a blank" },
	  .mode = "audit", .users = "root @mta" },
	{ .name = "csf: an empty SMTP_PORTS guards nothing", .src = IMPORT_CSF,
	  .fixture = "csf.conf",
	  .edits = { ENABLED_CSF, { "SMTP_PORTS = \"25,465,587\"", "SMTP_PORTS = \"\"" } },
	  .diag = { "FILE:192: warning: SMTP_PORTS is empty" }, .mode = "audit",
	  .ports = "25 465 587" },
	{ .name = "csf: a file edited on Windows (CR LF)", .src = IMPORT_CSF,
	  .text = "# csf\r\nSMTP_BLOCK = \"1\"\r\nSMTP_PORTS = \"25\"\r\nSMTP_ALLOWUSER = \"daemon\"\r\n"
		  "SMTP_ALLOWGROUP = \"\"\r\nSMTP_ALLOWLOCAL = \"1\"\r\nIPV6 = \"1\"\r\n",
	  .not_diag = "warning", .mode = "enforce", .ports = "25", .users = "root @mta daemon",
	  .groups = "", .local = "yes", .alert = "" },
	{ .name = "csf: a binary file", .src = IMPORT_CSF,
	  .text = "SMTP_BLOCK = \"1\"\n\177ELF\0\1\2\n", .len = 25, .bad = true,
	  .diag = { "FILE:2: NUL byte: this is not a text file" } },
	{ .name = "csf: an smtpguard.conf is not a csf.conf", .src = IMPORT_CSF,
	  .text = "# mine\nallow_users = root\n", .bad = true,
	  .diag = { "FILE:2: csf.conf values are quoted (NAME = \"value\"), and csf refuses this line" } },
	{ .name = "csf: YAML is not a csf.conf", .src = IMPORT_CSF, .fixture = "imunify360.config",
	  .bad = true,
	  .diag = { "FILE:3: not a csf.conf line (expected NAME = \"value\"): 'ADMIN_CONTACTS:'" } },
	{ .name = "csf: conf.apf is not a csf.conf", .src = IMPORT_CSF, .fixture = "conf.apf",
	  .bad = true,
	  .diag = { "FILE:133: not a csf.conf line (expected NAME = \"value\"): '. $CNFINT'" } },
	{ .name = "csf: a setting twice", .src = IMPORT_CSF, .fixture = "csf.conf",
	  .edits = { { "SMTP_REDIRECT = \"0\"", "SMTP_REDIRECT = \"0\"\nSMTP_BLOCK = \"1\"" } },
	  .bad = true,
	  .diag = { "FILE:186: SMTP_BLOCK is given twice (first on line 169): csf refuses to start" } },
	{ .name = "csf: no SMTP_BLOCK at all", .src = IMPORT_CSF,
	  .text = "TESTING = \"1\"\nLF_SPI = \"1\"\n", .bad = true,
	  .diag = { "FILE:2: no SMTP_BLOCK setting in its 2 lines: not a csf.conf" } },
	{ .name = "csf: a port that is not one", .src = IMPORT_CSF, .fixture = "csf.conf",
	  .edits = { { "SMTP_PORTS = \"25,465,587\"", "SMTP_PORTS = \"25,smtp,70000,30:20\"" } },
	  .bad = true,
	  .diag = { "FILE:192: SMTP_PORTS: 'smtp' is not a port",
		    "FILE:192: SMTP_PORTS: '70000' is not", "FILE:192: SMTP_PORTS: '30:20' is not" } },
	{ .name = "csf: UID_INTERVAL that is not a number", .src = IMPORT_CSF,
	  .fixture = "csf.conf", .edits = { { "UID_INTERVAL = \"0\"", "UID_INTERVAL = \"5m\"" } },
	  .bad = true, .diag = { "FILE:306: UID_INTERVAL = \"5m\" is not a number" } },
	{ .name = "csf: an empty file", .src = IMPORT_CSF, .text = "", .bad = true,
	  .diag = { "FILE:1: no SMTP_BLOCK setting in its 0 lines" } },

	/* ---- APF ---- */
	{ .name = "apf: 2.0's defaults", .src = IMPORT_APF, .fixture = "conf.apf",
	  .diag = { "FILE:106: warning: SMTP_BLOCK=\"0\": APF does not guard outbound SMTP today",
		    "FILE:44: warning: USE_IPV6=\"0\": APF guards IPv4 only",
		    "note: allow_users has @mta: the user the local MTA",
		    "FILE:25: note: DEVEL_MODE=\"1\"" },
	  .not_diag = "loopback exemption",
	  .mode = "audit", .ports = "25 465 587", .users = "root @mta", .groups = "", .local = "yes",
	  .alert = "",
	  .out = { "conf.apf:109 SMTP_PORTS", "allow_local = yes", "accepts -o lo before SMTP_BLK" } },
	{ .name = "apf: SMTP_BLOCK on; names and numbers as iptables takes them",
	  .src = IMPORT_APF, .fixture = "conf.apf",
	  .edits = { ENABLED_APF,
		     { "SMTP_ALLOWUSER=\"\"", "SMTP_ALLOWUSER=\"daemon,65534,nosuchuser-sgt\"" },
		     { "SMTP_ALLOWGROUP=\"\"", "SMTP_ALLOWGROUP='mail'" },
		     { "USE_IPV6=\"0\"", "USE_IPV6=\"1\"" },
		     { "SMTP_PORTS=\"25,465,587\"", "SMTP_PORTS=\"25,465,587,2525_2526\"" } },
	  .diag = { "FILE:114: warning: SMTP_ALLOWUSER names 'nosuchuser-sgt': no such user",
		    "FILE:115: note: APF adds its --gid-owner rules only where",
		    "FILE:62: note: TCP_STOP=\"DROP\"" },
	  .not_diag = "USE_IPV6",
	  .mode = "enforce", .ports = "25 465 587 2525 2526", .users = "root @mta daemon 65534",
	  .groups = "mail", .local = "yes",
	  .out = { "allow_users = 65534", "conf.apf:114 SMTP_ALLOWUSER (a number is a uid)" } },
	{ .name = "apf: csf.conf is not a conf.apf", .src = IMPORT_APF, .fixture = "csf.conf",
	  .bad = true,
	  .diag = { "FILE:35: not a shell assignment NAME=\"value\" (conf.apf is a shell script): "
		    "'TESTING = \"1\"'" } },
	{ .name = "apf: shell code is not a conf.apf", .src = IMPORT_APF,
	  .text = "SMTP_BLOCK=\"1\"\nif [ -f /etc/x ]; then\n", .bad = true,
	  .diag = { "FILE:2: not a shell assignment" } },
	{ .name = "apf: an unclosed quote", .src = IMPORT_APF,
	  .text = "SMTP_BLOCK=\"1\nSMTP_PORTS=\"25\"\n", .bad = true,
	  .diag = { "FILE:1: the quote \" opened here is not closed on this line" } },
	{ .name = "apf: before 2.0 there is no SMTP_BLOCK", .src = IMPORT_APF,
	  .text = "DEVEL_MODE=\"1\"\nEGF=\"0\"\nCNFINT=\"$INSTALL_PATH/internals/internals.conf\"\n"
		  ". $CNFINT\n",
	  .bad = true, .diag = { "FILE:4: no SMTP_BLOCK setting in its 4 lines" } },
	{ .name = "apf: a binary file", .src = IMPORT_APF, .text = "\x7f" "ELF\x02\x01\x01\0\0\0",
	  .len = 10, .bad = true, .diag = { "FILE:1: NUL byte" } },

	/* ---- Imunify360 ---- */
	{ .name = "imunify: the defaults, not on cPanel", .src = IMPORT_IMUNIFY,
	  .fixture = "imunify360.config",
	  .diag = { "FILE:32: warning: SMTP_BLOCKING.enable is false",
		    "FILE:30: note: SMTP_BLOCKING.allow_local is false",
		    "warning: this host is not cPanel, so Imunify360 adds no exemption" },
	  .mode = "audit", .ports = "25 465 587", .users = "@mta", .groups = "mail", .local = "no",
	  .alert = "",
	  .out = { "imunify360.config:29 SMTP_BLOCKING.allow_groups", "allow_users = @mta" } },
	{ .name = "imunify: enabled with redirect, on cPanel", .src = IMPORT_IMUNIFY,
	  .fixture = "imunify360.config",
	  .edits = { { "  enable: false", "  enable: True" }, { "  redirect: false", "  redirect: yes" },
		     { "  allow_users: []", "  allow_users: [daemon, '65534']" } },
	  .on_cpanel = true,
	  .diag = { "warning: Imunify360 on cPanel (UID 202) names 'cpanel': no such user" },
	  .not_diag = "not cPanel",
	  .mode = "redirect", .ports = "25 465 587", .users = "root @mta daemon 65534",
	  .groups = "mail mail", .local = "no",
	  .out = { "redirect_to = 127.0.0.1, ::1", "Imunify360 on cPanel (UID 0)",
		   "imunify360.config:31 SMTP_BLOCKING.allow_users" } },
	{ .name = "imunify: no SMTP_BLOCKING section", .src = IMPORT_IMUNIFY,
	  .text = "FIREWALL:\n  port_blocking_mode: ALLOW\n",
	  .diag = { "note: no SMTP_BLOCKING section: Imunify360's defaults apply" },
	  .mode = "audit", .ports = "25 465 587", .users = "@mta", .groups = "", .local = "no" },
	{ .name = "imunify: truncated YAML", .src = IMPORT_IMUNIFY,
	  .text = "SMTP_BLOCKING:\n  enable: true\n  ports: [25, 587\n", .bad = true,
	  .diag = { "FILE:3: not valid YAML: did not find expected ',' or ']'",
		    "(at the end of the file)" } },
	{ .name = "imunify: a binary file", .src = IMPORT_IMUNIFY,
	  .text = "SMTP_BLOCKING:\n\0\0\1", .len = 18, .bad = true,
	  .diag = { "FILE:2: NUL byte: this is not a text file" } },
	{ .name = "imunify: csf.conf is not an imunify360.config", .src = IMPORT_IMUNIFY,
	  .fixture = "csf.conf", .bad = true, .diag = { "FILE:" } },
	{ .name = "imunify: other YAML is not an imunify360.config", .src = IMPORT_IMUNIFY,
	  .text = "services:\n  web:\n    image: nginx\n", .bad = true,
	  .diag = { "FILE:1: 'services' is not an Imunify360 section" } },
	{ .name = "imunify: wrong types", .src = IMPORT_IMUNIFY,
	  .text = "SMTP_BLOCKING:\n  enable: maybe\n  ports: [25, smtp]\n  allow_users: daemon\n",
	  .bad = true,
	  .diag = { "FILE:2: SMTP_BLOCKING.enable: expected true or false, got 'maybe'",
		    "FILE:3: SMTP_BLOCKING.ports: 'smtp' is not a port",
		    "FILE:4: SMTP_BLOCKING.allow_users: expected a list of names" } },
	{ .name = "imunify: an empty file", .src = IMPORT_IMUNIFY, .text = "", .bad = true,
	  .diag = { "FILE:1: empty: not an imunify360.config" } },

	/* ---- cPanel ---- */
	{ .name = "cpanel: the flag file exists", .src = IMPORT_CPANEL,
	  .fixture = "smtpgidonlytweak",
	  .diag = { "note: cPanel's rules live in the nat table" }, .not_diag = "warning",
	  .mode = "redirect", .ports = "25 465 587", .users = "root @mta @mailman",
	  .groups = "mail @mailman", .local = "yes", .alert = "",
	  .out = { "redirect_to = 127.0.0.1, ::1", "redirect is what cPanel does", "GID 990" } },
	{ .name = "cpanel: no flag file, SMTP Restrictions is off", .src = IMPORT_CPANEL,
	  .diag = { "warning: FILE does not exist: SMTP Restrictions is off" },
	  .mode = "audit", .ports = "25 465 587", .local = "yes" },
	{ .name = "cpanel: a binary file is not the flag", .src = IMPORT_CPANEL, .text = "\0\1\2",
	  .len = 3, .bad = true, .diag = { "FILE:1: NUL byte: not cPanel's flag file" } },
};
/* clang-format on */

#define N_CASES ARRAY_SIZE(cases)

static char *read_fixture(const char *name, size_t *len)
{
	char path[4096];
	char *buf = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", fixture_dir, name);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* text with each edit applied once; NULL when an edit finds nothing to replace. */
static char *apply_edits(const char *text, size_t *len, const struct edit *edits)
{
	char *cur = strndup(text, *len);

	for (size_t i = 0; cur && i < 6 && edits[i].from; i++) {
		char *at = strstr(cur, edits[i].from), *next;
		size_t fl = strlen(edits[i].from), tl = strlen(edits[i].to);

		if (!at) {
			free(cur);
			return NULL;
		}
		next = malloc(strlen(cur) - fl + tl + 1);
		if (!next)
			break;
		memcpy(next, cur, (size_t)(at - cur));
		memcpy(next + (at - cur), edits[i].to, tl);
		strcpy(next + (at - cur) + tl, at + fl);
		free(cur);
		cur = next;
	}
	if (cur)
		*len = strlen(cur);
	return cur;
}

/* The items of a list, as written ("root daemon", "mail @mailman"). */
static void items(const struct cfg_ident_list *l, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < l->n && used < len; i++) {
		const struct cfg_ident *e = &l->v[i];
		char num[16];
		const char *s = e->role ? config_role_name(e->role) : e->name;

		if (!s) {
			snprintf(num, sizeof(num), "%u", e->id);
			s = num;
		}
		used += (size_t)snprintf(out + used, len - used, "%s%s", used ? " " : "", s);
	}
}

static void ports_of(const __u64 *ports, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned int p = 1; p < 65536 && used < len; p++)
		if (config_port_guarded(ports, p))
			used += (size_t)snprintf(out + used, len - used, "%s%u", used ? " " : "",
						 p);
}

/* Every setting line of the output says where it came from. */
static const char *uncommented_line(const char *text)
{
	static char line[256];

	for (const char *s = text; *s;) {
		size_t n = strcspn(s, "\n");

		if (n && s[0] != '#' && !memmem(s, n, "  # ", 4)) {
			snprintf(line, sizeof(line), "%.*s", (int)n, s);
			return line;
		}
		s += n + (s[n] == '\n');
	}
	return NULL;
}

static char *expand_file(const char *want, const char *path)
{
	const char *at = strstr(want, "FILE");
	char *out;

	if (!at)
		return strdup(want);
	if (asprintf(&out, "%.*s%s%s", (int)(at - want), want, path, at + 4) < 0)
		return NULL;
	return out;
}

static void run_case(struct test_report *r, const struct import_case *c)
{
	char path[4096], *buf = NULL, *diag = NULL, *text = NULL, got[512];
	size_t len = 0, diag_len = 0, text_len = 0;
	struct import_policy p;
	struct sg_config cfg;
	const char *why = NULL;
	FILE *d;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", fixture_dir,
		 c->fixture ? c->fixture : import_default_path(c->src) + 1);
	if (c->fixture) {
		char *raw = read_fixture(c->fixture, &len);

		buf = raw ? apply_edits(raw, &len, c->edits) : NULL;
		free(raw);
		if (!buf) {
			t_result(r, false, "%s: fixture %s missing, or an edit found nothing",
				 c->name, c->fixture);
			return;
		}
	} else if (c->text) {
		/* Binary rows hold NUL bytes: they give their length. */
		len = c->len ? c->len : strlen(c->text);
		buf = malloc(len + 1);
		memcpy(buf, c->text, len);
		buf[len] = '\0';
	}
	d = open_memstream(&diag, &diag_len);
	ret = import_parse(c->src, path, buf, len, c->on_cpanel, &p, d);
	if (!ret && import_render(&p, &text, &text_len, d))
		why = "the output does not parse";
	if (!ret)
		import_print_notes(&p, d);
	fclose(d);
	if (!why && c->bad && ret <= 0)
		why = "accepted a file that is not of that kind";
	if (!why && !c->bad && ret)
		why = "refused a good file";
	for (size_t i = 0; !why && i < 4 && c->diag[i]; i++) {
		char *want = expand_file(c->diag[i], path);

		if (!want || !strstr(diag, want)) {
			snprintf(got, sizeof(got), "no '%s' on stderr", want ? want : "?");
			why = got;
		}
		free(want);
	}
	if (!why && c->not_diag && strstr(diag, c->not_diag)) {
		snprintf(got, sizeof(got), "'%s' on stderr", c->not_diag);
		why = got;
	}
	if (!why && !c->bad) {
		const char *bare = uncommented_line(text);
		char list[512];

		if (bare) {
			snprintf(got, sizeof(got), "line without its origin: '%s'", bare);
			why = got;
		}
		for (size_t i = 0; !why && i < 3 && c->out[i]; i++) {
			if (!strstr(text, c->out[i])) {
				snprintf(got, sizeof(got), "no '%s' in the output", c->out[i]);
				why = got;
			}
		}
		if (!why && config_parse("out", text, text_len, &cfg, stderr)) {
			why = "the output does not parse";
		} else if (!why) {
			if (c->mode && strcmp(config_mode_name(cfg.mode), c->mode)) {
				snprintf(got, sizeof(got), "mode %s", config_mode_name(cfg.mode));
				why = got;
			}
			ports_of(cfg.ports, list, sizeof(list));
			if (!why && c->ports && strcmp(list, c->ports)) {
				snprintf(got, sizeof(got), "ports '%s'", list);
				why = got;
			}
			items(&cfg.users, list, sizeof(list));
			if (!why && c->users && strcmp(list, c->users)) {
				snprintf(got, sizeof(got), "allow_users '%s'", list);
				why = got;
			}
			items(&cfg.groups, list, sizeof(list));
			if (!why && c->groups && strcmp(list, c->groups)) {
				snprintf(got, sizeof(got), "allow_groups '%s'", list);
				why = got;
			}
			if (!why && c->local && cfg.allow_local != !strcmp(c->local, "yes"))
				why = "allow_local differs";
			snprintf(list, sizeof(list), "%u/%u", cfg.alert_count, cfg.alert_seconds);
			if (!why && c->alert && strcmp(cfg.alert_count ? list : "", c->alert)) {
				snprintf(got, sizeof(got), "alert_threshold %s", list);
				why = got;
			}
			config_free(&cfg);
		}
	}
	if (why)
		t_result(r, false, "%s: %s\n--- stderr:\n%s--- output:\n%s", c->name, why, diag,
			 text ? text : "");
	else
		t_result(r, true, "%s", c->name);
	if (!ret)
		import_free(&p);
	free(text);
	free(diag);
	free(buf);
}

/* The shell reader on its own: what APF's conf.apf may hold. */
static void kv_cases(struct test_report *r)
{
	static const char text[] = "#!/bin/bash\n"
				   "A=\"1\"\t\tB=\"x y\"   # two on a line\n"
				   "C='single $quoted'\n"
				   "D=plain; E=\"esc \\\"aped\\\" \\$x\"\n"
				   "  F=\"indented\"\n"
				   "A=\"2\"\n"
				   ". $CNFINT\n";
	struct kv_file f;
	char *diag = NULL;
	size_t len = 0;
	FILE *d = open_memstream(&diag, &len);
	int errors = kv_parse("s", text, sizeof(text) - 1, KV_SHELL, &f, d);
	const struct kv_entry *a, *b, *c, *dd, *e, *ff;

	fclose(d);
	a = kv_get(&f, "A");
	b = kv_get(&f, "B");
	c = kv_get(&f, "C");
	dd = kv_get(&f, "D");
	e = kv_get(&f, "E");
	ff = kv_get(&f, "F");
	t_result(r, !errors, "kv shell: a conf.apf-like file has no errors (%s)", diag);
	t_result(r, a && !strcmp(a->value, "2") && a->line == 6 && a->prev_line == 2,
		 "kv shell: the last assignment wins, and the one it replaced is known");
	t_result(r, b && !strcmp(b->value, "x y") && b->line == 2,
		 "kv shell: two assignments on one line (TCR_PASS=\"1\"  TCR_PORTS=...)");
	t_result(r, c && !strcmp(c->value, "single $quoted"), "kv shell: single quotes");
	t_result(r, dd && !strcmp(dd->value, "plain") && e && !strcmp(e->value, "esc \"aped\" $x"),
		 "kv shell: an unquoted value, ';', and escapes in double quotes");
	t_result(r, ff && !strcmp(ff->value, "indented"), "kv shell: an indented assignment");
	kv_free(&f);
	free(diag);
	t_result(r,
		 kv_perl_true("1") && kv_perl_true("yes") && !kv_perl_true("0") &&
			 !kv_perl_true(""),
		 "kv: Perl's truth for csf values");
}

/* A generated file for one reader: refused, with want on stderr, in under max_ms. */
static void generated_case(struct test_report *r, const char *name, enum import_source src,
			   const char *buf, size_t len, const char *want, long max_ms)
{
	struct import_policy p;
	struct timespec t0, t1;
	char *diag = NULL;
	size_t diag_len = 0;
	FILE *d = open_memstream(&diag, &diag_len);
	long ms;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = import_parse(src, "gen.config", buf, len, false, &p, d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fclose(d);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	t_result(r,
		 ret > 0 && strstr(diag, want) && ms<max_ms, "%s (%ld ms)%s%s%s", name, ms, ret> 0 ?
			 "" :
			 ": accepted",
		 strstr(diag, want) ? "" : ": stderr:\n", strstr(diag, want) ? "" : diag);
	if (!ret)
		import_free(&p);
	free(diag);
}

/* Files no Imunify360 writes, built to cost: deep nesting, sheer size. */
static void imunify_limits(struct test_report *r)
{
	static const char head[] = "SMTP_BLOCKING:\n  enable: true\n  ports: ";
	const size_t depth = 40000, big = (1u << 20) + 4096;
	size_t hl = sizeof(head) - 1, len = hl + 2 * depth + 1;
	char *buf = malloc(len > big ? len : big);

	if (!buf) {
		t_result(r, false, "imunify limits: out of memory");
		return;
	}
	memcpy(buf, head, hl);
	memset(buf + hl, '[', depth);
	memset(buf + hl + depth, ']', depth);
	buf[len - 1] = '\n';
	generated_case(r, "imunify: 40,000 nested lists are refused at once, naming the line",
		       IMPORT_IMUNIFY, buf, len, "gen.config:3: nested more than 16 levels deep",
		       1000);
	/* Over 1 MiB of comment lines of 64 bytes: the limit falls on line 16385. */
	for (size_t i = 0; i < big; i += 64) {
		memset(buf + i, ' ', 64);
		buf[i] = '#';
		buf[i + 63] = '\n';
	}
	generated_case(r, "imunify: a file over 1 MiB is refused, naming the line", IMPORT_IMUNIFY,
		       buf, big, "gen.config:16385: the file goes on past 1024 KiB", 1000);
	free(buf);
}

int main(int argc, char **argv)
{
	struct test_report r = {};

	if (argc > 1)
		fixture_dir = argv[1];
	for (size_t i = 0; i < N_CASES; i++)
		run_case(&r, &cases[i]);
	kv_cases(&r);
	imunify_limits(&r);
	return t_summary(&r);
}
