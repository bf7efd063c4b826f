/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * scope_describe.h - scoped exceptions as people read them: sync's change
 * lines, status and list (text and JSON).
 */
#ifndef SG_SCOPE_DESCRIBE_H
#define SG_SCOPE_DESCRIBE_H

#include <stddef.h>
#include <stdio.h>

#include "json.h"
#include "scope.h"

/* "+scoped ...", "-scoped ...", "~scoped ..." lines to out (NULL: count only); how many. */
size_t scope_diff(FILE *out, const struct scope_plan *old, const struct scope_plan *now);

/* A rule's addresses: "198.51.100.25, 2001:db8::25", "198.51.100.0/24", "none". */
const char *scope_rule_addrs(const struct sg_scope_rule *r, char *buf, size_t len);

/* status: at most max rules, one line each, then warnings for names not resolved. */
void scope_status_text(const struct scope_plan *p, size_t max);

/* list: every rule. */
void scope_list_text(const struct scope_plan *p);

/* "scoped": [ {...}, ... ] for status --json and list --json. */
void scope_json(struct json *j, const struct scope_plan *p);

#endif
