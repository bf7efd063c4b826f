// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* config.c - parse /etc/smtpguard.conf into struct sg_config; see config.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "config.h"
#include "trust.h"
#include "parse.h"
#include "readfile.h"

/* A configuration larger than this is certainly not one. */
#define CONFIG_MAX_BYTES (64u << 20)

/* A value quoted back in a message: at most SHOWN_MAX bytes of it, escaped. */
#define SHOWN_MAX 64
#define SHOWN_SIZE PARSE_SHOWN_SIZE(SHOWN_MAX)

struct parse_state {
	struct sg_config *cfg;
	FILE *diag;
	unsigned int line;
	int errors;
	char shown[SHOWN_SIZE]; /* see shown() */
};

static void __attribute__((format(printf, 2, 3))) perr(struct parse_state *ps, const char *fmt, ...)
{
	va_list ap;

	fprintf(ps->diag, "%s:%u: ", ps->cfg->path, ps->line);
	va_start(ap, fmt);
	vfprintf(ps->diag, fmt, ap);
	va_end(ap);
	fputc('\n', ps->diag);
	ps->errors++;
}

/*
 * s as it can be quoted in a message: bytes that are not printable ASCII
 * (a stray CR, Latin-1, broken UTF-8) as \xHH, and a long value cut to its
 * first SHOWN_MAX bytes and "...", so a 1 MiB line gives a one-line error.
 */
static const char *shown(struct parse_state *ps, const char *s)
{
	return parse_shown(s, strlen(s), SHOWN_MAX, ps->shown);
}

const char *config_role_name(enum sg_role role)
{
	return role == ROLE_MTA ? "@mta" : role == ROLE_MAILMAN ? "@mailman" : "";
}

static enum sg_role role_from_token(const char *tok)
{
	if (!strcmp(tok, "@mta"))
		return ROLE_MTA;
	if (!strcmp(tok, "@mailman"))
		return ROLE_MAILMAN;
	return ROLE_NONE;
}

static int ident_list_add(struct cfg_ident_list *l, const char *name, __u32 id, unsigned int line)
{
	struct cfg_ident *e;

	if (array_reserve_one((void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
		return -ENOMEM;
	e = &l->v[l->n];
	e->name = NULL;
	e->id = id;
	e->role = role_from_token(name ? name : "");
	e->line = line;
	if (name && !e->role) {
		e->name = strdup(name);
		if (!e->name)
			return -ENOMEM;
	}
	l->n++;
	return 0;
}

static void ident_list_free(struct cfg_ident_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void config_init_empty(struct sg_config *cfg, const char *path)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->path = path;
}

static const char *const default_users[] = { "root", "@mta", "@mailman", NULL };
static const char *const default_groups[] = { "mail", "@mailman", NULL };

const char *const *config_default_items(const char *key)
{
	if (!strcmp(key, "allow_users"))
		return default_users;
	if (!strcmp(key, "allow_groups"))
		return default_groups;
	return NULL;
}

/* Fill the keys the file did not give. Names from here are line 0. */
static int apply_defaults(struct sg_config *cfg)
{
	static const unsigned int ports[] = { 25, 465, 587 };
	const char *const *users = default_users, *const *groups = default_groups;
	int err = 0;

	if (!cfg->ports_line) {
		memset(cfg->ports, 0, sizeof(cfg->ports));
		for (size_t i = 0; i < ARRAY_SIZE(ports); i++)
			cfg->ports[ports[i] / 64] |= 1ULL << (ports[i] % 64);
	}
	for (size_t i = 0; !err && !cfg->users_line && users[i]; i++)
		err = ident_list_add(&cfg->users, users[i], 0, 0);
	for (size_t i = 0; !err && !cfg->groups_line && groups[i]; i++)
		err = ident_list_add(&cfg->groups, groups[i], 0, 0);
	if (!cfg->allow_local_line)
		cfg->allow_local = true;
	if (!cfg->log_window_line)
		cfg->log_window = 60;
	if (!cfg->log_burst_line)
		cfg->log_burst = 5;
	if (!cfg->max_identities_line)
		cfg->max_identities = SG_MAX_IDS;
	if (!cfg->redirect_line) {
		cfg->redirect_ip4 = htonl(INADDR_LOOPBACK);
		cfg->redirect_port4 = 25;
		memcpy(cfg->redirect_ip6, &in6addr_loopback, sizeof(cfg->redirect_ip6));
		cfg->redirect_port6 = 25;
	}
	return err;
}

/* "none" alone: the key is present and its list is empty. */
static bool is_none(const char *value)
{
	size_t n = strcspn(value, PARSE_LIST_SEPARATORS);

	return n == strlen(CONFIG_NONE) && !strncmp(value, CONFIG_NONE, n) &&
	       value[n + strspn(value + n, PARSE_LIST_SEPARATORS)] == '\0';
}

static int dest_list_add(struct cfg_dest_list *l, const struct sg_dest_key *key, unsigned int line)
{
	if (array_reserve_one((void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
		return -ENOMEM;
	l->v[l->n].key = *key;
	l->v[l->n].line = line;
	l->n++;
	return 0;
}

static int scope_list_add(struct cfg_scope_list *l, enum sg_scope_kind kind,
			  const struct cfg_ident *who, const struct dest_spec *dest,
			  unsigned int line)
{
	struct cfg_scope *e;

	if (array_reserve_one((void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
		return -ENOMEM;
	e = &l->v[l->n];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->dest = *dest;
	e->line = line;
	if (who) {
		e->who = *who;
		e->who.name = NULL;
		if (who->name && !(e->who.name = strdup(who->name)))
			return -ENOMEM;
	}
	l->n++;
	return 0;
}

static void scope_list_free(struct cfg_scope_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].who.name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * The DEST[:PORTS] items of a line, from the token tok on. A piece of digits
 * after an item with ports continues its port list (see dest_spec.h). Plain
 * CIDRs of allow_dest (kind anyone, no ports) go to the allow_dest map as
 * before; everything else is a scoped exception, and so is an IPv6 CIDR
 * that would cover IPv4 there (::/0): scope.c writes it without IPv4.
 */
static int parse_dest_items(struct parse_state *ps, const char *key, char *tok, char **save,
			    enum sg_scope_kind kind, const struct cfg_ident *who)
{
	struct cfg_scope_list *l = &ps->cfg->scopes;
	struct dest_spec *last = NULL;
	int items = 0, errors = ps->errors;

	for (; tok; tok = strtok_r(NULL, PARSE_LIST_SEPARATORS, save)) {
		struct dest_spec d;
		const char *why;

		if (dest_spec_is_port_piece(tok)) {
			why = last ? dest_spec_add_port(last, tok) :
				     "a port must follow a destination and ':' (write DEST:PORT)";
			if (why)
				perr(ps, "bad %s '%s': %s", key, shown(ps, tok), why);
			continue;
		}
		last = NULL;
		items++;
		why = dest_spec_parse(tok, &d);
		if (why) {
			perr(ps, "bad %s '%s': %s", key, shown(ps, tok), why);
			continue;
		}
		if (kind == SG_SCOPE_ANYONE && !d.is_name && !d.nports &&
		    !dest_prefix_covers_v4(&d.key.addr, d.key.prefixlen)) {
			if (dest_list_add(&ps->cfg->dests, &d.key, ps->line))
				return -ENOMEM;
			continue;
		}
		if (scope_list_add(l, kind, who, &d, ps->line))
			return -ENOMEM;
		if (d.nports)
			last = &l->v[l->n - 1].dest;
	}
	if (!items && kind != SG_SCOPE_ANYONE && ps->errors == errors)
		perr(ps, "%s needs a destination after the %s (%s = %s DEST[:PORTS] ...)", key,
		     kind == SG_SCOPE_UID ? "user" : "group", key,
		     kind == SG_SCOPE_UID ? "USER" : "GROUP");
	return 0;
}

static int parse_dests(struct parse_state *ps, char *value)
{
	char *save = NULL;

	if (!ps->cfg->dests_line)
		ps->cfg->dests_line = ps->line;
	if (is_none(value))
		return 0;
	return parse_dest_items(ps, "allow_dest", strtok_r(value, PARSE_LIST_SEPARATORS, &save),
				&save, SG_SCOPE_ANYONE, NULL);
}

/*
 * One USER or GROUP as in allow_users / allow_groups: a role, an ID or a
 * name. 0 (into *out, name pointing into tok), 1 after reporting why not.
 */
static int parse_one_ident(struct parse_state *ps, const char *tok, const char *what,
			   struct cfg_ident *out)
{
	const char *why;

	memset(out, 0, sizeof(*out));
	out->line = ps->line;
	if (tok[0] == '@') {
		out->role = role_from_token(tok);
		if (!out->role) {
			perr(ps, "unknown role '%s' (known: @mta, @mailman)", shown(ps, tok));
			return 1;
		}
		return 0;
	}
	if (parse_is_number(tok)) {
		if (!parse_u32(tok, PARSE_MAX_ID, &out->id))
			return 0;
		perr(ps, "bad %s ID '%s' (expected 0 to %u)", what, shown(ps, tok), PARSE_MAX_ID);
		return 1;
	}
	if (!strcmp(tok, "none")) {
		perr(ps, "'none' is not a %s: to allow nothing, leave the key out", what);
		return 1;
	}
	why = parse_name_problem(tok);
	if (why) {
		perr(ps, "bad %s name '%s': %s", what, shown(ps, tok), why);
		return 1;
	}
	out->name = (char *)tok;
	return 0;
}

/* allow_user_dest = USER DEST[:PORTS]..., allow_group_dest = GROUP DEST[:PORTS]... */
static int parse_scoped(struct parse_state *ps, const char *key, char *value,
			enum sg_scope_kind kind)
{
	char *save = NULL, *tok = strtok_r(value, PARSE_LIST_SEPARATORS, &save);
	const char *what = kind == SG_SCOPE_UID ? "user" : "group";
	struct cfg_ident who;

	if (parse_one_ident(ps, tok, what, &who))
		return 0;
	return parse_dest_items(ps, key, strtok_r(NULL, PARSE_LIST_SEPARATORS, &save), &save, kind,
				&who);
}

/* "ports = ," would otherwise silently mean "no ports". */
static bool has_item(const char *value)
{
	return value[strspn(value, PARSE_LIST_SEPARATORS)] != '\0';
}

static int parse_ports(struct parse_state *ps, char *value)
{
	char *save = NULL;

	for (char *tok = strtok_r(value, PARSE_LIST_SEPARATORS, &save); tok;
	     tok = strtok_r(NULL, PARSE_LIST_SEPARATORS, &save)) {
		__u32 port;

		if (parse_u32(tok, 65535, &port) || port == 0) {
			perr(ps, "bad port '%s' (expected a number from 1 to 65535)",
			     shown(ps, tok));
			continue;
		}
		ps->cfg->ports[port / 64] |= 1ULL << (port % 64);
	}
	if (!ps->cfg->ports_line)
		ps->cfg->ports_line = ps->line;
	return 0;
}

static int parse_idents(struct parse_state *ps, char *value, struct cfg_ident_list *list,
			unsigned int *first_line, const char *what)
{
	char *save = NULL;
	int err;

	if (is_none(value)) {
		if (!*first_line)
			*first_line = ps->line;
		return 0;
	}
	for (char *tok = strtok_r(value, PARSE_LIST_SEPARATORS, &save); tok;
	     tok = strtok_r(NULL, PARSE_LIST_SEPARATORS, &save)) {
		__u32 id;
		const char *why;

		if (!strcmp(tok, CONFIG_NONE)) {
			perr(ps, "'none' must stand alone (it means: allow no %s)", what);
			continue;
		}
		if (tok[0] == '@') {
			if (!role_from_token(tok)) {
				perr(ps, "unknown role '%s' (known: @mta, @mailman)",
				     shown(ps, tok));
				continue;
			}
			err = ident_list_add(list, tok, 0, ps->line);
		} else if (parse_is_number(tok)) {
			if (parse_u32(tok, PARSE_MAX_ID, &id)) {
				perr(ps, "bad %s ID '%s' (expected 0 to %u)", what, shown(ps, tok),
				     PARSE_MAX_ID);
				continue;
			}
			err = ident_list_add(list, NULL, id, ps->line);
		} else if ((why = parse_name_problem(tok))) {
			perr(ps, "bad %s name '%s': %s", what, shown(ps, tok), why);
			continue;
		} else {
			err = ident_list_add(list, tok, 0, ps->line);
		}
		if (err)
			return err;
	}
	if (!*first_line)
		*first_line = ps->line;
	return 0;
}

const char *config_mode_name(__u32 mode)
{
	return mode == SG_MODE_AUDIT ? "audit" : mode == SG_MODE_REDIRECT ? "redirect" : "enforce";
}

/* A scalar key may be given once. */
static bool first_time(struct parse_state *ps, const char *key, unsigned int *line)
{
	if (*line) {
		perr(ps, "%s is given twice (first on line %u)", key, *line);
		return false;
	}
	*line = ps->line;
	return true;
}

static void parse_mode(struct parse_state *ps, const char *value)
{
	if (!first_time(ps, "mode", &ps->cfg->mode_line))
		return;
	for (__u32 m = 0; m < SG_MODE_COUNT; m++) {
		if (!strcmp(value, config_mode_name(m))) {
			ps->cfg->mode = m;
			return;
		}
	}
	perr(ps, "bad mode '%s' (expected enforce, audit or redirect)", shown(ps, value));
}

/* Addresses that cannot be a redirect target; NULL if a is fine. */
static const char *redirect_target_problem(const struct sg_addr *a)
{
	__u32 v4 = ntohl(a->words[3]);
	const __u8 *b = (const __u8 *)a->words;

	if (sg_addr_is_v4mapped(a)) {
		if (!v4)
			return "0.0.0.0 is not a target";
		if ((v4 >> 28) == 0xe)
			return "a multicast address is not a target";
		if ((v4 >> 16) == 0xa9fe)
			return "a link-local address is not a target";
		return NULL;
	}
	if (!(a->words[0] | a->words[1] | a->words[2] | a->words[3]))
		return ":: is not a target";
	if (b[0] == 0xff)
		return "a multicast address is not a target";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "a link-local address is not a target (its scope cannot be given)";
	return NULL;
}

/* "127.0.0.1:25", "127.0.0.1", "[::1]:25", "[::1]" or "::1". */
static void parse_redirect(struct parse_state *ps, char *value)
{
	struct sg_config *cfg = ps->cfg;
	bool have4 = false, have6 = false;
	char *save = NULL;

	if (!first_time(ps, "redirect_to", &cfg->redirect_line))
		return;
	cfg->redirect_ip4 = 0;
	memset(cfg->redirect_ip6, 0, sizeof(cfg->redirect_ip6));
	for (char *tok = strtok_r(value, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		struct sg_dest_key key;
		char host[64] = "";
		const char *port = NULL, *why;
		int n = 0;
		__u32 p = 0;

		if (tok[0] == '[') {
			char *close = strchr(tok, ']');

			if (close && (size_t)(close - tok) < sizeof(host)) {
				memcpy(host, tok + 1, (size_t)(close - tok - 1));
				port = close[1] == ':' ? close + 2 : close[1] ? "" : NULL;
			}
		} else if (strchr(tok, ':') == strrchr(tok, ':') && strchr(tok, ':')) {
			n = snprintf(host, sizeof(host), "%.*s", (int)(strchr(tok, ':') - tok),
				     tok);
			port = strchr(tok, ':') + 1;
		} else {
			n = snprintf(host, sizeof(host), "%s", tok);
		}
		/* Never a valid prefix of something longer: "127.0.0.1/0000...32junk". */
		if (n >= (int)sizeof(host))
			host[0] = '\0';
		why = host[0] ? parse_cidr(host, &key) :
				"expected ADDRESS, ADDRESS:PORT or [IPv6]:PORT";
		if (!why && key.prefixlen != 128)
			why = "a single address, not a network";
		if (!why)
			why = redirect_target_problem(&key.addr);
		/* Any account may bind a port from 1024 up while the MTA is not there. */
		if (!why && port && (parse_u32(port, 1023, &p) || !p))
			why = "the port must be 1 to 1023 (any account may bind a higher one)";
		if (!why && (sg_addr_is_v4mapped(&key.addr) ? have4 : have6))
			why = "one IPv4 and one IPv6 target at most";
		if (why) {
			perr(ps, "bad redirect_to '%s': %s", shown(ps, tok), why);
			continue;
		}
		if (sg_addr_is_v4mapped(&key.addr)) {
			cfg->redirect_ip4 = key.addr.words[3];
			cfg->redirect_port4 = (__u16)p;
			have4 = true;
		} else {
			memcpy(cfg->redirect_ip6, key.addr.words, sizeof(cfg->redirect_ip6));
			cfg->redirect_port6 = (__u16)p;
			have6 = true;
		}
	}
}

/* "20/60s": at most 20 attempts per UID in 60 seconds. */
static void parse_alert_threshold(struct parse_state *ps, const char *value)
{
	char count[16], secs[16];
	const char *slash = strchr(value, '/');
	size_t n;

	if (!first_time(ps, "alert_threshold", &ps->cfg->alert_threshold_line))
		return;
	n = slash ? (size_t)(slash - value) : 0;
	if (!slash || !n || n >= sizeof(count) || strlen(slash + 1) < 2 ||
	    strlen(slash + 1) >= sizeof(secs) || value[strlen(value) - 1] != 's')
		goto bad;
	memcpy(count, value, n);
	count[n] = '\0';
	snprintf(secs, sizeof(secs), "%.*s", (int)strlen(slash + 1) - 1, slash + 1);
	if (parse_u32(count, 1000000, &ps->cfg->alert_count) || !ps->cfg->alert_count ||
	    parse_u32(secs, 86400, &ps->cfg->alert_seconds) || !ps->cfg->alert_seconds)
		goto bad;
	return;
bad:
	perr(ps, "bad alert_threshold '%s' (expected COUNT/SECONDSs, such as 20/60s)",
	     shown(ps, value));
}

static int parse_alert_command(struct parse_state *ps, const char *value)
{
	if (!first_time(ps, "alert_command", &ps->cfg->alert_command_line))
		return 0;
	if (value[0] != '/') {
		perr(ps, "alert_command must be an absolute path, got '%s'", shown(ps, value));
		return 0;
	}
	free(ps->cfg->alert_command);
	ps->cfg->alert_command = strdup(value);
	return ps->cfg->alert_command ? 0 : -ENOMEM;
}

static void parse_number(struct parse_state *ps, const char *key, const char *value, __u32 min,
			 __u32 max, __u32 *out, unsigned int *line)
{
	if (!first_time(ps, key, line))
		return;
	if (parse_u32(value, max, out) || *out < min)
		perr(ps, "bad %s '%s' (expected %u to %u)", key, shown(ps, value), min, max);
}

static void parse_yes_no(struct parse_state *ps, const char *key, const char *value, bool *out,
			 unsigned int *line)
{
	int b;

	if (*line) {
		perr(ps, "%s is given twice (first on line %u)", key, *line);
		return;
	}
	b = parse_bool(value);
	if (b < 0) {
		perr(ps, "bad value '%s' for %s (expected yes or no)", shown(ps, value), key);
		return;
	}
	*out = b;
	*line = ps->line;
}

static const char *const key_names[CFG_KEY_COUNT] = {
	[CFG_PORTS] = "ports",
	[CFG_ALLOW_USERS] = "allow_users",
	[CFG_ALLOW_GROUPS] = "allow_groups",
	[CFG_ALLOW_LOCAL] = "allow_local",
	[CFG_CONTAINER_LOOPBACK] = "container_loopback",
	[CFG_ALLOW_DEST] = "allow_dest",
	[CFG_ALLOW_USER_DEST] = "allow_user_dest",
	[CFG_ALLOW_GROUP_DEST] = "allow_group_dest",
	[CFG_MODE] = "mode",
	[CFG_REDIRECT_TO] = "redirect_to",
	[CFG_ALERT_THRESHOLD] = "alert_threshold",
	[CFG_ALERT_COMMAND] = "alert_command",
	[CFG_LOG_WINDOW] = "log_window",
	[CFG_LOG_BURST] = "log_burst",
	[CFG_MAX_IDENTITIES] = "max_identities",
};

const char *config_key_name(enum cfg_key key)
{
	return key < CFG_KEY_COUNT ? key_names[key] : "";
}

static void unknown_key(struct parse_state *ps, const char *key)
{
	char known[512];
	size_t n = 0;

	known[0] = '\0';
	for (int k = 0; k < CFG_KEY_COUNT; k++)
		n += (size_t)snprintf(known + n, n < sizeof(known) ? sizeof(known) - n : 0, "%s%s",
				      k ? ", " : "", key_names[k]);
	perr(ps, "unknown key '%s' (known: %s)", shown(ps, key), known);
}

/* List keys: a line that holds only separators would silently mean nothing. */
static bool is_list_key(enum cfg_key k)
{
	return k == CFG_PORTS || k == CFG_ALLOW_USERS || k == CFG_ALLOW_GROUPS ||
	       k == CFG_ALLOW_DEST || k == CFG_ALLOW_USER_DEST || k == CFG_ALLOW_GROUP_DEST ||
	       k == CFG_REDIRECT_TO;
}

/* One logical line, NUL-terminated, comment still attached. */
static int parse_line(struct parse_state *ps, char *line)
{
	char *eq, *key, *value, *hash;
	int k;

	hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	key = parse_trim(line);
	if (!*key)
		return 0;
	eq = strchr(key, '=');
	if (!eq) {
		perr(ps, "expected 'key = value', got '%s'", shown(ps, key));
		return 0;
	}
	*eq = '\0';
	key = parse_trim(key);
	value = parse_trim(eq + 1);
	if (!*key) {
		perr(ps, "missing key before '='");
		return 0;
	}
	for (k = 0; k < CFG_KEY_COUNT && strcmp(key, key_names[k]); k++)
		;
	if (k == CFG_KEY_COUNT) {
		unknown_key(ps, key);
		return 0;
	}
	if (!*value || (is_list_key(k) && !has_item(value))) {
		perr(ps, "empty value for '%s'", shown(ps, key));
		return 0;
	}
	switch (k) {
	case CFG_PORTS:
		return parse_ports(ps, value);
	case CFG_ALLOW_USERS:
		return parse_idents(ps, value, &ps->cfg->users, &ps->cfg->users_line, "user");
	case CFG_ALLOW_GROUPS:
		return parse_idents(ps, value, &ps->cfg->groups, &ps->cfg->groups_line, "group");
	case CFG_ALLOW_DEST:
		return parse_dests(ps, value);
	case CFG_ALLOW_USER_DEST:
		return parse_scoped(ps, key, value, SG_SCOPE_UID);
	case CFG_ALLOW_GROUP_DEST:
		return parse_scoped(ps, key, value, SG_SCOPE_GID);
	case CFG_MODE:
		parse_mode(ps, value);
		return 0;
	case CFG_REDIRECT_TO:
		parse_redirect(ps, value);
		return 0;
	case CFG_ALERT_THRESHOLD:
		parse_alert_threshold(ps, value);
		return 0;
	case CFG_ALERT_COMMAND:
		return parse_alert_command(ps, value);
	case CFG_LOG_WINDOW:
		parse_number(ps, key, value, 1, 3600, &ps->cfg->log_window,
			     &ps->cfg->log_window_line);
		return 0;
	case CFG_LOG_BURST:
		parse_number(ps, key, value, 0, 1000, &ps->cfg->log_burst,
			     &ps->cfg->log_burst_line);
		return 0;
	case CFG_MAX_IDENTITIES:
		parse_number(ps, key, value, SG_MIN_IDS_LIMIT, SG_MAX_IDS_LIMIT,
			     &ps->cfg->max_identities, &ps->cfg->max_identities_line);
		return 0;
	case CFG_ALLOW_LOCAL:
		parse_yes_no(ps, key, value, &ps->cfg->allow_local, &ps->cfg->allow_local_line);
		return 0;
	default: /* CFG_CONTAINER_LOOPBACK */
		parse_yes_no(ps, key, value, &ps->cfg->container_loopback,
			     &ps->cfg->container_loopback_line);
		return 0;
	}
}

/*
 * A redirect target without a port keeps the destination port: then no
 * guarded port may be one that any account can bind (1024 and up).
 */
static void check_kept_ports(struct parse_state *ps)
{
	const struct sg_config *cfg = ps->cfg;
	bool has6 = cfg->redirect_ip6[0] | cfg->redirect_ip6[1] | cfg->redirect_ip6[2] |
		    cfg->redirect_ip6[3];

	if (!cfg->redirect_line ||
	    !((cfg->redirect_ip4 && !cfg->redirect_port4) || (has6 && !cfg->redirect_port6)))
		return;
	for (unsigned int p = 1024; p < 65536; p++) {
		if (!config_port_guarded(cfg->ports, p))
			continue;
		ps->line = cfg->redirect_line;
		perr(ps,
		     "redirect_to without a port keeps the destination port, and guarded port %u "
		     "is one any account may bind: give a port below 1024",
		     p);
		return;
	}
}

/*
 * A scoped exception's ports must be guarded ones: any other port is not
 * refused in the first place, so the rule would allow nothing (and is most
 * likely a typo). Checked once every line is read: ports may come later.
 */
static void check_scope_ports(struct parse_state *ps)
{
	const struct sg_config *cfg = ps->cfg;
	char item[DNS_NAME_MAX + 128];

	for (size_t i = 0; i < cfg->scopes.n; i++) {
		const struct dest_spec *d = &cfg->scopes.v[i].dest;

		for (unsigned int k = 0; k < d->nports; k++) {
			if (config_port_guarded(cfg->ports, d->ports[k]))
				continue;
			ps->line = cfg->scopes.v[i].line;
			perr(ps,
			     "port %u of '%s' is not guarded (see 'ports'): the rule would allow "
			     "nothing",
			     d->ports[k], dest_spec_format(d, item, sizeof(item)));
		}
	}
}

int config_parse(const char *path, const char *buf, size_t len, struct sg_config *cfg, FILE *diag)
{
	struct parse_state ps = { .cfg = cfg, .diag = diag };
	size_t pos = 0;
	int err = 0;

	config_init_empty(cfg, path);
	cfg->from_file = true;
	while (pos < len && !err) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		char *line;

		ps.line++;
		if (memchr(buf + pos, '\0', n)) {
			perr(&ps, "NUL byte in line");
			pos += n + 1;
			continue;
		}
		line = strndup(buf + pos, n);
		if (!line)
			return -ENOMEM;
		/* Files edited on Windows end lines with CR LF. */
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		err = parse_line(&ps, line);
		free(line);
		pos += n + 1;
	}
	if (!err)
		err = apply_defaults(cfg);
	if (!err) {
		check_kept_ports(&ps);
		check_scope_ports(&ps);
	}
	return err ? err : ps.errors;
}

int config_builtin(struct sg_config *cfg, const char *path)
{
	config_init_empty(cfg, path);
	return apply_defaults(cfg);
}

/*
 * The monitor runs alert_command as root: whoever can change it, or a
 * directory above it, can run anything as root. Checked like the file
 * itself (only when root reads it), and apart from config_parse(), which
 * looks at no file. 1 for an error, else 0.
 */
static int check_alert_command(const struct sg_config *cfg, FILE *diag)
{
	char why[PATH_MAX + 64];

	if (!cfg->alert_command || geteuid() != 0 ||
	    trust_executable(cfg->alert_command, why, sizeof(why)))
		return 0;
	fprintf(diag, "%s:%u: alert_command %s: %s (it runs as root: chown root, chmod go-w)\n",
		cfg->path, cfg->alert_command_line, cfg->alert_command, why);
	return 1;
}

int config_load(const char *path, struct sg_config *cfg, FILE *diag)
{
	char *buf = NULL;
	size_t len = 0;
	int ret;

	config_init_empty(cfg, path);
	/* Whoever can write this file decides who may send mail. */
	ret = readfile_regular(path, CONFIG_MAX_BYTES, geteuid() == 0, &buf, &len, diag);
	if (ret == -ENOENT) /* no file: the built-in defaults */
		return apply_defaults(cfg);
	if (ret)
		return ret;
	ret = config_parse(path, buf, len, cfg, diag);
	free(buf);
	if (ret >= 0)
		ret += check_alert_command(cfg, diag);
	return ret;
}

void config_free(struct sg_config *cfg)
{
	ident_list_free(&cfg->users);
	ident_list_free(&cfg->groups);
	free(cfg->dests.v);
	memset(&cfg->dests, 0, sizeof(cfg->dests));
	scope_list_free(&cfg->scopes);
	free(cfg->alert_command);
	cfg->alert_command = NULL;
}
