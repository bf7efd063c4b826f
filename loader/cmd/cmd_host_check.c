// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmd_host_check.c - "smtpguard check [--json]": can the guard work on this
 * host? Runs every row of host_features.c's tables and prints them, grouped by
 * section. Changes nothing: the probes' programs, link and cgroup are gone
 * again when it exits. Exit 0 when every required row is present, 1 if not.
 */
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "cli.h"
#include "host_features.h"
#include "json.h"

struct row_out {
	const struct feature_section *sec;
	const struct feature_check *c;
	struct feature_result r;
};

static bool row_fatal(const struct row_out *o)
{
	return o->c->need == NEED_REQUIRED && o->r.status == FEAT_MISSING;
}

static const char *row_label(const struct row_out *o)
{
	if (o->r.status == FEAT_MISSING && o->c->need != NEED_REQUIRED)
		return "absent";
	return feature_status_name(o->r.status);
}

static void print_text(const struct row_out *rows, size_t n, bool can_work)
{
	const struct feature_section *sec = NULL;
	size_t missing = 0;

	for (size_t i = 0; i < n; i++) {
		const struct row_out *o = &rows[i];

		if (o->sec != sec) {
			sec = o->sec;
			printf("%s%s\n", i ? "\n" : "", sec->name);
		}
		printf("  %-8s %-24s %s\n", row_label(o), o->c->name, o->r.detail);
		if (o->r.status == FEAT_MISSING && o->c->used_for)
			printf("  %-8s %-24s %s%s%s%s\n", "", "", o->c->since ? "needs " : "",
			       o->c->since ? o->c->since : "", o->c->since ? ": " : "",
			       o->c->used_for);
	}
	printf("\n");
	if (can_work) {
		printf("smtpguard: the guard can work on this host\n");
		return;
	}
	printf("smtpguard: the guard cannot work on this host; missing:");
	for (size_t i = 0; i < n; i++) {
		if (!row_fatal(&rows[i]))
			continue;
		printf("%s %s%s%s%s", missing++ ? "," : "", rows[i].c->name,
		       rows[i].c->since ? " (" : "", rows[i].c->since ? rows[i].c->since : "",
		       rows[i].c->since ? ")" : "");
	}
	printf("\n");
}

static void print_json(const struct row_out *rows, size_t n, bool can_work)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_u64(&j, "schema", 1);
	json_bool(&j, "can_work", can_work);
	json_arr_begin(&j, "checks");
	for (size_t i = 0; i < n; i++) {
		const struct row_out *o = &rows[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "section", o->sec->name);
		json_str(&j, "id", o->c->id);
		json_str(&j, "name", o->c->name);
		json_str(&j, "status", feature_status_name(o->r.status));
		json_str(&j, "need",
			 o->c->need == NEED_REQUIRED ? "required" :
			 o->c->need == NEED_OPTIONAL ? "optional" :
						       "info");
		json_str(&j, "since", o->c->since);
		json_str(&j, "detail", o->r.detail);
		json_str(&j, "used_for", o->c->used_for);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr_begin(&j, "missing");
	for (size_t i = 0; i < n; i++)
		if (row_fatal(&rows[i]))
			json_str(&j, NULL, rows[i].c->id);
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
}

int cmd_host_check(const struct sg_opts *o)
{
	struct row_out rows[64];
	struct feature_env env;
	bool can_work = true;
	size_t n = 0;

	feature_env_init(&env, o->pin_dir, o->cgroup);
	for (size_t s = 0; s < feature_n_sections; s++) {
		const struct feature_section *sec = &feature_sections[s];

		for (size_t i = 0; i < sec->n_rows && n < ARRAY_SIZE(rows); i++) {
			rows[n].sec = sec;
			rows[n].c = &sec->rows[i];
			feature_run(rows[n].c, &env, &rows[n].r);
			can_work &= !row_fatal(&rows[n]);
			n++;
		}
	}
	feature_env_free(&env);
	if (o->json_document)
		print_json(rows, n, can_work);
	else
		print_text(rows, n, can_work);
	return can_work ? EXIT_OK : EXIT_FAIL;
}
