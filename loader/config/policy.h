/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * policy.h - what the kernel should enforce: the configuration with every
 * name resolved to an ID, as sorted sets ready to be written to the maps.
 */
#ifndef SG_POLICY_H
#define SG_POLICY_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "config.h"
#include "scope.h"
#include "smtpguard.h"

struct id_entry {
	__u32 id;
	__u32 origin; /* SG_ORIGIN_* */
};

/* Sorted by id, no duplicates once id_set_finish() has run. */
struct id_set {
	struct id_entry *v;
	size_t n, cap;
};

struct dest_entry {
	struct sg_dest_key key;
	__u32 origin;
};

/* Sorted by key bytes, no duplicates. */
struct dest_set {
	struct dest_entry *v;
	size_t n, cap;
};

struct sg_policy {
	struct sg_settings settings;
	__u32 max_ids; /* capacity of each allowlist map: max_identities */
	struct id_set uids;
	struct id_set gids;
	struct dest_set dests;
	/*
	 * Scoped exceptions. policy_build() makes the rules, with names not
	 * resolved yet; scope_resolve() resolves them and builds the entries.
	 */
	struct scope_plan scope;
};

/* What policy_build() does with a name that does not resolve. */
enum name_policy {
	NAMES_WARN, /* load, sync: "FILE:LINE: warning: ...", skip it (fail closed) */
	NAMES_ERROR, /* check-config: "FILE:LINE: no such user NAME" is an error */
};

int id_set_add(struct id_set *s, __u32 id, __u32 origin);
/* Sort and merge duplicates (their origins are OR-ed). */
void id_set_finish(struct id_set *s);
void id_set_free(struct id_set *s);

int dest_set_add(struct dest_set *s, const struct sg_dest_key *key, __u32 origin);
void dest_set_finish(struct dest_set *s);

/*
 * Resolve cfg into p: names through NSS, roles through roles_resolve(). A
 * name that does not resolve is never allowed: it is reported on diag as
 * "FILE:LINE: warning: no such user NAME" (or as an error, with NAMES_ERROR)
 * and skipped. A role that resolves to nothing is noted in the settings
 * (SG_F_EMPTY_*) and, for check-config only, a warning (the
 * host may have no Mailman). Built-in defaults that do not exist are skipped
 * quietly. Returns the number of errors (only with NAMES_ERROR), or -ENOMEM;
 * *warnings, if not NULL, gets the number of warnings.
 */
int policy_build(const struct sg_config *cfg, struct sg_policy *p, FILE *diag,
		 enum name_policy names, int *warnings);
/*
 * The scoped rules' identities (USER, GROUP as in allow_users) are resolved
 * by policy_build() too, with the same warnings; a destination written as a
 * name is left for scope_resolve() (naddrs 0).
 */
void policy_free(struct sg_policy *p);

/*
 * More users or groups than max_identities is a configuration error: say so
 * on diag as "FILE:LINE: ..." (or "FILE: ..." for the default limit) and
 * return false.
 */
bool policy_fits(const struct sg_config *cfg, const struct sg_policy *p, FILE *diag);

#endif
