// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmd_import.c - "smtpguard import csf|apf|imunify|cpanel [FILE] [--write]":
 * read the incumbent's own file and print the smtpguard.conf that keeps its
 * policy; every difference goes to stderr. With --write, the configuration
 * file is replaced (the old one kept beside it) and the command that applies
 * it is printed; nothing else is touched, the live guard least of all.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "config_edit.h"
#include "import.h"
#include "log.h"
#include "readfile.h"
#include "roles.h"

/* The incumbents' files are small; anything larger is not one of them. */
#define IMPORT_MAX_BYTES (16u << 20)

int cmd_import_check(const struct sg_opts *o)
{
	const char *what = o->argv[0];

	if (import_source_from_name(what) != IMPORT_SOURCE_COUNT)
		return EXIT_OK;
	if (!strcmp(what, "directadmin")) {
		log_err("import: DirectAdmin has no SMTP setting of its own: with CSF, run "
			"'smtpguard import csf'; with DirectAdmin's own script (mail and root may "
			"send), smtpguard's defaults are that policy (@mta is DirectAdmin's 'mail')");
		return EXIT_USAGE;
	}
	log_err("import: unknown source '%s': expected csf, apf, imunify or cpanel "
		"(see smtpguard import --help)",
		what);
	return EXIT_USAGE;
}

/* Whoever can write the incumbent's file chose the policy that is imported from it. */
static bool trusted(const char *path)
{
	struct stat st;

	return stat(path, &st) || (st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH)));
}

/* The summary's last line: who @mta, which every import keeps, is on this host now. */
static void print_mta(const struct import_policy *p)
{
	struct role_cache cache = {};
	struct role_ids ids = {};
	char name[256];

	roles_resolve(ROLE_MTA, ID_USER, &cache, &ids);
	if (!ids.n) {
		fprintf(stderr,
			"%s: note: @mta (the local MTA) matches nobody on this host now: no Exim "
			"or Postfix answered; it follows the MTA once one is installed\n",
			p->path);
		return;
	}
	fprintf(stderr, "%s: note: @mta (the local MTA) is", p->path);
	for (size_t i = 0; i < ids.n; i++) {
		const char *n = identity_name(ID_USER, ids.id[i], name, sizeof(name));

		fprintf(stderr, "%s %s%suid %u%s", i ? "," : "", n ? n : "", n ? " (" : "",
			ids.id[i], n ? ")" : "");
	}
	fprintf(stderr, " on this host (%s): it keeps delivering\n", ids.source);
}

/* s as one shell word: as it is when it is plain, else in single quotes. */
static void shell_word(FILE *out, const char *s)
{
	if (*s &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-+:@,=") ==
		    strlen(s)) {
		fputs(s, out);
		return;
	}
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	}
	fputc('\'', out);
}

/* The options the apply commands need to reach what this import was told. */
static void apply_options(FILE *out, const struct sg_opts *o)
{
	if (o->config_given) {
		fputs(" --config ", out);
		shell_word(out, o->config);
	}
	if (o->pin_dir_given) {
		fputs(" --pin-dir ", out);
		shell_word(out, o->pin_dir);
	}
}

/*
 * A symlinked configuration is written at its target, as allow and revoke
 * edit it, and every message names that real file: a rollback "mv" onto the
 * link would replace the link itself.
 */
static int write_config(const struct sg_opts *o, const struct import_policy *p, const char *text)
{
	char backup[PATH_MAX], real[PATH_MAX];
	const char *target = o->config;
	struct stat st;
	int lock_fd, err;

	if (!lstat(o->config, &st) && S_ISLNK(st.st_mode)) {
		if (!realpath(o->config, real)) {
			log_err("%s is a symbolic link that cannot be resolved: %s (nothing was "
				"written)",
				o->config, strerror(errno));
			return EXIT_FAIL;
		}
		target = real;
	}
	lock_fd = config_edit_lock(target);
	if (lock_fd < 0) {
		log_err("cannot lock the directory of %s: %s", target, strerror(errno));
		return EXIT_FAIL;
	}
	err = config_edit_replace(target, text, backup, sizeof(backup));
	close(lock_fd);
	if (err == -EINVAL) {
		log_err("%s is not a regular file (nothing was written)", target);
		return EXIT_FAIL;
	}
	if (err) {
		log_err("cannot write %s: %s (nothing was changed)", target, strerror(-err));
		return EXIT_FAIL;
	}
	if (target != o->config)
		printf("smtpguard: wrote %s (the file %s points to), imported from %s\n", target,
		       o->config, p->path);
	else
		printf("smtpguard: wrote %s, imported from %s\n", target, p->path);
	if (backup[0]) {
		printf("smtpguard: the previous file is %s (to go back: mv ", backup);
		shell_word(stdout, backup);
		putchar(' ');
		shell_word(stdout, target);
		printf(")\n");
	}
	printf("smtpguard: nothing is applied yet; to apply it:\n  smtpguard check-config");
	if (o->config_given) {
		putchar(' ');
		shell_word(stdout, o->config);
	}
	printf(" && smtpguard sync");
	apply_options(stdout, o);
	printf("\n(smtpguard load");
	apply_options(stdout, o);
	printf(" when no guard is loaded yet)\n");
	return EXIT_OK;
}

int cmd_import(const struct sg_opts *o)
{
	enum import_source src = import_source_from_name(o->argv[0]);
	const char *path = o->argc > 1 ? o->argv[1] : import_default_path(src);
	struct import_policy p = {};
	char *buf = NULL, *text = NULL;
	size_t len = 0, text_len = 0;
	int ret = EXIT_USAGE, err;

	if (o->write && geteuid() != 0) {
		log_err("import --write: must run as root (it replaces %s, which must be root's)",
			o->config);
		return EXIT_FAIL;
	}
	err = readfile_regular(path, IMPORT_MAX_BYTES, false, &buf, &len, stderr);
	if (err == -ENOENT && src == IMPORT_CPANEL) {
		buf = NULL; /* no flag file: SMTP Restrictions is off */
	} else if (err == -ENOENT) {
		log_err("%s: no such file (is %s installed here? name its file: smtpguard import %s "
			"FILE)",
			path, import_source_title(src), import_source_name(src));
		goto cleanup;
	} else if (err == -ENOMEM) {
		log_err("%s: out of memory", path);
		ret = EXIT_FAIL;
		goto cleanup;
	} else if (err) {
		goto cleanup; /* "PATH: reason" is printed */
	}
	if (geteuid() == 0 && !trusted(path)) {
		if (o->write) {
			log_err("%s: must be owned by root and not writable by group or others to be "
				"imported with --write (whoever can write it chose this policy)",
				path);
			goto cleanup;
		}
		log_warn("%s is not root's alone (owned by another user, or writable by group or "
			 "others): whoever can write it chose this policy",
			 path);
	}
	err = import_parse(src, path, buf, len, import_host_is_cpanel(), &p, stderr);
	if (err < 0) {
		log_err("%s: %s", path, strerror(-err));
		ret = EXIT_FAIL;
		goto cleanup;
	}
	if (err) {
		log_err("%s: not imported: %d error%s, nothing was written", path, err,
			err == 1 ? "" : "s");
		goto cleanup;
	}
	err = import_render(&p, &text, &text_len, stderr);
	if (err) {
		ret = EXIT_FAIL;
		goto cleanup;
	}
	import_print_notes(&p, stderr);
	print_mta(&p);
	if (o->write) {
		ret = write_config(o, &p, text);
		goto cleanup;
	}
	fwrite(text, 1, text_len, stdout);
	ret = fflush(stdout) ? EXIT_FAIL : EXIT_OK;
cleanup:
	import_free(&p);
	free(text);
	free(buf);
	return ret;
}
