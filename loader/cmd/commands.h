/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * commands.h - the table of commands (commands.c) that main.c dispatches
 * through, as git's commands[]: a new command is one row, with the options
 * it takes, its arguments and its help.
 */
#ifndef SG_COMMANDS_H
#define SG_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

/* The options a command may take, as bits of struct command.opts (main.c's options[]). */
enum command_opt {
	OPT_JSON = 1U << 0,
	OPT_CGROUP = 1U << 1,
	OPT_RUNTIME = 1U << 2,
	OPT_MODE = 1U << 3,
	OPT_SYSLOG = 1U << 4,
	OPT_PROMETHEUS = 1U << 5,
	OPT_FORCE = 1U << 6,
	OPT_FILE_ONLY = 1U << 7,
	OPT_WRITE = 1U << 8,
	OPT_TO = 1U << 9,
	OPT_KILL = 1U << 10,
};

/* What --json asks of a command that takes it. */
enum json_form {
	JSON_DOCUMENT, /* one document at the end (status, list, check) */
	JSON_STREAM, /* one object per line, as events come (monitor) */
};

struct command {
	const char *name;
	int (*run)(const struct sg_opts *o);
	int (*check)(const struct sg_opts *o); /* argument checks needing no privileges */
	unsigned int opts; /* enum command_opt bits it accepts */
	enum json_form json; /* with OPT_JSON */
	int min_args, max_args; /* positional arguments it takes */
	bool needs_root;
	const char *args; /* for usage; a second form after '\n' */
	const char *help;
	const char *synopsis; /* positional arguments on one line, for errors */
	const char *example; /* for COMMAND --help */
};

extern const struct command commands[];
extern const size_t n_commands;

#endif
