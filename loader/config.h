/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * config.h - the configuration file as a plain struct. No BPF, no name
 * resolution: config_parse() only checks syntax and values, so it can be
 * unit-tested and fuzzed on a buffer.
 *
 * Format: "key = value" lines, '#' starts a comment. List keys (ports,
 * allow_users, allow_groups) may repeat and each line appends. Scalar keys
 * (allow_local) may appear once. A key that is absent keeps its built-in
 * default; a key that is present replaces the default.
 */
#ifndef SG_CONFIG_H
#define SG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "smtpguard.h"

#define SG_DEFAULT_CONFIG "/etc/smtpguard.conf"

/* One entry of allow_users / allow_groups, as written. */
struct cfg_ident {
	char *name; /* NULL when the entry was numeric */
	__u32 id; /* the number, when name == NULL */
	unsigned int line; /* 0 for a built-in default */
};

struct cfg_ident_list {
	struct cfg_ident *v;
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
};

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

/* The built-in defaults alone. */
void config_defaults(struct sg_config *cfg, const char *path);

void config_free(struct sg_config *cfg);

static inline bool config_port_guarded(const __u64 *ports, unsigned int port)
{
	return ports[port / 64] & (1ULL << (port % 64));
}

#endif
