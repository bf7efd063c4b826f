// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* event_format.c - see event_format.h. */
#include <arpa/inet.h>
#include <pwd.h>
#include <string.h>

#include "counters.h"
#include "event_format.h"
#include "json.h"
#include "local_addrs.h"

const char *name_cache_get(struct name_cache *c, __u32 uid)
{
	typeof(c->slot[0]) *s = &c->slot[uid % NAME_CACHE_SLOTS];
	time_t now = time(NULL);

	if (!s->valid || s->uid != uid || now - s->at > NAME_CACHE_TTL_S) {
		struct passwd *pw = getpwuid(uid);

		s->valid = true;
		s->uid = uid;
		s->at = now;
		s->has_name = pw != NULL;
		if (pw)
			snprintf(s->name, sizeof(s->name), "%s", pw->pw_name);
	}
	return s->has_name ? s->name : NULL;
}

static bool mapped(const struct sg_addr *a)
{
	return !a->words[0] && !a->words[1] && a->words[2] == htonl(0xffff);
}

static const char *family_name(const struct sg_event *e)
{
	if (e->family == 4)
		return "ipv4";
	return mapped(&e->dst) ? "ipv4-mapped" : "ipv6";
}

const char *event_dst(const struct sg_event *e, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	sg_addr_format(&e->dst, addr, sizeof(addr));
	snprintf(buf, len, mapped(&e->dst) ? "%s:%u" : "[%s]:%u", addr, e->port);
	return buf;
}

/* comm is whatever the process called itself: keep it printable. */
static void clean_comm(const struct sg_event *e, char *out)
{
	size_t i;

	for (i = 0; i < sizeof(e->comm) && e->comm[i]; i++)
		out[i] = e->comm[i] > 0x20 && e->comm[i] < 0x7f ? (char)e->comm[i] : '?';
	out[i] = '\0';
}

const char *event_comm(const struct sg_event *e, char *buf)
{
	clean_comm(e, buf);
	return buf;
}

static bool plain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("._/@+-", c);
}

const char *text_value(const char *in, size_t in_len, char *buf, size_t len)
{
	size_t n = strnlen(in, in_len), used = 0;
	bool plain = n > 0;

	for (size_t i = 0; i < n && plain; i++)
		plain = plain_char((unsigned char)in[i]);
	if (plain && n < len) {
		memcpy(buf, in, n);
		buf[n] = '\0';
		return buf;
	}
	if (len < 3)
		return "\"\"";
	buf[used++] = '"';
	for (size_t i = 0; i < n && used + 5 < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '"' || c == '\\') {
			buf[used++] = '\\';
			buf[used++] = (char)c;
		} else if (c < 0x20 || c > 0x7e) {
			used += (size_t)snprintf(buf + used, len - used, "\\x%02x", c);
		} else {
			buf[used++] = (char)c;
		}
	}
	buf[used++] = '"';
	buf[used] = '\0';
	return buf;
}

void event_line(const struct sg_event *e, const char *user, const struct event_gap *gap,
		bool with_time, const char *scope, char *buf, size_t len)
{
	char when[32] = "", dst[80], comm[TEXT_VALUE_MAX], name[TEXT_VALUE_MAX], more[48] = "";
	size_t used;

	if (with_time) {
		boot_ns_to_iso(e->boot_ns, when, sizeof(when) - 1);
		strcat(when, " ");
	}
	if (gap && (gap->suppressed || gap->lost))
		snprintf(more, sizeof(more), " not_sent=%llu",
			 (unsigned long long)(gap->suppressed + gap->lost));
	used = (size_t)snprintf(buf, len, "%s%s uid=%u(%s) pid=%u comm=%s dst=%s%s", when,
				counters_action_name(e->action), e->uid,
				user ? text_value(user, 255, name, sizeof(name)) : "?", e->tgid,
				text_value((const char *)e->comm, sizeof(e->comm), comm,
					   sizeof(comm)),
				event_dst(e, dst, sizeof(dst)), more);
	if (scope && used < len)
		snprintf(buf + used, len - used, " scope=%s",
			 text_value(scope, 255, name, sizeof(name)));
}

void event_json(FILE *out, const struct sg_event *e, const char *user, const struct event_gap *gap,
		const char *scope)
{
	char when[32], addr[INET6_ADDRSTRLEN], comm[17];
	struct json j;

	clean_comm(e, comm);
	json_init(&j, out);
	json_obj_begin(&j, NULL);
	json_u64(&j, "schema", SG_JSON_SCHEMA);
	json_str(&j, "type", "event");
	json_str(&j, "time", boot_ns_to_iso(e->boot_ns, when, sizeof(when)));
	json_str(&j, "action", counters_action_name(e->action));
	json_u64(&j, "uid", e->uid);
	json_str(&j, "user", user);
	json_u64(&j, "gid", e->gid);
	json_u64(&j, "pid", e->tgid);
	json_u64(&j, "tid", e->pid);
	json_str(&j, "comm", comm);
	json_str(&j, "dst", sg_addr_format(&e->dst, addr, sizeof(addr)));
	json_u64(&j, "port", e->port);
	json_str(&j, "family", family_name(e));
	json_u64(&j, "cgroup_id", e->cgroup_id);
	json_u64(&j, "not_sent_suppressed", gap ? gap->suppressed : 0);
	json_u64(&j, "not_sent_lost", gap ? gap->lost : 0);
	json_str(&j, "scope", scope);
	json_obj_end(&j);
	json_finish(&j);
}
