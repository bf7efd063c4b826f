/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * parse.h - strict parsers shared by the configuration file and the command
 * line, so that "25", a UID or a user name means the same in both.
 */
#ifndef SG_PARSE_H
#define SG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "smtpguard.h"

/* Items of a list value are separated by any run of these. */
#define PARSE_LIST_SEPARATORS " \t,"

/* (uid_t)-1 means "no ID" to the kernel and is never a real UID or GID. */
#define PARSE_MAX_ID 4294967294u

/* Decimal digits only: no sign, no spaces, no 0x; at most max. 0 or -EINVAL / -ERANGE. */
int parse_u32(const char *s, __u32 max, __u32 *out);

/* True when s is non-empty and all decimal digits. */
bool parse_is_number(const char *s);

/* NULL when s is a valid user or group name, else why not. */
const char *parse_name_problem(const char *s);

/* yes/no, true/false, on/off, 1/0: 1 or 0; -1 for anything else. */
int parse_bool(const char *s);

/*
 * "a.b.c.d[/n]" or "x:y::z[/n]" into a destination key (IPv4 v4-mapped, see
 * struct sg_dest_key). NULL on success, else why not: host bits past the
 * prefix must be zero, so a typo cannot widen the range silently.
 */
const char *parse_cidr(const char *s, struct sg_dest_key *key);

/*
 * The n bytes at s as they can be quoted in a one-line message: bytes that
 * are not printable ASCII as \xHH, cut after max bytes with "...". out must
 * hold PARSE_SHOWN_SIZE(max) bytes. Returns out.
 */
#define PARSE_SHOWN_SIZE(max) ((max)*4 + 4)
const char *parse_shown(const char *s, size_t n, size_t max, char *out);

/* Strip leading and trailing blanks in place; returns the new start. */
char *parse_trim(char *s);

#endif
