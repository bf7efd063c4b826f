// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * egress.bpf.h - the packet path's helpers: parsing a packet down to a TCP
 * SYN, telling a SYN that connect() decided from a NAT'd or hand-made one,
 * and the owner of the socket that sends it. sg_egress() in smtpguard.bpf.c
 * puts them together; the comment below says how.
 *
 * Included by smtpguard.bpf.c only, after every other header: the SYN that
 * connect() did not decide goes through the same allowlists, relays,
 * scoped exceptions and events.
 */
#ifndef SMTPGUARD_BPF_EGRESS_H
#define SMTPGUARD_BPF_EGRESS_H

/*
 * ---- The packet path -----------------------------------------------------
 *
 * connect4/6 decide on the address given to connect(). A socket outside the
 * host's network namespace can still reach a guarded port another way: its
 * namespace's root rewrites the destination with netfilter NAT after the
 * hook (connect to :2526, DNAT to MX:25), or never calls connect() and sends
 * a hand-made SYN on a raw socket (CAP_NET_RAW of its own user namespace).
 * cgroup_skb/egress runs after the namespace's OUTPUT and POSTROUTING hooks,
 * on every packet of every socket in the cgroup (raw ones too), so it sees
 * the SYN as it really leaves. It decides again only what connect() did not:
 *
 *   not a TCP SYN (SYN without ACK, first fragment) -> pass
 *   the committed generation's (tail call); not to a guarded port -> pass
 *   from a TCP socket, to the address and port it connected to        -> pass
 *     (connect() decided it: "path": "connect")
 *   from a TCP socket of the host's network namespace                 -> pass
 *   otherwise, a NAT'd SYN ("nat") or a raw socket's ("raw"): leaving
 *   through lo is local; else the allowlists, relays and scoped
 *   exceptions decide on the socket owner's (nat) or sender's (raw) real
 *   IDs as the host sees them; refused -> dropped (return 0).
 *
 * So a host packet that is not a TCP SYN costs reading its IP and TCP
 * headers in place: no helper call, no map, not even the commit point (every
 * generation passes it). A SYN adds the commit check (an inlined array
 * lookup) and the port test; only one to a guarded port goes further. Redirect mode cannot
 * rewrite a packet here: it refuses (action "blocked", mode "redirect").
 */
#define SK_DROP 0
#define SK_PASS 1

#define ETH_P_IP_BE 0x0008 /* htons(ETH_P_IP) on little endian */
#define ETH_P_IPV6_BE 0xdd86
#define IPPROTO_TCP_ 6
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10
#define IPV6_EXT_MAX 4 /* extension headers followed before giving up */

/* What parse_syn() found. */
#define PKT_OTHER 0 /* not a SYN to a guarded port */
#define PKT_SYN 1
#define PKT_UNPARSED 2 /* IPv6 extension headers it could not follow */

struct pkt {
	struct sg_addr dst;
	__u16 port; /* host byte order */
	__u8 family;
};

/*
 * The len bytes at off of the packet: in place when they are in its linear
 * part (every header the kernel builds is), else copied into buf by the
 * helper (a raw socket can push a header into page fragments with
 * MSG_MORE). NULL when the packet is shorter.
 */
static __always_inline const __u8 *pkt_at(struct __sk_buff *skb, __u32 off, __u32 len, void *buf)
{
	const __u8 *data = (const __u8 *)(long)skb->data;
	const __u8 *data_end = (const __u8 *)(long)skb->data_end;

	if (off > 512)
		return NULL;
	if (data + off + len <= data_end)
		return data + off;
	return bpf_skb_load_bytes(skb, off, buf, len) ? NULL : buf;
}

/*
 * The TCP header at off: is it a SYN without ACK (p->port: its port)? A
 * first fragment too short to hold the flags counts as a SYN (the flags may
 * follow in another fragment). Whether the port is guarded is the committed
 * generation's question, asked later.
 */
static __always_inline int tcp_syn(struct __sk_buff *skb, __u32 off, struct pkt *p)
{
	__u8 buf[14];
	const __u8 *th = pkt_at(skb, off, sizeof(buf), buf);
	__u16 port;

	if (th) {
		if ((th[13] & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN)
			return PKT_OTHER;
	} else if (!(th = pkt_at(skb, off, 4, buf))) {
		return PKT_OTHER;
	}
	port = (__u16)(th[2] << 8 | th[3]);
	p->port = port;
	return PKT_SYN;
}

static __always_inline int parse_v4(struct __sk_buff *skb, struct pkt *p)
{
	struct iphdr buf;
	const struct iphdr *ip = (const void *)pkt_at(skb, 0, sizeof(buf), &buf);
	__u32 hlen;

	if (!ip || ip->protocol != IPPROTO_TCP_)
		return PKT_OTHER;
	/* Not the first fragment: no TCP header in it (the first one is decided). */
	if (ip->frag_off & bpf_htons(0x1fff))
		return PKT_OTHER;
	hlen = (ip->ihl & 0xf) * 4;
	if (hlen < sizeof(buf) || tcp_syn(skb, hlen, p) == PKT_OTHER)
		return PKT_OTHER;
	/* Only a SYN gets this far: the rest stores nothing. */
	p->dst = sg_addr_v4mapped(ip->daddr);
	p->family = 4;
	return PKT_SYN;
}

/*
 * IPv6: TCP directly, or after at most IPV6_EXT_MAX hop-by-hop, routing,
 * destination options, fragment (first fragments only) or AH headers. A
 * chain that does not end within that, or cannot be read, is PKT_UNPARSED:
 * refused from outside the host's network namespace. Other next headers
 * (UDP, ICMPv6, ESP, none) are not TCP: passed.
 */
static __always_inline int parse_v6(struct __sk_buff *skb, struct pkt *p)
{
	struct ipv6hdr buf;
	const struct ipv6hdr *ip = (const void *)pkt_at(skb, 0, sizeof(buf), &buf);
	__u32 off = sizeof(buf);
	__u8 nh, ebuf[4];
	const __u8 *ext;

	if (!ip)
		return PKT_OTHER;
	nh = ip->nexthdr;
	if (nh != IPPROTO_TCP_ && nh != 0 && nh != 43 && nh != 44 && nh != 51 && nh != 60)
		return PKT_OTHER;
	__builtin_memcpy(p->dst.words, &ip->daddr, sizeof(p->dst.words));
	p->family = 6;
	p->port = 0;
#pragma unroll
	for (int i = 0; i < IPV6_EXT_MAX; i++) {
		if (nh == IPPROTO_TCP_)
			return tcp_syn(skb, off, p);
		if (nh != 0 && nh != 43 && nh != 44 && nh != 51 && nh != 60)
			return PKT_OTHER;
		ext = pkt_at(skb, off, sizeof(ebuf), ebuf);
		if (!ext)
			return PKT_UNPARSED;
		if (nh == 44) { /* fragment: 8 bytes; offset in the top 13 bits of 2-3 */
			if ((ext[2] << 8 | ext[3]) & 0xfff8)
				return PKT_OTHER;
			off += 8;
		} else if (nh == 51) { /* AH: (len + 2) * 4 bytes */
			off += ((__u32)ext[1] + 2) * 4;
		} else {
			off += ((__u32)ext[1] + 1) * 8;
		}
		nh = ext[0];
	}
	return nh == IPPROTO_TCP_ ? tcp_syn(skb, off, p) : PKT_UNPARSED;
}

/*
 * Did this TCP socket connect() to where the packet goes? Then that decided.
 * Every field is read, each on its own (volatile), before choosing: the
 * verifier refuses arithmetic on a socket pointer, which a load shared by
 * two branches would need.
 */
static __always_inline bool as_connected(const struct bpf_sock *sk, const struct pkt *p)
{
	__u32 family = *(volatile const __u32 *)&sk->family;
	__u32 ip4 = *(volatile const __u32 *)&sk->dst_ip4;
	struct sg_addr to = { .words = {
				      *(volatile const __u32 *)&sk->dst_ip6[0],
				      *(volatile const __u32 *)&sk->dst_ip6[1],
				      *(volatile const __u32 *)&sk->dst_ip6[2],
				      *(volatile const __u32 *)&sk->dst_ip6[3],
			      } };

	if (*(volatile const __u16 *)&sk->dst_port != bpf_htons(p->port))
		return false;
	if (family == 2 /* AF_INET */)
		to = sg_addr_v4mapped(ip4);
	/* A v4-mapped socket's IPv4 packets compare as v4-mapped, like the rest. */
	return to.words[0] == p->dst.words[0] && to.words[1] == p->dst.words[1] &&
	       to.words[2] == p->dst.words[2] && to.words[3] == p->dst.words[3];
}

/* bpf_skc_to_tcp_sock(), declared here: older libbpf headers lack it. */
static void *(*const sg_skc_to_tcp_sock)(void *sk) = (void *)137;

#define OWNER_HOST 0 /* the host's network namespace: connect() decided */
#define OWNER_FOREIGN 1

/*
 * A TCP socket's network namespace and owner, read through the kernel's BTF
 * (the offsets are constants the loader wrote): the real IDs of the socket
 * file's credentials, as the host sees them (bpf_get_socket_uid() would map
 * them into the namespace's own user namespace, where a container's root is
 * 0). A socket without a file (a kernel socket) is owned by sk_uid, with no
 * group. The cred of an open file cannot go away under it.
 */
static __always_inline int tcp_owner(struct bpf_sock *sk, __u64 *uid_gid)
{
	const char *tp, *net, *sock, *file, *cred;
	__u64 uid, gid = SG_NO_ID;

	*uid_gid = (__u64)SG_NO_ID << 32 | SG_NO_ID;
	if (!(sg_settings.flags & SG_F_EGRESS_SOCK))
		return OWNER_FOREIGN;
	tp = sg_skc_to_tcp_sock(sk);
	if (!tp)
		return OWNER_FOREIGN;
	net = *(const char *const *)(tp + sg_settings.sk_net_off);
	if (net && *(const __u32 *)(net + sg_settings.net_ino_off) == sg_settings.netns_ino)
		return OWNER_HOST;
	uid = *(const __u32 *)(tp + sg_settings.sk_uid_off);
	sock = *(const char *const *)(tp + sg_settings.sk_socket_off);
	file = sock ? *(const char *const *)(sock + sg_settings.socket_file_off) : NULL;
	cred = file ? *(const char *const *)(file + sg_settings.file_cred_off) : NULL;
	if (cred) {
		uid = *(const __u32 *)(cred + sg_settings.uid_off);
		gid = *(const __u32 *)(cred + sg_settings.gid_off);
	}
	*uid_gid = gid << 32 | uid;
	return OWNER_FOREIGN;
}

/*
 * A raw socket's packet is sent in its sender's own sendmsg(): the current
 * task is the one that sends, as the caller is at connect(). Its real IDs,
 * from its credentials (caller_ids()' reads), wherever its socket is: a raw
 * socket in the host's namespace needs the host's CAP_NET_RAW, whose holder
 * the allowlists (root) name anyway.
 */
static __always_inline __u64 raw_sender(void)
{
	const char *task, *cred;
	__u64 uid, gid;

	if (!(sg_settings.flags & SG_F_EGRESS_TASK))
		return (__u64)SG_NO_ID << 32 | SG_NO_ID;
	task = sg_current_task();
	cred = *(const char *const *)(task + sg_settings.cred_off);
	if (!cred)
		return (__u64)SG_NO_ID << 32 | SG_NO_ID;
	uid = *(const __u32 *)(cred + sg_settings.uid_off);
	gid = *(const __u32 *)(cred + sg_settings.gid_off);
	return gid << 32 | uid;
}

/* The SYN of pkt, which connect() did not decide: pass or drop, counted. */
static __always_inline int decide_packet(struct __sk_buff *skb, const struct pkt *p, __u64 uid_gid,
					 __u8 ev_flags)
{
	struct origin socket = { .task = false, .cgroup_id = bpf_skb_cgroup_id(skb) };
	__u32 action;

	if (!(ev_flags & SG_EV_UNPARSED)) {
		/* Leaving through lo: it stays in the socket's namespace. */
		if (skb->ifindex == LOOPBACK_IFINDEX && (sg_settings.flags & SG_F_ALLOW_LOCAL))
			return SK_PASS;
		if (caller_allowed(uid_gid) || dest_allowed(&p->dst) ||
		    scope_allows(uid_gid, &p->dst, p->port, &ev_flags))
			return SK_PASS;
	}
	action = sg_settings.mode == SG_MODE_AUDIT ? SG_ACTION_AUDITED : SG_ACTION_BLOCKED;
	record_attempt(&p->dst, p->port, p->family, action, uid_gid, ev_flags, &socket);
	return action == SG_ACTION_AUDITED ? SK_PASS : SK_DROP;
}

#endif /* SMTPGUARD_BPF_EGRESS_H */
