// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* policy.c - configuration to enforceable policy; see policy.h. */
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "identity.h"
#include "policy.h"
#include "roles.h"
#include "scope.h"

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

static int cmp_dest(const void *a, const void *b)
{
	return memcmp(&((const struct dest_entry *)a)->key, &((const struct dest_entry *)b)->key,
		      sizeof(struct sg_dest_key));
}

int dest_set_add(struct dest_set *s, const struct sg_dest_key *key, __u32 origin)
{
	if (array_reserve_one((void **)&s->v, &s->cap, s->n, sizeof(*s->v)))
		return -ENOMEM;
	s->v[s->n].key = *key;
	s->v[s->n].origin = origin;
	s->n++;
	return 0;
}

void dest_set_finish(struct dest_set *s)
{
	size_t out = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(s->v[0]), cmp_dest);
	for (size_t i = 1; i < s->n; i++) {
		if (!cmp_dest(&s->v[i], &s->v[out]))
			s->v[out].origin |= s->v[i].origin;
		else
			s->v[++out] = s->v[i];
	}
	s->n = out + 1;
}

/* Absolute, so that a sync run by systemd finds the same file. */
static void record_config_path(struct sg_settings *s, const char *path)
{
	char abs[PATH_MAX * 2], cwd[PATH_MAX];

	if (!path)
		return;
	if (realpath(path, abs))
		;
	else if (path[0] != '/' && getcwd(cwd, sizeof(cwd)))
		snprintf(abs, sizeof(abs), "%s/%s", cwd, path);
	else
		snprintf(abs, sizeof(abs), "%s", path);
	if (strlen(abs) < sizeof(s->config_path))
		memcpy(s->config_path, abs, strlen(abs) + 1);
}

struct resolve_state {
	const struct sg_config *cfg;
	FILE *diag;
	enum name_policy names;
	int errors, warnings;
	struct role_cache roles;
	__u32 empty_roles; /* SG_F_EMPTY_* */
};

static int resolve_role(struct resolve_state *rs, const struct cfg_ident *e, enum id_kind kind,
			struct id_set *out)
{
	__u32 origin = (e->line ? SG_ORIGIN_CONFIG : SG_ORIGIN_DEFAULT) |
		       (e->role == ROLE_MTA ? SG_ORIGIN_ROLE_MTA : SG_ORIGIN_ROLE_MAILMAN);
	struct role_ids ids;

	roles_resolve(e->role, kind, &rs->roles, &ids);
	/*
	 * Most hosts have no Mailman: not a warning on every sync (the timer runs
	 * every 10 minutes), but a note in status, and a warning from
	 * check-config, where the admin asks.
	 */
	if (!ids.n)
		rs->empty_roles |= e->role == ROLE_MTA ? SG_F_EMPTY_MTA : SG_F_EMPTY_MAILMAN;
	if (!ids.n && e->line && rs->names == NAMES_ERROR) {
		fprintf(rs->diag, "%s:%u: warning: %s resolves to no %s on this host\n",
			rs->cfg->path, e->line, config_role_name(e->role),
			identity_kind_word(kind));
		rs->warnings++;
	}
	for (size_t i = 0; i < ids.n; i++)
		if (id_set_add(out, ids.id[i], origin))
			return -ENOMEM;
	return 0;
}

static int resolve_list(struct resolve_state *rs, const struct cfg_ident_list *list,
			enum id_kind kind, struct id_set *out)
{
	for (size_t i = 0; i < list->n; i++) {
		const struct cfg_ident *e = &list->v[i];
		__u32 origin = e->line ? SG_ORIGIN_CONFIG : SG_ORIGIN_DEFAULT;
		__u32 id = e->id;

		if (e->role) {
			if (resolve_role(rs, e, kind, out))
				return -ENOMEM;
			continue;
		}
		if (e->name && identity_lookup(kind, e->name, &id)) {
			if (!e->line)
				continue;
			fprintf(rs->diag, "%s:%u: %sno such %s %s\n", rs->cfg->path, e->line,
				rs->names == NAMES_ERROR ? "" : "warning: ",
				identity_kind_word(kind), e->name);
			if (rs->names == NAMES_ERROR)
				rs->errors++;
			else
				rs->warnings++;
			continue;
		}
		origin |= e->name ? SG_ORIGIN_BY_NAME : SG_ORIGIN_BY_ID;
		if (id_set_add(out, id, origin))
			return -ENOMEM;
	}
	id_set_finish(out);
	return 0;
}

/* A rule for id, from the destination as written (a name is resolved later). */
static int add_scope_rule(struct sg_policy *p, const struct cfg_scope *s, __u32 id, __u32 origin)
{
	struct sg_scope_rule r = { .kind = s->kind, .id = id, .origin = origin, .line = s->line };

	dest_spec_host(&s->dest, (char *)r.dest, sizeof(r.dest));
	r.nports = (__u16)s->dest.nports;
	memcpy(r.ports, s->dest.ports, sizeof(r.ports));
	if (s->dest.is_name) {
		r.state = SG_RESOLVE_NONE;
		r.prefixlen = 128;
	} else {
		r.state = SG_RESOLVE_LITERAL;
		r.prefixlen = s->dest.key.prefixlen;
		r.addrs[0] = s->dest.key.addr;
		r.naddrs = 1;
	}
	return scope_add_rule(&p->scope, &r);
}

/* Each scoped exception once per ID its USER or GROUP resolves to. */
static int resolve_scopes(struct resolve_state *rs, struct sg_policy *p)
{
	const struct cfg_scope_list *l = &rs->cfg->scopes;
	struct id_set ids = {};
	int err = 0;

	for (size_t i = 0; !err && i < l->n; i++) {
		const struct cfg_scope *s = &l->v[i];
		struct cfg_ident_list one = { .v = (struct cfg_ident *)&s->who, .n = 1, .cap = 1 };

		if (s->kind == SG_SCOPE_ANYONE) {
			err = add_scope_rule(p, s, 0, SG_ORIGIN_CONFIG);
			continue;
		}
		ids.n = 0;
		err = resolve_list(rs, &one, s->kind == SG_SCOPE_UID ? ID_USER : ID_GROUP, &ids);
		for (size_t k = 0; !err && k < ids.n; k++)
			err = add_scope_rule(p, s, ids.v[k].id, ids.v[k].origin);
	}
	id_set_free(&ids);
	if (err == -E2BIG) {
		p->scope.overflow = true; /* policy_fits() says so */
		err = 0;
	}
	scope_sort_rules(&p->scope);
	return err;
}

int policy_build(const struct sg_config *cfg, struct sg_policy *p, FILE *diag,
		 enum name_policy names, int *warnings)
{
	struct resolve_state rs = { .cfg = cfg, .diag = diag, .names = names };

	memset(p, 0, sizeof(*p));
	p->settings.abi_version = SG_ABI_VERSION;
	p->settings.flags = (cfg->allow_local ? SG_F_ALLOW_LOCAL : 0) |
			    (cfg->container_loopback ? SG_F_CONTAINER_LOOPBACK : 0);
	p->settings.mode = cfg->mode;
	p->max_ids = cfg->max_identities;
	p->settings.redirect_ip4 = cfg->redirect_ip4;
	memcpy(p->settings.redirect_ip6, cfg->redirect_ip6, sizeof(p->settings.redirect_ip6));
	p->settings.redirect_port4 = cfg->redirect_port4;
	p->settings.redirect_port6 = cfg->redirect_port6;
	memcpy(p->settings.ports, cfg->ports, sizeof(p->settings.ports));
	record_config_path(&p->settings, cfg->path);
	if (resolve_list(&rs, &cfg->users, ID_USER, &p->uids) ||
	    resolve_list(&rs, &cfg->groups, ID_GROUP, &p->gids))
		goto nomem;
	for (size_t i = 0; i < cfg->dests.n; i++)
		if (dest_set_add(&p->dests, &cfg->dests.v[i].key, SG_ORIGIN_CONFIG))
			goto nomem;
	dest_set_finish(&p->dests);
	if (resolve_scopes(&rs, p))
		goto nomem;
	p->settings.flags |= rs.empty_roles;
	if (warnings)
		*warnings = rs.warnings;
	return rs.errors;
nomem:
	policy_free(p);
	return -ENOMEM;
}

void policy_free(struct sg_policy *p)
{
	id_set_free(&p->uids);
	id_set_free(&p->gids);
	free(p->dests.v);
	memset(&p->dests, 0, sizeof(p->dests));
	scope_free(&p->scope);
}

bool policy_fits(const struct sg_config *cfg, const struct sg_policy *p, FILE *diag)
{
	size_t users = p->uids.n, groups = p->gids.n, n = users > groups ? users : groups;
	const char *what = users > groups ? "users" : "groups";

	if (p->scope.overflow) {
		fprintf(diag,
			"%s: more than %u scoped exceptions (allow_user_dest, allow_group_dest, "
			"allow_dest with ports or names, once per ID a role gives)\n",
			cfg->path, SG_MAX_SCOPE_RULES);
		return false;
	}
	if (n <= p->max_ids)
		return true;
	if (cfg->max_identities_line)
		fprintf(diag, "%s:%u: max_identities = %u, but %zu %s resolved: raise it\n",
			cfg->path, cfg->max_identities_line, p->max_ids, n, what);
	else
		fprintf(diag,
			"%s: %zu %s resolved, more than the default max_identities = %u: set "
			"max_identities higher\n",
			cfg->path, n, what, p->max_ids);
	return false;
}
