// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * commands.c - every command of smtpguard: its entry point, the options and
 * arguments it takes, and its help (smtpguard --help, COMMAND --help, and
 * the error that names what it expected).
 */
#include "array.h"
#include "commands.h"

/* clang-format off */
const struct command commands[] = {
	{ "load", cmd_load, NULL, OPT_CGROUP | OPT_MODE, JSON_DOCUMENT, 0, 0, true,
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
	{ "sync", cmd_sync, NULL, 0, JSON_DOCUMENT, 0, 0, true, "",
	  "Re-read the configuration, re-resolve names and roles, refresh the host's\n"
	  "own addresses, and make the live guard equal to the result. Prints each\n"
	  "change (+uid 47 (mailnull, @mta)); a second run changes nothing. Every\n"
	  "problem of the file is reported in one run. Exit status 3 when no guard\n"
	  "is loaded.",
	  NULL, "smtpguard sync                  after editing /etc/smtpguard.conf" },
	{ "unload", cmd_unload, NULL, 0, JSON_DOCUMENT, 0, 0, true, "", "Detach the guard and remove its pins.",
	  NULL, "smtpguard unload                SMTP is unguarded until the next load" },
	{ "status", cmd_status, NULL, OPT_JSON, JSON_DOCUMENT, 0, 0, true, "[--json]",
	  "Show whether the guard is loaded, where it is attached, the guarded ports,\n"
	  "allow_local and the allowlists. Exit status 3 when it is not loaded or damaged.",
	  NULL, "smtpguard status --json | jq .state" },
	{ "list", cmd_list, NULL, OPT_JSON, JSON_DOCUMENT, 0, 0, true, "[--json]",
	  "Show the allowlists with names and where each entry came from.", NULL,
	  "smtpguard list" },
	{ "allow", cmd_allow, cmd_allow_check, OPT_RUNTIME | OPT_FILE_ONLY | OPT_TO, JSON_DOCUMENT,
	  2, 2, true,
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
	  OPT_RUNTIME | OPT_FILE_ONLY | OPT_FORCE | OPT_TO | OPT_KILL, JSON_DOCUMENT, 2, 2, true,
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
	{ "monitor", cmd_monitor, NULL, OPT_JSON | OPT_SYSLOG, JSON_STREAM, 0, 0, true, "[--json] [--syslog]",
	  "Stream refused, audited and redirected attempts as they happen, with the\n"
	  "unit, executable, command line and directory: a line each (or one JSON\n"
	  "object per line), or to the journal (fields) or syslog, storms condensed.\n"
	  "Raises alerts (alert_threshold, alert_command). Stopping it never affects\n"
	  "enforcement.",
	  NULL, "smtpguard monitor --json | jq -c 'select(.type == \"event\")'" },
	{ "stats", cmd_stats, NULL, OPT_PROMETHEUS, JSON_DOCUMENT, 0, 0, true, "--prometheus",
	  "Print node_exporter textfile-collector metrics.", NULL,
	  "smtpguard stats --prometheus > /var/lib/node_exporter/smtpguard.prom" },
	{ "check", cmd_host_check, NULL, OPT_JSON | OPT_CGROUP, JSON_DOCUMENT, 0, 0, true, "[--json] [--cgroup DIR]",
	  "Can the guard work on this host? Probes by trying, and changes nothing:\n"
	  "cgroup v2, bpffs, cgroup connect programs, bpf_link, the ring buffer, the\n"
	  "helpers the program calls, kernel BTF (optional), io_uring and MPTCP (what\n"
	  "there is to guard), unprivileged BPF, and this guard's state. Each missing\n"
	  "piece is named with the kernel version that brought it. Exit status 0 when\n"
	  "the guard can work, 1 when it cannot.", NULL,
	  "smtpguard check --json | jq -r '.missing[]'" },
	{ "check-config", cmd_check_config, NULL, 0, JSON_DOCUMENT, 0, 1, false, "[FILE]",
	  "Validate the configuration (or FILE) without touching the kernel: without\n"
	  "FILE or --config, the file the loaded guard records (the one sync applies).\n"
	  "Every error is reported as FILE:LINE: message; a name that does not resolve\n"
	  "is an error here. Exit status 2 when there are errors.",
	  "[FILE]", "smtpguard check-config /etc/smtpguard.conf.new" },
	{ "import", cmd_import, cmd_import_check, OPT_WRITE, JSON_DOCUMENT, 1, 2, false,
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

const size_t n_commands = ARRAY_SIZE(commands);
