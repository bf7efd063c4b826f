// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* roles.c - resolve @mta and @mailman; see roles.h. */
#include <errno.h>
#include <stdlib.h>
#include <pwd.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "parse.h"
#include "roles.h"
#include "run_tool.h"

/* Installations of Mailman that make Debian's "list" account its user. */
static const char *const mailman_dirs[] = { "/var/lib/mailman", "/var/lib/mailman3",
					    "/usr/lib/mailman",
					    "/usr/local/cpanel/3rdparty/mailman" };

/*
 * Where the MTA binaries may be. Not the caller's PATH: smtpguard runs as
 * root, and an admin's PATH may hold "." or a writable directory, while what
 * the binary prints decides who may send mail. SMTPGUARD_MTA_PATH replaces
 * the list (the tests use it for stand-ins). run_tool.c runs only binaries
 * owned by root and writable by nobody else, each in its own process group
 * with a time limit.
 */
static const struct tool_place mta_tools = {
	"SMTPGUARD_MTA_PATH",
	"/usr/sbin:/usr/local/sbin:/sbin:/usr/bin:/usr/local/bin:/bin",
	ROLE_TIMEOUT_MS,
};

/* Run an MTA's binary; its stdout (cut at len) to out. 0 when it exited 0. */
static int run_capture(const char *name, const char *const args[], char *out, size_t len)
{
	char why[PATH_MAX + 128], *text = NULL;
	size_t n = 0;
	int err = tool_run(&mta_tools, name, args, &text, &n, why, sizeof(why));

	out[0] = '\0';
	if (err == -EPERM || err == -ETIME)
		log_warn("%s", why);
	if (!err)
		snprintf(out, len, "%s", text);
	free(text);
	return err;
}

/* "key = value" from exim -bP output; value copied to buf. */
static const char *find_setting(const char *text, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *v;
		size_t n;

		if (strncmp(line, key, klen) || (line[klen] != ' ' && line[klen] != '='))
			continue;
		v = line + klen + strspn(line + klen, " =");
		n = strcspn(v, " \n");
		if (!n || n >= len)
			return NULL;
		memcpy(buf, v, n);
		buf[n] = '\0';
		return buf;
	}
	return NULL;
}

static void add_id(struct role_ids *out, __u32 id)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->id[i] == id)
			return;
	if (out->n < ROLE_MAX_IDS)
		out->id[out->n++] = id;
}

/* A name or number as exim prints it, or a user's primary group. */
static void add_ident(struct role_ids *out, enum id_kind kind, const char *value)
{
	__u32 id;

	if (parse_is_number(value) ? !parse_u32(value, PARSE_MAX_ID, &id) :
				     !identity_lookup(kind, value, &id))
		add_id(out, id);
}

static void add_user_or_primary_group(struct role_ids *out, enum id_kind kind, const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (pw)
		add_id(out, kind == ID_USER ? pw->pw_uid : pw->pw_gid);
}

/*
 * First UID of ordinary accounts (UID_MIN in /etc/login.defs, else 1000).
 * Accounts found by name alone must be below it: a customer who picked the
 * login "exim" or "mailman" must not become the MTA.
 */
static __u32 first_user_uid(void)
{
	char line[256];
	__u32 uid = 1000, v;
	FILE *f = fopen("/etc/login.defs", "re");

	while (f && fgets(line, sizeof(line), f)) {
		char key[32], val[32];

		if (sscanf(line, "%31s %31s", key, val) == 2 && !strcmp(key, "UID_MIN") &&
		    !parse_u32(val, PARSE_MAX_ID, &v))
			uid = v;
	}
	if (f)
		fclose(f);
	return uid;
}

/* A system account by that name: its UID, or its primary group. */
static void add_system_account(struct role_ids *out, enum id_kind kind, const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw)
		return;
	if (pw->pw_uid >= first_user_uid()) {
		log_warn("ignoring account %s for a role: UID %u is not a system account", user,
			 pw->pw_uid);
		return;
	}
	add_id(out, kind == ID_USER ? pw->pw_uid : pw->pw_gid);
}

static void ask_exim_once(struct role_cache *c)
{
	static const char *const bins[] = { "exim", "exim4" };

	if (c->exim_asked)
		return;
	c->exim_asked = true;
	for (size_t i = 0; i < ARRAY_SIZE(bins); i++) {
		const char *const args[] = { "-bP", "exim_user", "exim_group", NULL };

		int err = run_capture(bins[i], args, c->exim_text, sizeof(c->exim_text));

		/* An exim smtpguard may not run (not root's, or writable by others)
		 * is no Exim: its accounts stay out of @mta, as when it is absent. */
		if (err != -ENOENT && err != -EPERM)
			c->exim_installed = true;
		if (!err) {
			snprintf(c->exim_bin, sizeof(c->exim_bin), "%s", bins[i]);
			return;
		}
	}
}

static bool ask_exim(enum id_kind kind, struct role_cache *c, struct role_ids *out)
{
	char value[256];

	ask_exim_once(c);
	if (!c->exim_bin[0] ||
	    !find_setting(c->exim_text, kind == ID_USER ? "exim_user" : "exim_group", value,
			  sizeof(value)))
		return false;
	add_ident(out, kind, value);
	snprintf(out->source, sizeof(out->source), "%s -bP", c->exim_bin);
	return true;
}

static void ask_postfix(enum id_kind kind, struct role_cache *c, struct role_ids *out)
{
	const char *const args[] = { "-h", "mail_owner", NULL };
	char *text = c->postconf_text;

	if (!c->postconf_asked) {
		c->postconf_asked = true;
		if (run_capture("postconf", args, text, sizeof(c->postconf_text)))
			text[0] = '\0';
		text[strcspn(text, " \n")] = '\0';
	}
	if (!text[0])
		return;
	add_user_or_primary_group(out, kind, text);
	snprintf(out->source + strlen(out->source), sizeof(out->source) - strlen(out->source),
		 "%spostconf", out->source[0] ? ", " : "");
}

/*
 * Exim's answer, else (Exim installed but silent: broken, hung, mid-upgrade)
 * its known accounts; Postfix's mail_owner too. Without an installed Exim the
 * known names mean nothing: a leftover "mailnull" of a removed MTA stays out.
 */
static void resolve_mta(enum id_kind kind, struct role_cache *c, struct role_ids *out)
{
	static const char *const known[] = { "mailnull", "Debian-exim", "exim" };

	if (!ask_exim(kind, c, out) && c->exim_installed) {
		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			add_system_account(out, kind, known[i]);
		if (out->n)
			snprintf(out->source, sizeof(out->source), "known Exim accounts");
	}
	ask_postfix(kind, c, out);
}

static void resolve_mailman(enum id_kind kind, struct role_ids *out)
{
	struct stat st;

	add_system_account(out, kind, "mailman");
	if (out->n) {
		snprintf(out->source, sizeof(out->source), "account mailman");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(mailman_dirs); i++) {
		if (stat(mailman_dirs[i], &st) || !S_ISDIR(st.st_mode))
			continue;
		add_system_account(out, kind, "list");
		if (out->n)
			snprintf(out->source, sizeof(out->source), "account list (%s)",
				 mailman_dirs[i]);
		return;
	}
}

void roles_resolve(enum sg_role role, enum id_kind kind, struct role_cache *cache,
		   struct role_ids *out)
{
	memset(out, 0, sizeof(*out));
	if (role == ROLE_MTA)
		resolve_mta(kind, cache, out);
	else if (role == ROLE_MAILMAN)
		resolve_mailman(kind, out);
	log_debug("%s %ss: %zu found (%s)", config_role_name(role), identity_kind_word(kind),
		  out->n, out->source[0] ? out->source : "nothing");
}
