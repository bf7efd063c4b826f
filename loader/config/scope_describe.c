// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* scope_describe.c - see scope_describe.h. */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include "describe.h"
#include "identity.h"
#include "scope_describe.h"

#define ADDRS_TEXT 4096

static const char *addr_text(const struct sg_addr *a, __u32 prefixlen, char *buf, size_t len)
{
	bool v4 = sg_addr_is_v4mapped(a) && prefixlen >= 96;
	char addr[INET6_ADDRSTRLEN];

	if (v4)
		inet_ntop(AF_INET, &a->words[3], addr, sizeof(addr));
	else
		inet_ntop(AF_INET6, a->words, addr, sizeof(addr));
	if (prefixlen == 128)
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "%s/%u", addr, v4 ? prefixlen - 96 : prefixlen);
	return buf;
}

const char *scope_rule_addrs(const struct sg_scope_rule *r, char *buf, size_t len)
{
	char one[64];
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < r->naddrs && i < SG_SCOPE_ADDRS && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 addr_text(&r->addrs[i], r->prefixlen, one, sizeof(one)));
	if (!r->naddrs)
		snprintf(buf, len, "none");
	return buf;
}

static const char *when_text(__u64 t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return NULL;
	return buf;
}

/* "uid 1001 (alice): relay.example.net:587" */
static const char *rule_label(const struct sg_scope_rule *r, char *buf, size_t len)
{
	char who[320], dest[SG_SCOPE_DEST_MAX + 96];

	snprintf(buf, len, "%s: %s", scope_rule_who(r, who, sizeof(who)),
		 scope_rule_dest(r, dest, sizeof(dest)));
	return buf;
}

/* What a rule's addresses are, for a person: "198.51.100.25 (resolved ...)". */
static void rule_addrs_note(const struct sg_scope_rule *r, char *buf, size_t len)
{
	char addrs[ADDRS_TEXT], at[32], checked[32];

	scope_rule_addrs(r, addrs, sizeof(addrs));
	switch (r->state) {
	case SG_RESOLVE_LITERAL:
		snprintf(buf, len, "%s", r->nports ? "" : "every guarded port");
		break;
	case SG_RESOLVE_OK:
		snprintf(buf, len, "%s, resolved %s", addrs,
			 when_text(r->resolved_at, at, sizeof(at)) ?: "?");
		break;
	case SG_RESOLVE_STALE:
		snprintf(buf, len, "STALE: the resolver failed at %s; keeping %s, resolved %s",
			 when_text(r->checked_at, checked, sizeof(checked)) ?: "?", addrs,
			 when_text(r->resolved_at, at, sizeof(at)) ?: "?");
		break;
	case SG_RESOLVE_UNKNOWN:
		snprintf(buf, len,
			 "UNRESOLVED: the resolver failed at %s and no address is known; allows "
			 "nothing",
			 when_text(r->checked_at, checked, sizeof(checked)) ?: "?");
		break;
	default:
		snprintf(buf, len, "NO ADDRESS: the name did not resolve at %s; allows nothing",
			 when_text(r->checked_at, checked, sizeof(checked)) ?: "?");
		break;
	}
}

static void rule_line(const struct sg_scope_rule *r, const char *indent)
{
	char label[SG_SCOPE_DEST_MAX + 512], note[ADDRS_TEXT + 160], origin[96];

	rule_addrs_note(r, note, sizeof(note));
	describe_origin(r->origin, origin, sizeof(origin));
	printf("%s%s%s%s%s (", indent, rule_label(r, label, sizeof(label)), note[0] ? " [" : "",
	       note, note[0] ? "]" : "");
	if (r->line)
		printf("line %u, ", r->line);
	printf("%s, %llu let through)\n", origin, (unsigned long long)r->hits);
}

void scope_status_text(const struct scope_plan *p, size_t max)
{
	size_t stale = 0, none = 0, unknown = 0;
	char label[32];

	snprintf(label, sizeof(label), "scoped (%zu)", p->nrules);
	printf("  %-14s ", label);
	if (!p->nrules)
		printf("none\n");
	for (size_t i = 0; i < p->nrules; i++) {
		stale += p->rules[i].state == SG_RESOLVE_STALE;
		none += p->rules[i].state == SG_RESOLVE_NONE;
		unknown += p->rules[i].state == SG_RESOLVE_UNKNOWN;
		if (i < max)
			rule_line(&p->rules[i], i ? "                 " : "");
	}
	if (p->nrules > max)
		printf("                 ... %zu more (smtpguard list)\n", p->nrules - max);
	if (stale || unknown)
		printf("  WARNING        the resolver failed for %zu scoped rule%s: %s%s%s\n",
		       stale + unknown, stale + unknown == 1 ? "" : "s",
		       stale ? "the last good addresses are kept (STALE)" : "",
		       stale && unknown ? "; " : "",
		       unknown ? "no address known, allows nothing (UNRESOLVED)" : "");
	if (none)
		printf("  WARNING        %zu scoped rule%s name%s a host that does not resolve: "
		       "allows nothing (NO ADDRESS)\n",
		       none, none == 1 ? "" : "s", none == 1 ? "s" : "");
}

void scope_list_text(const struct scope_plan *p)
{
	printf("scoped (who: destination [addresses] (line, origin, connects let through))\n");
	for (size_t i = 0; i < p->nrules; i++)
		rule_line(&p->rules[i], "       ");
}

void scope_json(struct json *j, const struct scope_plan *p)
{
	char name[256], buf[64], when[32];
	const char *w;

	json_arr_begin(j, "scoped");
	for (size_t i = 0; i < p->nrules; i++) {
		const struct sg_scope_rule *r = &p->rules[i];
		enum id_kind kind = r->kind == SG_SCOPE_GID ? ID_GROUP : ID_USER;
		bool anyone = r->kind == SG_SCOPE_ANYONE;

		json_obj_begin(j, NULL);
		json_str(j, "who", anyone ? "anyone" : identity_kind_word(kind));
		if (anyone)
			json_str(j, "id", NULL);
		else
			json_u64(j, "id", r->id);
		json_str(j, "name", anyone ? NULL : identity_name(kind, r->id, name, sizeof(name)));
		json_str(j, "dest", (const char *)r->dest);
		json_arr_begin(j, "ports");
		for (unsigned int k = 0; k < r->nports && k < SG_SCOPE_RULE_PORTS; k++)
			json_u64(j, NULL, r->ports[k]);
		json_arr_end(j);
		json_bool(j, "every_guarded_port", !r->nports);
		json_arr_begin(j, "origin");
		for (unsigned int k = 0; (w = describe_origin_word(r->origin, k)); k++)
			json_str(j, NULL, w);
		json_arr_end(j);
		json_u64(j, "line", r->line);
		json_str(j, "state", scope_state_name(r->state));
		json_arr_begin(j, "addresses");
		for (unsigned int k = 0; k < r->naddrs && k < SG_SCOPE_ADDRS; k++)
			json_str(j, NULL, addr_text(&r->addrs[k], r->prefixlen, buf, sizeof(buf)));
		json_arr_end(j);
		json_str(j, "resolved_at", when_text(r->resolved_at, when, sizeof(when)));
		json_str(j, "checked_at", when_text(r->checked_at, when, sizeof(when)));
		json_u64(j, "hits", r->hits);
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* "~scoped LABEL: what changed" for two versions of the same rule; 0 or 1. */
static size_t diff_one(FILE *out, const struct sg_scope_rule *was, const struct sg_scope_rule *now)
{
	char label[SG_SCOPE_DEST_MAX + 512], a[ADDRS_TEXT], b[ADDRS_TEXT], o1[96], o2[96];

	if (scope_rule_same_content(was, now))
		return 0;
	if (!out)
		return 1;
	rule_label(now, label, sizeof(label));
	scope_rule_addrs(was, a, sizeof(a));
	scope_rule_addrs(now, b, sizeof(b));
	if (now->state == SG_RESOLVE_STALE && was->state != SG_RESOLVE_STALE)
		fprintf(out, "~scoped %s: the resolver failed, keeping %s\n", label, b);
	else if (now->state == SG_RESOLVE_UNKNOWN && was->state != SG_RESOLVE_UNKNOWN)
		fprintf(out, "~scoped %s: %s -> none (the resolver failed)\n", label, a);
	else if (now->state == SG_RESOLVE_OK && was->state == SG_RESOLVE_STALE)
		fprintf(out, "~scoped %s: the resolver answers again: %s -> %s\n", label, a, b);
	else if (now->state == SG_RESOLVE_NONE && was->state != SG_RESOLVE_NONE)
		fprintf(out, "~scoped %s: %s -> none (the name does not resolve)\n", label, a);
	else if (strcmp(a, b) || was->state != now->state)
		fprintf(out, "~scoped %s: %s -> %s\n", label, a, b);
	else if (was->line != now->line)
		fprintf(out, "~scoped %s: line %u -> %u\n", label, was->line, now->line);
	else
		fprintf(out, "~scoped %s: origin %s -> %s\n", label,
			describe_origin(was->origin, o1, sizeof(o1)),
			describe_origin(now->origin, o2, sizeof(o2)));
	return 1;
}

size_t scope_diff(FILE *out, const struct scope_plan *old, const struct scope_plan *now)
{
	char label[SG_SCOPE_DEST_MAX + 512], addrs[ADDRS_TEXT];
	size_t i = 0, j = 0, n = 0;

	while (i < old->nrules || j < now->nrules) {
		int c = i == old->nrules ? 1 :
			j == now->nrules ? -1 :
					   scope_rule_cmp(&old->rules[i], &now->rules[j]);

		if (!c) {
			n += diff_one(out, &old->rules[i++], &now->rules[j++]);
			continue;
		}
		if (out && c < 0)
			fprintf(out, "-scoped %s\n",
				rule_label(&old->rules[i], label, sizeof(label)));
		if (out && c > 0)
			fprintf(out, "+scoped %s (%s)\n",
				rule_label(&now->rules[j], label, sizeof(label)),
				now->rules[j].state == SG_RESOLVE_LITERAL && !now->rules[j].nports ?
					"every guarded port" :
					scope_rule_addrs(&now->rules[j], addrs, sizeof(addrs)));
		if (c < 0)
			i++;
		else
			j++;
		n++;
	}
	return n;
}
