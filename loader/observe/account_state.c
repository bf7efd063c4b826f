// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* account_state.c - see account_state.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_replace.h"
#include "account_state.h"
#include "event_format.h"

#define HEADER "# smtpguard monitor: the process of each account's latest event (v1)\n"

void monitor_run_path(const char *pin_dir, const char *suffix, char *buf, size_t len)
{
	int n = snprintf(buf, len, "/run/smtpguard-monitor");

	for (const char *p = pin_dir; *p && n < (int)(len - strlen(suffix) - 1); p++)
		buf[n++] = *p == '/' ? '_' : *p;
	snprintf(buf + n, len - (size_t)n, "%s", suffix);
}

const struct account_seen *account_state_find(const struct account_state *s, __u32 uid)
{
	for (size_t i = 0; i < ACCOUNT_STATE_MAX; i++)
		if (s->v[i].used && s->v[i].uid == uid)
			return &s->v[i];
	return NULL;
}

void account_state_note(struct account_state *s, __u32 uid, __u64 boot_ns,
			const struct proc_info *p)
{
	struct account_seen *slot = (struct account_seen *)account_state_find(s, uid);

	if (p->gone)
		return;
	/* A new account takes a free slot, else the one seen longest ago. */
	for (size_t i = 0; !slot && i < ACCOUNT_STATE_MAX; i++)
		if (!s->v[i].used)
			slot = &s->v[i];
	if (!slot) {
		slot = &s->v[0];
		for (size_t i = 1; i < ACCOUNT_STATE_MAX; i++)
			if (s->v[i].boot_ns < slot->boot_ns)
				slot = &s->v[i];
	}
	if (slot->used && slot->uid == uid && slot->boot_ns > boot_ns)
		return; /* an older event, late */
	slot->used = true;
	slot->uid = uid;
	slot->boot_ns = boot_ns;
	escape_text(p->exe, strlen(p->exe), slot->exe, sizeof(slot->exe));
	escape_text(p->cmdline, strlen(p->cmdline), slot->cmdline, sizeof(slot->cmdline));
	escape_text(p->cwd, strlen(p->cwd), slot->cwd, sizeof(slot->cwd));
	s->dirty = true;
}

int account_state_save(struct account_state *s, const char *path)
{
	struct file_replace r;
	int err;

	if (!s->dirty)
		return 0;
	err = file_replace_open(&r, path);
	if (err)
		return err;
	fputs(HEADER, r.f);
	for (size_t i = 0; i < ACCOUNT_STATE_MAX; i++) {
		const struct account_seen *a = &s->v[i];

		if (a->used)
			fprintf(r.f, "%u\t%llu\t%s\t%s\t%s\n", a->uid,
				(unsigned long long)a->boot_ns, a->exe, a->cmdline, a->cwd);
	}
	err = file_replace_commit(&r, NULL, false);
	if (!err)
		s->dirty = false;
	return err;
}

/* The next tab-separated field of *line, cut to len. */
static void field(char **line, char *out, size_t len)
{
	char *p = *line, *end = p + strcspn(p, "\t\n");
	size_t n = (size_t)(end - p);

	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	*line = *end ? end + 1 : end;
}

int account_state_load(struct account_state *s, const char *path)
{
	char *line = NULL, num[32];
	size_t cap = 0, k = 0;
	struct stat st;
	int fd, err = 0;
	FILE *f;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		close(fd);
		return -EPERM;
	}
	f = fdopen(fd, "r");
	if (!f) {
		err = -errno;
		close(fd);
		return err;
	}
	memset(s, 0, sizeof(*s));
	while (k < ACCOUNT_STATE_MAX && getline(&line, &cap, f) > 0) {
		struct account_seen *a = &s->v[k];
		char *p = line, *end;

		if (line[0] == '#')
			continue;
		field(&p, num, sizeof(num));
		a->uid = (__u32)strtoul(num, &end, 10);
		if (!num[0] || *end)
			continue;
		field(&p, num, sizeof(num));
		a->boot_ns = strtoull(num, &end, 10);
		if (!num[0] || *end)
			continue;
		field(&p, a->exe, sizeof(a->exe));
		field(&p, a->cmdline, sizeof(a->cmdline));
		field(&p, a->cwd, sizeof(a->cwd));
		a->used = true;
		k++;
	}
	free(line);
	fclose(f);
	return 0;
}
