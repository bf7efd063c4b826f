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
#define SG_ABI_VERSION 3

/* Number of __u64 words in the guarded-port bitmap: one bit per TCP port. */
#define SG_PORT_WORDS (65536 / 64)

/* Room for the configuration path recorded in the settings. */
#define SG_CONFIG_PATH_MAX 256

/* Bits of sg_settings.flags. */
#define SG_F_ALLOW_LOCAL (1U << 0) /* loopback and own addresses are not guarded */

/*
 * The decision settings. The loader writes them into the program's .rodata
 * before load, so they are constant for the life of one program: changing
 * them means loading a new program and swapping it in with one link update
 * (atomic per hook). The .rodata map is pinned as SG_PIN_SETTINGS so that
 * "smtpguard status" reads back what the kernel actually enforces.
 */
struct sg_settings {
	__u32 abi_version; /* SG_ABI_VERSION of the loader that built the program */
	__u32 flags; /* SG_F_* */
	__u64 prog_hash; /* FNV-1a of the BPF object: sync reloads when the binary changed */
	/* The configuration file this guard was loaded from, NUL-terminated; "" if
	 * its path was too long. sync and allow/revoke use it. */
	__u8 config_path[SG_CONFIG_PATH_MAX];
	/* Bit (port % 64) of ports[port / 64] is set when TCP destination port
	 * "port" (host byte order) is guarded. */
	__u64 ports[SG_PORT_WORDS];
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
 * Value of the UID, GID and destination allowlists: why an entry is there,
 * as SG_ORIGIN_* bits. Only user space reads it; the program checks presence.
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
 * Key of the destination allowlist (an LPM trie): a CIDR anyone may reach on
 * guarded ports. IPv4 CIDRs are stored in their v4-mapped form, so a.b.c.d/n
 * is ::ffff:a.b.c.d/(96 + n) and matches v4 and v4-mapped connects alike.
 */
struct sg_dest_key {
	__u32 prefixlen; /* host byte order, 0 to 128 */
	struct sg_addr addr; /* network byte order; bits past prefixlen are zero */
};

/* Value of the own-address map. */
struct sg_local {
	__u32 ifindex; /* interface the address was found on (informational) */
};

/*
 * Capacity of the allowlists. The maps are BPF_F_NO_PREALLOC hashes, so
 * memory follows the number of entries actually stored, not this limit.
 */
#define SG_MAX_IDS 262144
#define SG_MAX_LOCAL_ADDRS 16384
#define SG_MAX_DESTS 16384

/* Names of the pinned objects under the pin directory. */
#define SG_PIN_LINK_CONNECT4 "link_connect4"
#define SG_PIN_LINK_CONNECT6 "link_connect6"
#define SG_PIN_SETTINGS "settings"
#define SG_PIN_ALLOW_UID "allow_uid"
#define SG_PIN_ALLOW_GID "allow_gid"
#define SG_PIN_LOCAL_ADDR "local_addr"
#define SG_PIN_ALLOW_DEST "allow_dest"

#endif /* SMTPGUARD_H */
