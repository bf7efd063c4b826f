// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * import_imunify.c - Imunify360's SMTP Traffic Manager, from the section
 * SMTP_BLOCKING of /etc/sysconfig/imunify360/imunify360.config (YAML, read
 * with libyaml):
 *
 *   SMTP_BLOCKING:
 *     enable: false          refuse (or redirect) outbound SMTP
 *     ports: [25, 587, 465]
 *     allow_users: []        names (a number is a UID)
 *     allow_groups: []       primary group only
 *     allow_local: false     false: local SMTP is refused too
 *     redirect: false        send it to the local MTA instead
 *
 * On cPanel, Imunify360 also exempts UID 0, UID 202 (cpanel) and GID 12
 * (mail); they are carried over by name.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "import_policy.h"
#include "import_readers.h"
#include "parse.h"

/*
 * An imunify360.config is a few KiB, and its settings lie three levels deep
 * (section, key, list). libyaml's costs grow with the square of the nesting
 * (40,000 levels took 4 s), so a deeper or larger file is refused, naming
 * the line, before the document is built.
 */
#define IMUNIFY_MAX_BYTES (1u << 20)
#define IMUNIFY_MAX_DEPTH 16

struct imunify {
	struct import_policy *p;
	yaml_document_t doc;
	FILE *diag;
	int errors;
	/* The settings, with the line each came from (0: Imunify360's default). */
	bool enable, allow_local, redirect;
	unsigned int section_line, enable_line, local_line, redirect_line, ports_line;
	__u64 ports[SG_PORT_WORDS];
	bool ports_given;
	yaml_node_t *users, *groups;
	unsigned int users_line, groups_line;
	char shown[PARSE_SHOWN_SIZE(IMPORT_SHOWN_MAX)];
	unsigned int lines; /* in the file (at least 1) */
};

/* The node's line; libyaml may put one past the last: that is the last. */
static unsigned int line_of(const struct imunify *m, const yaml_node_t *n)
{
	unsigned int line = (unsigned int)n->start_mark.line + 1;

	return line > m->lines ? m->lines : line;
}

static void __attribute__((format(printf, 3, 4)))
yerr(struct imunify *m, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	fprintf(m->diag, "%s:%u: ", m->p->path, n ? line_of(m, n) : 1);
	va_start(ap, fmt);
	vfprintf(m->diag, fmt, ap);
	va_end(ap);
	fputc('\n', m->diag);
	m->errors++;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A scalar from the file as a message may quote it (escaped, cut short). */
static const char *shown(struct imunify *m, const char *s)
{
	return s ? parse_shown(s, strlen(s), IMPORT_SHOWN_MAX, m->shown) : "a list";
}

/* YAML 1.1's booleans, as PyYAML (which Imunify360 uses) reads them. */
static bool boolean(struct imunify *m, const yaml_node_t *n, const char *key, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };
	const char *s = scalar(n);

	for (size_t i = 0; s && i < 4; i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return true;
		}
	}
	yerr(m, n, "SMTP_BLOCKING.%s: expected true or false, got '%s'", key, shown(m, s));
	return false;
}

static void ports(struct imunify *m, const yaml_node_t *n)
{
	m->ports_line = line_of(m, n);
	m->ports_given = true;
	if (n->type != YAML_SEQUENCE_NODE) {
		yerr(m, n, "SMTP_BLOCKING.ports: expected a list of ports, such as [25, 587, 465]");
		return;
	}
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		const yaml_node_t *item = yaml_document_get_node(&m->doc, *i);
		const char *s = scalar(item);
		char *end = NULL;
		long port = s ? strtol(s, &end, 10) : 0;

		if (!s || !*s || *end || port < 1 || port > 65535) {
			yerr(m, item, "SMTP_BLOCKING.ports: '%s' is not a port (1 to 65535)",
			     shown(m, s));
			continue;
		}
		m->ports[port / 64] |= 1ULL << (port % 64);
	}
}

static void names(struct imunify *m, yaml_node_t *n, const char *key, yaml_node_t **out,
		  unsigned int *line)
{
	*line = line_of(m, n);
	/* "allow_users:" with nothing after it is null: an empty list. */
	if (n->type == YAML_SCALAR_NODE &&
	    (!*scalar(n) || !strcmp(scalar(n), "null") || !strcmp(scalar(n), "~")))
		return;
	if (n->type != YAML_SEQUENCE_NODE) {
		yerr(m, n, "SMTP_BLOCKING.%s: expected a list of names, such as [mail]", key);
		return;
	}
	*out = n;
}

static int section(struct imunify *m, yaml_node_t *sec)
{
	m->section_line = line_of(m, sec);
	if (sec->type == YAML_SCALAR_NODE && !*scalar(sec))
		return 0; /* "SMTP_BLOCKING:" alone: all defaults */
	if (sec->type != YAML_MAPPING_NODE) {
		yerr(m, sec, "SMTP_BLOCKING: expected its settings (enable, ports, ...)");
		return 0;
	}
	for (yaml_node_pair_t *pr = sec->data.mapping.pairs.start; pr < sec->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(&m->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&m->doc, pr->value);
		const char *key = scalar(k);

		if (!key) {
			yerr(m, k, "SMTP_BLOCKING: a setting's name must be a plain word");
		} else if (!strcmp(key, "enable")) {
			m->enable_line = line_of(m, v);
			boolean(m, v, key, &m->enable);
		} else if (!strcmp(key, "allow_local")) {
			m->local_line = line_of(m, v);
			boolean(m, v, key, &m->allow_local);
		} else if (!strcmp(key, "redirect")) {
			m->redirect_line = line_of(m, v);
			boolean(m, v, key, &m->redirect);
		} else if (!strcmp(key, "ports")) {
			ports(m, v);
		} else if (!strcmp(key, "allow_users")) {
			names(m, v, key, &m->users, &m->users_line);
		} else if (!strcmp(key, "allow_groups")) {
			names(m, v, key, &m->groups, &m->groups_line);
		} else if (import_note(m->p, line_of(m, k), true,
				       "SMTP_BLOCKING.%s is not a setting smtpguard knows of; "
				       "ignored",
				       shown(m, key))) {
			return -ENOMEM;
		}
	}
	return 0;
}

/* Imunify360's sections are upper-case words: FIREWALL, MOD_SEC, SMTP_BLOCKING, ... */
static bool section_name(const char *s)
{
	if (!s || !isupper((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isupper((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static int find_section(struct imunify *m)
{
	yaml_node_t *root = yaml_document_get_root_node(&m->doc), *found = NULL;

	if (!root) {
		fprintf(m->diag, "%s:1: empty: not an imunify360.config\n", m->p->path);
		m->errors++;
		return 0;
	}
	if (root->type != YAML_MAPPING_NODE) {
		yerr(m, root, "expected sections such as SMTP_BLOCKING: not an imunify360.config");
		return 0;
	}
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&m->doc, pr->key);

		if (!section_name(scalar(k))) {
			yerr(m, k,
			     "'%s' is not an Imunify360 section (those are upper case, such as "
			     "SMTP_BLOCKING): not an imunify360.config",
			     scalar(k) ? shown(m, scalar(k)) : "(not a word)");
			return 0;
		}
		if (!strcmp(scalar(k), "SMTP_BLOCKING"))
			found = yaml_document_get_node(&m->doc, pr->value);
	}
	if (found)
		return section(m, found);
	return import_note(m->p, 0, false,
			   "no SMTP_BLOCKING section: Imunify360's defaults apply (enable: false)");
}

static int mode(struct imunify *m)
{
	struct import_policy *p = m->p;
	const char *want = m->redirect ? "redirect" : "enforce";

	p->guarding = m->enable;
	if (!m->enable) {
		if (import_note(
			    p, m->enable_line, true,
			    "SMTP_BLOCKING.enable is false: Imunify360 does not guard outbound "
			    "SMTP today. Imported as mode = audit, which refuses nothing and "
			    "reports what this policy would refuse (smtpguard monitor); switch to "
			    "mode = %s when the reports look right",
			    want) ||
		    import_explain(
			    p, CFG_MODE,
			    "Imunify360's SMTP blocking is off today, so this starts in audit "
			    "mode: nothing is refused, and smtpguard monitor reports every "
			    "attempt the policy above would refuse. Then set mode = %s.",
			    want))
			return -ENOMEM;
		return import_add_line(p, CFG_MODE, config_mode_name(SG_MODE_AUDIT),
				       "%s:%u SMTP_BLOCKING.enable is false", p->label,
				       m->enable_line ? m->enable_line : m->section_line);
	}
	return import_add_line(p, CFG_MODE, want, "%s:%u SMTP_BLOCKING.enable, redirect: %s",
			       p->label, m->enable_line, m->redirect ? "true" : "false");
}

static int redirect_to(struct imunify *m)
{
	struct import_policy *p = m->p;

	for (unsigned int port = 1024; port < 65536; port++)
		if (config_port_guarded(m->ports, port))
			return import_add_line(p, CFG_REDIRECT_TO, "127.0.0.1:25, [::1]:25",
					       "%s:%u SMTP_BLOCKING.redirect (port 25: port %u may "
					       "be bound by any account)",
					       p->label, m->redirect_line, port);
	if (import_explain(p, CFG_REDIRECT_TO,
			   "Imunify360 hands redirected connections to the local MTA on the port "
			   "they were made to; so does smtpguard, for IPv6 as well."))
		return -ENOMEM;
	return import_add_line(p, CFG_REDIRECT_TO, "127.0.0.1, ::1",
			       "%s:%u SMTP_BLOCKING.redirect (same port, this host)", p->label,
			       m->redirect_line);
}

static int idents(struct imunify *m, enum id_kind kind, yaml_node_t *list, const char *setting,
		  size_t *added)
{
	for (yaml_node_item_t *i = list ? list->data.sequence.items.start : NULL;
	     list && i < list->data.sequence.items.top; i++) {
		const yaml_node_t *item = yaml_document_get_node(&m->doc, *i);
		int err;

		if (!scalar(item)) {
			yerr(m, item, "%s: expected a name, not a list", setting);
			continue;
		}
		err = import_ident(m->p, kind, scalar(item), line_of(m, item), setting,
				   IDENT_NAME_OR_ID, added);
		if (err)
			return err;
	}
	return 0;
}

static int identities(struct imunify *m)
{
	struct import_policy *p = m->p;
	size_t users = 0, groups = 0;
	int err = 0;

	if (p->on_cpanel) {
		/* What Imunify360 adds on cPanel: UID 0, UID 202 (cpanel), GID 12 (mail). */
		err = import_ident(p, ID_USER, "root", 0, "Imunify360 on cPanel (UID 0)",
				   IDENT_NAME_OR_ID, &users);
		if (!err)
			err = import_ident(p, ID_USER, "cpanel", 0,
					   "Imunify360 on cPanel (UID 202)", IDENT_NAME_OR_ID,
					   &users);
		if (!err)
			err = import_ident(p, ID_GROUP, "mail", 0, "Imunify360 on cPanel (GID 12)",
					   IDENT_NAME_OR_ID, &groups);
	}
	if (!err)
		err = import_keep_mta(p, "the local MTA keeps delivering (see the notes)", &users);
	if (!err)
		err = idents(m, ID_USER, m->users, "SMTP_BLOCKING.allow_users", &users);
	if (!err)
		err = idents(m, ID_GROUP, m->groups, "SMTP_BLOCKING.allow_groups", &groups);
	if (err)
		return err;
	if (!p->on_cpanel &&
	    import_explain(p, CFG_ALLOW_USERS,
			   "Imunify360 adds root only on cPanel, and this host is not: root may not "
			   "send, only the local MTA (@mta) and what SMTP_BLOCKING lists. Add "
			   "allow_users = root if that is not what you want."))
		return -ENOMEM;
	if (!groups && import_add_line(p, CFG_ALLOW_GROUPS, CONFIG_NONE,
				       "%s:%u SMTP_BLOCKING.allow_groups allows no group", p->label,
				       m->groups_line ? m->groups_line : m->section_line))
		return -ENOMEM;
	if (!p->on_cpanel &&
	    import_note(p, 0, true,
			"this host is not cPanel, so Imunify360 adds no exemption of its own (on "
			"cPanel: root, cpanel and the mail group); none added, so root may not "
			"send (the local MTA, @mta, may)"))
		return -ENOMEM;
	return 0;
}

static int settings(struct imunify *m)
{
	struct import_policy *p = m->p;
	char buf[1024];
	int err;

	if (!m->ports_given) {
		m->ports[0] |= 1ULL << 25;
		m->ports[465 / 64] |= 1ULL << (465 % 64);
		m->ports[587 / 64] |= 1ULL << (587 % 64);
	}
	if (!*import_ports_value(m->ports, buf, sizeof(buf))) {
		if (import_note(p, m->ports_line, true,
				"SMTP_BLOCKING.ports is empty, so Imunify360 blocks nothing; "
				"imported with ports 25, 587 and 465") ||
		    import_explain(p, CFG_PORTS, "SMTP_BLOCKING.ports is empty."))
			return -ENOMEM;
		m->ports[0] |= 1ULL << 25;
		m->ports[465 / 64] |= 1ULL << (465 % 64);
		m->ports[587 / 64] |= 1ULL << (587 % 64);
		m->enable = false;
	}
	err = m->ports_given ?
		      import_add_line(p, CFG_PORTS, import_ports_value(m->ports, buf, sizeof(buf)),
				      "%s:%u SMTP_BLOCKING.ports", p->label, m->ports_line) :
		      import_add_line(p, CFG_PORTS, import_ports_value(m->ports, buf, sizeof(buf)),
				      "Imunify360's default SMTP_BLOCKING.ports");
	if (!err)
		err = mode(m);
	if (!err && m->redirect)
		err = redirect_to(m);
	if (!err)
		err = identities(m);
	if (err)
		return err;
	if (!m->allow_local &&
	    import_note(p, m->local_line, false,
			"SMTP_BLOCKING.allow_local is false: Imunify360 refuses local SMTP too (a "
			"script's localhost:25), and so will smtpguard (allow_local = no)"))
		return -ENOMEM;
	if (import_add_line(p, CFG_ALLOW_LOCAL, m->allow_local ? "yes" : "no",
			    m->local_line ? "%s:%u SMTP_BLOCKING.allow_local" :
					    "%s:%u Imunify360's default allow_local: false",
			    p->label, m->local_line ? m->local_line : m->section_line) ||
	    import_explain(p, CFG_ALLOW_GROUPS,
			   "As with Imunify360, only the primary group counts (smtpguard checks the "
			   "real GID of the process)."))
		return -ENOMEM;
	return import_add_line(p, CFG_ALLOW_DEST, CONFIG_NONE,
			       "Imunify360 has no per-destination exemption");
}

/* A NUL byte is never in YAML text: say which line, before libyaml gives up vaguely. */
static bool has_nul(struct imunify *m, const char *buf, size_t len)
{
	const char *nul = memchr(buf, '\0', len);
	unsigned int line = 1;

	if (!nul)
		return false;
	for (const char *s = buf; s < nul; s++)
		line += *s == '\n';
	fprintf(m->diag, "%s:%u: NUL byte: this is not a text file\n", m->p->path, line);
	m->errors++;
	return true;
}

/* The line of buf that holds byte off. */
static unsigned int line_at(const char *buf, size_t off)
{
	unsigned int line = 1;

	for (size_t i = 0; i < off; i++)
		line += buf[i] == '\n';
	return line;
}

static bool too_big(struct imunify *m, const char *buf, size_t len)
{
	if (len <= IMUNIFY_MAX_BYTES)
		return false;
	fprintf(m->diag,
		"%s:%u: the file goes on past %u KiB here; an imunify360.config is a few KiB: not "
		"one\n",
		m->p->path, line_at(buf, IMUNIFY_MAX_BYTES), IMUNIFY_MAX_BYTES >> 10);
	m->errors++;
	return true;
}

/*
 * Walk the events once, counting how deep the collections nest, and stop
 * at the first one too deep: 1 (reported), 0 (fine, or not YAML: the load
 * says why), or -ENOMEM.
 */
static int too_deep(struct imunify *m, const char *buf, size_t len)
{
	yaml_parser_t parser;
	unsigned int depth = 0;
	int ret = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	for (;;) {
		yaml_event_t ev;
		bool done;

		if (!yaml_parser_parse(&parser, &ev)) {
			ret = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : 0;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
			if (++depth > IMUNIFY_MAX_DEPTH) {
				unsigned int line = (unsigned int)ev.start_mark.line + 1;

				fprintf(m->diag,
					"%s:%u: nested more than %u levels deep (an "
					"imunify360.config's settings are 3 deep): not an "
					"imunify360.config\n",
					m->p->path, line > m->lines ? m->lines : line,
					IMUNIFY_MAX_DEPTH);
				m->errors++;
				ret = 1;
				done = true;
			}
		} else if (ev.type == YAML_SEQUENCE_END_EVENT ||
			   ev.type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		yaml_event_delete(&ev);
		if (done)
			break;
	}
	yaml_parser_delete(&parser);
	return ret;
}

int import_imunify(struct import_policy *p, const char *buf, size_t len, FILE *diag)
{
	struct imunify m = { .p = p, .diag = diag };
	yaml_parser_t parser;
	bool loaded = false;
	int ret = 0;

	if (has_nul(&m, buf, len) || too_big(&m, buf, len))
		return m.errors;
	m.lines = 1;
	for (size_t i = 0; i + 1 < len; i++)
		m.lines += buf[i] == '\n';
	ret = too_deep(&m, buf, len);
	if (ret)
		return ret;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &m.doc)) {
		if (parser.error == YAML_MEMORY_ERROR) {
			ret = -ENOMEM;
			goto cleanup;
		}
		/* Past the last line is the end of the file: name the last line. */
		size_t line = parser.problem_mark.line + 1;

		fprintf(diag, "%s:%zu: not valid YAML: %s%s%s%s\n", p->path,
			line > m.lines ? m.lines : line, parser.problem ? parser.problem : "error",
			parser.context ? " " : "", parser.context ? parser.context : "",
			line > m.lines ? " (at the end of the file)" : "");
		ret = 1;
		goto cleanup;
	}
	loaded = true;
	ret = find_section(&m);
	if (!ret && !m.errors)
		ret = settings(&m);
	if (!ret)
		ret = m.errors;
cleanup:
	if (loaded)
		yaml_document_delete(&m.doc);
	yaml_parser_delete(&parser);
	return ret;
}
