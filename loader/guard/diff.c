// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* diff.c - see diff.h. */
#include <arpa/inet.h>
#include <string.h>

#include "addr_text.h"
#include "config.h"
#include "describe.h"
#include "diff.h"
#include "scope_describe.h"

/* One line of the change list: "+uid 1001 (alice)", "-dest ...". No out: count only. */
static void print_change(FILE *out, char sign, const char *what)
{
	if (out)
		fprintf(out, "%c%s\n", sign, what);
}

/* Both sets are sorted by id: one merge pass. */
static size_t diff_ids(FILE *out, enum id_kind kind, const struct id_set *old,
		       const struct id_set *new)
{
	size_t i = 0, j = 0, n = 0;
	char buf[320];

	while (i < old->n || j < new->n) {
		if (j == new->n || (i < old->n && old->v[i].id < new->v[j].id)) {
			print_change(out, '-',
				     describe_id(kind, old->v[i].id, old->v[i].origin, buf,
						 sizeof(buf)));
			i++;
		} else if (i == old->n || new->v[j].id < old->v[i].id) {
			print_change(out, '+',
				     describe_id(kind, new->v[j].id, new->v[j].origin, buf,
						 sizeof(buf)));
			j++;
		} else {
			if (old->v[i].origin != new->v[j].origin) {
				char was[64], now[64];

				describe_id(kind, new->v[j].id, new->v[j].origin, buf, sizeof(buf));
				if (out)
					fprintf(out, "~%s: origin %s -> %s\n", buf,
						describe_origin(old->v[i].origin, was, sizeof(was)),
						describe_origin(new->v[j].origin, now,
								sizeof(now)));
			} else {
				n--;
			}
			i++;
			j++;
		}
		n++;
	}
	return n;
}

static size_t diff_dests(FILE *out, const struct dest_set *old, const struct dest_set *new)
{
	size_t i = 0, j = 0, n = 0;
	char buf[80], line[96];

	while (i < old->n || j < new->n) {
		int c = i == old->n ? 1 :
			j == new->n ? -1 :
				      memcmp(&old->v[i].key, &new->v[j].key, sizeof(old->v[i].key));

		if (c == 0) {
			if (old->v[i].origin != new->v[j].origin) {
				char was[64], now[64];

				if (out)
					fprintf(out, "~dest %s: origin %s -> %s\n",
						describe_cidr(&new->v[j].key, buf, sizeof(buf)),
						describe_origin(old->v[i].origin, was, sizeof(was)),
						describe_origin(new->v[j].origin, now,
								sizeof(now)));
				n++;
			}
			i++;
			j++;
			continue;
		}
		snprintf(line, sizeof(line), "dest %s",
			 describe_cidr(c < 0 ? &old->v[i].key : &new->v[j].key, buf, sizeof(buf)));
		print_change(out, c < 0 ? '-' : '+', line);
		if (c < 0)
			i++;
		else
			j++;
		n++;
	}
	return n;
}

static bool in_list(const struct addr_list *l, const struct sg_addr *a)
{
	for (size_t i = 0; i < l->n; i++)
		if (!memcmp(&l->v[i].addr, a, sizeof(*a)))
			return true;
	return false;
}

/* "<sign>local ADDR" for each address of a that b lacks; how many. */
static size_t only_in(FILE *out, char sign, const struct addr_list *a, const struct addr_list *b)
{
	char addr[INET6_ADDRSTRLEN], line[80];
	size_t n = 0;

	for (size_t i = 0; i < a->n; i++) {
		if (in_list(b, &a->v[i].addr))
			continue;
		snprintf(line, sizeof(line), "local %s",
			 sg_addr_format(&a->v[i].addr, addr, sizeof(addr)));
		print_change(out, sign, line);
		n++;
	}
	return n;
}

static size_t diff_local(FILE *out, const struct addr_list *old, const struct addr_list *new)
{
	return only_in(out, '-', old, new) + only_in(out, '+', new, old);
}

static size_t diff_flag(FILE *out, const char *key, __u32 was, __u32 now, __u32 flag)
{
	if (!((was ^ now) & flag))
		return 0;
	if (out)
		fprintf(out, "~%s: %s -> %s\n", key, was & flag ? "yes" : "no",
			now & flag ? "yes" : "no");
	return 1;
}

static void print_ports(FILE *out, const __u64 *ports)
{
	for (unsigned int p = 1; p < 65536; p++)
		if (config_port_guarded(ports, p))
			fprintf(out, " %u", p);
}

size_t diff_print(FILE *out, const struct live_state *live, const struct sg_policy *p,
		  const struct addr_list *local, __u64 prog_hash)
{
	const struct sg_settings *was = &live->settings, *now = &p->settings;
	size_t n = 0;

	if (memcmp(was->ports, now->ports, sizeof(was->ports))) {
		if (out) {
			fprintf(out, "~ports:");
			print_ports(out, was->ports);
			fprintf(out, " ->");
			print_ports(out, now->ports);
			fputc('\n', out);
		}
		n++;
	}
	if (was->prog_hash != prog_hash) {
		if (out)
			fprintf(out, "~program: the loaded BPF program is from another smtpguard "
				     "build; replacing it\n");
		n++;
	}
	if (strncmp((const char *)was->config_path, (const char *)now->config_path,
		    sizeof(was->config_path))) {
		if (out)
			fprintf(out, "~config: %s -> %s\n",
				was->config_path[0] ? (const char *)was->config_path : "(unknown)",
				now->config_path[0] ? (const char *)now->config_path : "(unknown)");
		n++;
	}
	if (was->mode != now->mode) {
		if (out)
			fprintf(out, "~mode: %s -> %s\n", config_mode_name(was->mode),
				config_mode_name(now->mode));
		n++;
	}
	if (was->redirect_ip4 != now->redirect_ip4 || was->redirect_port4 != now->redirect_port4 ||
	    was->redirect_port6 != now->redirect_port6 ||
	    memcmp(was->redirect_ip6, now->redirect_ip6, sizeof(was->redirect_ip6))) {
		if (out)
			fprintf(out, "~redirect_to changed\n");
		n++;
	}
	if (live->max_ids != p->max_ids) {
		if (out)
			fprintf(out, "~max_identities: %u -> %u\n", live->max_ids, p->max_ids);
		n++;
	}
	n += diff_flag(out, "allow_local", was->flags, now->flags, SG_F_ALLOW_LOCAL);
	n += diff_flag(out, "container_loopback", was->flags, now->flags, SG_F_CONTAINER_LOOPBACK);
	n += diff_ids(out, ID_USER, &live->ids[ID_USER], &p->uids);
	n += diff_ids(out, ID_GROUP, &live->ids[ID_GROUP], &p->gids);
	n += diff_dests(out, &live->dests, &p->dests);
	n += scope_diff(out, &live->scope, &p->scope);
	n += diff_local(out, &live->local, local);
	return n;
}
