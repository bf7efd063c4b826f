// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * import_policy.c - the policy an importer builds from an incumbent's file:
 * its lines, comments and notes, and the helpers every reader uses to fill
 * it (identities, ports). See import_policy.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "import_policy.h"
#include "parse.h"

static const struct {
	const char *name, *title, *path;
} sources[IMPORT_SOURCE_COUNT] = {
	[IMPORT_CSF] = { "csf", "CSF", "/etc/csf/csf.conf" },
	[IMPORT_APF] = { "apf", "APF", "/etc/apf/conf.apf" },
	[IMPORT_IMUNIFY] = { "imunify", "Imunify360",
			     "/etc/sysconfig/imunify360/imunify360.config" },
	[IMPORT_CPANEL] = { "cpanel", "cPanel", "/var/cpanel/smtpgidonlytweak" },
};

enum import_source import_source_from_name(const char *name)
{
	for (int s = 0; s < IMPORT_SOURCE_COUNT; s++)
		if (!strcmp(name, sources[s].name))
			return s;
	return IMPORT_SOURCE_COUNT;
}

const char *import_source_name(enum import_source src)
{
	return src < IMPORT_SOURCE_COUNT ? sources[src].name : "";
}

const char *import_source_title(enum import_source src)
{
	return src < IMPORT_SOURCE_COUNT ? sources[src].title : "";
}

const char *import_default_path(enum import_source src)
{
	return src < IMPORT_SOURCE_COUNT ? sources[src].path : "";
}

/*
 * fmt's text, with every byte that is not printable ASCII as \xHH: the
 * values it quotes come from a file that may hold anything, and the text
 * goes to a terminal and into comments of the output.
 */
static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL, *out;
	size_t n;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	n = strlen(s);
	out = malloc(n * 4 + 1);
	if (out)
		parse_shown(s, n, n, out);
	free(s);
	return out;
}

int import_add_line(struct import_policy *p, enum cfg_key key, const char *value, const char *fmt,
		    ...)
{
	struct import_line *l;
	va_list ap;

	if (array_reserve_one((void **)&p->lines.v, &p->lines.cap, p->lines.n, sizeof(*l)))
		return -ENOMEM;
	l = &p->lines.v[p->lines.n];
	l->key = key;
	l->value = strdup(value);
	va_start(ap, fmt);
	l->origin = vformat(fmt, ap);
	va_end(ap);
	if (!l->value || !l->origin) {
		free(l->value);
		free(l->origin);
		return -ENOMEM;
	}
	p->lines.n++;
	return 0;
}

int import_explain(struct import_policy *p, enum cfg_key key, const char *fmt, ...)
{
	struct import_text *t;
	va_list ap;

	if (array_reserve_one((void **)&p->texts.v, &p->texts.cap, p->texts.n, sizeof(*t)))
		return -ENOMEM;
	t = &p->texts.v[p->texts.n];
	t->key = key;
	va_start(ap, fmt);
	t->text = vformat(fmt, ap);
	va_end(ap);
	if (!t->text)
		return -ENOMEM;
	p->texts.n++;
	return 0;
}

int import_note(struct import_policy *p, unsigned int line, bool warning, const char *fmt, ...)
{
	struct import_note *n;
	va_list ap;

	if (array_reserve_one((void **)&p->notes.v, &p->notes.cap, p->notes.n, sizeof(*n)))
		return -ENOMEM;
	n = &p->notes.v[p->notes.n];
	n->line = line;
	n->warning = warning;
	va_start(ap, fmt);
	n->text = vformat(fmt, ap);
	va_end(ap);
	if (!n->text)
		return -ENOMEM;
	p->notes.n++;
	return 0;
}

/* Notes in the order of their lines (those about the whole file last), stably. */
const struct import_note *import_note_at(const struct import_policy *p, size_t i)
{
	size_t seen = 0;

	for (unsigned int pass = 0; pass < 2; pass++) {
		unsigned int last = 0;

		for (;;) {
			unsigned int next = 0;

			/* The smallest line above last (pass 0), or line 0 (pass 1). */
			for (size_t k = 0; k < p->notes.n && !pass; k++) {
				unsigned int l = p->notes.v[k].line;

				if (l > last && (!next || l < next))
					next = l;
			}
			if (!pass && !next)
				break;
			for (size_t k = 0; k < p->notes.n; k++)
				if (p->notes.v[k].line == (pass ? 0 : next) && seen++ == i)
					return &p->notes.v[k];
			if (pass)
				break;
			last = next;
		}
	}
	return &p->notes.v[i];
}

void import_print_notes(const struct import_policy *p, FILE *out)
{
	for (size_t i = 0; i < p->notes.n; i++) {
		const struct import_note *n = import_note_at(p, i);

		if (n->line)
			fprintf(out, "%s:%u: %s: %s\n", p->path, n->line,
				n->warning ? "warning" : "note", n->text);
		else
			fprintf(out, "%s: %s: %s\n", p->path, n->warning ? "warning" : "note",
				n->text);
	}
}

/* "csf.conf:482 SMTP_ALLOWUSER", or the setting alone for an incumbent's built-in. */
static const char *where(const struct import_policy *p, unsigned int line, const char *setting,
			 char *buf, size_t len)
{
	if (line)
		snprintf(buf, len, "%s:%u %s", p->label, line, setting);
	else
		snprintf(buf, len, "%s", setting);
	return buf;
}

/* An item the incumbent skips: say so on stderr and in the output file. */
static int skipped(struct import_policy *p, enum id_kind kind, unsigned int line,
		   const char *setting, const char *item, const char *why)
{
	enum cfg_key key = kind == ID_USER ? CFG_ALLOW_USERS : CFG_ALLOW_GROUPS;
	char w[256], shown[PARSE_SHOWN_SIZE(IMPORT_SHOWN_MAX)];

	parse_shown(item, strlen(item), IMPORT_SHOWN_MAX, shown);
	if (import_note(p, line, true, "%s names '%s': %s; left out", setting, shown, why) ||
	    import_explain(p, key, "%s also names '%s': %s; left out.",
			   where(p, line, setting, w, sizeof(w)), shown, why))
		return -ENOMEM;
	return 0;
}

int import_ident(struct import_policy *p, enum id_kind kind, const char *item, unsigned int line,
		 const char *setting, enum ident_rule rule, size_t *added)
{
	enum cfg_key key = kind == ID_USER ? CFG_ALLOW_USERS : CFG_ALLOW_GROUPS;
	const char *word = identity_kind_word(kind), *title = import_source_title(p->source);
	bool number = parse_is_number(item);
	char why[256], value[32], w[256];
	__u32 id;

	if (!*item)
		return 0;
	if (rule == IDENT_NAME_OR_ID && number) {
		if (parse_u32(item, PARSE_MAX_ID, &id)) {
			snprintf(why, sizeof(why), "not a valid %s ID", word);
			return skipped(p, kind, line, setting, item, why);
		}
		(*added)++;
		return import_add_line(p, key, item, "%s (a number is a %s)",
				       where(p, line, setting, w, sizeof(w)),
				       identity_id_word(kind));
	}
	if (identity_lookup(kind, item, &id)) {
		if (rule == IDENT_LOOKUP_ALL && number)
			snprintf(
				why, sizeof(why),
				"%s looks a number up as a %s name, not as an ID, and no %s is "
				"called that here, so %s ignores it (write %s = %s yourself if you "
				"meant that ID)",
				title, word, word, title, config_key_name(key), item);
		else
			snprintf(why, sizeof(why),
				 "no such %s on this host, so %s does not allow it (%s)", word,
				 title,
				 rule == IDENT_LOOKUP_ALL ?
					 "it skips unknown names without a word" :
					 "its rule cannot be made");
		return skipped(p, kind, line, setting, item, why);
	}
	if (rule == IDENT_LOOKUP_ALL && id == 0) {
		/* root is allowed anyway; csf skips ID 0 in the list (a false value in Perl). */
		return import_note(p, line, false,
				   "%s names '%s', which is %s 0: %s skips it in the list "
				   "(root is allowed anyway)",
				   setting, item, identity_id_word(kind), title);
	}
	(*added)++;
	if (rule == IDENT_LOOKUP_ALL && number) {
		snprintf(value, sizeof(value), "%u", id);
		return import_add_line(p, key, value, "%s '%s' (%s looks it up as a name: %s %u)",
				       where(p, line, setting, w, sizeof(w)), item, title,
				       identity_id_word(kind), id);
	}
	/* A name smtpguard cannot write in its file (NSS allows more): by its ID. */
	if (parse_name_problem(item)) {
		snprintf(value, sizeof(value), "%u", id);
		return import_add_line(p, key, value, "%s '%s' (%s %u)",
				       where(p, line, setting, w, sizeof(w)), item,
				       identity_id_word(kind), id);
	}
	return import_add_line(p, key, item, "%s", where(p, line, setting, w, sizeof(w)));
}

int import_keep_mta(struct import_policy *p, const char *origin, size_t *added)
{
	const char *title = import_source_title(p->source);

	(*added)++;
	if (import_add_line(p, CFG_ALLOW_USERS, "@mta", "%s", origin) ||
	    import_note(p, 0, false,
			"allow_users has @mta: the user the local MTA (Exim or Postfix) runs as "
			"here, found at every load and sync, so mail handed to it keeps leaving. "
			"%s allows the MTA only by what its rules name (on cPanel, Exim's "
			"mailnull by the group mail); a Postfix or Exim under another account "
			"would be cut off without @mta",
			title))
		return -ENOMEM;
	return 0;
}

int import_ident_list(struct import_policy *p, enum id_kind kind, const char *list,
		      unsigned int line, const char *setting, enum ident_rule rule, size_t *added)
{
	char *copy = strdup(list), *save = NULL;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, ", \t", &save); tok && !err;
	     tok = strtok_r(NULL, ", \t", &save))
		err = import_ident(p, kind, tok, line, setting, rule, added);
	free(copy);
	return err;
}

int import_port_list(const struct import_policy *p, const char *list, unsigned int line,
		     const char *setting, __u64 *ports, FILE *diag)
{
	char *copy = strdup(list), *save = NULL;
	int errors = 0;

	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		char *sep = strpbrk(tok, ":_");
		__u32 from, to;

		if (sep)
			*sep = '\0';
		if (parse_u32(tok, 65535, &from) || !from ||
		    (sep && (parse_u32(sep + 1, 65535, &to) || to < from))) {
			char shown[PARSE_SHOWN_SIZE(IMPORT_SHOWN_MAX)];

			if (sep)
				*sep = ':';
			parse_shown(tok, strlen(tok), IMPORT_SHOWN_MAX, shown);
			fprintf(diag,
				"%s:%u: %s: '%s' is not a port (1 to 65535) or a range FROM:TO\n",
				p->path, line, setting, shown);
			errors++;
			continue;
		}
		if (!sep)
			to = from;
		for (__u32 port = from; port <= to; port++)
			ports[port / 64] |= 1ULL << (port % 64);
	}
	free(copy);
	return errors;
}

const char *import_ports_value(const __u64 *ports, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int port = 1; port < 65536 && used < len; port++)
		if (config_port_guarded(ports, port))
			used += (size_t)snprintf(buf + used, len - used, "%s%u", used ? ", " : "",
						 port);
	return buf;
}

void import_free(struct import_policy *p)
{
	for (size_t i = 0; i < p->lines.n; i++) {
		free(p->lines.v[i].value);
		free(p->lines.v[i].origin);
	}
	for (size_t i = 0; i < p->texts.n; i++)
		free(p->texts.v[i].text);
	for (size_t i = 0; i < p->notes.n; i++)
		free(p->notes.v[i].text);
	free(p->lines.v);
	free(p->texts.v);
	free(p->notes.v);
	memset(&p->lines, 0, sizeof(p->lines));
	memset(&p->texts, 0, sizeof(p->texts));
	memset(&p->notes, 0, sizeof(p->notes));
}
