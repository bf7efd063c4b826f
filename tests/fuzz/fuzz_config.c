// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_config.c - libFuzzer harness for config_parse(): the input is the
 * raw configuration file. Besides crashes, leaks and undefined behaviour it
 * checks that every error is one "PATH:LINE: message" line on diag, that a
 * configuration with no error holds only values the file format allows,
 * and that CR LF line ends and a missing last newline change nothing.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dest_spec.h"
#include "fuzz.h"
#include "parse.h"

#define FUZZ_PATH "fuzz.conf"
/* As -max_len in fuzz.mk: a real configuration is a few hundred bytes. */
#define FUZZ_MAX_INPUT (64 << 10)
/* The longest message quotes 64 bytes of a value, 4 bytes each at worst. */
#define FUZZ_MAX_DIAG_LINE 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	int ret;
	struct sg_config cfg;
	char *diag;
	size_t diag_len;
};

static void run_parse(struct run *r, const char *buf, size_t len)
{
	FILE *diag;

	r->diag = NULL;
	r->diag_len = 0;
	diag = open_memstream(&r->diag, &r->diag_len);
	CHECK(diag);
	r->ret = config_parse(FUZZ_PATH, buf, len, &r->cfg, diag);
	CHECK(!fclose(diag));
}

static void run_free(struct run *r)
{
	config_free(&r->cfg);
	free(r->diag);
}

/* Lines config_parse() sees: a last line without '\n' counts too. */
static unsigned int count_lines(const char *buf, size_t len)
{
	unsigned int n = 0;

	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n + (len && buf[len - 1] != '\n');
}

/*
 * Each error is exactly one line "fuzz.conf:LINE: message", LINE in the
 * file, in printable ASCII and of bounded length however long or binary the
 * input line: config.c quotes values through shown().
 */
static void check_diag(const struct run *r, unsigned int lines)
{
	const char *p = r->diag, *end = r->diag + r->diag_len;
	int n = 0;

	CHECK(strlen(r->diag) == r->diag_len);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		unsigned long line;
		char *after;

		CHECK(nl);
		CHECK(!strncmp(p, FUZZ_PATH ":", strlen(FUZZ_PATH ":")));
		p += strlen(FUZZ_PATH ":");
		CHECK(*p >= '1' && *p <= '9');
		line = strtoul(p, &after, 10);
		CHECK(line >= 1 && line <= lines);
		CHECK(after[0] == ':' && after[1] == ' ' && after + 2 < nl);
		CHECK(nl - p < FUZZ_MAX_DIAG_LINE);
		for (const char *c = after; c < nl; c++)
			CHECK(*c >= 0x20 && *c < 0x7f);
		p = nl + 1;
		n++;
	}
	CHECK(r->ret == n);
}

static void check_idents(const struct cfg_ident_list *l, unsigned int first_line,
			 unsigned int lines, const char *key)
{
	const char *const *defaults = config_default_items(key);

	CHECK(first_line <= lines);
	CHECK(l->n <= l->cap);
	if (!first_line) {
		/* Absent key: the built-in items, in order, from line 0. */
		for (size_t i = 0; i < l->n; i++) {
			const struct cfg_ident *e = &l->v[i];

			CHECK(defaults[i] && !e->line);
			if (defaults[i][0] == '@')
				CHECK(!e->name && !strcmp(config_role_name(e->role), defaults[i]));
			else
				CHECK(e->name && !strcmp(e->name, defaults[i]) && !e->role);
		}
		CHECK(!defaults[l->n]);
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct cfg_ident *e = &l->v[i];

		CHECK(e->line >= first_line && e->line <= lines);
		CHECK(!i || e->line >= l->v[i - 1].line);
		CHECK(e->role == ROLE_NONE || e->role == ROLE_MTA || e->role == ROLE_MAILMAN);
		if (e->role) {
			CHECK(!e->name && !e->id);
		} else if (e->name) {
			/* A name is a name: not a number, a role, or "none". */
			CHECK(!parse_name_problem(e->name));
			CHECK(!parse_is_number(e->name));
			CHECK(strcmp(e->name, "none"));
			CHECK(!e->id);
		} else {
			CHECK(e->id <= PARSE_MAX_ID);
		}
	}
}

static bool addr_zero(const __u32 *w)
{
	return !(w[0] | w[1] | w[2] | w[3]);
}

static void check_redirect(const struct sg_config *cfg)
{
	__u32 v4 = ntohl(cfg->redirect_ip4);
	const __u8 *b6 = (const __u8 *)cfg->redirect_ip6;
	bool kept = false;

	if (!cfg->redirect_line) {
		CHECK(cfg->redirect_ip4 == htonl(INADDR_LOOPBACK) && cfg->redirect_port4 == 25);
		CHECK(!memcmp(cfg->redirect_ip6, &in6addr_loopback, 16) &&
		      cfg->redirect_port6 == 25);
		return;
	}
	/* redirect_to given: at least one target, each one connect() can reach. */
	CHECK(cfg->redirect_ip4 || !addr_zero(cfg->redirect_ip6));
	CHECK(cfg->redirect_port4 <= 1023 && cfg->redirect_port6 <= 1023);
	if (cfg->redirect_ip4) {
		CHECK((v4 >> 28) != 0xe && (v4 >> 16) != 0xa9fe);
		kept |= !cfg->redirect_port4;
	} else {
		CHECK(!cfg->redirect_port4);
	}
	if (!addr_zero(cfg->redirect_ip6)) {
		CHECK(!(cfg->redirect_ip6[0] == 0 && cfg->redirect_ip6[1] == 0 &&
			cfg->redirect_ip6[2] == htonl(0xffff)));
		CHECK(b6[0] != 0xff && !(b6[0] == 0xfe && (b6[1] & 0xc0) == 0x80));
		kept |= !cfg->redirect_port6;
	} else {
		CHECK(!cfg->redirect_port6);
	}
	/* A target that keeps the port must not meet a port any account may bind. */
	for (size_t i = 1024 / 64; kept && i < SG_PORT_WORDS; i++)
		CHECK(!cfg->ports[i]);
}

/*
 * A scoped exception from a file with no error: a valid destination that
 * survives formatting and parsing again, guarded ports only, sorted.
 */
static void check_scopes(const struct sg_config *cfg, unsigned int lines)
{
	for (size_t i = 0; i < cfg->scopes.n; i++) {
		const struct cfg_scope *s = &cfg->scopes.v[i];
		const struct dest_spec *d = &s->dest;
		struct dest_spec again;
		char text[DNS_NAME_MAX + 128], name[DNS_NAME_MAX + 1];

		CHECK(s->line >= 1 && s->line <= lines);
		CHECK(s->kind == SG_SCOPE_UID || s->kind == SG_SCOPE_GID ||
		      s->kind == SG_SCOPE_ANYONE);
		/* allow_dest keeps its plain CIDRs apart: here only names and ports. */
		CHECK(s->kind != SG_SCOPE_ANYONE || d->is_name || d->nports);
		if (s->kind != SG_SCOPE_ANYONE && s->who.name)
			CHECK(!parse_name_problem(s->who.name) && !parse_is_number(s->who.name));
		CHECK(d->nports <= SG_SCOPE_RULE_PORTS);
		for (unsigned int k = 0; k < d->nports; k++) {
			CHECK(d->ports[k] && config_port_guarded(cfg->ports, d->ports[k]));
			CHECK(!k || d->ports[k] > d->ports[k - 1]);
		}
		if (d->is_name) {
			CHECK(!dest_spec_name_problem(d->name, name, sizeof(name)));
			CHECK(!strcmp(name, d->name)); /* already lower case, no trailing dot */
		} else {
			const __u8 *b = (const __u8 *)d->key.addr.words;

			CHECK(!d->name[0] && d->key.prefixlen <= 128);
			for (__u32 bit = d->key.prefixlen; bit < 128; bit++)
				CHECK(!(b[bit / 8] & (0x80 >> (bit % 8))));
		}
		dest_spec_format(d, text, sizeof(text));
		CHECK(!dest_spec_parse(text, &again));
		CHECK(!memcmp(d, &again, sizeof(again)));
	}
}

/* What a configuration with no error may hold. */
static void check_valid(const struct sg_config *cfg, unsigned int lines)
{
	bool any_port = false;

	CHECK(cfg->from_file && !strcmp(cfg->path, FUZZ_PATH));
	CHECK(!config_port_guarded(cfg->ports, 0));
	for (size_t i = 0; i < SG_PORT_WORDS; i++)
		any_port |= cfg->ports[i] != 0;
	CHECK(any_port);
	CHECK(cfg->ports_line <= lines);

	check_idents(&cfg->users, cfg->users_line, lines, "allow_users");
	check_idents(&cfg->groups, cfg->groups_line, lines, "allow_groups");

	CHECK(cfg->allow_local_line <= lines);
	CHECK(cfg->allow_local_line || cfg->allow_local);

	CHECK(cfg->dests_line <= lines);
	CHECK(cfg->dests_line || !cfg->dests.n);
	for (size_t i = 0; i < cfg->dests.n; i++) {
		const struct cfg_dest *d = &cfg->dests.v[i];
		const __u8 *b = (const __u8 *)d->key.addr.words;

		CHECK(d->line >= cfg->dests_line && d->line <= lines);
		CHECK(d->key.prefixlen <= 128);
		for (__u32 bit = d->key.prefixlen; bit < 128; bit++)
			CHECK(!(b[bit / 8] & (0x80 >> (bit % 8))));
	}

	check_scopes(cfg, lines);

	CHECK(cfg->mode < SG_MODE_COUNT);
	CHECK(cfg->mode_line || cfg->mode == SG_MODE_ENFORCE);
	CHECK(cfg->mode_line <= lines);

	check_redirect(cfg);

	CHECK(cfg->alert_threshold_line <= lines);
	CHECK(!cfg->alert_count == !cfg->alert_threshold_line);
	CHECK(!cfg->alert_seconds == !cfg->alert_threshold_line);
	CHECK(cfg->alert_count <= 1000000 && cfg->alert_seconds <= 86400);

	CHECK(!cfg->alert_command == !cfg->alert_command_line);
	if (cfg->alert_command) {
		size_t n = strlen(cfg->alert_command);

		CHECK(cfg->alert_command[0] == '/');
		CHECK(!strpbrk(cfg->alert_command, "#\n"));
		CHECK(cfg->alert_command[n - 1] != ' ' && cfg->alert_command[n - 1] != '\t');
	}

	CHECK(cfg->log_window_line || cfg->log_window == 60);
	CHECK(cfg->log_window >= 1 && cfg->log_window <= 3600);
	CHECK(cfg->log_burst_line || cfg->log_burst == 5);
	CHECK(cfg->log_burst <= 1000);

	CHECK(cfg->max_identities_line <= lines);
	CHECK(cfg->max_identities_line || cfg->max_identities == SG_MAX_IDS);
	CHECK(cfg->max_identities >= SG_MIN_IDS_LIMIT && cfg->max_identities <= SG_MAX_IDS_LIMIT);
}

static void check_same_idents(const struct cfg_ident_list *a, const struct cfg_ident_list *b)
{
	CHECK(a->n == b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct cfg_ident *x = &a->v[i], *y = &b->v[i];

		CHECK(!x->name == !y->name && (!x->name || !strcmp(x->name, y->name)));
		CHECK(x->id == y->id && x->role == y->role && x->line == y->line);
	}
}

/* Two parses gave the same answer, field by field. */
static void check_same(const struct run *a, const struct run *b)
{
	const struct sg_config *x = &a->cfg, *y = &b->cfg;

	CHECK(a->ret == b->ret);
	CHECK(a->diag_len == b->diag_len && !memcmp(a->diag, b->diag, a->diag_len));
	if (a->ret < 0)
		return;
	CHECK(!memcmp(x->ports, y->ports, sizeof(x->ports)) && x->ports_line == y->ports_line);
	check_same_idents(&x->users, &y->users);
	CHECK(x->users_line == y->users_line);
	check_same_idents(&x->groups, &y->groups);
	CHECK(x->groups_line == y->groups_line);
	CHECK(x->allow_local == y->allow_local && x->allow_local_line == y->allow_local_line);
	CHECK(x->dests.n == y->dests.n && x->dests_line == y->dests_line);
	for (size_t i = 0; i < x->dests.n; i++)
		CHECK(!memcmp(&x->dests.v[i], &y->dests.v[i], sizeof(x->dests.v[i])));
	CHECK(x->scopes.n == y->scopes.n);
	for (size_t i = 0; i < x->scopes.n; i++) {
		const struct cfg_scope *s = &x->scopes.v[i], *t = &y->scopes.v[i];

		CHECK(s->kind == t->kind && s->line == t->line &&
		      !memcmp(&s->dest, &t->dest, sizeof(s->dest)));
		CHECK(!s->who.name == !t->who.name &&
		      (!s->who.name || !strcmp(s->who.name, t->who.name)));
		CHECK(s->who.id == t->who.id && s->who.role == t->who.role);
	}
	CHECK(x->mode == y->mode && x->mode_line == y->mode_line);
	CHECK(x->redirect_ip4 == y->redirect_ip4 &&
	      !memcmp(x->redirect_ip6, y->redirect_ip6, sizeof(x->redirect_ip6)));
	CHECK(x->redirect_port4 == y->redirect_port4 && x->redirect_port6 == y->redirect_port6 &&
	      x->redirect_line == y->redirect_line);
	CHECK(x->alert_count == y->alert_count && x->alert_seconds == y->alert_seconds &&
	      x->alert_threshold_line == y->alert_threshold_line);
	CHECK(!x->alert_command == !y->alert_command &&
	      (!x->alert_command || !strcmp(x->alert_command, y->alert_command)));
	CHECK(x->alert_command_line == y->alert_command_line);
	CHECK(x->log_window == y->log_window && x->log_window_line == y->log_window_line);
	CHECK(x->log_burst == y->log_burst && x->log_burst_line == y->log_burst_line);
	CHECK(x->max_identities == y->max_identities &&
	      x->max_identities_line == y->max_identities_line);
}

/*
 * The same file as written on Windows: every line ends with CR LF, the last
 * one included. Only for inputs with no CR of their own. NULL if not built.
 */
static char *to_crlf(const char *buf, size_t len, size_t *out_len)
{
	size_t n = 0;
	char *out;

	if (memchr(buf, '\r', len))
		return NULL;
	out = malloc(2 * len + 2);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			out[n++] = '\r';
		out[n++] = buf[i];
	}
	if (len && buf[len - 1] != '\n') {
		out[n++] = '\r';
		out[n++] = '\n';
	}
	*out_len = n;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	unsigned int lines = count_lines(buf, size);
	struct run r, crlf;
	size_t crlf_len = 0;
	char *crlf_buf;

	if (size > FUZZ_MAX_INPUT)
		return -1; /* not added to the corpus */

	run_parse(&r, buf, size);
	CHECK(r.ret >= 0); /* no -ENOMEM under the fuzzer's limits */
	check_diag(&r, lines);
	if (!r.ret)
		check_valid(&r.cfg, lines);

	crlf_buf = to_crlf(buf, size, &crlf_len);
	if (crlf_buf) {
		run_parse(&crlf, crlf_buf, crlf_len);
		check_same(&r, &crlf);
		run_free(&crlf);
		free(crlf_buf);
	}

	run_free(&r);
	return 0;
}
