/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * roles.h - who @mta and @mailman are on this host, found out at every load
 * and sync, so a reinstalled or reconfigured MTA is followed automatically.
 *
 * @mta   Exim's exim_user / exim_group, as "exim -bP" (or "exim4 -bP")
 *        reports them; Postfix's mail_owner ("postconf -h mail_owner") and
 *        its primary group. If no Exim answers, the known Exim accounts
 *        mailnull, Debian-exim and exim (and their primary groups), where
 *        they exist.
 * @mailman  the user and group "mailman", or Debian's "list" when a Mailman
 *        installation is present.
 *
 * The binaries are looked up in the system directories (not the caller's
 * PATH; SMTPGUARD_MTA_PATH replaces the list), must be owned by root and not
 * writable by others, and get ROLE_TIMEOUT_MS each to answer. Accounts found
 * by name alone (mailnull, mailman, ...) must be system accounts.
 */
#ifndef SG_ROLES_H
#define SG_ROLES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "config.h"
#include "identity.h"

#define ROLE_TIMEOUT_MS 5000
#define ROLE_MAX_IDS 8

struct role_ids {
	__u32 id[ROLE_MAX_IDS];
	size_t n;
	char source[64]; /* how they were found, for -v: "exim -bP", "known accounts" */
};

/* What the MTA binaries answered, so each is asked once per load or sync. */
struct role_cache {
	bool exim_asked, postconf_asked;
	bool exim_installed; /* a trusted exim or exim4 binary exists, answering or not */
	char exim_bin[8]; /* the one that answered: "exim" or "exim4"; "" if none */
	char exim_text[4096];
	char postconf_text[512]; /* "" if it did not answer */
};

/* The users (kind ID_USER) or groups (ID_GROUP) behind a role; n may be 0. */
void roles_resolve(enum sg_role role, enum id_kind kind, struct role_cache *cache,
		   struct role_ids *out);

#endif
