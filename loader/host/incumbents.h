/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * incumbents.h - is an owner-match SMTP block (CSF, APF, cPanel's SMTP
 * Restrictions, Imunify360, or one made by hand) still in force on this
 * host? For "smtpguard check", with the exact command that turns each off.
 *
 * The rules are read as the firewall tools show them: iptables-save and
 * ip6tables-save (legacy and nft-backed iptables alike) and nft -j list
 * ruleset (native nftables rules), in the caller's network namespace. A
 * tool that is missing or fails makes the answer "not checked", never
 * "absent". The cPanel flag file and Imunify360's SMTP_BLOCKING.enable are
 * read from their files.
 *
 * Running both is harmless but confusing: whatever smtpguard lets through
 * (everything, in audit mode) still meets the old rules, which may refuse it
 * without smtpguard's report.
 */
#ifndef SG_INCUMBENTS_H
#define SG_INCUMBENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "fwrules.h"

enum incumbent {
	INC_CSF, /* chain SMTPOUTPUT (and csf's nat REDIRECT with SMTP_REDIRECT) */
	INC_APF, /* chain SMTP_BLK */
	INC_CPANEL, /* the flag file; nat OUTPUT REDIRECT of 25/465/587 */
	INC_IMUNIFY, /* SMTP_BLOCKING.enable; chains named after Imunify360 */
	INC_OTHER, /* any other owner-match SMTP chain packets leaving the host pass */
	INC_COUNT,
};

enum inc_state {
	INC_ABSENT,
	INC_FOUND,
	INC_NOT_CHECKED, /* a source could not be read, and nothing was found in the rest */
};

#define INC_TEXT_MAX 256

struct inc_finding {
	enum inc_state state;
	char evidence[INC_TEXT_MAX]; /* FOUND: what was seen, "iptables: OUTPUT -> SMTPOUTPUT" */
};

/* Where to look; incumbents_defaults() fills in the real places. */
struct inc_env {
	const char *cpanel_flag; /* /var/cpanel/smtpgidonlytweak */
	const char *imunify_config; /* /etc/sysconfig/imunify360/imunify360.config */
	bool read_tools; /* run iptables-save, ip6tables-save and nft */
};

struct inc_report {
	struct inc_finding f[INC_COUNT];
	char not_checked[INC_TEXT_MAX]; /* the sources that could not be read, and why */
	char read[INC_TEXT_MAX]; /* the sources that were read: "iptables-save, nft" */
};

void incumbents_defaults(struct inc_env *env);

/* Look everywhere env says. */
void incumbents_check(const struct inc_env *env, struct inc_report *r);

/*
 * Judge rules already read (the part of incumbents_check() that the unit
 * tests drive with captured tool output): adds to r's findings.
 */
void incumbents_judge_rules(const struct fw_rules *fw, struct inc_report *r);

/* "CSF (SMTP_BLOCK)", "APF (SMTP_BLOCK)", ... */
const char *incumbent_name(enum incumbent i);
/* A stable key: "csf", "apf", "cpanel", "imunify", "other". */
const char *incumbent_id(enum incumbent i);
/* The exact command (or edit) that turns it off. */
const char *incumbent_off(enum incumbent i);

/* Why running both confuses, in one sentence. */
extern const char incumbents_both[];

#endif
