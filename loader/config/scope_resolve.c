// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* scope_resolve.c - see scope_resolve.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "array.h"
#include "scope_resolve.h"

/* One name's answer, shared by every rule that names it in this run. */
struct answer {
	const char *name;
	int gai; /* getaddrinfo()'s result */
	size_t naddrs, found; /* kept, and found in all */
	struct sg_addr addrs[SG_SCOPE_ADDRS];
};

static int cmp_addr(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sg_addr));
}

static void ask(struct answer *a)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	struct sg_addr all[SG_SCOPE_ADDRS * 4];
	size_t n = 0, out = 0;

	a->gai = getaddrinfo(a->name, NULL, &hints, &res);
	a->naddrs = a->found = 0;
	if (a->gai)
		return;
	for (ai = res; ai && n < ARRAY_SIZE(all); ai = ai->ai_next) {
		struct sg_addr *x = &all[n];

		memset(x, 0, sizeof(*x));
		if (ai->ai_family == AF_INET) {
			*x = sg_addr_v4mapped(
				((const struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr);
		} else if (ai->ai_family == AF_INET6) {
			memcpy(x->words, &((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr,
			       sizeof(x->words));
		} else {
			continue;
		}
		n++;
	}
	freeaddrinfo(res);
	qsort(all, n, sizeof(all[0]), cmp_addr);
	for (size_t i = 0; i < n; i++)
		if (!i || memcmp(&all[i], &all[i - 1], sizeof(all[i])))
			all[out++] = all[i];
	a->found = out;
	a->naddrs = out < SG_SCOPE_ADDRS ? out : SG_SCOPE_ADDRS;
	memcpy(a->addrs, all, a->naddrs * sizeof(all[0]));
	/* A name with no A or AAAA record is "no such name" to us. */
	if (!out)
		a->gai = EAI_NONAME;
}

static bool gone(int gai)
{
	return gai == EAI_NONAME ||
#ifdef EAI_NODATA
	       gai == EAI_NODATA ||
#endif
#ifdef EAI_ADDRFAMILY
	       gai == EAI_ADDRFAMILY ||
#endif
	       false;
}

/* The live guard's addresses for this name: the same rule's first, else any rule's. */
static const struct sg_scope_rule *last_good(const struct scope_plan *prev,
					     const struct sg_scope_rule *r)
{
	const struct sg_scope_rule *any = NULL;

	for (size_t i = 0; prev && i < prev->nrules; i++) {
		const struct sg_scope_rule *p = &prev->rules[i];

		if (p->state != SG_RESOLVE_OK && p->state != SG_RESOLVE_STALE)
			continue;
		if (!p->naddrs || strcmp((const char *)p->dest, (const char *)r->dest))
			continue;
		if (p->kind == r->kind && p->id == r->id)
			return p;
		if (!any)
			any = p;
	}
	return any;
}

static void when_text(__u64 t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%llu", (unsigned long long)t);
}

struct resolve_run {
	const char *path;
	const struct scope_plan *previous;
	FILE *diag;
	enum name_policy names;
	int errors, warnings;
	struct answer *answers;
	size_t nanswers;
	__u64 now;
};

static struct answer *answer_for(struct resolve_run *run, const char *name)
{
	struct answer *a;

	for (size_t i = 0; i < run->nanswers; i++)
		if (!strcmp(run->answers[i].name, name))
			return &run->answers[i];
	a = &run->answers[run->nanswers++];
	a->name = name;
	ask(a);
	return a;
}

/* Say so once per name and line, not once per ID a role gave. */
static bool first_of_line(const struct sg_policy *p, size_t i)
{
	const struct sg_scope_rule *r = &p->scope.rules[i];

	for (size_t k = 0; k < i; k++)
		if (p->scope.rules[k].line == r->line &&
		    !strcmp((const char *)p->scope.rules[k].dest, (const char *)r->dest))
			return false;
	return true;
}

static void resolve_rule(struct resolve_run *run, struct sg_policy *p, size_t i)
{
	struct sg_scope_rule *r = &p->scope.rules[i];
	const char *name = (const char *)r->dest, *path = run->path;
	struct answer *a = answer_for(run, name);
	const struct sg_scope_rule *prev;
	bool say = r->line && first_of_line(p, i);
	char when[32];

	r->checked_at = run->now;
	if (!a->gai) {
		r->state = SG_RESOLVE_OK;
		r->resolved_at = run->now;
		r->naddrs = (__u16)a->naddrs;
		memcpy(r->addrs, a->addrs, a->naddrs * sizeof(a->addrs[0]));
		if (a->found > a->naddrs && say) {
			fprintf(run->diag,
				"%s:%u: warning: %s has %zu addresses; only the first %u are "
				"allowed\n",
				path, r->line, name, a->found, SG_SCOPE_ADDRS);
			run->warnings++;
		}
		return;
	}
	r->naddrs = 0;
	r->state = SG_RESOLVE_NONE;
	if (gone(a->gai)) {
		if (!say)
			return;
		fprintf(run->diag, "%s:%u: %s%s does not resolve (no A or AAAA record): %s\n", path,
			r->line, run->names == NAMES_ERROR ? "" : "warning: ", name,
			run->names == NAMES_ERROR ? "a typo?" : "it allows nothing");
		if (run->names == NAMES_ERROR)
			run->errors++;
		else
			run->warnings++;
		return;
	}
	/* The resolver failed: keep what the live guard has. */
	r->state = SG_RESOLVE_UNKNOWN;
	prev = last_good(run->previous, r);
	if (prev) {
		r->state = SG_RESOLVE_STALE;
		r->resolved_at = prev->resolved_at;
		r->naddrs = prev->naddrs;
		memcpy(r->addrs, prev->addrs, prev->naddrs * sizeof(prev->addrs[0]));
		when_text(prev->resolved_at, when, sizeof(when));
	}
	if (say) {
		fprintf(run->diag, "%s:%u: warning: cannot resolve %s now (%s): %s%s\n", path,
			r->line, name, gai_strerror(a->gai),
			prev ? "keeping its addresses resolved at " :
			       "it allows nothing until it does",
			prev ? when : "");
		run->warnings++;
	}
}

int scope_resolve_one(struct sg_scope_rule *r, char *why, size_t len)
{
	struct answer a = { .name = (const char *)r->dest };

	ask(&a);
	r->checked_at = (__u64)time(NULL);
	if (a.gai) {
		if (gone(a.gai))
			snprintf(why, len, "%s does not resolve (no A or AAAA record)", a.name);
		else
			snprintf(why, len, "%s cannot be resolved now (%s)", a.name,
				 gai_strerror(a.gai));
		return -1;
	}
	r->state = SG_RESOLVE_OK;
	r->resolved_at = r->checked_at;
	r->naddrs = (__u16)a.naddrs;
	memcpy(r->addrs, a.addrs, a.naddrs * sizeof(a.addrs[0]));
	return 0;
}

int scope_resolve(struct sg_policy *p, const char *path, const struct scope_plan *previous,
		  FILE *diag, enum name_policy names, int *warnings)
{
	struct resolve_run run = { .path = path,
				   .previous = previous,
				   .diag = diag,
				   .names = names,
				   .now = (__u64)time(NULL) };
	int err;

	run.answers = calloc(p->scope.nrules ? p->scope.nrules : 1, sizeof(*run.answers));
	if (!run.answers)
		return -ENOMEM;
	for (size_t i = 0; i < p->scope.nrules; i++)
		if (p->scope.rules[i].state != SG_RESOLVE_LITERAL && !p->scope.rules[i].checked_at)
			resolve_rule(&run, p, i);
	free(run.answers);
	err = scope_build(&p->scope, p->settings.ports);
	if (err == -E2BIG) {
		fprintf(diag,
			"%s: the scoped exceptions make more than %u entries (addresses, once per "
			"identity): fewer names or wider CIDRs\n",
			path, SG_MAX_SCOPE_ENTRIES);
		run.errors++;
	} else if (err) {
		return err;
	}
	p->settings.flags &= ~(SG_F_SCOPED_UID | SG_F_SCOPED_GID | SG_F_SCOPED_ANYONE);
	p->settings.flags |= p->scope.flags;
	if (warnings)
		*warnings += run.warnings;
	return run.errors;
}
