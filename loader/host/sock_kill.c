// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sock_kill.c - end accounts' SMTP sessions through sock_diag; see sock_kill.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "array.h"
#include "dest_spec.h"
#include "netlink_call.h"
#include "sock_kill.h"

/*
 * The states in which the account can still send: connecting, connected,
 * and connected with the peer's side closed. Listeners, TIME_WAIT and
 * sockets it has shut down itself carry no more of its mail.
 */
#define KILL_STATES ((1U << TCP_SYN_SENT) | (1U << TCP_ESTABLISHED) | (1U << TCP_CLOSE_WAIT))

/* A socket found by the dump, to destroy once the dump is over. */
struct victim {
	__u8 family;
	struct inet_diag_sockid id;
};

struct victims {
	struct victim *v;
	size_t n, cap;
};

struct dump_ctx {
	const struct sock_kill_filter *f;
	const struct addr_list *local;
	struct victims *out;
};

struct diag_req {
	struct nlmsghdr nh;
	struct inet_diag_req_v2 req;
};

/* 127.0.0.0/8 (v4-mapped too) and ::1. */
static bool is_loopback(const struct sg_addr *a)
{
	if (sg_addr_is_v4mapped(a))
		return ((const __u8 *)&a->words[3])[0] == 127;
	return !a->words[0] && !a->words[1] && !a->words[2] && a->words[3] == htonl(1);
}

static bool is_local(const struct addr_list *local, const struct sg_addr *a)
{
	if (is_loopback(a))
		return true;
	for (size_t i = 0; local && i < local->n; i++)
		if (!memcmp(&local->v[i].addr, a, sizeof(*a)))
			return true;
	return false;
}

static bool uid_listed(const struct sock_kill_filter *f, __u32 uid)
{
	size_t lo = 0, hi = f->nuids;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->uids[mid] == uid)
			return true;
		if (f->uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* As the program decides it: an IPv6 prefix never holds IPv4 (dest_spec.h). */
static bool dest_listed(const struct sock_kill_filter *f, const struct sg_addr *dst)
{
	if (!f->ndests)
		return true;
	for (size_t i = 0; i < f->ndests; i++) {
		const struct sg_dest_key *k = &f->dests[i];

		if (sg_addr_is_v4mapped(dst) && dest_prefix_covers_v4(&k->addr, k->prefixlen))
			continue;
		if (dest_key_holds(k, dst))
			return true;
	}
	return false;
}

bool sock_kill_matches(const struct sock_kill_filter *f, const struct addr_list *local, __u32 uid,
		       const struct sg_addr *dst, __u16 dport)
{
	return uid_listed(f, uid) && (f->ports[dport / 64] & (1ULL << (dport % 64))) &&
	       !is_local(local, dst) && dest_listed(f, dst);
}

/* One socket of the dump: kept for destruction when it matches. */
static int take_socket(const struct nlmsghdr *nh, void *arg)
{
	const struct inet_diag_msg *m = NLMSG_DATA(nh);
	struct dump_ctx *c = arg;
	struct sg_addr dst;

	if (nh->nlmsg_type != SOCK_DIAG_BY_FAMILY || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return 0;
	if (m->idiag_family == AF_INET)
		dst = sg_addr_v4mapped(m->id.idiag_dst[0]);
	else
		memcpy(dst.words, m->id.idiag_dst, sizeof(dst.words)); /* v4-mapped stays so */
	if (!sock_kill_matches(c->f, c->local, m->idiag_uid, &dst, ntohs(m->id.idiag_dport)))
		return 0;
	if (array_reserve_one((void **)&c->out->v, &c->out->cap, c->out->n, sizeof(*c->out->v)))
		return -ENOMEM;
	c->out->v[c->out->n++] = (struct victim){ .family = m->idiag_family, .id = m->id };
	return 0;
}

static struct diag_req diag_req(__u16 type, __u16 flags, __u8 family)
{
	return (struct diag_req){
		.nh = { .nlmsg_len = sizeof(struct diag_req),
			.nlmsg_type = type,
			.nlmsg_flags = NLM_F_REQUEST | flags,
			.nlmsg_seq = 1 },
		.req = { .sdiag_family = family,
			 .sdiag_protocol = IPPROTO_TCP,
			 .idiag_states = KILL_STATES },
	};
}

/*
 * The matching sockets of one namespace (fd: its sock_diag socket), ended.
 * Once the kernel refuses to destroy one (*destroy_err), the rest are only
 * counted: r->found must say how many stay open, in every namespace.
 */
static int kill_in(int fd, const struct sock_kill_filter *f, const struct addr_list *local,
		   struct sock_kill_result *r, int *destroy_err)
{
	static const __u8 families[] = { AF_INET, AF_INET6 };
	struct victims found = {};
	struct dump_ctx c = { .f = f, .local = local, .out = &found };
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(families); i++) {
		struct diag_req req = diag_req(SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, families[i]);

		err = netlink_call(fd, &req, sizeof(req), take_socket, &c);
		if (err == -ENOENT)
			err = -EPROTONOSUPPORT; /* no tcp_diag, even after a module load */
	}
	r->found += err ? 0 : (unsigned int)found.n;
	/* Not during the dump: the socket answers one request at a time. */
	for (size_t i = 0; !err && !*destroy_err && i < found.n; i++) {
		struct diag_req req = diag_req(SOCK_DESTROY, NLM_F_ACK, found.v[i].family);
		int e;

		req.req.id = found.v[i].id; /* with its cookie: this socket, not a new one */
		e = netlink_call(fd, &req, sizeof(req), NULL, NULL);
		if (!e)
			r->ended++;
		else if (e != -ENOENT) /* -ENOENT: it closed by itself meanwhile */
			*destroy_err = e;
	}
	free(found.v);
	return err;
}

/* A sock_diag socket in the network namespace of ns_path (setns there and back). */
static int diag_socket_in(const char *ns_path, int home_fd)
{
	int ns_fd = open(ns_path, O_RDONLY | O_CLOEXEC), fd, err;

	if (ns_fd < 0)
		return -errno;
	if (setns(ns_fd, CLONE_NEWNET)) {
		err = -errno;
		close(ns_fd);
		return err;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	err = fd < 0 ? -errno : 0;
	close(ns_fd);
	if (setns(home_fd, CLONE_NEWNET)) {
		/* Stranded in another namespace: nothing below may run there. */
		perror("smtpguard: cannot return to its network namespace");
		abort();
	}
	return err ? err : fd;
}

struct ns_seen {
	struct stat *v;
	size_t n, cap;
};

/* True the first time a namespace (by device and inode) is met. */
static bool first_visit(struct ns_seen *s, const struct stat *st)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].st_dev == st->st_dev && s->v[i].st_ino == st->st_ino)
			return false;
	if (array_reserve_one((void **)&s->v, &s->cap, s->n, sizeof(*s->v)))
		return false;
	s->v[s->n++] = *st;
	return true;
}

/* Every network namespace a process is in, other than ours (containers). */
static int kill_in_other_namespaces(const struct sock_kill_filter *f, struct ns_seen *seen,
				    int home_fd, struct sock_kill_result *r, int *destroy_err)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	int err = 0;

	if (!proc)
		return -errno;
	while (!err && (de = readdir(proc))) {
		char path[64];
		struct stat st;
		int fd;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/ns/net", de->d_name);
		if (stat(path, &st) || !first_visit(seen, &st))
			continue; /* gone meanwhile, or seen */
		fd = diag_socket_in(path, home_fd);
		if (fd == -ENOENT || fd == -ESRCH)
			continue;
		if (fd < 0) {
			err = fd;
			break;
		}
		r->netns++;
		/* Their own addresses are not the host's: only loopback stays. */
		err = kill_in(fd, f, NULL, r, destroy_err);
		close(fd);
	}
	closedir(proc);
	return err;
}

int sock_kill(const struct sock_kill_filter *f, struct sock_kill_result *r)
{
	struct addr_list local = {};
	struct ns_seen seen = {};
	struct stat home;
	int fd = -1, home_fd, err, destroy_err = 0;

	memset(r, 0, sizeof(*r));
	home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home_fd < 0 || fstat(home_fd, &home)) {
		err = -errno;
		goto cleanup;
	}
	first_visit(&seen, &home);
	err = own_addrs_collect(&local);
	if (err)
		goto cleanup;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	r->netns = 1;
	err = kill_in(fd, f, &local, r, &destroy_err);
	if (!err)
		err = kill_in_other_namespaces(f, &seen, home_fd, r, &destroy_err);
	if (!err)
		err = destroy_err;
cleanup:
	if (fd >= 0)
		close(fd);
	if (home_fd >= 0)
		close(home_fd);
	addr_list_free(&local);
	free(seen.v);
	return err;
}
