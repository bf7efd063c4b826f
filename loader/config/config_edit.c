// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* config_edit.c - in-place edits of list keys; see config_edit.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file_replace.h"
#include "array.h"
#include "config_edit.h"
#include "parse.h"

struct text {
	char **line; /* without the line end */
	size_t n, cap;
	const char *eol; /* "\n", or "\r\n" for files edited on Windows */
};

static void text_free(struct text *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->line[i]);
	free(t->line);
}

static int text_insert(struct text *t, size_t at, char *line)
{
	if (!line || array_reserve_one((void **)&t->line, &t->cap, t->n, sizeof(*t->line))) {
		free(line);
		return -ENOMEM;
	}
	memmove(&t->line[at + 1], &t->line[at], (t->n - at) * sizeof(*t->line));
	t->line[at] = line;
	t->n++;
	return 0;
}

static void text_delete(struct text *t, size_t at)
{
	free(t->line[at]);
	memmove(&t->line[at], &t->line[at + 1], (t->n - at - 1) * sizeof(*t->line));
	t->n--;
}

static int text_read(const char *path, struct text *t, struct stat *st)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	t->eol = "\n";
	f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT)
			return -errno;
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFREG | 0644;
		return 0;
	}
	if (fstat(fileno(f), st)) {
		fclose(f);
		return -errno;
	}
	while ((n = getline(&buf, &cap, f)) > 0) {
		if (buf[n - 1] == '\n')
			buf[--n] = '\0';
		if (n && buf[n - 1] == '\r') {
			buf[--n] = '\0';
			t->eol = "\r\n";
		}
		if (text_insert(t, t->n, strdup(buf))) {
			free(buf);
			fclose(f);
			return -ENOMEM;
		}
	}
	free(buf);
	fclose(f);
	return 0;
}

/* The file whole, with its mode and owner, durably. */
static int text_write(const char *path, const struct text *t, const struct stat *st)
{
	struct file_replace r;
	int err = file_replace_open(&r, path);

	if (err)
		return err;
	for (size_t i = 0; i < t->n; i++)
		fprintf(r.f, "%s%s", t->line[i], t->eol);
	return file_replace_commit(&r, st, true);
}

/* The value part of "key = value # comment" when the line sets key, else NULL. */
static bool line_sets(const char *line, const char *key, size_t *val_start, size_t *val_end)
{
	const char *eq = strchr(line, '='), *hash = strchr(line, '#');
	size_t klen = strlen(key), s = strspn(line, " \t");

	if (!eq || (hash && hash < eq) || strncmp(line + s, key, klen))
		return false;
	s += klen;
	s += strspn(line + s, " \t");
	if (line + s != eq)
		return false;
	*val_start = (size_t)(eq - line) + 1;
	*val_end = hash ? (size_t)(hash - line) : strlen(line);
	return true;
}

/* Does the value hold an item that is the same as e's? */
static bool value_has(const char *value, size_t len, const struct config_edit *e)
{
	char *copy = strndup(value, len), *save = NULL;
	bool found = false;

	for (char *tok = copy ? strtok_r(copy, PARSE_LIST_SEPARATORS, &save) : NULL; tok && !found;
	     tok = strtok_r(NULL, PARSE_LIST_SEPARATORS, &save))
		found = e->same(tok, e->ctx);
	free(copy);
	return found;
}

/*
 * The line with every item that is the same as e's dropped. *empty tells
 * whether any item is left. The result is never longer than the line plus
 * two bytes per item (the separator written before each), plus the NUL.
 */
static char *line_without(const char *line, size_t vs, size_t ve, const struct config_edit *e,
			  bool *empty)
{
	char *copy = strndup(line + vs, ve - vs), *save = NULL, *out;
	bool commas = memchr(line + vs, ',', ve - vs) != NULL;
	size_t len = 2 * strlen(line) + 4, used;

	out = malloc(len);
	if (!copy || !out) {
		free(copy);
		free(out);
		return NULL;
	}
	memcpy(out, line, vs);
	used = vs;
	*empty = true;
	for (char *tok = strtok_r(copy, PARSE_LIST_SEPARATORS, &save); tok;
	     tok = strtok_r(NULL, PARSE_LIST_SEPARATORS, &save)) {
		const char *sep = *empty ? " " : commas ? ", " : " ";

		if (e->same(tok, e->ctx))
			continue;
		memcpy(out + used, sep, strlen(sep));
		used += strlen(sep);
		memcpy(out + used, tok, strlen(tok));
		used += strlen(tok);
		*empty = false;
	}
	if (line[ve]) {
		out[used++] = ' ';
		memcpy(out + used, line + ve, strlen(line + ve));
		used += strlen(line + ve);
	}
	out[used] = '\0';
	free(copy);
	return out;
}

/* What stays of a line whose last item went: its comment, if it had one. */
static char *comment_of(const char *line, size_t ve)
{
	return line[ve] == '#' ? strdup(line + ve) : NULL;
}

/* "key = a b c", from the defaults with or without e's item. */
static char *defaults_line(const struct config_edit *e)
{
	char buf[1024];
	size_t used = (size_t)snprintf(buf, sizeof(buf), "%s =", e->key);
	bool any = false;

	for (size_t i = 0; e->defaults && e->defaults[i]; i++) {
		if (!e->add && e->same(e->defaults[i], e->ctx))
			continue;
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, " %s", e->defaults[i]);
		any = true;
	}
	if (e->add)
		snprintf(buf + used, sizeof(buf) - used, " %s", e->item);
	else if (!any)
		snprintf(buf + used, sizeof(buf) - used, " none");
	return strdup(buf);
}

/* "key = none" (with any comment): the key is present and empty. */
static bool is_none_line(const char *line, const char *key)
{
	size_t vs, ve, s;

	if (!line_sets(line, key, &vs, &ve))
		return false;
	s = vs + strspn(line + vs, " \t");
	return ve - s >= 4 && !strncmp(line + s, "none", 4) &&
	       strspn(line + s + 4, " \t") == ve - s - 4;
}

static int do_add(struct text *t, const struct config_edit *e, char *msg, size_t len)
{
	size_t vs, ve, last = 0;
	bool seen = false;
	char *line;

	for (size_t i = 0; i < t->n; i++) {
		if (!line_sets(t->line[i], e->key, &vs, &ve))
			continue;
		if (value_has(t->line[i] + vs, ve - vs, e)) {
			snprintf(msg, len, "already listed on line %zu", i + 1);
			return 0;
		}
		seen = true;
		last = i;
	}
	if (!seen) {
		/* The default applied: keep it, plus the new item. */
		for (size_t i = 0; e->defaults && e->defaults[i]; i++) {
			if (e->same(e->defaults[i], e->ctx)) {
				snprintf(msg, len, "already allowed by the built-in default of %s",
					 e->key);
				return 0;
			}
		}
		if (text_insert(t, t->n, defaults_line(e)))
			return -ENOMEM;
		snprintf(msg, len, "added as line %zu", t->n);
		return 1;
	}
	if (asprintf(&line, "%s = %s", e->key, e->item) < 0)
		return -ENOMEM;
	if (is_none_line(t->line[last], e->key)) {
		free(t->line[last]);
		t->line[last] = line;
		snprintf(msg, len, "replaced 'none' on line %zu", last + 1);
		return 1;
	}
	if (text_insert(t, last + 1, line))
		return -ENOMEM;
	snprintf(msg, len, "added as line %zu", last + 2);
	return 1;
}

static int do_remove(struct text *t, const struct config_edit *e, char *msg, size_t len)
{
	size_t vs, ve, removed = 0, deleted = 0, last = 0, kept = 0, used = 0;
	char nums[128] = "";
	bool seen = false;

	for (size_t i = 0; i < t->n; i++) {
		bool empty;
		char *line;

		if (!line_sets(t->line[i], e->key, &vs, &ve))
			continue;
		seen = true;
		if (!value_has(t->line[i] + vs, ve - vs, e)) {
			kept++;
			continue;
		}
		if (used < sizeof(nums))
			used += (size_t)snprintf(nums + used, sizeof(nums) - used, "%s%zu",
						 removed ? ", " : "", i + 1 + deleted);
		removed++;
		last = i;
		line = line_without(t->line[i], vs, ve, e, &empty);
		if (!line)
			return -ENOMEM;
		if (empty) {
			char *comment = comment_of(t->line[i], ve);

			free(line);
			if (comment) {
				free(t->line[i]);
				t->line[i] = comment;
				continue;
			}
			text_delete(t, i--);
			deleted++;
		} else {
			free(t->line[i]);
			t->line[i] = line;
			kept++;
		}
	}
	if (!seen) {
		/* The default applied: write it out without the item, if it was there. */
		for (size_t i = 0; e->defaults && e->defaults[i]; i++) {
			if (!e->same(e->defaults[i], e->ctx))
				continue;
			if (text_insert(t, t->n, defaults_line(e)))
				return -ENOMEM;
			snprintf(msg, len, "removed from the built-in default of %s (line %zu)",
				 e->key, t->n);
			return 1;
		}
	}
	if (!removed) {
		snprintf(msg, len, "not listed in %s", e->key);
		return 0;
	}
	snprintf(msg, len, "removed from line%s %s", removed > 1 ? "s" : "", nums);
	if (!kept) {
		char *line;

		/* Keep the key present, or its default would come back. */
		if (asprintf(&line, "%s = none", e->key) < 0 || text_insert(t, last, line))
			return -ENOMEM;
	}
	return 1;
}

/*
 * The line's comment says where the old value came from ("# csf.conf:169
 * SMTP_BLOCK" after an import, an admin's "# rollout week"): once the value
 * changes it no longer does, so it becomes "# set by BY (was OLD: COMMENT)".
 */
static int do_set(struct text *t, const char *key, const char *value, const char *by, char *msg,
		  size_t len)
{
	size_t vs, ve;
	char *line;

	for (size_t i = 0; i < t->n; i++) {
		const char *comment;
		size_t clen;
		char *cur;
		int n;

		if (!line_sets(t->line[i], key, &vs, &ve))
			continue;
		cur = strndup(t->line[i] + vs, ve - vs);
		if (!cur)
			return -ENOMEM;
		if (!strcmp(parse_trim(cur), value)) {
			free(cur);
			snprintf(msg, len, "already set on line %zu", i + 1);
			return 0;
		}
		comment = t->line[i] + ve;
		comment += *comment == '#';
		comment += strspn(comment, " \t");
		clen = strlen(comment);
		/* Our own comment of an earlier switch: keep only what it kept. */
		if (!strncmp(comment, "set by ", 7) && !strncmp(comment + 7, by, strlen(by))) {
			const char *orig = strstr(comment, ": ");

			comment = orig ? orig + 2 : "";
			clen = strlen(comment);
			clen -= clen && comment[clen - 1] == ')';
		}
		n = asprintf(&line, "%.*s %s  # set by %s (was %s%s%.*s)", (int)vs, t->line[i],
			     value, by, parse_trim(cur), clen ? ": " : "", (int)clen, comment);
		free(cur);
		if (n < 0)
			return -ENOMEM;
		free(t->line[i]);
		t->line[i] = line;
		snprintf(msg, len, "set on line %zu", i + 1);
		return 1;
	}
	if (asprintf(&line, "%s = %s  # set by %s", key, value, by) < 0 ||
	    text_insert(t, t->n, line))
		return -ENOMEM;
	snprintf(msg, len, "added as line %zu", t->n);
	return 1;
}

/* One edit of the file: read it, let op change the text, write it back atomically. */
typedef int (*edit_op)(struct text *t, const void *arg, char *msg, size_t len);

static int edit_file(const char *path, edit_op op, const void *arg, char *msg, size_t len)
{
	struct text t = {};
	char real[PATH_MAX];
	struct stat st;
	int ret;

	/* A symlinked configuration is edited where it really lives. */
	if (realpath(path, real))
		path = real;
	ret = text_read(path, &t, &st);
	if (!ret)
		ret = op(&t, arg, msg, len);
	if (ret == 1) {
		int err = text_write(path, &t, &st);

		if (err)
			ret = err;
	}
	text_free(&t);
	return ret;
}

struct set_arg {
	const char *key, *value, *by;
};

static int op_set(struct text *t, const void *arg, char *msg, size_t len)
{
	const struct set_arg *a = arg;

	return do_set(t, a->key, a->value, a->by, msg, len);
}

static int op_list(struct text *t, const void *arg, char *msg, size_t len)
{
	const struct config_edit *e = arg;

	return e->add ? do_add(t, e, msg, len) : do_remove(t, e, msg, len);
}

/* One DEST[:PORTS] of a line, with the pieces that continue its port list. */
struct scope_item {
	char text[DNS_NAME_MAX + 160]; /* as written (pieces joined by ',') or rewritten */
	struct dest_spec d;
	bool ok; /* parsed */
};

/*
 * The items of a value; for scoped keys the first token is the WHO, into
 * who. NULL on ENOMEM; *n items.
 */
static struct scope_item *scope_items(const char *value, size_t vlen, bool has_who, char *who,
				      size_t who_len, size_t *n)
{
	char *copy = strndup(value, vlen), *save = NULL;
	struct scope_item *v = NULL;
	size_t cap = 0;
	bool first = true;

	*n = 0;
	who[0] = '\0';
	if (!copy)
		return NULL;
	for (char *tok = strtok_r(copy, PARSE_LIST_SEPARATORS, &save); tok;
	     tok = strtok_r(NULL, PARSE_LIST_SEPARATORS, &save)) {
		struct scope_item *it;

		if (has_who && first) {
			snprintf(who, who_len, "%s", tok);
			first = false;
			continue;
		}
		first = false;
		if (dest_spec_is_port_piece(tok) && *n && v[*n - 1].ok && v[*n - 1].d.nports) {
			it = &v[*n - 1];
			it->ok = !dest_spec_add_port(&it->d, tok);
			snprintf(it->text + strlen(it->text), sizeof(it->text) - strlen(it->text),
				 ",%s", tok);
			continue;
		}
		if (array_reserve_one((void **)&v, &cap, *n, sizeof(*v))) {
			free(v);
			free(copy);
			return NULL;
		}
		it = &v[(*n)++];
		snprintf(it->text, sizeof(it->text), "%s", tok);
		it->ok = !dest_spec_parse(tok, &it->d);
	}
	free(copy);
	/* An empty list is still a list: never NULL unless out of memory. */
	return v ? v : calloc(1, sizeof(*v));
}

/* Does item cover every port the edit names? */
static bool item_covers(const struct scope_item *it, const struct dest_spec *d)
{
	if (!it->ok || !dest_spec_same_host(&it->d, d))
		return false;
	if (!it->d.nports)
		return true;
	if (!d->nports)
		return false;
	for (unsigned int i = 0; i < d->nports; i++)
		if (!dest_spec_has_port(&it->d, d->ports[i]))
			return false;
	return true;
}

/*
 * Take d's ports from it (all of them when d has none): 1 when nothing is
 * left of the item, 0 when it stays (rewritten if it changed), -E2BIG when
 * what is left of "every guarded port" is more than an item can list.
 */
static int item_take(struct scope_item *it, const struct dest_spec *d, const __u64 *guarded)
{
	struct dest_spec left = it->d;
	unsigned int n = 0;

	if (!d->nports)
		return 1;
	if (!it->d.nports) { /* every guarded port: write out the others */
		for (unsigned int p = 1; p < 65536; p++) {
			if (!(guarded[p / 64] & (1ULL << (p % 64))) || dest_spec_has_port(d, p))
				continue;
			if (n == SG_SCOPE_RULE_PORTS)
				return -E2BIG;
			left.ports[n++] = (__u16)p;
		}
	} else {
		for (unsigned int i = 0; i < it->d.nports; i++)
			if (!dest_spec_has_port(d, it->d.ports[i]))
				left.ports[n++] = it->d.ports[i];
		if (n == it->d.nports)
			return 0; /* none of d's ports was there */
	}
	if (!n)
		return 1;
	left.nports = n;
	it->d = left;
	dest_spec_format(&it->d, it->text, sizeof(it->text));
	return 0;
}

/* Does this line set e's key? Its items (and WHO), else NULL; *mine: for e's WHO. */
static struct scope_item *scope_line(const char *line, const struct config_scope_edit *e,
				     size_t *vs, size_t *ve, size_t *n, char *who, size_t who_len,
				     bool *mine)
{
	struct scope_item *items;

	*mine = false;
	if (!line_sets(line, e->key, vs, ve))
		return NULL;
	items = scope_items(line + *vs, *ve - *vs, e->who != NULL, who, who_len, n);
	*mine = items && (!e->who || (who[0] && e->same_who(who, e->ctx)));
	return items;
}

static int scope_add(struct text *t, const struct config_scope_edit *e, char *msg, size_t len)
{
	size_t vs, ve, n, last = 0;
	char item[DNS_NAME_MAX + 160], who[256], *line;
	bool seen = false, mine;

	for (size_t i = 0; i < t->n; i++) {
		struct scope_item *items =
			scope_line(t->line[i], e, &vs, &ve, &n, who, sizeof(who), &mine);

		if (!items && line_sets(t->line[i], e->key, &vs, &ve))
			return -ENOMEM;
		if (!items)
			continue;
		seen = true;
		last = i;
		for (size_t k = 0; mine && k < n; k++) {
			if (item_covers(&items[k], &e->dest)) {
				snprintf(msg, len, "already listed on line %zu", i + 1);
				free(items);
				return 0;
			}
		}
		free(items);
	}
	dest_spec_format(&e->dest, item, sizeof(item));
	if (asprintf(&line, "%s = %s%s%s", e->key, e->who ? e->who : "", e->who ? " " : "", item) <
	    0)
		return -ENOMEM;
	if (seen && is_none_line(t->line[last], e->key)) {
		free(t->line[last]);
		t->line[last] = line;
		snprintf(msg, len, "replaced 'none' on line %zu", last + 1);
		return 1;
	}
	if (!seen)
		last = t->n - 1; /* append at the end; (size_t)-1 + 1 for an empty file */
	if (text_insert(t, last + 1, line))
		return -ENOMEM;
	snprintf(msg, len, "added as line %zu", last + 2);
	return 1;
}

/* The line rebuilt from its WHO and the items left; NULL on ENOMEM. */
static char *scope_rebuild(const char *line, size_t vs, size_t ve, const char *who,
			   const struct scope_item *items, const bool *gone, size_t n)
{
	size_t cap = strlen(line) + 2 * (DNS_NAME_MAX + 160) * (n + 1), used = vs;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	memcpy(out, line, vs);
	if (who)
		used += (size_t)snprintf(out + used, cap - used, " %s", who);
	for (size_t k = 0; k < n; k++)
		if (!gone[k])
			used += (size_t)snprintf(out + used, cap - used, " %s", items[k].text);
	if (line[ve])
		snprintf(out + used, cap - used, " %s", line + ve);
	return out;
}

static int scope_remove(struct text *t, const struct config_scope_edit *e, char *msg, size_t len)
{
	size_t vs, ve, n, removed = 0, deleted = 0, used = 0;
	char nums[128] = "", who[256];
	int err = 0;
	bool mine;

	for (size_t i = 0; !err && i < t->n; i++) {
		struct scope_item *items =
			scope_line(t->line[i], e, &vs, &ve, &n, who, sizeof(who), &mine);
		bool *gone, touched = false, any_left = false;
		char *line = NULL;

		if (!items && line_sets(t->line[i], e->key, &vs, &ve))
			return -ENOMEM;
		if (!items || !mine) {
			free(items);
			continue;
		}
		gone = calloc(n + 1, sizeof(*gone));
		for (size_t k = 0; gone && !err && k < n; k++) {
			char before[sizeof(items[k].text)];
			int r;

			if (items[k].ok && dest_spec_same_host(&items[k].d, &e->dest)) {
				memcpy(before, items[k].text, sizeof(before));
				r = item_take(&items[k], &e->dest, e->guarded);
				if (r < 0)
					err = r;
				gone[k] = r == 1;
				touched = touched || gone[k] || strcmp(before, items[k].text);
			}
			any_left = any_left || !gone[k];
		}
		if (!gone)
			err = -ENOMEM;
		if (!err && touched) {
			if (used < sizeof(nums))
				used += (size_t)snprintf(nums + used, sizeof(nums) - used, "%s%zu",
							 removed ? ", " : "", i + 1 + deleted);
			removed++;
			if (any_left)
				line = scope_rebuild(t->line[i], vs, ve, e->who ? who : NULL, items,
						     gone, n);
			else if (t->line[i][ve] == '#') /* the comment stays */
				line = strdup(t->line[i] + ve);
			if (any_left || t->line[i][ve] == '#') {
				if (!line) {
					err = -ENOMEM;
				} else {
					free(t->line[i]);
					t->line[i] = line;
				}
			} else {
				text_delete(t, i--);
				deleted++;
			}
		}
		free(gone);
		free(items);
	}
	if (err)
		return err;
	if (!removed) {
		snprintf(msg, len, "not listed in %s", e->key);
		return 0;
	}
	snprintf(msg, len, "removed from line%s %s", removed > 1 ? "s" : "", nums);
	return 1;
}

static int op_scope(struct text *t, const void *arg, char *msg, size_t len)
{
	const struct config_scope_edit *e = arg;

	return e->add ? scope_add(t, e, msg, len) : scope_remove(t, e, msg, len);
}

int config_edit_scope(const char *path, const struct config_scope_edit *e, char *msg, size_t len)
{
	return edit_file(path, op_scope, e, msg, len);
}

int config_edit_set(const char *path, const char *key, const char *value, const char *by, char *msg,
		    size_t len)
{
	struct set_arg a = { .key = key, .value = value, .by = by };

	return edit_file(path, op_set, &a, msg, len);
}

int config_edit_apply(const char *path, const struct config_edit *e, char *msg, size_t len)
{
	return edit_file(path, op_list, e, msg, len);
}

/* PATH.before-import-TIME, not taken yet (two imports in one second get -2, -3, ...). */
static int keep_old(const char *path, char *backup, size_t len)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (int n = 1; n < 100; n++) {
		if (n == 1)
			snprintf(backup, len, "%s.before-import-%s", path, stamp);
		else
			snprintf(backup, len, "%s.before-import-%s-%d", path, stamp, n);
		/* A hard link keeps the old file as it was: owner, mode, contents. */
		if (!link(path, backup))
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int config_edit_replace(const char *path, const char *content, char *backup, size_t len)
{
	struct text t = { .eol = "\n" };
	char real[PATH_MAX];
	struct stat st = { .st_mode = S_IFREG | 0644 }, old;
	int ret = 0;

	backup[0] = '\0';
	if (realpath(path, real))
		path = real;
	st.st_uid = geteuid();
	st.st_gid = getegid();
	for (const char *s = content; *s && !ret;) {
		size_t n = strcspn(s, "\n");

		ret = text_insert(&t, t.n, strndup(s, n));
		s += n + (s[n] == '\n');
	}
	if (!ret && !lstat(path, &old)) {
		ret = S_ISREG(old.st_mode) ? keep_old(path, backup, len) : -EINVAL;
		/* The admin chose who owns it and who may read it (0600 stays 0600). */
		st = old;
	}
	if (!ret)
		ret = text_write(path, &t, &st);
	if (ret && backup[0]) {
		unlink(backup);
		backup[0] = '\0';
	}
	text_free(&t);
	return ret;
}

int config_edit_lock(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX)) {
		int err = errno;

		close(fd);
		errno = err;
		fd = -1;
	}
	return fd;
}
