/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cli.h - parsed command line and the command entry points. */
#ifndef SG_CLI_H
#define SG_CLI_H

#include <stdbool.h>

#include "exit_codes.h"

struct sg_opts {
	const char *command; /* the command's name */
	const char *config; /* --config, default SG_DEFAULT_CONFIG */
	bool config_given; /* --config was on the command line */
	const char *pin_dir; /* --pin-dir, default SG_DEFAULT_PIN_DIR */
	bool pin_dir_given; /* --pin-dir was on the command line */
	const char *cgroup; /* load, check --cgroup; NULL: the cgroup v2 root */
	bool verbose;
	bool json_document; /* status, list, check --json: one JSON document */
	bool runtime; /* allow, revoke: the live guard only */
	bool file_only; /* allow, revoke: the configuration file only */
	bool force; /* revoke: even root */
	bool kill; /* revoke --kill: also end the account's open SMTP sessions */
	const char *to; /* allow, revoke user|group --to DEST[:PORTS]: a scoped exception */
	int mode; /* load --mode: enum sg_mode, or -1 for the configuration's */
	bool json_stream; /* monitor --json: one JSON object per line, as events come */
	bool syslog; /* monitor --syslog */
	bool write; /* import --write */
	int argc; /* positional arguments after the command name */
	char **argv;
};

int cmd_load(const struct sg_opts *o);
int cmd_sync(const struct sg_opts *o);
int cmd_check_config(const struct sg_opts *o);
int cmd_host_check(const struct sg_opts *o);
int cmd_monitor(const struct sg_opts *o);
int cmd_stats(const struct sg_opts *o);
int cmd_unload(const struct sg_opts *o);
int cmd_status(const struct sg_opts *o);
int cmd_list(const struct sg_opts *o);
/* Checks of allow/revoke arguments that need no privileges. */
int cmd_allow_check(const struct sg_opts *o);
int cmd_allow(const struct sg_opts *o);
int cmd_revoke(const struct sg_opts *o);
/* Checks of the import source that need no privileges. */
int cmd_import_check(const struct sg_opts *o);
int cmd_import(const struct sg_opts *o);

/* True when this process may load BPF and attach to cgroups. */
bool privs_sufficient(void);

#endif
