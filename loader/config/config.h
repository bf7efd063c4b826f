/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * config.h - the configuration file as a plain struct. No BPF, no name
 * resolution: config_parse() only checks syntax and values, so it can be
 * unit-tested and fuzzed on a buffer.
 *
 * Format: "key = value" lines, '#' starts a comment. List keys (ports,
 * allow_users, allow_groups, allow_dest, allow_user_dest, allow_group_dest,
 * redirect_to) may repeat and each line appends. Every other key (allow_local,
 * container_loopback, mode, the alert_* and log_* keys, max_identities) is a
 * scalar and may appear once. A key that is absent keeps its built-in
 * default; a key that is present replaces the default. "none" as the only
 * item of a list line means "present, and empty". enum cfg_key lists them
 * all; smtpguard.conf(5) says what each means.
 */
#ifndef SG_CONFIG_H
#define SG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "dest_spec.h"
#include "smtpguard.h"

#define SG_DEFAULT_CONFIG "/etc/smtpguard.conf"

/* Roles: identities smtpguard finds out by itself (see roles.h). */
enum sg_role {
	ROLE_NONE,
	ROLE_MTA, /* @mta: the MTA's delivery user and group */
	ROLE_MAILMAN, /* @mailman */
};

/* One entry of allow_users / allow_groups, as written. */
struct cfg_ident {
	char *name; /* NULL when the entry was numeric or a role */
	__u32 id; /* the number, when numeric */
	enum sg_role role; /* ROLE_NONE unless the entry was @mta / @mailman */
	unsigned int line; /* 0 for a built-in default */
};

struct cfg_ident_list {
	struct cfg_ident *v;
	size_t n, cap;
};

struct cfg_dest {
	struct sg_dest_key key;
	unsigned int line;
};

struct cfg_dest_list {
	struct cfg_dest *v;
	size_t n, cap;
};

/*
 * One scoped exception as written: allow_user_dest = USER DEST[:PORTS]...,
 * allow_group_dest = GROUP ..., or an allow_dest item with ports or a name
 * (kind SG_SCOPE_ANYONE). One entry per destination of the line.
 */
struct cfg_scope {
	enum sg_scope_kind kind;
	struct cfg_ident who; /* USER or GROUP; unused for anyone */
	struct dest_spec dest;
	unsigned int line;
};

struct cfg_scope_list {
	struct cfg_scope *v;
	size_t n, cap;
};

struct sg_config {
	const char *path; /* for FILE:LINE messages */
	bool from_file; /* false: the file does not exist, all defaults */
	__u64 ports[SG_PORT_WORDS]; /* guarded ports, bitmap as in sg_settings */
	unsigned int ports_line; /* first line that set ports, 0 = default */
	struct cfg_ident_list users;
	unsigned int users_line;
	struct cfg_ident_list groups;
	unsigned int groups_line;
	bool allow_local;
	unsigned int allow_local_line;
	/* container_loopback: loopback is local in other network namespaces too */
	bool container_loopback;
	unsigned int container_loopback_line;
	struct cfg_dest_list dests; /* allow_dest CIDRs for every guarded port; empty by default */
	unsigned int dests_line;
	struct cfg_scope_list
		scopes; /* allow_user_dest, allow_group_dest, allow_dest with ports or names */
	__u32 mode; /* enum sg_mode; default enforce */
	unsigned int mode_line;
	/* redirect_to: network byte order; port 0 keeps the original port */
	__u32 redirect_ip4;
	__u32 redirect_ip6[4];
	__u16 redirect_port4, redirect_port6;
	unsigned int redirect_line;
	/* alert_threshold = COUNT/SECONDSs: per UID, for "smtpguard monitor" */
	__u32 alert_count, alert_seconds; /* 0: no alerts */
	unsigned int alert_threshold_line;
	char *alert_command; /* run for each alert, or NULL */
	unsigned int alert_command_line;
	/* monitor --syslog: per UID and window, log_burst lines, then one summary */
	__u32 log_window; /* seconds, default 60 */
	unsigned int log_window_line;
	__u32 log_burst; /* default 5 */
	unsigned int log_burst_line;
	/* Capacity of each allowlist map (users, groups); default SG_MAX_IDS */
	__u32 max_identities;
	unsigned int max_identities_line;
};

/*
 * The keys of the file, in the order the documentation lists them. One
 * table serves the parser, its "unknown key" message and the importer
 * (smtpguard import), so a key has one spelling everywhere.
 */
enum cfg_key {
	CFG_PORTS,
	CFG_ALLOW_USERS,
	CFG_ALLOW_GROUPS,
	CFG_ALLOW_LOCAL,
	CFG_CONTAINER_LOOPBACK,
	CFG_ALLOW_DEST,
	CFG_ALLOW_USER_DEST,
	CFG_ALLOW_GROUP_DEST,
	CFG_MODE,
	CFG_REDIRECT_TO,
	CFG_ALERT_THRESHOLD,
	CFG_ALERT_COMMAND,
	CFG_LOG_WINDOW,
	CFG_LOG_BURST,
	CFG_MAX_IDENTITIES,
	CFG_KEY_COUNT,
};

/* "ports", "allow_users", ... */
const char *config_key_name(enum cfg_key key);

/* The only item of a list line that means "present, and empty". */
#define CONFIG_NONE "none"

/* "enforce", "audit", "redirect" */
const char *config_mode_name(__u32 mode);

/* The built-in items of a list key ("allow_users": root @mta @mailman), NULL-terminated. */
const char *const *config_default_items(const char *key);

/* "@mta" / "@mailman" */
const char *config_role_name(enum sg_role role);

/*
 * Parse buf (len bytes, need not be NUL-terminated) as file "path". Each
 * problem is printed to diag as "PATH:LINE: message". Returns the number
 * of errors (0 = valid), or -ENOMEM. Defaults fill the keys not given.
 */
int config_parse(const char *path, const char *buf, size_t len, struct sg_config *cfg, FILE *diag);

/*
 * Read and parse a file. A missing file gives the built-in defaults
 * (from_file = false) and returns 0. A file that cannot be read, is not a
 * regular file, or (when running as root) is not owned by root or is
 * writable by group or others: "PATH: reason" on diag and 1 (one error).
 */
int config_load(const char *path, struct sg_config *cfg, FILE *diag);

/* An empty configuration for path: no key given yet, no default filled in (zeroes). */
void config_init_empty(struct sg_config *cfg, const char *path);

/* The built-in defaults alone, as if path were absent. 0 or -ENOMEM. */
int config_builtin(struct sg_config *cfg, const char *path);

void config_free(struct sg_config *cfg);

static inline bool config_port_guarded(const __u64 *ports, unsigned int port)
{
	return ports[port / 64] & (1ULL << (port % 64));
}

#endif
