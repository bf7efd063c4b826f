// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* policy.c - configuration to enforceable policy; see policy.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "identity.h"
#include "policy.h"

int id_set_add(struct id_set *s, __u32 id, __u32 origin)
{
	if (array_reserve_one((void **)&s->v, &s->cap, s->n, sizeof(*s->v)))
		return -ENOMEM;
	s->v[s->n].id = id;
	s->v[s->n].origin = origin;
	s->n++;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	__u32 x = ((const struct id_entry *)a)->id, y = ((const struct id_entry *)b)->id;

	return x < y ? -1 : x > y;
}

void id_set_finish(struct id_set *s)
{
	size_t out = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(s->v[0]), cmp_entry);
	for (size_t i = 1; i < s->n; i++) {
		if (s->v[i].id == s->v[out].id)
			s->v[out].origin |= s->v[i].origin;
		else
			s->v[++out] = s->v[i];
	}
	s->n = out + 1;
}

void id_set_free(struct id_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int resolve_list(const struct sg_config *cfg, const struct cfg_ident_list *list,
			enum id_kind kind, struct id_set *out, FILE *diag)
{
	int warnings = 0;

	for (size_t i = 0; i < list->n; i++) {
		const struct cfg_ident *e = &list->v[i];
		__u32 origin = e->line ? SG_ORIGIN_CONFIG : SG_ORIGIN_DEFAULT;
		__u32 id = e->id;

		if (e->name && identity_lookup(kind, e->name, &id)) {
			if (e->line) {
				fprintf(diag, "%s:%u: warning: no such %s %s\n", cfg->path, e->line,
					identity_kind_word(kind), e->name);
				warnings++;
			}
			continue;
		}
		if (id_set_add(out, id, origin))
			return -ENOMEM;
	}
	id_set_finish(out);
	return warnings;
}

int policy_build(const struct sg_config *cfg, struct sg_policy *p, FILE *diag)
{
	int wu, wg;

	memset(p, 0, sizeof(*p));
	p->settings.abi_version = SG_ABI_VERSION;
	p->settings.flags = cfg->allow_local ? SG_F_ALLOW_LOCAL : 0;
	memcpy(p->settings.ports, cfg->ports, sizeof(p->settings.ports));
	wu = resolve_list(cfg, &cfg->users, ID_USER, &p->uids, diag);
	wg = resolve_list(cfg, &cfg->groups, ID_GROUP, &p->gids, diag);
	if (wu < 0 || wg < 0) {
		policy_free(p);
		return -ENOMEM;
	}
	return wu + wg;
}

void policy_free(struct sg_policy *p)
{
	id_set_free(&p->uids);
	id_set_free(&p->gids);
}
