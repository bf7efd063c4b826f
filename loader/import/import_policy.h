/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * import_policy.h - what an importer builds from an incumbent's file: the
 * configuration lines, each with where it came from ("csf.conf:482
 * SMTP_ALLOWUSER"), comment text that explains a choice, and notes for
 * stderr wherever the incumbent and smtpguard mean different things; and
 * the helpers every reader fills it with (import_policy.c). Keys are spelled
 * by config_key_name(), so the output always uses the parser's own names.
 */
#ifndef SG_IMPORT_POLICY_H
#define SG_IMPORT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "config.h"
#include "identity.h"

enum import_source {
	IMPORT_CSF,
	IMPORT_APF,
	IMPORT_IMUNIFY,
	IMPORT_CPANEL,
	IMPORT_SOURCE_COUNT,
};

/* One "key = value  # origin" line of the output. */
struct import_line {
	enum cfg_key key;
	char *value;
	char *origin;
};

/* Comment text written above the lines of key (CFG_KEY_COUNT: the file's header). */
struct import_text {
	enum cfg_key key;
	char *text; /* one or more lines, without the leading '#' */
};

/* Where smtpguard and the incumbent differ, or what needs the admin: for stderr. */
struct import_note {
	unsigned int line; /* 0: about the policy as a whole */
	bool warning; /* something was left out, or the incumbent does not guard today */
	char *text;
};

struct import_policy {
	enum import_source source;
	const char *path; /* the incumbent's file, for messages */
	const char *label; /* its base name, for the output's comments */
	bool on_cpanel; /* this host runs cPanel (Imunify360 adds its exemptions) */
	bool guarding; /* the incumbent refuses or redirects SMTP today */
	struct {
		struct import_line *v;
		size_t n, cap;
	} lines;
	struct {
		struct import_text *v;
		size_t n, cap;
	} texts;
	struct {
		struct import_note *v;
		size_t n, cap;
	} notes;
};

/* "csf", "apf", "imunify", "cpanel"; IMPORT_SOURCE_COUNT for anything else. */
enum import_source import_source_from_name(const char *name);
const char *import_source_name(enum import_source src);
/* What the incumbent is called, for people: "CSF", "APF", "Imunify360", "cPanel". */
const char *import_source_title(enum import_source src);
/* Where the incumbent keeps its file. */
const char *import_default_path(enum import_source src);

/* The i-th note in line order (the notes about the whole file last). */
const struct import_note *import_note_at(const struct import_policy *p, size_t i);

/* The notes, as "PATH:LINE: warning: ..." / "PATH: note: ..." lines. */
void import_print_notes(const struct import_policy *p, FILE *out);

void import_free(struct import_policy *p);

/* ---- For the readers ---- */

/* How much of a value from the file a message quotes (escaped: parse_shown()). */
#define IMPORT_SHOWN_MAX 40

int import_add_line(struct import_policy *p, enum cfg_key key, const char *value, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));
int import_explain(struct import_policy *p, enum cfg_key key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int import_note(struct import_policy *p, unsigned int line, bool warning, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* How an incumbent turns the names in its lists into IDs. */
enum ident_rule {
	/* csf: getpwnam()/getgrnam() of every item, a number too; ID 0 skipped. */
	IDENT_LOOKUP_ALL,
	/* iptables --uid-owner and Imunify360: a number is an ID, a name must exist. */
	IDENT_NAME_OR_ID,
};

/*
 * One user or group item of setting (on line) as its incumbent would read it:
 * an allow_users / allow_groups line when it allows someone, a warning note
 * (and a comment in the output) when the incumbent skips it. *added counts
 * the lines written.
 */
int import_ident(struct import_policy *p, enum id_kind kind, const char *item, unsigned int line,
		 const char *setting, enum ident_rule rule, size_t *added);

/*
 * allow_users = @mta, with origin: every import keeps the local MTA
 * delivering (the account Exim or Postfix really runs as here), whatever the
 * incumbent listed, and says so in a note. *added counts the line.
 */
int import_keep_mta(struct import_policy *p, const char *origin, size_t *added);

/* The same for each item of a comma-separated list. */
int import_ident_list(struct import_policy *p, enum id_kind kind, const char *list,
		      unsigned int line, const char *setting, enum ident_rule rule, size_t *added);

/*
 * A port list "25,465,587", with ranges written FROM:TO (and FROM_TO, APF's
 * way), into ports. Errors go to diag as "PATH:LINE: ...": the count.
 */
int import_port_list(const struct import_policy *p, const char *list, unsigned int line,
		     const char *setting, __u64 *ports, FILE *diag);

/* "25, 465, 587" for the ports line, into buf. */
const char *import_ports_value(const __u64 *ports, char *buf, size_t len);

#endif
