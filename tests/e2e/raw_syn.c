// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * raw_syn.c - PM_RAW_SYN: a TCP handshake's first step without connect(),
 * as the root of a container would try it: a SYN built by hand on a raw
 * socket, and whether the SYN-ACK comes back. Nothing answers it (the kernel
 * resets the half-open connection itself): whether the MX answered is all
 * a row needs to know. packet_syn_run() sends the same SYN in a frame on an
 * AF_PACKET socket, which no cgroup program sees (README: out of scope).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/capability.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ether.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <grp.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"
#include "raw_syn.h"

#define RAW_WAIT_MS 2000
#define RAW_GID 64201 /* the denied rows' group */

struct tcp_syn {
	__u16 sport, dport;
	__u32 seq, ack;
	__u8 doff, flags;
	__u16 window, check, urg;
};

/* Drop to uid (group RAW_GID) and keep only CAP_NET_RAW. 0 or PROBE_SETUP_FAILED. */
static int keep_net_raw(unsigned int uid)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	if (prctl(PR_SET_KEEPCAPS, 1) || setgroups(0, NULL) ||
	    setresgid(RAW_GID, RAW_GID, RAW_GID) || setresuid(uid, uid, uid))
		return PROBE_SETUP_FAILED;
	d[0].effective = d[0].permitted = 1U << CAP_NET_RAW;
	return syscall(SYS_capset, &h, d) ? PROBE_SETUP_FAILED : 0;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static __u32 csum_add(__u32 sum, const void *p, size_t n)
{
	const __u16 *w = p;

	for (size_t i = 0; i < n / 2; i++)
		sum += w[i];
	return sum;
}

/* The source address the kernel would pick for dst: a connected UDP socket's. */
static int source_for(const struct sockaddr_storage *dst, socklen_t len,
		      struct sockaddr_storage *src)
{
	socklen_t slen = sizeof(*src);
	int fd = socket(dst->ss_family, SOCK_DGRAM, 0), err = 0;

	if (fd < 0)
		return errno;
	if (connect(fd, (const struct sockaddr *)dst, len) ||
	    getsockname(fd, (struct sockaddr *)src, &slen))
		err = errno;
	close(fd);
	return err;
}

/* A SYN-ACK from dport to sport in buf (IPv4 packets come with their header). */
static bool is_syn_ack(const unsigned char *buf, ssize_t n, int family, __u16 sport, __u16 dport)
{
	size_t off = family == AF_INET && n > 0 ? (size_t)(buf[0] & 0xf) * 4 : 0;
	struct tcp_syn t;

	if (n < 0 || (size_t)n < off + sizeof(t))
		return false;
	memcpy(&t, buf + off, sizeof(t));
	return t.sport == dport && t.dport == sport && (t.flags & 0x12) == 0x12;
}

/* A SYN-ACK for t on fd (a raw TCP socket), within RAW_WAIT_MS: 0 or ETIMEDOUT. */
static int wait_syn_ack(int fd, int family, const struct tcp_syn *t)
{
	unsigned char buf[256];

	for (int waited = 0; waited < RAW_WAIT_MS; waited += 100) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 100) == 1 &&
		    is_syn_ack(buf, recv(fd, buf, sizeof(buf), 0), family, t->sport, t->dport))
			return 0;
	}
	return ETIMEDOUT;
}

/* A fresh SYN from a random port to port (network byte order), checksum unset. */
static struct tcp_syn syn_to(__u16 port)
{
	struct tcp_syn t = { 0 };
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t.sport = htons((__u16)(40000 + ts.tv_nsec % 20000));
	t.dport = port;
	t.seq = htonl((__u32)ts.tv_nsec);
	t.doff = 5 << 4;
	t.flags = 0x02; /* SYN */
	t.window = htons(64240);
	return t;
}

/* The IPv4 pseudo-header checksum of t from src to dst. */
static __u16 tcp4_check(const struct in_addr *src, const struct in_addr *dst,
			const struct tcp_syn *t)
{
	__u16 proto_len[2] = { htons(IPPROTO_TCP), htons(sizeof(*t)) };
	__u32 sum = 0;

	sum = csum_add(sum, src, 4);
	sum = csum_add(sum, dst, 4);
	sum = csum_add(sum, proto_len, sizeof(proto_len));
	sum = csum_add(sum, t, sizeof(*t));
	return csum_fold(sum);
}

/* The interface that holds address src: its index, or 0. */
static unsigned int ifindex_of(const struct in_addr *src)
{
	struct ifaddrs *all, *a;
	unsigned int index = 0;

	if (getifaddrs(&all))
		return 0;
	for (a = all; a && !index; a = a->ifa_next)
		if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET &&
		    ((struct sockaddr_in *)a->ifa_addr)->sin_addr.s_addr == src->s_addr)
			index = if_nametoindex(a->ifa_name);
	freeifaddrs(all);
	return index;
}

int packet_syn_run(const struct sockaddr_in *dst, const char *mac)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_IP),
				  .sll_halen = ETH_ALEN };
	struct {
		__u8 ver_ihl, tos;
		__u16 tot_len, id, frag_off;
		__u8 ttl, protocol;
		__u16 check;
		struct in_addr saddr, daddr;
		struct tcp_syn t;
	} pkt = { .ver_ihl = 0x45, .ttl = 64, .protocol = IPPROTO_TCP };
	const struct ether_addr *next_hop = ether_aton(mac);
	struct sockaddr_storage src;
	int rfd = -1, pfd = -1, err;

	/* An IPv4 header without options and the SYN, with no padding between. */
	_Static_assert(sizeof(pkt) == 20 + sizeof(struct tcp_syn), "packet layout");

	if (!next_hop)
		return PROBE_SETUP_FAILED;
	memcpy(to.sll_addr, next_hop->ether_addr_octet, ETH_ALEN);
	err = source_for((const struct sockaddr_storage *)dst, sizeof(*dst), &src);
	if (err)
		return err;
	pkt.saddr = ((struct sockaddr_in *)&src)->sin_addr;
	pkt.daddr = dst->sin_addr;
	to.sll_ifindex = (int)ifindex_of(&pkt.saddr);
	if (!to.sll_ifindex)
		return PROBE_SETUP_FAILED;
	pkt.tot_len = htons(sizeof(pkt));
	pkt.t = syn_to(dst->sin_port);
	pkt.t.check = tcp4_check(&pkt.saddr, &pkt.daddr, &pkt.t);
	pkt.check = csum_fold(csum_add(0, &pkt, 20));
	/* Open before sending: the SYN-ACK may be quick. */
	rfd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	pfd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (rfd < 0 || pfd < 0) {
		err = errno;
		goto out;
	}
	if (sendto(pfd, &pkt, sizeof(pkt), 0, (const struct sockaddr *)&to, sizeof(to)) < 0) {
		err = errno;
		goto out;
	}
	err = wait_syn_ack(rfd, AF_INET, &pkt.t);
out:
	if (rfd >= 0)
		close(rfd);
	if (pfd >= 0)
		close(pfd);
	return err;
}

int raw_syn_run(const struct probe *p, const struct sockaddr_storage *dst, socklen_t len)
{
	struct sockaddr_storage src, to = *dst;
	struct tcp_syn t = syn_to(htons(p->port));
	int fd, err, on = 16;

	err = p->as_uid == PROBE_AS_IS ? 0 : keep_net_raw(p->as_uid);
	if (err)
		return err;
	err = source_for(dst, len, &src);
	if (err)
		return err;
	fd = socket(dst->ss_family, SOCK_RAW, IPPROTO_TCP);
	if (fd < 0)
		return errno;
	if (dst->ss_family == AF_INET) {
		t.check = tcp4_check(&((const struct sockaddr_in *)&src)->sin_addr,
				     &((const struct sockaddr_in *)dst)->sin_addr, &t);
	} else if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &on, sizeof(on))) {
		err = errno; /* the kernel fills in the checksum at offset 16 */
		goto out;
	}
	/* A raw IPv6 socket takes sin6_port as the protocol: 0 or IPPROTO_TCP. */
	if (dst->ss_family == AF_INET6)
		((struct sockaddr_in6 *)&to)->sin6_port = 0;
	if (sendto(fd, &t, sizeof(t), 0, (const struct sockaddr *)&to, len) < 0) {
		err = errno;
		goto out;
	}
	err = wait_syn_ack(fd, dst->ss_family, &t);
out:
	close(fd);
	return err;
}
