/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* live.h - what the loaded guard enforces right now, read back from the kernel. */
#ifndef SG_LIVE_H
#define SG_LIVE_H

#include <limits.h>
#include <stdbool.h>
#include <bpf/bpf.h>

#include "guard_open.h"
#include "own_addrs.h"
#include "policy.h"
#include "scope.h"

struct live_state {
	struct sg_settings settings;
	__u32 max_ids; /* capacity of the user allowlist (max_identities) */
	struct id_set ids[2]; /* indexed by enum id_kind */
	struct dest_set dests;
	struct scope_plan scope; /* the scoped exceptions' rules (no entries) */
	struct addr_list local; /* exempt as "own" by the live guard */
	struct bpf_link_info links[SG_HOOK_COUNT];
	char cgroup[PATH_MAX]; /* where connect4 is attached */
	bool is_root; /* ... and that is the cgroup v2 root */
};

/*
 * Read the live state of an open, LOADED guard. with_links also reads the
 * links and finds the cgroup's path. 0, -EPROTO (another smtpguard version)
 * or -errno.
 */
int live_read(const struct guard *g, struct live_state *s, bool with_links);
void live_free(struct live_state *s);

/*
 * What "status --json" and the metrics call a guard in this state (enum
 * guard_state or a negative errno) with this mode: "enforcing", "audit",
 * "redirect", "damaged" or "not loaded". Every name, for the metrics.
 */
const char *live_state_name(int state, __u32 mode);
extern const char *const live_state_names[5];

/* The configuration file a whole (not damaged) guard at pin_dir was loaded from. 0 or -ENOENT. */
int live_config_path(const char *pin_dir, char *buf, size_t len);

/*
 * What the guard at pin_dir records, whole or damaged: its configuration file
 * and the cgroup it was loaded for ("" when unknown: not loaded, or built by a
 * version without the record). Through the links' program when there is
 * one, else through the settings pin.
 */
struct live_record {
	char config[SG_CONFIG_PATH_MAX + 1];
	char cgroup[SG_CONFIG_PATH_MAX + 1];
};
void live_recorded(const char *pin_dir, struct live_record *r);

/*
 * The live guard's scoped rules into out (empty when nothing whole is
 * loaded): the last good addresses of its names, for a sync during an outage.
 */
void live_scope_rules(const char *pin_dir, struct scope_plan *out);

/*
 * The policy the live guard enforces, as a new generation would be built
 * from it (a --runtime change of scoped exceptions). 0 or -ENOMEM.
 */
int live_policy(const struct live_state *s, struct sg_policy *p);
/*
 * The SG_ABI_VERSION of the settings pinned at pin_dir, whatever their
 * layout (it is always their first field): 0 or -errno.
 */
int live_abi_version(const char *pin_dir, __u32 *abi);

/* Is id (kind ID_USER/ID_GROUP) in the live allowlist? Its origin to *origin. */
bool live_has_id(const char *pin_dir, enum id_kind kind, __u32 id, __u32 *origin);

#endif
