// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* kvfile.c - csf.conf and conf.apf, read as csf and the shell read them; see kvfile.h. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "kvfile.h"
#include "parse.h"

/* After this many errors the file is plainly not of this kind: stop listing them. */
#define KV_MAX_ERRORS 10

/* A line quoted back in a message: this much of it, escaped. */
#define KV_SHOWN_MAX 60

struct kv_state {
	struct kv_file *f;
	enum kv_dialect d;
	FILE *diag;
	unsigned int line;
	int errors;
};

static void __attribute__((format(printf, 2, 3))) kv_err(struct kv_state *st, const char *fmt, ...)
{
	va_list ap;

	if (++st->errors > KV_MAX_ERRORS)
		return;
	fprintf(st->diag, "%s:%u: ", st->f->path, st->line);
	va_start(ap, fmt);
	vfprintf(st->diag, fmt, ap);
	va_end(ap);
	fputc('\n', st->diag);
}

static struct kv_entry *kv_find(struct kv_file *f, const char *name, size_t n)
{
	for (size_t i = 0; i < f->n; i++)
		if (strlen(f->v[i].name) == n && !strncmp(f->v[i].name, name, n))
			return &f->v[i];
	return NULL;
}

static int kv_add(struct kv_file *f, const char *name, size_t nlen, char *value, unsigned int line)
{
	struct kv_entry *e;

	if (array_reserve_one((void **)&f->v, &f->cap, f->n, sizeof(*f->v)))
		goto nomem;
	e = &f->v[f->n];
	e->name = strndup(name, nlen);
	if (!e->name)
		goto nomem;
	e->value = value;
	e->line = line;
	e->prev_line = 0;
	f->n++;
	return 0;
nomem:
	free(value);
	return -ENOMEM;
}

static bool is_name_char(int c, bool first)
{
	return c == '_' || (c < 0x80 && (first ? isalpha(c) : isalnum(c)));
}

/* csf.conf: NAME = "value", the value from the first '"' to the last. */
static int csf_line(struct kv_state *st, const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n), *q1, *q2 = NULL;
	char name[128], shown[PARSE_SHOWN_SIZE(KV_SHOWN_MAX)], *value;
	size_t nlen = 0;

	/* csf skips these, so a setting written there has no effect. */
	if (!n || s[0] == '#')
		return 0;
	if (isspace((unsigned char)s[0])) {
		size_t skip = strspn(s, " \t\v\f");

		if (skip < n && s[skip] != '#' && eq)
			fprintf(st->diag,
				"%s:%u: warning: csf ignores a line that starts with a blank, so "
				"'%s' has no effect; it is ignored here too\n",
				st->f->path, st->line,
				parse_shown(s + skip, n - skip, KV_SHOWN_MAX, shown));
		return 0;
	}
	if (!eq) {
		kv_err(st, "not a csf.conf line (expected NAME = \"value\"): '%s'",
		       parse_shown(s, n, KV_SHOWN_MAX, shown));
		return 0;
	}
	for (const char *p = s; p < eq; p++) {
		if (isspace((unsigned char)*p))
			continue; /* csf removes every blank from the name */
		if (!is_name_char((unsigned char)*p, !nlen) || nlen + 1 >= sizeof(name)) {
			kv_err(st, "not a csf.conf setting name: '%s'",
			       parse_shown(s, (size_t)(eq - s), KV_SHOWN_MAX, shown));
			return 0;
		}
		name[nlen++] = *p;
	}
	name[nlen] = '\0';
	if (!nlen) {
		kv_err(st, "no setting name before '='");
		return 0;
	}
	q1 = memchr(eq, '"', n - (size_t)(eq - s));
	for (const char *p = s + n; q1 && p > q1 + 1 && !q2; p--)
		if (p[-1] == '"')
			q2 = p - 1;
	if (!q1 || !q2) {
		kv_err(st,
		       "csf.conf values are quoted (NAME = \"value\"), and csf refuses this line: "
		       "'%s'",
		       parse_shown(s, n, KV_SHOWN_MAX, shown));
		return 0;
	}
	if (kv_find(st->f, name, nlen)) {
		kv_err(st, "%s is given twice (first on line %u): csf refuses to start with that",
		       name, kv_find(st->f, name, nlen)->line);
		return 0;
	}
	value = strndup(q1 + 1, (size_t)(q2 - q1 - 1));
	if (!value)
		return -ENOMEM;
	return kv_add(st->f, name, nlen, value, st->line);
}

/*
 * One shell word after '=': quoted and unquoted pieces up to a blank, ';'
 * or '#'. Returns the position after it, or NULL (error printed).
 */
static const char *shell_word(struct kv_state *st, const char *p, const char *end, char **out)
{
	char *buf = malloc((size_t)(end - p) + 1);
	size_t used = 0;

	if (!buf)
		return NULL;
	while (p < end && !isspace((unsigned char)*p) && *p != ';' && *p != '#') {
		char q = *p;

		if (q == '"' || q == '\'') {
			for (p++; p < end && *p != q; p++) {
				if (q == '"' && *p == '\\' && p + 1 < end && strchr("\"\\$`", p[1]))
					p++;
				buf[used++] = *p;
			}
			if (p == end) {
				kv_err(st, "the quote %c opened here is not closed on this line",
				       q);
				free(buf);
				return NULL;
			}
			p++;
			continue;
		}
		if (q == '\\' && p + 1 < end)
			p++;
		buf[used++] = *p++;
	}
	buf[used] = '\0';
	*out = buf;
	return p;
}

/* conf.apf: NAME="value" [NAME2="value2" ...] [# comment], or ". FILE". */
static int shell_line(struct kv_state *st, const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	char shown[PARSE_SHOWN_SIZE(KV_SHOWN_MAX)];

	p += strspn(p, " \t");
	if (p == end || *p == '#')
		return 0;
	/* ". $CNFINT" at the end of conf.apf sources APF's internal variables. */
	if ((*p == '.' && p + 1 < end && isspace((unsigned char)p[1])) ||
	    (end - p > 7 && !strncmp(p, "source", 6) && isspace((unsigned char)p[6])))
		return 0;
	while (p < end) {
		const char *name = p;
		struct kv_entry *old;
		char *value = NULL;
		size_t nlen;

		while (p < end && is_name_char((unsigned char)*p, p == name))
			p++;
		nlen = (size_t)(p - name);
		if (!nlen || p == end || *p != '=') {
			kv_err(st,
			       "not a shell assignment NAME=\"value\" (conf.apf is a shell script): '%s'",
			       parse_shown(s, n, KV_SHOWN_MAX, shown));
			return 0;
		}
		p = shell_word(st, p + 1, end, &value);
		if (!p)
			return st->errors ? 0 : -ENOMEM;
		old = kv_find(st->f, name, nlen);
		if (old) {
			free(old->value);
			old->value = value;
			old->prev_line = old->line;
			old->line = st->line;
		} else if (kv_add(st->f, name, nlen, value, st->line)) {
			return -ENOMEM;
		}
		p += strspn(p, " \t");
		if (p < end && *p == ';')
			p += 1 + strspn(p + 1, " \t");
		if (p < end && *p == '#')
			break;
	}
	return 0;
}

int kv_parse(const char *path, const char *buf, size_t len, enum kv_dialect d, struct kv_file *f,
	     FILE *diag)
{
	struct kv_state st = { .f = f, .d = d, .diag = diag };
	size_t pos = 0;
	int err = 0;

	memset(f, 0, sizeof(*f));
	f->path = path;
	while (pos < len && !err) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t full = nl ? (size_t)(nl - (buf + pos)) : len - pos, n = full;

		st.line++;
		if (memchr(buf + pos, '\0', n)) {
			kv_err(&st, "NUL byte: this is not a text file");
		} else {
			if (n && buf[pos + n - 1] == '\r')
				n--; /* csf strips CR; files edited on Windows have them */
			err = d == KV_CSF ? csf_line(&st, buf + pos, n) :
					    shell_line(&st, buf + pos, n);
		}
		pos += full + 1;
	}
	f->lines = st.line;
	if (st.errors > KV_MAX_ERRORS)
		fprintf(diag, "%s: %d more errors not shown\n", path, st.errors - KV_MAX_ERRORS);
	if (err) {
		kv_free(f);
		return err;
	}
	return st.errors;
}

const struct kv_entry *kv_get(const struct kv_file *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].name, name))
			return &f->v[i];
	return NULL;
}

bool kv_perl_true(const char *value)
{
	return value && *value && strcmp(value, "0");
}

void kv_free(struct kv_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].name);
		free(f->v[i].value);
	}
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

const char *kv_value(const struct kv_file *f, const char *name)
{
	const struct kv_entry *e = kv_get(f, name);

	return e ? e->value : "";
}

unsigned int kv_line(const struct kv_file *f, const char *name)
{
	const struct kv_entry *e = kv_get(f, name);

	return e ? e->line : 0;
}
