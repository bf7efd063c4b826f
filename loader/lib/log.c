// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* log.c - message helpers; see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>

#include "log.h"

/*
 * libbpf's print callback carries no user pointer, so the verbosity it
 * consults has to live at file scope. (The other file-scope variable is the
 * monitor's stop flag, which a signal handler sets.)
 */
static bool verbose_enabled;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose_enabled)
		return 0;
	if (level == LIBBPF_INFO && !verbose_enabled)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void log_setup(bool verbose)
{
	verbose_enabled = verbose;
	libbpf_set_print(libbpf_print);
}

bool log_verbose(void)
{
	return verbose_enabled;
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "smtpguard: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void log_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("note: ", fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose_enabled)
		return;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}
