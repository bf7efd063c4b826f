// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * incumbents_test.c - finding the old SMTP blocks without the kernel: the
 * rule readers and the judgement on iptables-save, ip6tables-save and nft -j
 * output captured from the real tools (iptables 1.8.9 nf_tables, nft 1.0.6)
 * in a test network namespace with the incumbents' rules installed by
 * tests/incumbent_rules.sh, plus the cPanel flag file, Imunify360's
 * configuration, and tools that are not there. One row per case.
 *
 * Usage: unit_incumbents FIXTURE_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "incumbents.h"
#include "testlib.h"

static const char *fixture_dir = "tests/import";

struct rules_case {
	const char *name;
	const char *iptables, *ip6tables, *nft; /* files under fw/, or NULL */
	enum inc_state want[INC_COUNT];
	const char *evidence[INC_COUNT]; /* substrings of the FOUND evidence */
};

#define F INC_FOUND
#define A INC_ABSENT

/* clang-format off */
static const struct rules_case rules_cases[] = {
	{ "CSF's SMTPOUTPUT, IPv4 and IPv6 (iptables-save)", "csf.iptables-save",
	  "csf.ip6tables-save", NULL, { [INC_CSF] = F },
	  { [INC_CSF] = "iptables: OUTPUT -> SMTPOUTPUT; ip6tables: OUTPUT -> SMTPOUTPUT" } },
	{ "CSF's SMTPOUTPUT seen through nft alone (iptables-nft's xt rules)", NULL, NULL,
	  "csf.nft.json", { [INC_CSF] = F }, { [INC_CSF] = "nft ip filter: OUTPUT -> SMTPOUTPUT" } },
	{ "APF's SMTP_BLK", "apf.iptables-save", NULL, NULL, { [INC_APF] = F },
	  { [INC_APF] = "iptables: OUTPUT -> SMTP_BLK" } },
	{ "cPanel's nat REDIRECT", "cpanel.iptables-save", NULL, NULL, { [INC_CPANEL] = F },
	  { [INC_CPANEL] = "iptables -t nat: OUTPUT redirects SMTP to this host" } },
	{ "cPanel's nat REDIRECT through nft alone", NULL, NULL, "cpanel.nft.json",
	  { [INC_CPANEL] = F }, { [INC_CPANEL] = "nft ip nat: OUTPUT redirects SMTP" } },
	{ "a native nftables owner-match chain, ports on the jump", NULL, NULL, "native.nft.json",
	  { [INC_OTHER] = F }, { [INC_OTHER] = "nft inet hosting: out -> smtp_guard" } },
	{ "an ordinary firewall: port 25 open, owner match on port 80", "plain.iptables-save", NULL,
	  NULL, { 0 }, { 0 } },
	{ "iptables-save and nft of the same rules are one finding", "csf.iptables-save",
	  "csf.ip6tables-save", "csf.nft.json", { [INC_CSF] = F },
	  { [INC_CSF] = "iptables: OUTPUT -> SMTPOUTPUT; ip6tables: OUTPUT -> SMTPOUTPUT" } },
};
/* clang-format on */

static char *slurp(const char *name, size_t *len)
{
	char path[4096], *buf = NULL;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/fw/%s", fixture_dir, name);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		buf = calloc(1, (size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* As incumbents_check() does: nft's view of the iptables tables is left out. */
static bool skip_ipt(const void *ctx, const char *family, const char *table)
{
	return *(const bool *)ctx && !strcmp(family, "ip") &&
	       (!strcmp(table, "filter") || !strcmp(table, "nat"));
}

static void run_rules(struct test_report *t, const struct rules_case *c)
{
	const char *files[3] = { c->iptables, c->ip6tables, c->nft };
	struct fw_rules fw = {};
	struct inc_report r = {};
	bool have_ipt = c->iptables != NULL, ok = true;
	char why[512] = "";

	for (int k = 0; k < 3 && ok; k++) {
		size_t len = 0;
		char *text;
		int err;

		if (!files[k])
			continue;
		text = slurp(files[k], &len);
		if (!text) {
			snprintf(why, sizeof(why), "fixture fw/%s is missing", files[k]);
			ok = false;
			break;
		}
		err = k < 2 ? fw_parse_iptables_save(&fw, k ? "ip6" : "ip", text) :
			      fw_parse_nft_json(&fw, text, len, skip_ipt, &have_ipt);
		if (err) {
			snprintf(why, sizeof(why), "fw/%s does not parse: %d", files[k], err);
			ok = false;
		}
		free(text);
	}
	fw_reach(&fw);
	incumbents_judge_rules(&fw, &r);
	for (int i = 0; ok && i < INC_COUNT; i++) {
		if (r.f[i].state != c->want[i]) {
			snprintf(why, sizeof(why), "%s: state %d, expected %d (evidence: %s)",
				 incumbent_id(i), r.f[i].state, c->want[i], r.f[i].evidence);
			ok = false;
		} else if (c->evidence[i] && strcmp(r.f[i].evidence, c->evidence[i]) &&
			   !strstr(r.f[i].evidence, c->evidence[i])) {
			snprintf(why, sizeof(why), "%s: evidence '%s'", incumbent_id(i),
				 r.f[i].evidence);
			ok = false;
		}
	}
	t_result(t, ok, "rules: %s%s%s", c->name, ok ? "" : ": ", why);
	fw_free(&fw);
}

/* The files, and a machine where the firewall tools cannot be found. */
static void run_files(struct test_report *t)
{
	char flag[4096], config[4096], tmp[] = "/tmp/sg-incumbents-XXXXXX", bad[64], on[64];
	struct inc_env env = {};
	struct inc_report r;
	FILE *f;
	int fd;

	snprintf(flag, sizeof(flag), "%s/smtpgidonlytweak", fixture_dir);
	snprintf(config, sizeof(config), "%s/imunify360.config", fixture_dir);
	env.cpanel_flag = flag;
	env.imunify_config = config;
	incumbents_check(&env, &r);
	t_result(t, r.f[INC_CPANEL].state == INC_FOUND && strstr(r.f[INC_CPANEL].evidence, flag),
		 "files: the cPanel flag file exists: found (%s)", r.f[INC_CPANEL].evidence);
	t_result(t, r.f[INC_IMUNIFY].state == INC_ABSENT,
		 "files: Imunify360's SMTP_BLOCKING.enable: false: not in force");
	t_result(t, r.f[INC_CSF].state == INC_NOT_CHECKED,
		 "files: the rules, not read at all: CSF is 'not checked', not 'absent'");

	fd = mkstemp(tmp);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f) {
		fputs("SMTP_BLOCKING:\n  enable: true\n  ports: [25]\n", f);
		fclose(f);
	}
	snprintf(on, sizeof(on), "%s", tmp);
	env.imunify_config = on;
	env.cpanel_flag = "/nonexistent-sgt/smtpgidonlytweak";
	incumbents_check(&env, &r);
	t_result(t, r.f[INC_IMUNIFY].state == INC_FOUND,
		 "files: SMTP_BLOCKING.enable: true: Imunify360 in force (%s)",
		 r.f[INC_IMUNIFY].evidence);
	t_result(t, r.f[INC_CPANEL].state == INC_NOT_CHECKED,
		 "files: no flag file, rules not read: cPanel is 'not checked'");
	f = fopen(tmp, "w");
	if (f) {
		fputs("SMTP_BLOCKING:\n  enable: [true\n", f);
		fclose(f);
	}
	snprintf(bad, sizeof(bad), "%s", tmp);
	env.imunify_config = bad;
	incumbents_check(&env, &r);
	t_result(t, r.f[INC_IMUNIFY].state == INC_NOT_CHECKED && strstr(r.not_checked, tmp),
		 "files: a broken imunify360.config: 'not checked' (%s)", r.not_checked);
	unlink(tmp);

	/* No firewall tool to be found: every rule-based answer is 'not checked'. */
	setenv("SMTPGUARD_TOOL_PATH", "/nonexistent-sgt", 1);
	env.read_tools = true;
	env.imunify_config = "/nonexistent-sgt/imunify360.config";
	incumbents_check(&env, &r);
	unsetenv("SMTPGUARD_TOOL_PATH");
	t_result(t,
		 r.f[INC_CSF].state == INC_NOT_CHECKED && r.f[INC_APF].state == INC_NOT_CHECKED &&
			 r.f[INC_OTHER].state == INC_NOT_CHECKED &&
			 strstr(r.not_checked, "iptables-save: not installed") &&
			 strstr(r.not_checked, "nft: not installed"),
		 "tools: none installed: 'not checked' with the reason (%s)", r.not_checked);
	t_result(t, r.f[INC_IMUNIFY].state == INC_ABSENT,
		 "tools: none installed, no imunify360.config: Imunify360 is absent");
	t_result(
		t,
		strstr(incumbent_off(INC_CPANEL),
		       "/usr/local/cpanel/scripts/smtpmailgidonly off") &&
			strstr(incumbent_off(INC_CSF), "SMTP_BLOCK = \"0\"") &&
			strstr(incumbent_off(INC_CSF), "csf -r") &&
			strstr(incumbent_off(INC_IMUNIFY),
			       "imunify360-agent config update '{\"SMTP_BLOCKING\": {\"enable\": false}}'"),
		"off: the commands that turn each one off");
}

int main(int argc, char **argv)
{
	struct test_report t = {};

	if (argc > 1)
		fixture_dir = argv[1];
	for (size_t i = 0; i < ARRAY_SIZE(rules_cases); i++)
		run_rules(&t, &rules_cases[i]);
	run_files(&t);
	return t_summary(&t);
}
