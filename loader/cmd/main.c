// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * main.c - the smtpguard command line: parse the options into struct
 * sg_opts, find the command in commands[] (commands.c), check what it was
 * given against its row, and run it. Options may stand anywhere on the
 * line, before or after the command's name, so they are read first and
 * applied once the command is known.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "guard.h"
#include "log.h"

/*
 * One option of the command line. bit is 0 for the global options, which
 * every command takes; apply() stores its value once the command is known,
 * and returns EXIT_OK or EXIT_USAGE (having said why).
 */
struct option_row {
	const char *name;
	char short_name; /* 0: long only */
	bool has_arg;
	unsigned int bit; /* enum command_opt */
	int (*apply)(struct sg_opts *o, const struct command *c, const char *arg);
};

static int parse_mode_arg(const char *arg)
{
	for (int m = 0; m < SG_MODE_COUNT; m++)
		if (!strcmp(arg, config_mode_name((__u32)m)))
			return m;
	return -1;
}

static int set_config(struct sg_opts *o, const struct command *c, const char *arg)
{
	if (!arg[0]) {
		log_err("--config: expected a file name, got ''");
		return EXIT_USAGE;
	}
	o->config = arg;
	o->config_given = true;
	return EXIT_OK;
}

static int set_pin_dir(struct sg_opts *o, const struct command *c, const char *arg)
{
	/* A relative pin dir would depend on where the command happens to run. */
	if (arg[0] != '/') {
		log_err("--pin-dir: expected an absolute path, got '%s'", arg);
		return EXIT_USAGE;
	}
	o->pin_dir = arg;
	o->pin_dir_given = true;
	return EXIT_OK;
}

static int set_verbose(struct sg_opts *o, const struct command *c, const char *arg)
{
	o->verbose = true;
	return EXIT_OK;
}

static int set_json(struct sg_opts *o, const struct command *c, const char *arg)
{
	if (c->json == JSON_STREAM)
		o->json_stream = true;
	else
		o->json_document = true;
	return EXIT_OK;
}

static int set_cgroup(struct sg_opts *o, const struct command *c, const char *arg)
{
	o->cgroup = arg;
	return EXIT_OK;
}

static int set_runtime(struct sg_opts *o, const struct command *c, const char *arg)
{
	o->runtime = true;
	return EXIT_OK;
}

static int set_mode(struct sg_opts *o, const struct command *c, const char *arg)
{
	o->mode = parse_mode_arg(arg);
	if (o->mode < 0) {
		log_err("--mode: expected enforce, audit or redirect, got '%s'", arg);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int set_syslog(struct sg_opts *o, const struct command *c, const char *arg)
{
	o->syslog = true;
	return EXIT_OK;
}

/* stats has one output form; --prometheus says which, for the day it has two. */
static int set_nothing(struct sg_opts *o, const struct command *c, const char *arg)
{
	return EXIT_OK;
}

static int set_force(struct sg_opts *o, const struct command *c, const char *arg)
{
	o->force = true;
	return EXIT_OK;
}

static int set_file_only(struct sg_opts *o, const struct command *c, const char *arg)
{
	o->file_only = true;
	return EXIT_OK;
}

static int set_write(struct sg_opts *o, const struct command *c, const char *arg)
{
	o->write = true;
	return EXIT_OK;
}

static int set_to(struct sg_opts *o, const struct command *c, const char *arg)
{
	o->to = arg;
	return EXIT_OK;
}

static int set_kill(struct sg_opts *o, const struct command *c, const char *arg)
{
	o->kill = true;
	return EXIT_OK;
}

/* read_options() saw -V, --version: say it and stop. */
#define OPT_VERSION (-1)

/* clang-format off */
static const struct option_row options[] = {
	{ "config",     'c', true,  0,              set_config },
	{ "pin-dir",    'p', true,  0,              set_pin_dir },
	{ "verbose",    'v', false, 0,              set_verbose },
	{ "json",       0,   false, OPT_JSON,       set_json },
	{ "cgroup",     0,   true,  OPT_CGROUP,     set_cgroup },
	{ "runtime",    0,   false, OPT_RUNTIME,    set_runtime },
	{ "mode",       0,   true,  OPT_MODE,       set_mode },
	{ "syslog",     0,   false, OPT_SYSLOG,     set_syslog },
	{ "prometheus", 0,   false, OPT_PROMETHEUS, set_nothing },
	{ "force",      0,   false, OPT_FORCE,      set_force },
	{ "file-only",  0,   false, OPT_FILE_ONLY,  set_file_only },
	{ "write",      0,   false, OPT_WRITE,      set_write },
	{ "to",         0,   true,  OPT_TO,         set_to },
	{ "kill",       0,   false, OPT_KILL,       set_kill },
};
/* clang-format on */

/* What the command line said, before the command is known. */
struct given {
	struct given_opt {
		const struct option_row *row;
		const char *arg;
	} * opt; /* room for argc: no more options than words */
	size_t n;
	bool help;
	int first_arg; /* argv index of the command's name; argc if none */
};

/* getopt_long()'s tables from options[]: a long option's val is 256 + its row. */
static void getopt_tables(struct option *longs, char *shorts)
{
	size_t n = 0;

	*shorts++ = ':'; /* report a missing argument as ':' */
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		longs[n++] = (struct option){ options[i].name,
					      options[i].has_arg ? required_argument : no_argument,
					      NULL, 256 + (int)i };
		if (options[i].short_name) {
			*shorts++ = options[i].short_name;
			if (options[i].has_arg)
				*shorts++ = ':';
		}
	}
	longs[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[n++] = (struct option){ "version", no_argument, NULL, 'V' };
	longs[n] = (struct option){ 0 };
	strcpy(shorts, "hV");
}

static const struct option_row *short_row(int c)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++)
		if (options[i].short_name == c)
			return &options[i];
	return NULL;
}

/* Read every option; EXIT_OK, EXIT_USAGE (said why), or OPT_VERSION. */
static int read_options(int argc, char **argv, struct given *g)
{
	struct option longs[ARRAY_SIZE(options) + 3];
	char shorts[2 * ARRAY_SIZE(options) + 4];
	const struct option_row *row;
	int c;

	getopt_tables(longs, shorts);
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == 'h') {
			g->help = true;
			continue;
		}
		if (c == 'V')
			return OPT_VERSION;
		if (c == ':') {
			log_err("option %s needs an argument (see smtpguard --help)",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
		row = c >= 256 ? &options[c - 256] : short_row(c);
		if (!row) {
			/* In a cluster (-xv), argv[optind - 1] is not the one. */
			if (optopt > 0 && optopt < 256 && strncmp(argv[optind - 1], "--", 2))
				log_err("unknown option '-%c' (see smtpguard --help)", optopt);
			else
				log_err("unknown option '%s' (see smtpguard --help)",
					argv[optind - 1]);
			return EXIT_USAGE;
		}
		g->opt[g->n].row = row;
		g->opt[g->n++].arg = optarg;
	}
	g->first_arg = optind;
	return EXIT_OK;
}

/* Apply what was given to the command, refusing what it does not take. */
static int apply_options(const struct given *g, const struct command *cmd, struct sg_opts *o)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct option_row *row = g->opt[i].row;
		int ret;

		if (row->bit && !(cmd->opts & row->bit)) {
			log_err("%s: option --%s does not apply (see smtpguard %s --help)",
				cmd->name, row->name, cmd->name);
			return EXIT_USAGE;
		}
		ret = row->apply(o, cmd, g->opt[i].arg);
		if (ret != EXIT_OK)
			return ret;
	}
	if (o->runtime && o->file_only) {
		log_err("%s: --runtime and --file-only exclude each other", cmd->name);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* The positional arguments against the command's row. */
static int check_arguments(const struct command *cmd, const struct sg_opts *o)
{
	if (o->argc > cmd->max_args) {
		log_err("%s: unexpected argument '%s': expected %s (see smtpguard %s --help)",
			cmd->name, o->argv[cmd->max_args],
			cmd->max_args ? cmd->synopsis : "no arguments", cmd->name);
		return EXIT_USAGE;
	}
	if (o->argc < cmd->min_args) {
		log_err("%s: missing argument: expected %s (see smtpguard %s --help)", cmd->name,
			cmd->synopsis, cmd->name);
		return EXIT_USAGE;
	}
	return cmd->check ? cmd->check(o) : EXIT_OK;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: smtpguard [OPTIONS] COMMAND [ARGS]\n"
		     "\n"
		     "Refuse connections to remote SMTP ports (25, 465, 587) from every process\n"
		     "that does not run as an allowed user or group, with an eBPF program on\n"
		     "the cgroup v2 root. Local mail submission keeps working.\n"
		     "\n"
		     "Commands:\n");
	for (size_t i = 0; i < n_commands; i++) {
		const char *nl = strchr(commands[i].args, '\n');

		fprintf(out, "  %-*s%.*s\n", commands[i].args[0] ? 13 : 0, commands[i].name,
			nl ? (int)(nl - commands[i].args) : (int)strlen(commands[i].args),
			commands[i].args);
		if (nl)
			fprintf(out, "  %-13s%s\n", "", nl + 1);
	}
	fprintf(out,
		"\n"
		"Options (accepted anywhere on the line):\n"
		"  -c, --config FILE    configuration (default %s)\n"
		"  -p, --pin-dir DIR    where the guard is pinned (default %s)\n"
		"  -v, --verbose        show libbpf and verifier messages\n"
		"  -h, --help           this help; 'smtpguard COMMAND --help' for one command\n"
		"  -V, --version\n"
		"\n"
		"Exit status: 0 ok, 1 failure, 2 usage or configuration error (nothing\n"
		"changed), 3 not loaded or damaged ('smtpguard status' says which; sync\n"
		"exits 1 on a damaged guard).\n"
		"\n"
		"Examples:\n"
		"  smtpguard check                         can this host run the guard?\n"
		"  smtpguard load                          start guarding with %s\n"
		"  smtpguard status                        is it on, and for whom?\n"
		"  smtpguard allow user alice              let alice send (file and live guard)\n"
		"  smtpguard allow dest 203.0.113.0/24     anyone may reach this relay\n"
		"  smtpguard allow user alice --to smtp.sendgrid.net:587\n"
		"                                          alice may reach her relay, nothing else\n"
		"  smtpguard revoke group 1005 --runtime   live guard only, until the next sync\n"
		"  smtpguard check-config                  validate the file after editing it\n"
		"  smtpguard import csf                    print csf.conf's SMTP_BLOCK as smtpguard.conf\n"
		"  smtpguard sync                          follow changed accounts and addresses\n"
		"  smtpguard unload                        stop guarding\n",
		SG_DEFAULT_CONFIG, SG_DEFAULT_PIN_DIR, SG_DEFAULT_CONFIG);
}

static void command_usage(FILE *out, const struct command *c)
{
	const char *nl = strchr(c->args, '\n');

	fprintf(out, "Usage: smtpguard %s%s%.*s\n", c->name, c->args[0] ? " " : "",
		nl ? (int)(nl - c->args) : (int)strlen(c->args), c->args);
	if (nl)
		fprintf(out, "       smtpguard %s\n", nl + 1);
	fprintf(out,
		"\n%s\n\nExample:\n  %s\n\nGlobal options: --config FILE, --pin-dir DIR, -v, "
		"--help, --version (see smtpguard --help).\n",
		c->help, c->example);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < n_commands; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* parse() found a command to run (every other answer is an exit code). */
#define PARSE_RUN (-2)

/* The command line into *o and *cmd: PARSE_RUN, or the exit code (said why). */
static int parse(int argc, char **argv, struct sg_opts *o, const struct command **cmd)
{
	struct given g = { 0 };
	int ret;

	g.opt = calloc((size_t)argc, sizeof(*g.opt));
	if (!g.opt) {
		log_err("out of memory");
		return EXIT_FAIL;
	}
	ret = read_options(argc, argv, &g);
	if (ret == OPT_VERSION) {
		printf("smtpguard %s\n", SMTPGUARD_VERSION);
		ret = EXIT_OK;
		goto cleanup;
	}
	if (ret != EXIT_OK)
		goto cleanup;
	ret = EXIT_USAGE;
	if (g.first_arg >= argc) {
		if (g.help) {
			usage(stdout);
			ret = EXIT_OK;
		} else {
			log_err("no command given (see smtpguard --help)");
		}
		goto cleanup;
	}
	*cmd = find_command(argv[g.first_arg]);
	if (!*cmd) {
		log_err("unknown command '%s' (see smtpguard --help)", argv[g.first_arg]);
		goto cleanup;
	}
	if (g.help) {
		command_usage(stdout, *cmd);
		ret = EXIT_OK;
		goto cleanup;
	}
	ret = apply_options(&g, *cmd, o);
	if (ret != EXIT_OK)
		goto cleanup;
	o->command = (*cmd)->name;
	o->argc = argc - g.first_arg - 1;
	o->argv = argv + g.first_arg + 1;
	ret = check_arguments(*cmd, o);
	if (ret == EXIT_OK)
		ret = PARSE_RUN;
cleanup:
	free(g.opt);
	return ret;
}

int main(int argc, char **argv)
{
	struct sg_opts o = { .config = SG_DEFAULT_CONFIG,
			     .pin_dir = SG_DEFAULT_PIN_DIR,
			     .mode = -1 };
	const struct command *cmd = NULL;
	int ret = parse(argc, argv, &o, &cmd);

	if (ret != PARSE_RUN)
		return ret;
	if (cmd->needs_root && !privs_sufficient()) {
		log_err("must run as root (needs CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN)");
		return EXIT_FAIL;
	}
	log_setup(o.verbose);
	return cmd->run(&o);
}
