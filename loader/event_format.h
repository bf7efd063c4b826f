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

/* The event's command name with anything unprintable replaced by '?'. */
const char *event_comm(const struct sg_event *e, char *buf /* 17 bytes */);

/* "198.51.100.25:25" or "[2001:db8::25]:25" */
const char *event_dst(const struct sg_event *e, char *buf, size_t len);

/* "2026-11-21T10:04:05Z blocked uid=1003(alice) pid=4242 comm=php-fpm dst=198.51.100.25:25" */
void event_line(const struct sg_event *e, const char *user, bool with_time, char *buf, size_t len);

/* {"time":...,"action":...,"uid":...,"user":...,"gid":...,"pid":...,"comm":...,"dst":...} */
void event_json(FILE *out, const struct sg_event *e, const char *user);

#endif
