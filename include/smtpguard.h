/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * smtpguard.h - the contract between bpf/smtpguard.bpf.c and loader/.
 *
 * Everything both sides must agree on lives here: the settings block, map
 * keys and values, limits and the names of the pinned objects. Only the
 * __u8/__u16/__u32/__u64 types are used so the header compiles against
 * vmlinux.h on the BPF side and <linux/types.h> in user space.
 *
 * Byte order is stated beside every field. "host" means the CPU's order,
 * "network" means big endian, as found in struct sockaddr_in{,6}.
 */
#ifndef SMTPGUARD_H
#define SMTPGUARD_H

/*
 * Bumped whenever a struct below changes layout. The loader refuses to edit
 * maps of a guard built with another ABI and asks for "smtpguard load",
 * which replaces program and maps in one step.
 */
#define SG_ABI_VERSION 10

/* Number of __u64 words in the guarded-port bitmap: one bit per TCP port. */
#define SG_PORT_WORDS (65536 / 64)

/* How many guarded ports sg_settings.hot_ports can hold. */
#define SG_HOT_PORTS 8

/* How many own addresses sg_settings.own can hold (most hosts have fewer). */
#define SG_OWN_LISTED 16

/* The commit point's port filter: SG_PORTS_SEEN_BITS bits, port % 256. */
#define SG_PORTS_SEEN_BITS 256
#define SG_PORTS_SEEN_WORDS (SG_PORTS_SEEN_BITS / 64)

/* sg_settings.scoped_ids: bits per kind (UID, GID), id % SG_SCOPED_ID_BITS. */
#define SG_SCOPED_ID_BITS 256
#define SG_SCOPED_ID_WORDS (SG_SCOPED_ID_BITS / 64)

/* Room for the configuration path recorded in the settings. */
#define SG_CONFIG_PATH_MAX 256

/* Bits of sg_settings.flags. */
#define SG_F_ALLOW_LOCAL (1U << 0) /* loopback and own addresses are not guarded */
/*
 * With SG_F_ALLOW_LOCAL: a socket in another network namespace (a container)
 * may also reach its own loopback. Off by default: the root of a container
 * can DNAT its loopback to a remote host (route_localnet + masquerade).
 */
#define SG_F_CONTAINER_LOOPBACK (1U << 1)
/* Informational, for "smtpguard status": a role the configuration names
 * matched nobody when this generation was built (no Mailman on the host). */
#define SG_F_EMPTY_MTA (1U << 2)
#define SG_F_EMPTY_MAILMAN (1U << 3)
/* Read the caller's IDs from its task's credentials at cred_off, uid_off and
 * gid_off (the kernel's BTF gave them) rather than by bpf_get_current_uid_gid():
 * the same numbers, without the helper's calls. */
#define SG_F_TASK_CRED (1U << 4)
/*
 * The host's own addresses are the first own_count of sg_settings.own (there
 * are at most SG_OWN_LISTED): the program scans that list and does not look
 * up the own-address map, which holds the same addresses (for status).
 */
#define SG_F_OWN_LISTED (1U << 5)
/*
 * How the egress program (cgroup_skb/egress, see sg_egress in the BPF
 * object) knows who sent a TCP SYN that did not come through connect() as
 * it was decided. EGRESS_SOCK: a TCP socket's network namespace and owner
 * through bpf_skc_to_tcp_sock() and the kernel's BTF at the sk_* offsets
 * below; without it, such a SYN is decided as nobody's. EGRESS_TASK: a raw
 * socket's sender (raw packets are sent in the sender's own system call)
 * through bpf_get_current_task_btf() at cred_off, uid_off and gid_off;
 * without it, a raw SYN is decided as nobody's.
 */
#define SG_F_EGRESS_SOCK (1U << 6)
#define SG_F_EGRESS_TASK (1U << 7)
/*
 * This generation has scoped exceptions (struct sg_scope_key) for UIDs, for
 * GIDs, for anyone: the program looks up only the kinds that exist, so a
 * guard without them pays nothing for them.
 */
#define SG_F_SCOPED_UID (1U << 8)
#define SG_F_SCOPED_GID (1U << 9)
#define SG_F_SCOPED_ANYONE (1U << 10)
/*
 * A refused attempt's event takes the caller's tgid, pid, comm and cgroup
 * ID from its task_struct at the task_*, css_set_*, cgroup_kn_off and kn_id
 * offsets (the kernel's BTF gave them), through bpf_get_current_task_btf(),
 * instead of calling bpf_get_current_pid_tgid(), bpf_get_current_comm() and
 * bpf_get_current_cgroup_id(), which read the same fields: three calls fewer
 * on the refused path. Only with SG_F_TASK_CRED.
 */
#define SG_F_TASK_EVENT (1U << 11)

/* sg_settings.mode: what happens to a connect the allowlists do not allow. */
enum sg_mode {
	SG_MODE_ENFORCE = 0, /* connect() fails with EPERM */
	SG_MODE_AUDIT = 1, /* allowed, and reported as "would have been blocked" */
	SG_MODE_REDIRECT = 2, /* rewritten to the local MTA (redirect_*) */
	SG_MODE_COUNT,
};

/* What was done to one attempt: index of the counters, sg_event.action. */
enum sg_action {
	SG_ACTION_BLOCKED = 0,
	SG_ACTION_AUDITED = 1,
	SG_ACTION_REDIRECTED = 2,
	SG_ACTION_COUNT,
};

/*
 * Key of the own-address map, and the normalised destination the program
 * decides on: an IPv6 address in network byte order, with IPv4 addresses in
 * their IPv4-mapped form ::ffff:a.b.c.d. connect4 and connect6 (including
 * v4-mapped destinations) therefore share one decision path.
 */
struct sg_addr {
	__u32 words[4]; /* network byte order, words[0] holds the first 4 bytes */
};

/*
 * The decision settings. The loader writes them into the program's .rodata
 * before load, so they are constant for the life of one program: changing
 * them means loading a new generation and committing it (struct sg_control),
 * which switches both hooks at once. The .rodata map is pinned as
 * SG_PIN_SETTINGS so that "smtpguard status" reads back what the kernel
 * actually enforces.
 */
struct sg_settings {
	/* The first 64 bytes hold what every connect reads: one cache line. */
	__u32 abi_version; /* SG_ABI_VERSION of the loader that built the program */
	__u32 flags; /* SG_F_* */
	__u64 generation; /* this program's generation: see struct sg_control */
	/*
	 * The network namespace the guard was loaded for (the host's), as
	 * bpf_get_netns_cookie() names it. Loopback and own addresses are local
	 * only there; a socket in any other namespace is decided on its
	 * identity alone (and never redirected). 0: unknown, nothing is local.
	 */
	__u64 netns_cookie;
	/*
	 * The guarded ports again when there are at most SG_HOT_PORTS of them
	 * (host byte order; repeats of hot_ports[0] fill the rest), so that
	 * the port test reads no other cache line. hot_ports[0] == 0: more
	 * ports than that, ports[] decides. Port 0 is never guarded.
	 */
	__u16 hot_ports[SG_HOT_PORTS];
	__u32 mode; /* enum sg_mode */
	/* Redirect targets: IPv4 (network byte order) for connect4 and v4-mapped
	 * connects, IPv6 for the rest. A port of 0 keeps the original port. */
	__u32 redirect_ip4;
	__u16 redirect_port4; /* host byte order */
	__u16 redirect_port6; /* host byte order */
	/* max_identities: at most this many users, and as many groups, may be
	 * allowed in this generation (loaded or at runtime). */
	__u32 max_ids;
	/* With SG_F_TASK_CRED: byte offsets of cred in struct task_struct, and
	 * of uid and gid (4 bytes each) in struct cred, on this kernel. */
	__u16 cred_off;
	__u16 uid_off;
	__u16 gid_off;
	/* With SG_F_OWN_LISTED: how many of own[] are the host's addresses. */
	__u16 own_count;
	/*
	 * End of the first 64 bytes. The second holds words[3] of own[], so
	 * that a destination that is none of them costs that one line.
	 */
	__u32 own_w3[SG_OWN_LISTED];
	struct sg_addr own[SG_OWN_LISTED]; /* with SG_F_OWN_LISTED, see own_w3 */
	/*
	 * Which UIDs ([0]) and GIDs ([1]) may have scoped exceptions: bit (id %
	 * 256) is set for every one that has some. A clear bit spares a refused
	 * connect that kind's trie lookup. Scoped exceptions change only with
	 * a new generation (allow --to --runtime loads one), so this holds.
	 */
	__u64 scoped_ids[2][SG_SCOPED_ID_WORDS];
	/*
	 * The ports anyone's scoped exceptions (SG_SCOPE_ANYONE) allow, folded
	 * as the commit point's filter (bit port % 256): a clear bit spares the
	 * lookup, whose miss would say nothing either (no SG_EV_* flag).
	 */
	__u64 scoped_anyone_ports[SG_PORTS_SEEN_WORDS];
	__u64 prog_hash; /* FNV-1a of the BPF object: sync reloads when the binary changed */
	__u32 redirect_ip6[4];
	/*
	 * With SG_F_EGRESS_SOCK: the host's network namespace as its inode
	 * number (what stat() of /proc/self/ns/net says), and byte offsets on
	 * this kernel of struct sock's __sk_common.skc_net.net, sk_socket and
	 * sk_uid, struct net's ns.inum, struct socket's file and struct file's
	 * f_cred (uid_off and gid_off give the IDs in that cred).
	 */
	__u32 netns_ino;
	__u16 sk_net_off;
	__u16 net_ino_off;
	__u16 sk_socket_off;
	__u16 sk_uid_off;
	__u16 socket_file_off;
	__u16 file_cred_off;
	/*
	 * With SG_F_TASK_EVENT: byte offsets of pid, tgid, comm and cgroups in
	 * struct task_struct, of dfl_cgrp in struct css_set, of kn in struct
	 * cgroup and of id in struct kernfs_node, on this kernel.
	 */
	__u16 task_pid_off;
	__u16 task_tgid_off;
	__u16 task_comm_off;
	__u16 task_cgroups_off;
	__u16 css_set_dfl_cgrp_off;
	__u16 cgroup_kn_off;
	__u16 kn_id_off;
	__u16 pad_event;
	/* The configuration file this guard was loaded from, NUL-terminated; "" if
	 * its path was too long. sync and allow/revoke use it. */
	__u8 config_path[SG_CONFIG_PATH_MAX];
	/* The cgroup v2 directory the guard was loaded for, NUL-terminated (""
	 * if too long): load without --cgroup keeps it, even when damaged. */
	__u8 cgroup_path[SG_CONFIG_PATH_MAX];
	/* Bit (port % 64) of ports[port / 64] is set when TCP destination port
	 * "port" (host byte order) is guarded. */
	__u64 ports[SG_PORT_WORDS];
};

/*
 * words[2] of an IPv4-mapped address (bytes 00 00 ff ff) as the CPU reads
 * it: htonl(0xffff), spelled without a byte-order helper so that both sides
 * (bpf_htonl, htonl) share this one definition.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SG_V4MAPPED_WORD 0xffff0000U
#else
#define SG_V4MAPPED_WORD 0x0000ffffU
#endif

/* Is a ::ffff:a.b.c.d, an IPv4 destination in the program's form? */
static inline __attribute__((always_inline)) int sg_addr_is_v4mapped(const struct sg_addr *a)
{
	return !a->words[0] && !a->words[1] && a->words[2] == SG_V4MAPPED_WORD;
}

/* The program's form of IPv4 address ip4 (network byte order). */
static inline __attribute__((always_inline)) struct sg_addr sg_addr_v4mapped(__u32 ip4)
{
	return (struct sg_addr){ .words = { 0, 0, SG_V4MAPPED_WORD, ip4 } };
}

/*
 * One attempt the allowlists did not allow, sent through the sg_events ring
 * buffer. Times are CLOCK_BOOTTIME nanoseconds (user space adds the offset
 * to wall time).
 */
struct sg_event {
	__u64 boot_ns;
	__u64 cgroup_id; /* of the calling task's cgroup v2 */
	__u32 pid; /* thread ID of the caller */
	__u32 tgid; /* process ID of the caller */
	__u32 uid, gid; /* real IDs, initial user namespace */
	struct sg_addr dst; /* as the program saw it: IPv4 as ::ffff:a.b.c.d */
	__u16 port; /* destination port, host byte order */
	__u8 family; /* 4 (connect4, IPv4 packet) or 6 (connect6, including v4-mapped) */
	__u8 action; /* enum sg_action */
	__u8 mode; /* enum sg_mode */
	__u8 flags; /* SG_EV_* */
	__u8 pad[2];
	__u8 comm[16]; /* the calling thread's name */
	/*
	 * This UID's attempts so far that were not sent as events, as kept in
	 * its sg_counter when this event was made: over its event budget
	 * (suppressed) or with the ring buffer full (lost). Cumulative: the
	 * difference to the previous event of the same UID is what happened in
	 * between. Exact up to the counter's LRU eviction.
	 */
	__u64 suppressed;
	__u64 lost;
};

/*
 * Bits of sg_event.flags: the caller's UID (or GID) has scoped exceptions,
 * and none of them is for this destination and port. The monitor then says
 * what the account may reach instead.
 */
#define SG_EV_SCOPED_UID (1U << 0)
#define SG_EV_SCOPED_GID (1U << 1)
/*
 * Decided by the egress program on the packet as it leaves, not at
 * connect(): PATH_NAT, a TCP SYN whose destination is not the one its socket
 * connected to (netfilter NAT in the socket's network namespace); PATH_RAW,
 * a TCP SYN from a socket that is not a TCP socket (SOCK_RAW). Neither set:
 * "connect". The IDs are the socket owner's (NAT) or the sender's (raw), as
 * the host sees them; 0xffffffff when the kernel could not tell (see
 * SG_F_EGRESS_*). pid, tid and comm are 0 and empty: a packet is not sent by
 * a process the program can name; cgroup_id is the socket's.
 */
#define SG_EV_PATH_NAT (1U << 2)
#define SG_EV_PATH_RAW (1U << 3)
/* With PATH_RAW: an IPv6 packet whose extension headers the program could not
 * follow to TCP; refused from outside the host's network namespace, port 0. */
#define SG_EV_UNPARSED (1U << 4)
/* An ID the egress program could not learn: allowed by no list. */
#define SG_NO_ID 0xffffffffU

/*
 * Per-UID event budget: in each SG_EVENT_WINDOW_NS, a UID's first
 * SG_EVENT_SHARE events are always sent (while the ring buffer has room),
 * and more, up to SG_EVENT_BURST, only out of one pool of SG_EVENT_POOL
 * events shared by all UIDs, and only while the ring buffer is less than
 * half full. Further attempts in the window are counted as suppressed, not
 * sent. Many accounts flooding at once therefore send at most SG_EVENT_SHARE
 * each plus the pool, and an account that tries a few times is always
 * reported, whatever the others do (and however many of them).
 */
#define SG_EVENT_SHARE 4
#define SG_EVENT_BURST 32
#define SG_EVENT_POOL 512
#define SG_EVENT_WINDOW_NS 1000000000ULL

/* Value of the per-UID counters (a shared LRU hash keyed by real UID). */
struct sg_counter {
	__u64 attempts[SG_ACTION_COUNT];
	__u64 last_ns; /* CLOCK_BOOTTIME of the latest attempt */
	struct sg_addr last_dst;
	__u16 last_port;
	__u16 pad[3];
	__u64 suppressed; /* attempts over the event budget: counted, not sent */
	__u64 lost; /* attempts whose event found the ring buffer full */
	__u64 window_start; /* CLOCK_BOOTTIME start of the budget window */
	__u64 window_events; /* events sent in that window */
	/* cgroup v2 ID of the latest attempt's task: "status" names its unit. */
	__u64 last_cgroup_id;
};

/* Slots of the sg_stats per-CPU array. */
enum sg_stat {
	SG_STAT_BLOCKED = SG_ACTION_BLOCKED, /* totals by action, never evicted */
	SG_STAT_AUDITED = SG_ACTION_AUDITED,
	SG_STAT_REDIRECTED = SG_ACTION_REDIRECTED,
	SG_STAT_EVENTS_LOST, /* ring buffer full: the event was dropped, never the connect */
	SG_STAT_EVENTS_SUPPRESSED, /* over the UID's event budget: counted, not sent */
	SG_STAT_COUNT,
};

/*
 * Value of the UID and GID hashes and of the destination allowlist: why an
 * entry is there, as SG_ORIGIN_* bits (which fit in the 8 bits of an
 * array's origin byte). Only user space reads it; the program checks
 * presence.
 */
struct sg_allow {
	__u32 origin;
};

#define SG_ORIGIN_CONFIG (1U << 0) /* listed in the configuration file */
#define SG_ORIGIN_DEFAULT (1U << 1) /* built-in default (the key is absent) */
#define SG_ORIGIN_RUNTIME (1U << 2) /* "allow --runtime": gone at the next load or sync */
#define SG_ORIGIN_BY_NAME (1U << 3) /* written as a user or group name */
#define SG_ORIGIN_BY_ID (1U << 4) /* written as a number */
#define SG_ORIGIN_ROLE_MTA (1U << 5) /* through @mta */
#define SG_ORIGIN_ROLE_MAILMAN (1U << 6) /* through @mailman */

/*
 * The UID and GID allowlists. An ID below the range of its list's array
 * (max_entries * SG_ID_BLOCK, chosen by the loader for each generation) is
 * allowed when its origin byte in the array is not 0: element id /
 * SG_ID_BLOCK, byte id % SG_ID_BLOCK. An ID at or above the range is allowed
 * when the list's hash has it (value struct sg_allow); the hash never holds
 * an ID below the range. The byte is the ID's SG_ORIGIN_* bits, so the
 * decision and its reason change together, with one single-byte store.
 */
#define SG_ID_BLOCK 8
struct sg_id_block {
	__u8 origin[SG_ID_BLOCK];
};

/* The range an array covers: a power of two from 2^16 to 2^19 IDs (64 to 512 KiB). */
#define SG_ID_ARRAY_MIN (1U << 16)
#define SG_ID_ARRAY_MAX (1U << 19)
/* The hash for IDs above the range has room for this many more than it was
 * loaded with (or a quarter more, when that is larger) until the next load. */
#define SG_ID_HASH_ROOM 256

/*
 * Key of the destination allowlist (an LPM trie): a CIDR anyone may reach on
 * guarded ports. IPv4 CIDRs are stored in their v4-mapped form, so a.b.c.d/n
 * is ::ffff:a.b.c.d/(96 + n) and matches v4 and v4-mapped connects alike.
 */
struct sg_dest_key {
	__u32 prefixlen; /* host byte order, 0 to 128 */
	struct sg_addr addr; /* network byte order; bits past prefixlen are zero */
};

/*
 * The destination allowlist's single addresses (prefixlen 128: an IPv6
 * address or a v4-mapped IPv4 one), up to SG_DEST_EXACT of them, mirrored
 * beside the trie in one inlined array element: a connect to one of them is
 * allowed after a scan of w3 (a cache line) without the trie lookup (a
 * call), and when trie_only is 0 a connect to none of them skips the trie
 * too. The trie still holds every entry (status and list read it).
 *
 * Runtime edits (allow/revoke dest --runtime) go through mmap: the loader
 * fills table[active ^ 1] whole, then stores active, so the program always
 * scans a complete table. An entry is in the trie before its table lists it
 * or counts it in trie_only, and leaves the table (or trie_only) before the
 * trie: the program never skips the trie while it holds an entry that is
 * neither listed nor counted.
 */
#define SG_DEST_EXACT 16
struct sg_dest_table {
	__u32 count; /* addrs[0] to addrs[count - 1] */
	__u32 trie_only; /* entries of the trie that addrs[] does not list */
	__u32 w3[SG_DEST_EXACT]; /* addrs[i].words[3]: the scan's first test */
	struct sg_addr addrs[SG_DEST_EXACT];
};

struct sg_dest_exact {
	__u32 active; /* the table the program reads: 0 or 1 */
	__u32 pad;
	struct sg_dest_table table[2];
};

/*
 * Scoped exceptions: allow_user_dest, allow_group_dest, and allow_dest with
 * ports or a DNS name. "This identity may reach this destination on these
 * ports." One LPM trie holds them all, keyed by who then where: a refused
 * connect costs at most three lookups (its UID, its GID, anyone), however
 * many rules there are. An LPM lookup returns only the longest match, so
 * user space merges the ports of every containing prefix of the same
 * identity into each entry. Each UID and GID with rules also has a /0 entry
 * (prefixlen SG_SCOPE_ID_BITS) without ports, so the program can tell "has
 * rules, none for this destination" (SG_EV_SCOPED_*) from "has none".
 */
enum sg_scope_kind {
	SG_SCOPE_UID = 1,
	SG_SCOPE_GID = 2,
	SG_SCOPE_ANYONE = 3, /* id 0 */
};

struct sg_scope_key {
	__u32 prefixlen; /* host byte order: SG_SCOPE_ID_BITS + the address's prefix */
	__u32 kind; /* enum sg_scope_kind, host byte order; always matched whole */
	__u32 id; /* UID or GID, host byte order; 0 for anyone; always matched whole */
	struct sg_addr addr; /* network byte order, IPv4 v4-mapped as in sg_dest_key */
};

#define SG_SCOPE_ID_BITS 64 /* kind and id */
#define SG_SCOPE_KEY_BITS (SG_SCOPE_ID_BITS + 128)
#define SG_SCOPE_NONE 0xffffffffu

struct sg_scope_val {
	__u32 ports; /* index in sg_scope_ports; SG_SCOPE_NONE: no port (the /0 marker) */
	__u32 rule; /* index in sg_scope_rules of the rule this prefix is from, or SG_SCOPE_NONE */
};

/* Value of sg_scope_ports: the ports an entry allows, as sg_settings.ports. */
struct sg_port_set {
	__u64 ports[SG_PORT_WORDS];
};

#define SG_SCOPE_DEST_MAX 256 /* a DNS name is at most 253 characters */
#define SG_SCOPE_ADDRS 64 /* addresses kept per name (A and AAAA) */
#define SG_SCOPE_RULE_PORTS 16 /* ports listed per destination */
#define SG_MAX_SCOPE_RULES 4096
#define SG_MAX_SCOPE_ENTRIES 65536

/* sg_scope_rule.state: how a rule's addresses were found. */
enum sg_resolve_state {
	SG_RESOLVE_LITERAL = 0, /* an address or CIDR, as written */
	SG_RESOLVE_OK = 1, /* a name, resolved at resolved_at */
	SG_RESOLVE_STALE = 2, /* the resolver failed at checked_at: last good addresses kept */
	SG_RESOLVE_NONE = 3, /* the name has no address: allows nothing */
	SG_RESOLVE_UNKNOWN = 4, /* the resolver failed, no address is known: allows nothing */
};

/*
 * Value of sg_scope_rules, one per rule as written (per resolved identity):
 * for status, list, the monitor, and the next sync, which reads back a
 * name's last good addresses from here when the resolver fails. Per
 * generation like the trie. Only hits is written by the program.
 */
struct sg_scope_rule {
	__u64 hits; /* connects let through by this rule's entries, this generation */
	__u64 resolved_at; /* CLOCK_REALTIME seconds the addresses were resolved; 0: literal */
	__u64 checked_at; /* CLOCK_REALTIME seconds of the last attempt to resolve */
	__u32 kind; /* enum sg_scope_kind */
	__u32 id; /* UID or GID; 0 for anyone */
	__u32 origin; /* SG_ORIGIN_*: of the identity, and CONFIG or RUNTIME */
	__u32 line; /* of the configuration file; 0 for --runtime */
	__u32 state; /* enum sg_resolve_state */
	__u16 nports; /* 0: every guarded port */
	__u16 naddrs;
	__u16 ports[SG_SCOPE_RULE_PORTS]; /* host byte order, sorted */
	__u32 prefixlen; /* of each address: a literal's (IPv4: 96 + n), 128 for a name */
	__u32 pad;
	__u8 dest[SG_SCOPE_DEST_MAX]; /* the name (lower case) or address as written, NUL-ended */
	struct sg_addr addrs[SG_SCOPE_ADDRS]; /* sorted */
};

/*
 * The commit point, shared by every generation (a state map, like the
 * counters). A load builds a whole new generation, stores its programs in
 * the sg_dispatch4/6 program arrays at slot (generation % 2), and then
 * commits it by writing its number here: one 8-byte store that switches
 * connect4 and connect6 at the same instant. A program whose generation is
 * not the committed one tail-calls the committed one, so whatever the links
 * still point to, every connect() is decided by exactly one generation.
 * Off (0, or SG_CONTROL_OFF set) lets everything through: before the first
 * commit, and from the first step of an unload. So a loader killed half-way
 * leaves either the old or the new behaviour, never one hook of each.
 * Generation numbers only grow (off keeps the number), so a stale program
 * can never mistake a later commit for its own. The loader writes the word
 * through mmap with one atomic 8-byte store.
 */
struct sg_control {
	__u64 generation; /* committed generation, | SG_CONTROL_OFF when off */
	/*
	 * A superset of the committed generation's guarded ports: bit (port %
	 * 256) of ports_seen[port % 256 / 64] is set for every guarded port
	 * (host byte order). It shares the generation's cache line, so that a
	 * connect to a port it does not have touches no other line of data and
	 * leaves at once, whichever generation's program runs. A commit first
	 * adds the new generation's bits, then switches, then clears what only
	 * the old one needed: at every instant the filter holds every port the
	 * committed generation guards. All zero: nothing is guarded.
	 */
	__u64 ports_seen[SG_PORTS_SEEN_WORDS];
};

#define SG_CONTROL_OFF (1ULL << 63)

#define SG_DISPATCH_SLOTS 2

/* Value of the own-address map. */
struct sg_local {
	__u32 ifindex; /* interface the address was found on (informational) */
};

/*
 * How many users, and as many groups, may be allowed: max_identities in the
 * configuration, this by default. It is a limit, not a size: every load
 * sizes its allowlists to what it holds (an array up to the largest ID
 * below SG_ID_ARRAY_MAX, a hash for the IDs above with room to spare; see
 * loader/idlist.h), so memory follows the accounts, not this number.
 */
#define SG_MAX_IDS 131072 /* > 100,000 */
#define SG_MIN_IDS_LIMIT 16
#define SG_MAX_IDS_LIMIT 4194304
/* The own-address map is sized to the host's addresses at each load, up to this. */
#define SG_MAX_LOCAL_ADDRS 16384
#define SG_MAX_DESTS 16384
/*
 * The per-UID counters: an LRU (the least recently seen UIDs make room),
 * which the kernel allocates whole (some 160 bytes per slot), and which is
 * shared by every generation, so its size is fixed: 4096 UIDs that were
 * refused, audited or redirected lately. The totals (sg_stats) never lose
 * a count.
 */
#define SG_MAX_COUNTED_UIDS 4096
/*
 * The ring buffer, a power of two of pages. An event takes 96 bytes: half of
 * it holds the shares of some 2,700 accounts flooding in the same second
 * (SG_EVENT_SHARE each), the pool the other half's reserve.
 */
#define SG_EVENTS_BYTES (2 * 1024 * 1024)

/* Names of the pinned objects under the pin directory. */
#define SG_PIN_LINK_CONNECT4 "link_connect4"
#define SG_PIN_LINK_CONNECT6 "link_connect6"
#define SG_PIN_LINK_EGRESS "link_egress"
#define SG_PIN_SETTINGS "settings"
#define SG_PIN_ALLOW_UID "allow_uid"
#define SG_PIN_ALLOW_GID "allow_gid"
#define SG_PIN_UID_ARRAY "allow_uid_array"
#define SG_PIN_GID_ARRAY "allow_gid_array"
/* The pin keeps the name earlier versions gave it: an upgrade replaces it in place. */
#define SG_PIN_OWN_ADDRS "local_addr"
#define SG_PIN_ALLOW_DEST "allow_dest"
#define SG_PIN_DEST_EXACT "allow_dest_exact"
#define SG_PIN_SCOPED "scoped"
#define SG_PIN_SCOPE_PORTS "scope_ports"
#define SG_PIN_SCOPE_RULES "scope_rules"
#define SG_PIN_EVENTS "events"
#define SG_PIN_COUNTERS "counters"
#define SG_PIN_STATS "stats"
#define SG_PIN_CONTROL "control"
#define SG_PIN_DISPATCH4 "dispatch4"
#define SG_PIN_DISPATCH6 "dispatch6"
#define SG_PIN_DISPATCH_EGRESS "dispatch_egress"

#endif /* SMTPGUARD_H */
