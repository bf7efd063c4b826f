/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* describe.h - how allowlist entries are named to a person. */
#ifndef SG_DESCRIBE_H
#define SG_DESCRIBE_H

#include <stddef.h>
#include <linux/types.h>

#include "identity.h"
#include "smtpguard.h"

/* "uid 47 (mailnull, @mta)", "gid 64210", "uid 1001 (alice, runtime)". */
const char *describe_id(enum id_kind kind, __u32 id, __u32 origin, char *buf, size_t len);

/* Origin bits as words, comma separated: "config,name", "default,@mta". */
const char *describe_origin(__u32 origin, char *buf, size_t len);

/* For JSON: the i-th origin word of origin, or NULL past the last. */
const char *describe_origin_word(__u32 origin, unsigned int i);

/* "203.0.113.0/24", "2001:db8::/32". */
const char *describe_cidr(const struct sg_dest_key *k, char *buf, size_t len);

#endif
