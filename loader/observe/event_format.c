// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* event_format.c - see event_format.h. */
#include <arpa/inet.h>
#include <pwd.h>
#include <string.h>

#include "addr_text.h"
#include "counters.h"
#include "event_format.h"
#include "json.h"

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

static const char *family_name(const struct sg_event *e)
{
	if (e->family == 4)
		return "ipv4";
	return sg_addr_is_v4mapped(&e->dst) ? "ipv4-mapped" : "ipv6";
}

/* Where the kernel decided: at connect(), or on a packet that connect() did not decide. */
static const char *path_name(const struct sg_event *e)
{
	if (e->flags & SG_EV_PATH_NAT)
		return "nat";
	return e->flags & SG_EV_PATH_RAW ? "raw" : "connect";
}

const char *event_dst(const struct sg_event *e, char *buf, size_t len)
{
	return sg_addr_port_format(&e->dst, e->port, buf, len);
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

/* The escaped form of one byte into out (5 bytes); its length. */
static size_t escape_byte(unsigned char c, char *out)
{
	if (c == '\\')
		return (size_t)snprintf(out, 5, "\\\\");
	if (c < 0x20 || c > 0x7e)
		return (size_t)snprintf(out, 5, "\\x%02x", c);
	out[0] = (char)c;
	out[1] = '\0';
	return 1;
}

const char *escape_text(const char *in, size_t in_len, char *buf, size_t len)
{
	static const char cut[] = "...";
	size_t used = 0, total = 0, room, i;
	char one[5];

	if (!len)
		return "";
	for (i = 0; i < in_len; i++)
		total += escape_byte((unsigned char)in[i], one);
	/* All of it, or as much as leaves room for the cut marker. */
	room = total < len ? len - 1 : len - 1 >= sizeof(cut) - 1 ? len - sizeof(cut) : 0;
	for (i = 0; i < in_len; i++) {
		size_t n = escape_byte((unsigned char)in[i], one);

		if (used + n > room)
			break;
		memcpy(buf + used, one, n);
		used += n;
	}
	if (i < in_len && used + sizeof(cut) <= len) {
		memcpy(buf + used, cut, sizeof(cut) - 1);
		used += sizeof(cut) - 1;
	}
	buf[used] = '\0';
	return buf;
}

const char *text_value_escaped(const char *escaped, char *buf, size_t len)
{
	size_t n = strlen(escaped), used = 0;
	bool plain = n > 0;

	for (size_t i = 0; i < n && plain; i++)
		plain = plain_char((unsigned char)escaped[i]);
	if (plain && n < len) {
		memcpy(buf, escaped, n + 1);
		return buf;
	}
	if (len < 3)
		return "\"\"";
	/* Inside quotes, escape_text()'s \\ and \xNN mean what text_value()'s do. */
	buf[used++] = '"';
	for (size_t i = 0; i < n && used + 3 < len; i++) {
		if (escaped[i] == '"')
			buf[used++] = '\\';
		buf[used++] = escaped[i];
	}
	buf[used++] = '"';
	buf[used] = '\0';
	return buf;
}

/* " key=value" for a value the account chose, or nothing for NULL/"". */
static int add_value(char *buf, size_t len, const char *key, const char *val, size_t max)
{
	char quoted[2 + 4 * CGROUP_TEXT_MAX + 1];

	if (!val || !*val || !len)
		return 0;
	return snprintf(buf, len, " %s=%s", key, text_value(val, max, quoted, sizeof(quoted)));
}

/* unit=, cgroup=, then exe=, cwd=, cmdline= or gone=. */
static void who_text(const struct event_who *w, char *buf, size_t len)
{
	size_t used = 0;
	const char *gone;

	buf[0] = '\0';
	if (!w)
		return;
#define ADD(key, val, max)                                                  \
	do {                                                                \
		int n_ = add_value(buf + used, len - used, key, val, max);  \
		used += n_ > 0 && (size_t)n_ < len - used ? (size_t)n_ : 0; \
	} while (0)
	ADD("unit", w->unit, CGROUP_TEXT_MAX);
	ADD("cgroup", w->cgroup, CGROUP_TEXT_MAX);
	gone = proc_gone_name(w->proc.gone);
	if (gone) {
		ADD("gone", gone, 32);
		return;
	}
	ADD("exe", w->proc.exe, PROC_VALUE_MAX);
	ADD("cwd", w->proc.cwd, PROC_VALUE_MAX);
	ADD("cmdline", w->proc.cmdline, PROC_VALUE_MAX);
	/* Paths of another mount namespace: say so, with what the host can check. */
	if (w->proc.mnt_ns == PROC_MNT_NS_FOREIGN) {
		char dev[24], ino[24];

		ADD("mnt_ns", "foreign", 16);
		if (w->proc.exe_id_known) {
			snprintf(ino, sizeof(ino), "%llu", (unsigned long long)w->proc.exe_ino);
			ADD("exe_dev", proc_dev_text(w->proc.exe_dev, dev, sizeof(dev)), 24);
			ADD("exe_ino", ino, 24);
		}
	}
#undef ADD
}

void event_line(const struct sg_event *e, const char *user, const struct event_who *who,
		const struct event_gap *gap, bool with_time, const char *scope, char *buf,
		size_t len)
{
	char when[32] = "", dst[80], comm[TEXT_VALUE_MAX], name[TEXT_VALUE_MAX], more[48] = "";
	char where[EVENT_LINE_MAX];
	size_t used;

	if (with_time) {
		boot_ns_to_iso(e->boot_ns, when, sizeof(when) - 1);
		strcat(when, " ");
	}
	if (gap && (gap->suppressed || gap->lost))
		snprintf(more, sizeof(more), " not_sent=%llu",
			 (unsigned long long)(gap->suppressed + gap->lost));
	who_text(who, where, sizeof(where));
	used = (size_t)snprintf(buf, len, "%s%s uid=%u(%s) pid=%u comm=%s dst=%s%s%s", when,
				counters_action_name(e->action), e->uid,
				user ? text_value(user, 255, name, sizeof(name)) : "?", e->tgid,
				text_value((const char *)e->comm, sizeof(e->comm), comm,
					   sizeof(comm)),
				event_dst(e, dst, sizeof(dst)), where, more);
	if (e->flags & (SG_EV_PATH_NAT | SG_EV_PATH_RAW) && used < len)
		used += (size_t)snprintf(buf + used, len - used, " path=%s", path_name(e));
	if (scope && used < len)
		snprintf(buf + used, len - used, " scope=%s",
			 text_value(scope, 255, name, sizeof(name)));
}

/* A value the account chose, escaped for JSON and the journal; NULL for none. */
static const char *escaped(const char *val, char *buf, size_t len)
{
	return val && *val ? escape_text(val, strlen(val), buf, len) : NULL;
}

void event_json(FILE *out, const struct sg_event *e, const char *user, const struct event_who *who,
		const struct event_gap *gap, const char *scope)
{
	char when[32], addr[INET6_ADDRSTRLEN], comm[sizeof(e->comm) + 1], dev[24];
	const struct proc_info *p = who ? &who->proc : NULL;
	struct json j;

	/* The raw values: json_str() escapes them as JSON does (\n, \u001b). */
	memcpy(comm, e->comm, sizeof(e->comm));
	comm[sizeof(e->comm)] = '\0';
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
	json_str(&j, "path", path_name(e));
	json_u64(&j, "cgroup_id", e->cgroup_id);
	json_str(&j, "cgroup", who && who->cgroup && *who->cgroup ? who->cgroup : NULL);
	/* A unit name holds only [A-Za-z0-9:_.\@-] (cgroup_unit() checked). */
	json_str(&j, "unit", who ? who->unit : NULL);
	json_str(&j, "exe", p && *p->exe ? p->exe : NULL);
	json_str(&j, "cmdline", p && *p->cmdline ? p->cmdline : NULL);
	json_str(&j, "cwd", p && *p->cwd ? p->cwd : NULL);
	json_str(&j, "gone", p ? proc_gone_name(p->gone) : "unreadable");
	json_str(&j, "mnt_ns", p ? proc_mnt_ns_name(p->mnt_ns) : NULL);
	json_str(&j, "exe_dev",
		 p && p->exe_id_known ? proc_dev_text(p->exe_dev, dev, sizeof(dev)) : NULL);
	if (p && p->exe_id_known)
		json_u64(&j, "exe_ino", p->exe_ino);
	else
		json_str(&j, "exe_ino", NULL);
	json_u64(&j, "not_sent_suppressed", gap ? gap->suppressed : 0);
	json_u64(&j, "not_sent_lost", gap ? gap->lost : 0);
	json_str(&j, "scope", scope);
	json_obj_end(&j);
	json_finish(&j);
}

void event_fields(const struct sg_event *e, const char *user, const struct event_who *who,
		  struct event_field_bufs *b, struct journal_fields *f)
{
	const struct proc_info *p = who ? &who->proc : NULL;
	char addr[INET6_ADDRSTRLEN];

	snprintf(b->uid, sizeof(b->uid), "%u", e->uid);
	snprintf(b->gid, sizeof(b->gid), "%u", e->gid);
	snprintf(b->pid, sizeof(b->pid), "%u", e->tgid);
	snprintf(b->tid, sizeof(b->tid), "%u", e->pid);
	snprintf(b->port, sizeof(b->port), "%u", e->port);
	snprintf(b->cgroup_id, sizeof(b->cgroup_id), "%llu", (unsigned long long)e->cgroup_id);
	snprintf(b->dst, sizeof(b->dst), "%s", sg_addr_format(&e->dst, addr, sizeof(addr)));
	journal_fields_add(f, "SMTPGUARD_ACTION", counters_action_name(e->action));
	journal_fields_add(f, "SMTPGUARD_UID", b->uid);
	journal_fields_add(f, "SMTPGUARD_USER", user);
	journal_fields_add(f, "SMTPGUARD_GID", b->gid);
	journal_fields_add(f, "SMTPGUARD_PID", b->pid);
	journal_fields_add(f, "SMTPGUARD_TID", b->tid);
	journal_fields_add(f, "SMTPGUARD_COMM", event_comm(e, b->comm));
	journal_fields_add(f, "SMTPGUARD_DST", b->dst);
	journal_fields_add(f, "SMTPGUARD_PORT", b->port);
	journal_fields_add(f, "SMTPGUARD_FAMILY", family_name(e));
	journal_fields_add(f, "SMTPGUARD_PATH", path_name(e));
	journal_fields_add(f, "SMTPGUARD_TIME",
			   boot_ns_to_iso(e->boot_ns, b->time, sizeof(b->time)));
	journal_fields_add(f, "SMTPGUARD_CGROUP_ID", b->cgroup_id);
	journal_fields_add(f, "SMTPGUARD_CGROUP",
			   escaped(who ? who->cgroup : NULL, b->cgroup, sizeof(b->cgroup)));
	/* A unit name holds only [A-Za-z0-9:_.\@-] (cgroup_unit() checked). */
	journal_fields_add(f, "SMTPGUARD_UNIT", who ? who->unit : NULL);
	journal_fields_add(f, "SMTPGUARD_EXE", escaped(p ? p->exe : NULL, b->exe, sizeof(b->exe)));
	journal_fields_add(f, "SMTPGUARD_CMDLINE",
			   escaped(p ? p->cmdline : NULL, b->cmdline, sizeof(b->cmdline)));
	journal_fields_add(f, "SMTPGUARD_CWD", escaped(p ? p->cwd : NULL, b->cwd, sizeof(b->cwd)));
	journal_fields_add(f, "SMTPGUARD_GONE", p ? proc_gone_name(p->gone) : "unreadable");
	journal_fields_add(f, "SMTPGUARD_MNT_NS", p ? proc_mnt_ns_name(p->mnt_ns) : NULL);
	if (p && p->exe_id_known) {
		snprintf(b->exe_ino, sizeof(b->exe_ino), "%llu", (unsigned long long)p->exe_ino);
		journal_fields_add(f, "SMTPGUARD_EXE_DEV",
				   proc_dev_text(p->exe_dev, b->exe_dev, sizeof(b->exe_dev)));
		journal_fields_add(f, "SMTPGUARD_EXE_INO", b->exe_ino);
	}
}
