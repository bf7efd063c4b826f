// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* scope_explain.c - see scope_explain.h. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "commit.h"
#include "event_format.h"
#include "guard_open.h"
#include "identity.h"
#include "pins.h"
#include "scope_explain.h"
#include "scope_maps.h"

/* Destinations named per identity; then "and N more". */
#define EXPLAIN_MAX 4

void scope_explain_free(struct scope_explain *x)
{
	scope_free(&x->rules);
	x->control = 0;
}

/* The committed control word, read through its pin (a cheap look per flagged event). */
static __u64 control_word(const char *pin_dir)
{
	char path[PATH_MAX];
	__u64 word = 0;
	int fd;

	if (pin_path(path, pin_dir, SG_PIN_CONTROL, ""))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (commit_read(fd, &word))
		word = 0;
	close(fd);
	return word;
}

/* The rules of the generation in force, read again only after a commit. */
static void refresh(struct scope_explain *x, const char *pin_dir)
{
	__u64 word = control_word(pin_dir);
	char problem[512];
	struct guard g;

	if (word && word == x->control)
		return;
	scope_free(&x->rules);
	x->control = 0;
	if (guard_open(pin_dir, &g, problem, sizeof(problem)) == GUARD_LOADED &&
	    !scope_maps_read_rules(g.fd[SG_MAP_SCOPE_RULES], &x->rules))
		x->control = word;
	guard_close(&g);
}

/* ", "-separated destinations of (kind, id); how many there are. */
static size_t dests_of(const struct scope_explain *x, __u32 kind, __u32 id, char *buf, size_t len)
{
	size_t n = 0, used = 0;
	char dest[SG_SCOPE_DEST_MAX + 96];

	buf[0] = '\0';
	for (size_t i = 0; i < x->rules.nrules; i++) {
		const struct sg_scope_rule *r = &x->rules.rules[i];

		if (r->kind != kind || r->id != id)
			continue;
		if (n++ < EXPLAIN_MAX && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 scope_rule_dest(r, dest, sizeof(dest)));
	}
	if (n > EXPLAIN_MAX && used < len)
		snprintf(buf + used, len - used, " and %zu more", n - EXPLAIN_MAX);
	return n;
}

const char *scope_explain(struct scope_explain *x, const char *pin_dir, const struct sg_event *e,
			  const char *user, char *buf, size_t len)
{
	char mine[1024] = "", group[1024] = "", gname[256], who[300], dst[80];
	size_t n_uid = 0, n_gid = 0;

	if (!(e->flags & (SG_EV_SCOPED_UID | SG_EV_SCOPED_GID)))
		return NULL;
	refresh(x, pin_dir);
	if (e->flags & SG_EV_SCOPED_UID)
		n_uid = dests_of(x, SG_SCOPE_UID, e->uid, mine, sizeof(mine));
	if (e->flags & SG_EV_SCOPED_GID)
		n_gid = dests_of(x, SG_SCOPE_GID, e->gid, group, sizeof(group));
	if (user)
		snprintf(who, sizeof(who), "%s", user);
	else
		snprintf(who, sizeof(who), "uid %u", e->uid);
	if (!identity_name(ID_GROUP, e->gid, gname, sizeof(gname)))
		snprintf(gname, sizeof(gname), "%u", e->gid);
	event_dst(e, dst, sizeof(dst));
	if (n_uid && n_gid)
		snprintf(buf, len, "%s may reach %s, and as group %s %s, not %s", who, mine, gname,
			 group, dst);
	else if (n_uid)
		snprintf(buf, len, "%s may reach %s, not %s", who, mine, dst);
	else if (n_gid)
		snprintf(buf, len, "%s (group %s) may reach %s, not %s", who, gname, group, dst);
	else /* rules changed since: say what is known */
		snprintf(buf, len, "%s had scoped exceptions, none for %s", who, dst);
	return buf;
}
