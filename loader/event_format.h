/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* event_format.h - one event as a human line or a JSON object; names cached. */
#ifndef SG_EVENT_FORMAT_H
#define SG_EVENT_FORMAT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <linux/types.h>

#include "smtpguard.h"

#define NAME_CACHE_SLOTS 1024
#define NAME_CACHE_TTL_S 300 /* accounts get renamed; look again after this */

struct name_cache {
	struct {
		__u32 uid;
		bool valid, has_name;
		time_t at;
		char name[64];
	} slot[NAME_CACHE_SLOTS];
};

/* The user name of uid, or NULL; one NSS lookup per UID and TTL. */
const char *name_cache_get(struct name_cache *c, __u32 uid);

/* Room for any value event_text_value() makes of up to 255 bytes. */
#define TEXT_VALUE_MAX (2 + 4 * 255 + 1)

/*
 * A value for a "key=value" text line that the account may have chosen (its
 * process name, a user name from NSS): as it is when it holds only
 * [A-Za-z0-9._/@+-], else in double quotes with '"' and '\' escaped by a
 * backslash and every byte outside 0x20-0x7e as \xNN. So a line always
 * parses to exactly one value per key. in_len bytes at most (stops at NUL).
 */
const char *text_value(const char *in, size_t in_len, char *buf, size_t len);

/* The event's command name with anything unprintable replaced by '?'. */
const char *event_comm(const struct sg_event *e, char *buf /* 17 bytes */);

/* "198.51.100.25:25" or "[2001:db8::25]:25" */
const char *event_dst(const struct sg_event *e, char *buf, size_t len);

/* What the kernel counted for the event's UID but did not send, since its previous event. */
struct event_gap {
	__u64 suppressed; /* over the UID's event budget */
	__u64 lost; /* the ring buffer was full */
};

/*
 * "2026-11-21T10:04:05Z blocked uid=1003(alice) pid=4242 comm=php-fpm
 * dst=198.51.100.25:25", then " not_sent=N" when the gap is not empty, and
 * ' scope="..."' with what the account may reach instead (scope_explain.h).
 */
void event_line(const struct sg_event *e, const char *user, const struct event_gap *gap,
		bool with_time, const char *scope, char *buf, size_t len);

/* {"schema":1,"type":"event","time":...,"action":...,"uid":...,...}: see smtpguard(8). */
void event_json(FILE *out, const struct sg_event *e, const char *user, const struct event_gap *gap,
		const char *scope);

#endif
