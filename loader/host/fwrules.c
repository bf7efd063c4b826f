// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* fwrules.c - iptables-save text and nft JSON into one model; see fwrules.h. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "array.h"
#include "fwrules.h"

static bool smtp_port(unsigned long from, unsigned long to)
{
	static const unsigned long ports[] = { 25, 465, 587 };

	for (size_t i = 0; i < 3; i++)
		if (ports[i] >= from && ports[i] <= to)
			return true;
	return false;
}

/* "25,465,587" or "2525:2530" (iptables) or "25-26" (nft text ranges). */
static bool list_has_smtp(const char *list)
{
	while (*list) {
		char *end;
		unsigned long from = strtoul(list, &end, 10), to = from;

		if (end == list)
			return false;
		if (*end == ':' || *end == '-')
			to = strtoul(end + 1, &end, 10);
		if (smtp_port(from, to))
			return true;
		if (*end != ',')
			return false;
		list = end + 1;
	}
	return false;
}

static void copy(char *dst, const char *src, size_t len)
{
	snprintf(dst, FW_NAME_MAX, "%.*s", (int)len, src);
}

static struct fw_chain *find_chain(struct fw_rules *fw, const char *family, const char *table,
				   const char *name)
{
	for (size_t i = 0; i < fw->n_chains; i++) {
		struct fw_chain *c = &fw->chains[i];

		if (!strcmp(c->family, family) && !strcmp(c->table, table) &&
		    !strcmp(c->name, name))
			return c;
	}
	return NULL;
}

static int add_chain(struct fw_rules *fw, const char *family, const char *table, const char *name,
		     bool output_hook, bool nat, bool from_nft)
{
	struct fw_chain *c = find_chain(fw, family, table, name);

	if (!c) {
		if (array_reserve_one((void **)&fw->chains, &fw->cap_chains, fw->n_chains,
				      sizeof(*c)))
			return -ENOMEM;
		c = &fw->chains[fw->n_chains++];
		memset(c, 0, sizeof(*c));
		snprintf(c->family, sizeof(c->family), "%s", family);
		copy(c->table, table, strlen(table));
		copy(c->name, name, strlen(name));
		c->from_nft = from_nft;
	}
	c->output_hook |= output_hook;
	c->nat |= nat;
	return 0;
}

static struct fw_rule *add_rule(struct fw_rules *fw, const char *family, const char *table,
				const char *chain)
{
	struct fw_rule *r;

	if (array_reserve_one((void **)&fw->rules, &fw->cap_rules, fw->n_rules, sizeof(*r)))
		return NULL;
	r = &fw->rules[fw->n_rules++];
	memset(r, 0, sizeof(*r));
	snprintf(r->family, sizeof(r->family), "%s", family);
	copy(r->table, table, strlen(table));
	copy(r->chain, chain, strlen(chain));
	return r;
}

static enum fw_verdict target_verdict(const char *t)
{
	if (!strcmp(t, "ACCEPT"))
		return FW_ACCEPT;
	if (!strcmp(t, "DROP") || !strcmp(t, "REJECT"))
		return FW_DROP;
	if (!strcmp(t, "RETURN"))
		return FW_RETURN;
	if (!strcmp(t, "REDIRECT") || !strcmp(t, "DNAT"))
		return FW_REDIRECT;
	return FW_NONE;
}

/* The next blank-separated word of s (a "quoted comment" is one word). */
static const char *word(const char **s, size_t *len)
{
	const char *p = *s, *start;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return NULL;
	start = p;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++)
			if (*p == '\\' && p[1])
				p++;
		if (*p)
			p++;
	} else {
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	*len = (size_t)(p - start);
	*s = p;
	return start;
}

static bool is(const char *w, size_t n, const char *s)
{
	return n == strlen(s) && !strncmp(w, s, n);
}

static int iptables_rule(struct fw_rules *fw, const char *family, const char *table,
			 const char *line)
{
	char chain[FW_NAME_MAX], target[FW_NAME_MAX] = "", value[256];
	const char *w, *s = line;
	struct fw_rule *r;
	bool negate = false, jump = false;
	size_t n;

	w = word(&s, &n); /* -A */
	w = word(&s, &n);
	if (!w)
		return 0;
	copy(chain, w, n);
	r = add_rule(fw, family, table, chain);
	if (!r)
		return -ENOMEM;
	while ((w = word(&s, &n))) {
		if (is(w, n, "!")) {
			negate = true;
			continue;
		}
		if (is(w, n, "--uid-owner") || is(w, n, "--gid-owner")) {
			r->owner = true;
		} else if (is(w, n, "--dport") || is(w, n, "--dports") ||
			   is(w, n, "--destination-port") || is(w, n, "--destination-ports")) {
			w = word(&s, &n);
			if (w && !negate) {
				snprintf(value, sizeof(value), "%.*s", (int)n, w);
				r->smtp_port |= list_has_smtp(value);
			}
		} else if (is(w, n, "-j") || is(w, n, "--jump") || is(w, n, "-g") ||
			   is(w, n, "--goto")) {
			w = word(&s, &n);
			if (w)
				copy(target, w, n);
			jump = true;
		}
		negate = false;
	}
	if (!jump)
		return 0;
	if (find_chain(fw, family, table, target)) {
		r->verdict = FW_JUMP;
		copy(r->target, target, strlen(target));
	} else {
		r->verdict = target_verdict(target);
	}
	return 0;
}

int fw_parse_iptables_save(struct fw_rules *fw, const char *family, const char *text)
{
	char table[FW_NAME_MAX] = "";
	int err = 0;

	for (const char *s = text; *s && !err;) {
		size_t n = strcspn(s, "\n");
		char line[4096];

		snprintf(line, sizeof(line), "%.*s", (int)n, s);
		s += n + (s[n] == '\n');
		if (line[0] == '*') {
			copy(table, line + 1, strlen(line + 1));
		} else if (line[0] == ':' && table[0]) {
			/* ":NAME POLICY [packets:bytes]"; user chains have policy "-". */
			size_t nl = strcspn(line + 1, " ");
			char name[FW_NAME_MAX];
			bool builtin = line[1 + nl] == ' ' && line[2 + nl] != '-';

			copy(name, line + 1, nl);
			err = add_chain(fw, family, table, name, builtin && !strcmp(name, "OUTPUT"),
					!strcmp(table, "nat"), false);
		} else if (!strncmp(line, "-A ", 3) && table[0]) {
			err = iptables_rule(fw, family, table, line);
		}
	}
	return err;
}

/* ---- nft -j list ruleset, read with libyaml (JSON is YAML) ---- */

struct nft {
	yaml_document_t doc;
	struct fw_rules *fw;
	fw_skip_fn skip;
	const void *ctx;
};

static yaml_node_t *get(struct nft *j, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(&j->doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key))
			return yaml_document_get_node(&j->doc, p->value);
	}
	return NULL;
}

static const char *str(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
}

/* The one key of {"accept": null}, {"match": {...}}, ... and its value. */
static const char *only_key(struct nft *j, yaml_node_t *n, yaml_node_t **value)
{
	yaml_node_pair_t *p;

	if (!n || n->type != YAML_MAPPING_NODE ||
	    n->data.mapping.pairs.top == n->data.mapping.pairs.start)
		return "";
	p = n->data.mapping.pairs.start;
	*value = yaml_document_get_node(&j->doc, p->value);
	return str(yaml_document_get_node(&j->doc, p->key));
}

/* A port match's right side: 25, {"set": [25, 465]}, {"range": [20, 30]}. */
static bool nft_right_has_smtp(struct nft *j, yaml_node_t *right)
{
	yaml_node_t *v = NULL, *set;
	const char *k;

	if (!right)
		return false;
	if (right->type == YAML_SCALAR_NODE)
		return list_has_smtp(str(right));
	k = only_key(j, right, &v);
	if (!strcmp(k, "range") && v && v->type == YAML_SEQUENCE_NODE &&
	    v->data.sequence.items.top - v->data.sequence.items.start == 2) {
		yaml_node_t *a = yaml_document_get_node(&j->doc, v->data.sequence.items.start[0]);
		yaml_node_t *b = yaml_document_get_node(&j->doc, v->data.sequence.items.start[1]);

		return smtp_port(strtoul(str(a), NULL, 10), strtoul(str(b), NULL, 10));
	}
	if (strcmp(k, "set") || !v)
		return false;
	set = v;
	if (set->type != YAML_SEQUENCE_NODE)
		return nft_right_has_smtp(j, set);
	for (yaml_node_item_t *i = set->data.sequence.items.start; i < set->data.sequence.items.top;
	     i++)
		if (nft_right_has_smtp(j, yaml_document_get_node(&j->doc, *i)))
			return true;
	return false;
}

static void nft_expr(struct nft *j, struct fw_rule *r, yaml_node_t *e)
{
	yaml_node_t *v = NULL, *left;
	const char *k = only_key(j, e, &v);

	if (!strcmp(k, "match")) {
		left = get(j, v, "left");
		if (!strcmp(str(get(j, v, "op")), "!="))
			return;
		if (!strcmp(str(get(j, get(j, left, "meta"), "key")), "skuid") ||
		    !strcmp(str(get(j, get(j, left, "meta"), "key")), "skgid"))
			r->owner = true;
		if (!strcmp(str(get(j, get(j, left, "payload"), "field")), "dport"))
			r->smtp_port |= nft_right_has_smtp(j, get(j, v, "right"));
	} else if (!strcmp(k, "xt")) {
		/* iptables-nft's rules: the match is opaque, its name is not. */
		const char *type = str(get(j, v, "type")), *name = str(get(j, v, "name"));

		if (!strcmp(type, "match") && !strcmp(name, "owner"))
			r->owner = true;
		else if (!strcmp(type, "match") && !strcmp(name, "multiport"))
			r->opaque_port = true;
		else if (!strcmp(type, "target"))
			r->verdict = target_verdict(name);
	} else if (!strcmp(k, "accept")) {
		r->verdict = FW_ACCEPT;
	} else if (!strcmp(k, "drop") || !strcmp(k, "reject")) {
		r->verdict = FW_DROP;
	} else if (!strcmp(k, "return")) {
		r->verdict = FW_RETURN;
	} else if (!strcmp(k, "redirect") || !strcmp(k, "dnat")) {
		r->verdict = FW_REDIRECT;
	} else if (!strcmp(k, "jump") || !strcmp(k, "goto")) {
		r->verdict = FW_JUMP;
		copy(r->target, str(get(j, v, "target")), strlen(str(get(j, v, "target"))));
	}
}

static int nft_item(struct nft *j, yaml_node_t *item)
{
	yaml_node_t *v = NULL, *expr;
	const char *k = only_key(j, item, &v), *family, *table;
	struct fw_rule *r;

	family = str(get(j, v, "family"));
	table = str(get(j, v, "table"));
	if ((strcmp(k, "chain") && strcmp(k, "rule")) ||
	    (j->skip && j->skip(j->ctx, family, table)))
		return 0;
	if (!strcmp(k, "chain"))
		return add_chain(j->fw, family, table, str(get(j, v, "name")),
				 !strcmp(str(get(j, v, "hook")), "output"),
				 !strcmp(str(get(j, v, "type")), "nat"), true);
	r = add_rule(j->fw, family, table, str(get(j, v, "chain")));
	if (!r)
		return -ENOMEM;
	expr = get(j, v, "expr");
	for (yaml_node_item_t *i = expr && expr->type == YAML_SEQUENCE_NODE ?
					   expr->data.sequence.items.start :
					   NULL;
	     i && i < expr->data.sequence.items.top; i++)
		nft_expr(j, r, yaml_document_get_node(&j->doc, *i));
	return 0;
}

int fw_parse_nft_json(struct fw_rules *fw, const char *text, size_t len, fw_skip_fn skip,
		      const void *ctx)
{
	struct nft j = { .fw = fw, .skip = skip, .ctx = ctx };
	yaml_parser_t parser;
	yaml_node_t *list;
	int err = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &j.doc)) {
		err = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
		yaml_parser_delete(&parser);
		return err;
	}
	list = get(&j, yaml_document_get_root_node(&j.doc), "nftables");
	if (!list || list->type != YAML_SEQUENCE_NODE)
		err = -EINVAL;
	/* Chains first, so that every rule's chain is known whatever the order. */
	for (int pass = 0; pass < 2 && !err; pass++) {
		for (yaml_node_item_t *i = list->data.sequence.items.start;
		     i < list->data.sequence.items.top && !err; i++) {
			yaml_node_t *item = yaml_document_get_node(&j.doc, *i), *v = NULL;
			bool is_chain = !strcmp(only_key(&j, item, &v), "chain");

			if (is_chain == !pass)
				err = nft_item(&j, item);
		}
	}
	yaml_document_delete(&j.doc);
	yaml_parser_delete(&parser);
	return err;
}

void fw_reach(struct fw_rules *fw)
{
	bool changed = true;

	for (size_t i = 0; i < fw->n_chains; i++)
		fw->chains[i].reached = fw->chains[i].output_hook;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < fw->n_rules; i++) {
			const struct fw_rule *r = &fw->rules[i];
			const struct fw_chain *from = fw_chain_of(fw, r);
			struct fw_chain *to;

			if (r->verdict != FW_JUMP || !from || !from->reached)
				continue;
			to = find_chain(fw, r->family, r->table, r->target);
			if (to && !to->reached) {
				to->reached = true;
				copy(to->via, from->name, strlen(from->name));
				changed = true;
			}
		}
	}
}

const struct fw_chain *fw_chain_of(const struct fw_rules *fw, const struct fw_rule *r)
{
	return find_chain((struct fw_rules *)fw, r->family, r->table, r->chain);
}

const char *fw_path(const struct fw_rules *fw, const struct fw_chain *c, char *buf, size_t len)
{
	const struct fw_chain *hops[8];
	size_t n = 0, used = 0;

	for (; c && n < 8;
	     c = c->via[0] ? find_chain((struct fw_rules *)fw, c->family, c->table, c->via) : NULL)
		hops[n++] = c;
	buf[0] = '\0';
	while (n-- && used < len)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " -> " : "",
					 hops[n]->name);
	return buf;
}

void fw_free(struct fw_rules *fw)
{
	free(fw->rules);
	free(fw->chains);
	memset(fw, 0, sizeof(*fw));
}
