/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fwrules.h - the outbound firewall rules that matter to smtpguard, read from
 * iptables-save / ip6tables-save text and from nft's JSON (nft -j list
 * ruleset), into one small model: chains, which of them packets leaving this
 * host pass through (from a built-in OUTPUT chain or an nft chain on the
 * output hook, following jumps and gotos), and for each rule whether it
 * matches the socket's owner, an SMTP port, and what it does.
 */
#ifndef SG_FWRULES_H
#define SG_FWRULES_H

#include <stdbool.h>
#include <stddef.h>

#define FW_NAME_MAX 64

/* What a rule does with a packet it matches. */
enum fw_verdict {
	FW_NONE, /* only counts or logs, or a target we do not know */
	FW_ACCEPT,
	FW_DROP, /* DROP or REJECT: refused */
	FW_RETURN,
	FW_JUMP, /* to chain target (or goto) */
	FW_REDIRECT, /* REDIRECT or DNAT: sent elsewhere, such as the local MTA */
};

struct fw_rule {
	char family[8]; /* "ip", "ip6" (iptables and ip6tables), "inet", ... */
	char table[FW_NAME_MAX];
	char chain[FW_NAME_MAX];
	bool owner; /* -m owner --uid-owner/--gid-owner, meta skuid/skgid */
	bool smtp_port; /* a destination port match that holds 25, 465 or 587 */
	bool opaque_port; /* a port match whose ports cannot be read (iptables-nft's xt) */
	enum fw_verdict verdict;
	char target[FW_NAME_MAX]; /* FW_JUMP: the chain */
};

struct fw_chain {
	char family[8];
	char table[FW_NAME_MAX];
	char name[FW_NAME_MAX];
	bool output_hook; /* a built-in OUTPUT chain, or an nft base chain on hook output */
	bool nat; /* in the nat table, or an nft chain of type nat */
	bool from_nft; /* seen in nft's ruleset, not iptables-save's */
	bool reached; /* packets leaving this host pass through it */
	char via[FW_NAME_MAX]; /* reached: the chain that jumps to it ("" for a hook) */
};

struct fw_rules {
	struct fw_rule *rules;
	size_t n_rules, cap_rules;
	struct fw_chain *chains;
	size_t n_chains, cap_chains;
};

/*
 * iptables-save (family "ip") or ip6tables-save ("ip6") output. 0, or
 * -ENOMEM; lines it does not understand are skipped.
 */
int fw_parse_iptables_save(struct fw_rules *fw, const char *family, const char *text);

/*
 * nft -j list ruleset. skip(ctx, family, table) says which tables to leave
 * out (those iptables-save has shown already); NULL keeps all. 0, -EINVAL
 * when it is not nft's JSON, -ENOMEM.
 */
typedef bool (*fw_skip_fn)(const void *ctx, const char *family, const char *table);
int fw_parse_nft_json(struct fw_rules *fw, const char *text, size_t len, fw_skip_fn skip,
		      const void *ctx);

/* Mark the chains that outbound packets pass through. */
void fw_reach(struct fw_rules *fw);

const struct fw_chain *fw_chain_of(const struct fw_rules *fw, const struct fw_rule *r);

/* "OUTPUT -> LOCALOUTPUT -> SMTPOUTPUT": how packets reach c, into buf. */
const char *fw_path(const struct fw_rules *fw, const struct fw_chain *c, char *buf, size_t len);

void fw_free(struct fw_rules *fw);

#endif
