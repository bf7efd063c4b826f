// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* incumbents.c - the owner-match SMTP blocks still in force; see incumbents.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "import.h"
#include "incumbents.h"
#include "readfile.h"
#include "run_tool.h"

static const struct {
	const char *id, *name, *off;
} info[INC_COUNT] = {
	[INC_CSF] = { "csf", "CSF SMTP_BLOCK",
		      "set SMTP_BLOCK = \"0\" in /etc/csf/csf.conf, then: csf -r" },
	[INC_APF] = { "apf", "APF SMTP_BLOCK",
		      "set SMTP_BLOCK=\"0\" in /etc/apf/conf.apf, then: apf -r" },
	[INC_CPANEL] = { "cpanel", "cPanel SMTP Restrictions",
			 "/usr/local/cpanel/scripts/smtpmailgidonly off" },
	[INC_IMUNIFY] = { "imunify", "Imunify360 SMTP blocking",
			  "imunify360-agent config update '{\"SMTP_BLOCKING\": {\"enable\": "
			  "false}}'" },
	[INC_OTHER] = { "other", "other owner-match SMTP rules",
			"delete the rule that jumps to that chain from OUTPUT (iptables -D OUTPUT "
			"-j CHAIN, or nft delete rule), and what adds it at boot" },
};

const char incumbents_both[] =
	"running both is harmless but confusing: what smtpguard lets through (everything, in "
	"audit mode) still meets the old rules, which refuse it without smtpguard's report";

const char *incumbent_name(enum incumbent i)
{
	return i < INC_COUNT ? info[i].name : "";
}

const char *incumbent_id(enum incumbent i)
{
	return i < INC_COUNT ? info[i].id : "";
}

const char *incumbent_off(enum incumbent i)
{
	return i < INC_COUNT ? info[i].off : "";
}

void incumbents_defaults(struct inc_env *env)
{
	env->cpanel_flag = import_default_path(IMPORT_CPANEL);
	env->imunify_config = import_default_path(IMPORT_IMUNIFY);
	env->read_tools = true;
}

/* Add "a: b" (or "a" when b is NULL) to a list: "; " between, ", " for plain names. */
static void append(char *buf, const char *a, const char *b)
{
	size_t used = strlen(buf);

	if (used + 4 >= INC_TEXT_MAX)
		return;
	if (used && !b) {
		snprintf(buf + used, INC_TEXT_MAX - used, ", %.*s", (int)(INC_TEXT_MAX - used), a);
		return;
	}
	/* Cut at the buffer's end: the evidence is for people, its start says enough. */
	snprintf(buf + used, INC_TEXT_MAX - used, "%s%.*s%s%.*s", used ? "; " : "",
		 (int)(INC_TEXT_MAX - used), a, b ? ": " : "", (int)(INC_TEXT_MAX - used),
		 b ? b : "");
}

static void found(struct inc_report *r, enum incumbent i, const char *source, const char *what)
{
	r->f[i].state = INC_FOUND;
	append(r->f[i].evidence, source, what);
}

/* "iptables", "ip6tables", or "nft inet csf" for how a chain was seen. */
static const char *source_of(const struct fw_chain *c, char *buf, size_t len)
{
	if (!c->from_nft && (!strcmp(c->family, "ip") || !strcmp(c->family, "ip6"))) {
		snprintf(buf, len, "%s%s%s", !strcmp(c->family, "ip") ? "iptables" : "ip6tables",
			 strcmp(c->table, "filter") ? " -t " : "",
			 strcmp(c->table, "filter") ? c->table : "");
		return buf;
	}
	snprintf(buf, len, "nft %s %s", c->family, c->table);
	return buf;
}

static bool has_word(const char *s, const char *w)
{
	for (size_t n = strlen(w); *s; s++)
		if (!strncasecmp(s, w, n))
			return true;
	return false;
}

/*
 * Does the chain hold an owner-match SMTP policy: a rule that matches the
 * owner on an SMTP port, or owner matches in a chain entered only for SMTP
 * ports (nft's "tcp dport { 25, 465, 587 } jump smtp")?
 */
static bool owner_smtp_chain(const struct fw_rules *fw, const struct fw_chain *c)
{
	bool owner = false, entered_for_smtp = false;

	for (size_t i = 0; i < fw->n_rules; i++) {
		const struct fw_rule *r = &fw->rules[i];

		if (r->verdict == FW_JUMP && !strcmp(r->target, c->name) &&
		    !strcmp(r->family, c->family) && !strcmp(r->table, c->table))
			entered_for_smtp |= r->smtp_port || r->opaque_port;
		if (fw_chain_of(fw, r) != c)
			continue;
		owner |= r->owner;
		if (r->owner && (r->smtp_port || r->opaque_port))
			return true;
	}
	return owner && entered_for_smtp;
}

static const struct fw_chain *chain_named(const struct fw_rules *fw, const char *name)
{
	for (size_t i = 0; i < fw->n_chains; i++)
		if (fw->chains[i].reached && !strcmp(fw->chains[i].name, name))
			return &fw->chains[i];
	return NULL;
}

void incumbents_judge_rules(const struct fw_rules *fw, struct inc_report *r)
{
	char src[96], path[256], what[sizeof(path) + 64];

	for (size_t i = 0; i < fw->n_chains; i++) {
		const struct fw_chain *c = &fw->chains[i];

		if (!c->reached || c->nat)
			continue;
		fw_path(fw, c, path, sizeof(path));
		if (!strcmp(c->name, "SMTPOUTPUT"))
			found(r, INC_CSF, source_of(c, src, sizeof(src)), path);
		else if (!strcmp(c->name, "SMTP_BLK"))
			found(r, INC_APF, source_of(c, src, sizeof(src)), path);
		else if (has_word(c->name, "imunify") && owner_smtp_chain(fw, c))
			found(r, INC_IMUNIFY, source_of(c, src, sizeof(src)), path);
		else if (owner_smtp_chain(fw, c))
			found(r, INC_OTHER, source_of(c, src, sizeof(src)), path);
	}
	/* nat OUTPUT sending SMTP to this host: cPanel, or csf's SMTP_REDIRECT. */
	for (size_t i = 0; i < fw->n_rules; i++) {
		const struct fw_rule *rule = &fw->rules[i];
		const struct fw_chain *c = fw_chain_of(fw, rule);

		if (!c || !c->reached || !c->nat || rule->verdict != FW_REDIRECT ||
		    !(rule->smtp_port || rule->opaque_port))
			continue;
		fw_path(fw, c, path, sizeof(path));
		snprintf(what, sizeof(what), "%s redirects SMTP to this host%s", path,
			 chain_named(fw, "SMTPOUTPUT") ? " (SMTP_REDIRECT)" : "");
		found(r, chain_named(fw, "SMTPOUTPUT") ? INC_CSF : INC_CPANEL,
		      source_of(c, src, sizeof(src)), what);
		break;
	}
}

/* What the sources read so far have covered. */
struct sources {
	bool ipt_read[2]; /* iptables-save, ip6tables-save: nft lists their tables again */
};

static bool iptables_table(const void *ctx, const char *family, const char *table)
{
	static const char *const tables[] = { "filter", "nat", "mangle", "raw", "security" };
	const struct sources *s = ctx;
	int f = !strcmp(family, "ip") ? 0 : !strcmp(family, "ip6") ? 1 : -1;

	if (f < 0 || !s->ipt_read[f])
		return false;
	for (size_t i = 0; i < 5; i++)
		if (!strcmp(table, tables[i]))
			return true;
	return false;
}

static void not_checked(struct inc_report *r, const char *what, const char *why)
{
	append(r->not_checked, what, why);
}

static void read_tool(struct inc_report *r, struct sources *s, struct fw_rules *fw,
		      const char *tool, const char *const args[], const char *family)
{
	char why[256], *out = NULL;
	size_t len = 0;
	static const struct tool_place firewall_tools = { "SMTPGUARD_TOOL_PATH", TOOL_SEARCH_PATH,
							  TOOL_TIMEOUT_MS };
	int err = tool_run(&firewall_tools, tool, args, &out, &len, why, sizeof(why));

	if (err == -ENOENT) {
		not_checked(r, tool, "not installed");
		return;
	}
	if (err) {
		not_checked(r, tool, why[0] ? why : strerror(-err));
		free(out);
		return;
	}
	if (family) {
		err = fw_parse_iptables_save(fw, family, out);
		if (!err)
			s->ipt_read[!strcmp(family, "ip6")] = true;
		/* iptables-nft-save only points at rules still in the legacy tables. */
		if (!err && strstr(out, "iptables-legacy tables present")) {
			const char *legacy = !strcmp(family, "ip") ? "iptables-legacy-save" :
								     "ip6tables-legacy-save";

			free(out);
			out = NULL;
			read_tool(r, s, fw, legacy, args, family);
		}
	} else {
		err = fw_parse_nft_json(fw, out, len, iptables_table, s);
	}
	if (err)
		not_checked(r, tool, err == -ENOMEM ? "out of memory" : "output not understood");
	else
		append(r->read, tool, NULL);
	free(out);
}

static void check_flag(const struct inc_env *env, struct inc_report *r)
{
	if (!access(env->cpanel_flag, F_OK)) {
		found(r, INC_CPANEL, env->cpanel_flag,
		      "exists (Tweak Setting smtpmailgidonly is on)");
		return;
	}
	if (errno != ENOENT && errno != ENOTDIR)
		not_checked(r, env->cpanel_flag, strerror(errno));
}

static void check_imunify(const struct inc_env *env, struct inc_report *r, bool *unknown)
{
	struct import_policy p;
	char *buf = NULL, *diag = NULL;
	size_t len = 0, dlen = 0;
	FILE *d;
	int err;

	err = readfile_regular(env->imunify_config, 16u << 20, false, &buf, &len, stderr);
	if (err == -ENOENT)
		return;
	if (err) {
		not_checked(r, env->imunify_config,
			    err == -ENOMEM ? "out of memory" : "unreadable");
		*unknown = true;
		return;
	}
	d = open_memstream(&diag, &dlen);
	err = d ? import_parse(IMPORT_IMUNIFY, env->imunify_config, buf, len, false, &p, d) :
		  -ENOMEM;
	if (d)
		fclose(d);
	if (err) {
		not_checked(r, env->imunify_config, "not a configuration Imunify360 can read");
		*unknown = true;
	} else {
		if (p.guarding)
			found(r, INC_IMUNIFY, env->imunify_config, "SMTP_BLOCKING.enable is true");
		import_free(&p);
	}
	free(diag);
	free(buf);
}

void incumbents_check(const struct inc_env *env, struct inc_report *r)
{
	static const char *const save_args[] = { NULL };
	static const char *const nft_args[] = { "-j", "list", "ruleset", NULL };
	struct fw_rules fw = {};
	struct sources s = {};
	bool imunify_unknown = false, rules_unknown;

	memset(r, 0, sizeof(*r));
	check_flag(env, r);
	check_imunify(env, r, &imunify_unknown);
	if (env->read_tools) {
		read_tool(r, &s, &fw, "iptables-save", save_args, "ip");
		read_tool(r, &s, &fw, "ip6tables-save", save_args, "ip6");
		read_tool(r, &s, &fw, "nft", nft_args, NULL);
		fw_reach(&fw);
		incumbents_judge_rules(&fw, r);
		fw_free(&fw);
	}
	rules_unknown = !env->read_tools || r->not_checked[0];
	for (int i = 0; i < INC_COUNT; i++) {
		bool unknown = i == INC_IMUNIFY ? imunify_unknown : rules_unknown;

		if (r->f[i].state != INC_FOUND && unknown)
			r->f[i].state = INC_NOT_CHECKED;
	}
}
