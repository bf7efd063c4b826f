/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * kvfile.h - the NAME="value" files of the iptables firewalls smtpguard
 * replaces, read the way their owners read them:
 *
 *   KV_CSF    /etc/csf/csf.conf, as ConfigServer::Config does: a line that
 *             starts with a blank or '#' is a comment; a line without '='
 *             is ignored; otherwise NAME = "value", where the value runs
 *             from the first '"' to the last one, and a line with no quoted
 *             value is an error. A setting given twice is an error (csf
 *             refuses to start).
 *   KV_SHELL  /etc/apf/conf.apf, a shell script that APF sources: one or
 *             more NAME="value", NAME='value' or NAME=value assignments per
 *             line, '#' comments, and ". FILE" lines that source more. The
 *             last assignment of a name wins, as in the shell.
 *
 * Anything else (binary data, another file's syntax) is an error that names
 * the line, so "smtpguard import" never guesses at a file it cannot read.
 */
#ifndef SG_KVFILE_H
#define SG_KVFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum kv_dialect {
	KV_CSF,
	KV_SHELL,
};

struct kv_entry {
	char *name;
	char *value;
	unsigned int line;
	unsigned int prev_line; /* KV_SHELL: the line it replaced, or 0 */
};

struct kv_file {
	const char *path; /* for messages */
	unsigned int lines; /* how many lines the file has */
	struct kv_entry *v;
	size_t n, cap;
};

/*
 * Parse buf (len bytes) as file path. Each problem goes to diag as
 * "PATH:LINE: message". Returns the number of errors (0: f is complete),
 * or -ENOMEM. Warnings (a csf.conf line csf ignores) go to diag too and do
 * not count.
 */
int kv_parse(const char *path, const char *buf, size_t len, enum kv_dialect d, struct kv_file *f,
	     FILE *diag);

/* The entry for name, or NULL. */
const struct kv_entry *kv_get(const struct kv_file *f, const char *name);

/* Perl's truth, which csf and lfd apply to values: false for "" and "0". */
bool kv_perl_true(const char *value);

/* name's value, "" when the file does not set it. */
const char *kv_value(const struct kv_file *f, const char *name);

/* The line that sets name, 0 when none does. */
unsigned int kv_line(const struct kv_file *f, const char *name);

void kv_free(struct kv_file *f);

#endif
