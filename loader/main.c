// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* main.c - the smtpguard command line: parse arguments, dispatch. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "guard.h"
#include "log.h"

/* Command-specific options, as bits of struct command.opts. */
#define OPT_JSON (1U << 0)
#define OPT_CGROUP (1U << 1)
#define OPT_RUNTIME (1U << 2)
#define OPT_MODE (1U << 3)
#define OPT_SYSLOG (1U << 4)
#define OPT_PROMETHEUS (1U << 5)
#define OPT_FORCE (1U << 6)
#define OPT_FILE_ONLY (1U << 7)
#define OPT_WRITE (1U << 8)
#define OPT_TO (1U << 9)
#define OPT_KILL (1U << 10)
#define OPT_LAST OPT_KILL

struct command {
	const char *name;
	int (*run)(const struct sg_opts *o);
	int (*check)(const struct sg_opts *o); /* argument checks needing no privileges */
	unsigned int opts; /* OPT_* it accepts */
	int min_args, max_args; /* positional arguments it takes */
	bool needs_root;
	const char *args; /* for usage; a second form after '\n' */
	const char *help;
	const char *synopsis; /* positional arguments on one line, for errors */
	const char *example; /* for COMMAND --help */
};

/* clang-format off */
static const struct command commands[] = {
	{ "load", cmd_load, NULL, OPT_CGROUP | OPT_MODE, 0, 0, true,
	  "[--cgroup DIR] [--mode enforce|audit|redirect]",
	  "Load the guard, attach it and pin it, then apply the configuration. A guard\n"
	  "that is loaded already keeps its cgroup and its configuration file unless\n"
	  "--cgroup or --config says otherwise (the first load attaches to the cgroup\n"
	  "v2 root); its program and maps are replaced in place: the host is never\n"
	  "unguarded. With errors in the configuration nothing is applied (exit 2); if\n"
	  "no guard was loaded at all, the built-in defaults are loaded so that the\n"
	  "host stays guarded. --mode is written to the configuration file (which must\n"
	  "exist), so later syncs keep it; switching is atomic.",
	  NULL, "smtpguard load --mode audit     report, refuse nothing (a safe first step)" },
	{ "sync", cmd_sync, NULL, 0, 0, 0, true, "",
	  "Re-read the configuration, re-resolve names and roles, refresh the host's\n"
	  "own addresses, and make the live guard equal to the result. Prints each\n"
	  "change (+uid 47 (mailnull, @mta)); a second run changes nothing. Every\n"
	  "problem of the file is reported in one run. Exit status 3 when no guard\n"
	  "is loaded.",
	  NULL, "smtpguard sync                  after editing /etc/smtpguard.conf" },
	{ "unload", cmd_unload, NULL, 0, 0, 0, true, "", "Detach the guard and remove its pins.",
	  NULL, "smtpguard unload                SMTP is unguarded until the next load" },
	{ "status", cmd_status, NULL, OPT_JSON, 0, 0, true, "[--json]",
	  "Show whether the guard is loaded, where it is attached, the guarded ports,\n"
	  "allow_local and the allowlists. Exit status 3 when it is not loaded or damaged.",
	  NULL, "smtpguard status --json | jq .state" },
	{ "list", cmd_list, NULL, OPT_JSON, 0, 0, true, "[--json]",
	  "Show the allowlists with names and where each entry came from.", NULL,
	  "smtpguard list" },
	{ "allow", cmd_allow, cmd_allow_check, OPT_RUNTIME | OPT_FILE_ONLY | OPT_TO, 2, 2, true,
	  "user|group NAME|ID [--to DEST[:PORTS]] [--runtime | --file-only]\n"
	  "allow dest DEST[:PORTS] [--runtime | --file-only]",
	  "Allow a user, group or destination. With --to, the user or group may reach\n"
	  "that destination only (an address, CIDR or DNS name; [IPv6]:PORTS), on those\n"
	  "guarded ports (all of them without PORTS), and nothing else; a dest with ports\n"
	  "or a name is for anyone, on those ports only. Without --runtime the\n"
	  "configuration file is updated (atomically, comments kept) and the live guard\n"
	  "synced to it; with --runtime only the live guard changes, until the next load\n"
	  "or sync. The guard must be loaded (exit 3 otherwise, nothing changed);\n"
	  "--file-only edits the file alone, for a guard that is not loaded. A name\n"
	  "that does not resolve now is refused.",
	  "user|group NAME|ID, or dest DEST[:PORTS]",
	  "smtpguard allow user alice --to smtp.sendgrid.net:587   her relay, nothing else" },
	{ "revoke", cmd_revoke, cmd_allow_check,
	  OPT_RUNTIME | OPT_FILE_ONLY | OPT_FORCE | OPT_TO | OPT_KILL, 2, 2, true,
	  "user|group NAME|ID [--to DEST[:PORTS]] [--runtime | --file-only] [--force] [--kill]\n"
	  "revoke dest DEST[:PORTS] [--runtime | --file-only]",
	  "Remove a user, group or destination, from the file and the live guard, or\n"
	  "with --runtime from the live guard only. Nothing changes when the entry\n"
	  "would stay allowed another way (a role, another line). Revoking root needs\n"
	  "--force: root's cron jobs, panel tasks and the MTA's queue runner may need it.\n"
	  "With --to (or a dest with ports or a name), the scoped exception goes: with\n"
	  "PORTS only those ports, without them the destination on every port.\n"
	  "A revoke refuses the next connect(); sessions already open stay open. --kill\n"
	  "then ends them: the TCP sockets the user owns (for a group: its members,\n"
	  "primary or listed) connected to guarded ports on remote hosts (with --to:\n"
	  "to that destination), in every network namespace, and prints how many. A\n"
	  "kernel without CONFIG_INET_DIAG_DESTROY cannot: exit 1, the revoke stays.",
	  "user|group NAME|ID, or dest DEST[:PORTS]",
	  "smtpguard revoke user alice --runtime --kill   refuse her now, end her sessions" },
	{ "monitor", cmd_monitor, NULL, OPT_JSON | OPT_SYSLOG, 0, 0, true, "[--json] [--syslog]",
	  "Stream refused, audited and redirected attempts as they happen, with the\n"
	  "unit, executable, command line and directory: a line each (or one JSON\n"
	  "object per line), or to the journal (fields) or syslog, storms condensed.\n"
	  "Raises alerts (alert_threshold, alert_command). Stopping it never affects\n"
	  "enforcement.",
	  NULL, "smtpguard monitor --json | jq -c 'select(.type == \"event\")'" },
	{ "stats", cmd_stats, NULL, OPT_PROMETHEUS, 0, 0, true, "--prometheus",
	  "Print node_exporter textfile-collector metrics.", NULL,
	  "smtpguard stats --prometheus > /var/lib/node_exporter/smtpguard.prom" },
	{ "check", cmd_host_check, NULL, OPT_JSON | OPT_CGROUP, 0, 0, true, "[--json] [--cgroup DIR]",
	  "Can the guard work on this host? Probes by trying, and changes nothing:\n"
	  "cgroup v2, bpffs, cgroup connect programs, bpf_link, the ring buffer, the\n"
	  "helpers the program calls, kernel BTF (optional), io_uring and MPTCP (what\n"
	  "there is to guard), unprivileged BPF, and this guard's state. Each missing\n"
	  "piece is named with the kernel version that brought it. Exit status 0 when\n"
	  "the guard can work, 1 when it cannot.", NULL,
	  "smtpguard check --json | jq -r '.missing[]'" },
	{ "check-config", cmd_check_config, NULL, 0, 0, 1, false, "[FILE]",
	  "Validate the configuration (or FILE) without touching the kernel. Every\n"
	  "error is reported as FILE:LINE: message; a name that does not resolve is an\n"
	  "error here. Exit status 2 when there are errors.",
	  "[FILE]", "smtpguard check-config /etc/smtpguard.conf.new" },
	{ "import", cmd_import, cmd_import_check, OPT_WRITE, 1, 2, false,
	  "csf|apf|imunify|cpanel [FILE] [--write]",
	  "Read the SMTP block of CSF (/etc/csf/csf.conf), APF (/etc/apf/conf.apf),\n"
	  "Imunify360 (/etc/sysconfig/imunify360/imunify360.config) or cPanel's SMTP\n"
	  "Restrictions (/var/cpanel/smtpgidonlytweak), or FILE, and print the\n"
	  "smtpguard.conf that keeps its policy, each line saying where it came from.\n"
	  "Every place where the two differ is printed on stderr. Nothing else is\n"
	  "touched. An incumbent that does not guard today is imported in audit mode.\n"
	  "With --write, the configuration file (--config, default /etc/smtpguard.conf)\n"
	  "is replaced atomically, the old one kept as FILE.before-import-TIME, and the\n"
	  "command that applies it is printed. A file that is not of that kind: exit 2,\n"
	  "FILE:LINE: message, nothing written. DirectAdmin: import csf, or keep the\n"
	  "defaults (see the README's migration section).",
	  "csf|apf|imunify|cpanel [FILE]",
	  "smtpguard import csf > /tmp/smtpguard.conf     read it, and stderr; then\n"
	  "  smtpguard import csf --write && smtpguard check-config && smtpguard sync" },
};
/* clang-format on */

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

enum long_only {
	LO_JSON = 256,
	LO_CGROUP,
	LO_RUNTIME,
	LO_MODE,
	LO_SYSLOG,
	LO_PROMETHEUS,
	LO_FORCE,
	LO_FILE_ONLY,
	LO_WRITE,
	LO_TO,
	LO_KILL,
};

static const struct option long_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "pin-dir", required_argument, NULL, 'p' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "json", no_argument, NULL, LO_JSON },
	{ "cgroup", required_argument, NULL, LO_CGROUP },
	{ "runtime", no_argument, NULL, LO_RUNTIME },
	{ "mode", required_argument, NULL, LO_MODE },
	{ "syslog", no_argument, NULL, LO_SYSLOG },
	{ "prometheus", no_argument, NULL, LO_PROMETHEUS },
	{ "force", no_argument, NULL, LO_FORCE },
	{ "file-only", no_argument, NULL, LO_FILE_ONLY },
	{ "write", no_argument, NULL, LO_WRITE },
	{ "to", required_argument, NULL, LO_TO },
	{ "kill", no_argument, NULL, LO_KILL },
	{},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: smtpguard [OPTIONS] COMMAND [ARGS]\n"
		     "\n"
		     "Refuse connections to remote SMTP ports (25, 465, 587) from every process\n"
		     "that does not run as an allowed user or group, with an eBPF program on\n"
		     "the cgroup v2 root. Local mail submission keeps working.\n"
		     "\n"
		     "Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++) {
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
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static const char *opt_name(unsigned int bit)
{
	switch (bit) {
	case OPT_JSON:
		return "--json";
	case OPT_CGROUP:
		return "--cgroup";
	case OPT_RUNTIME:
		return "--runtime";
	case OPT_MODE:
		return "--mode";
	case OPT_SYSLOG:
		return "--syslog";
	case OPT_FORCE:
		return "--force";
	case OPT_FILE_ONLY:
		return "--file-only";
	case OPT_WRITE:
		return "--write";
	case OPT_TO:
		return "--to";
	case OPT_KILL:
		return "--kill";
	default:
		return "--prometheus";
	}
}

static int parse_mode_arg(const char *arg)
{
	for (int m = 0; m < SG_MODE_COUNT; m++)
		if (!strcmp(arg, config_mode_name((__u32)m)))
			return m;
	return -1;
}

int main(int argc, char **argv)
{
	struct sg_opts o = { .config = SG_DEFAULT_CONFIG,
			     .pin_dir = SG_DEFAULT_PIN_DIR,
			     .mode = -1 };
	const struct command *cmd;
	unsigned int given = 0;
	bool help = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:p:vhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			o.config_given = true;
			break;
		case 'p':
			o.pin_dir = optarg;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			printf("smtpguard %s\n", SMTPGUARD_VERSION);
			return EXIT_OK;
		case LO_JSON:
			o.json_document = true;
			o.json_stream = true;
			given |= OPT_JSON;
			break;
		case LO_CGROUP:
			o.cgroup = optarg;
			given |= OPT_CGROUP;
			break;
		case LO_RUNTIME:
			o.runtime = true;
			given |= OPT_RUNTIME;
			break;
		case LO_MODE:
			o.mode = parse_mode_arg(optarg);
			given |= OPT_MODE;
			if (o.mode < 0) {
				log_err("--mode: expected enforce, audit or redirect, got '%s'",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case LO_SYSLOG:
			o.syslog = true;
			given |= OPT_SYSLOG;
			break;
		case LO_PROMETHEUS:
			given |= OPT_PROMETHEUS;
			break;
		case LO_FORCE:
			o.force = true;
			given |= OPT_FORCE;
			break;
		case LO_FILE_ONLY:
			o.file_only = true;
			given |= OPT_FILE_ONLY;
			break;
		case LO_WRITE:
			o.write = true;
			given |= OPT_WRITE;
			break;
		case LO_TO:
			o.to = optarg;
			given |= OPT_TO;
			break;
		case LO_KILL:
			o.kill = true;
			given |= OPT_KILL;
			break;
		case ':':
			log_err("option %s needs an argument (see smtpguard --help)",
				argv[optind - 1]);
			return EXIT_USAGE;
		default:
			/* In a cluster (-xv), argv[optind - 1] is not the one. */
			if (optopt > 0 && optopt < 256 && strncmp(argv[optind - 1], "--", 2))
				log_err("unknown option '-%c' (see smtpguard --help)", optopt);
			else
				log_err("unknown option '%s' (see smtpguard --help)",
					argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		if (help) {
			usage(stdout);
			return EXIT_OK;
		}
		log_err("no command given (see smtpguard --help)");
		return EXIT_USAGE;
	}
	cmd = find_command(argv[optind]);
	if (!cmd) {
		log_err("unknown command '%s' (see smtpguard --help)", argv[optind]);
		return EXIT_USAGE;
	}
	if (help) {
		command_usage(stdout, cmd);
		return EXIT_OK;
	}
	for (unsigned int bit = 1; bit <= OPT_LAST; bit <<= 1) {
		if ((given & bit) && !(cmd->opts & bit)) {
			log_err("%s: option %s does not apply (see smtpguard %s --help)", cmd->name,
				opt_name(bit), cmd->name);
			return EXIT_USAGE;
		}
	}
	/* A relative pin dir would depend on where the command happens to run. */
	if (o.pin_dir[0] != '/') {
		log_err("--pin-dir: expected an absolute path, got '%s'", o.pin_dir);
		return EXIT_USAGE;
	}
	if (o.runtime && o.file_only) {
		log_err("%s: --runtime and --file-only exclude each other", cmd->name);
		return EXIT_USAGE;
	}
	if (!o.config[0]) {
		log_err("--config: expected a file name, got ''");
		return EXIT_USAGE;
	}
	o.argc = argc - optind - 1;
	o.argv = argv + optind + 1;
	if (o.argc > cmd->max_args) {
		log_err("%s: unexpected argument '%s': expected %s (see smtpguard %s --help)",
			cmd->name, o.argv[cmd->max_args],
			cmd->max_args ? cmd->synopsis : "no arguments", cmd->name);
		return EXIT_USAGE;
	}
	if (o.argc < cmd->min_args) {
		log_err("%s: missing argument: expected %s (see smtpguard %s --help)", cmd->name,
			cmd->synopsis, cmd->name);
		return EXIT_USAGE;
	}
	o.command = cmd->name;
	if (cmd->check) {
		int ret = cmd->check(&o);

		if (ret != EXIT_OK)
			return ret;
	}
	if (cmd->needs_root && !privs_sufficient()) {
		log_err("must run as root (needs CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN)");
		return EXIT_FAIL;
	}
	log_setup(o.verbose);
	return cmd->run(&o);
}
