/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * host_features.h - can this host run the guard? Read-only probes, by trying
 * rather than by version numbers: load a trivial program, create a link on
 * a throwaway cgroup and remove it again (as systemd's socket-bind probe
 * does). "smtpguard check" prints every row; "load" runs the required ones
 * first and names what is missing.
 *
 * The checks are tables of rows (feature_check.h) grouped in sections
 * (feature_sections[], here). A new check is one row: a probe function and
 * what to say about it. A new section ("incumbent firewall rules still in
 * force") is one more entry in feature_sections[], with its rows in a file
 * and a header of its own (host_incumbents.h).
 */
#ifndef SG_HOST_FEATURES_H
#define SG_HOST_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

#include "feature_check.h"

extern const struct feature_section feature_sections[];
extern const size_t feature_n_sections;

void feature_env_init(struct feature_env *env, const char *pin_dir, const char *cgroup);
/* Close the probe programs, remove the throwaway cgroup. */
void feature_env_free(struct feature_env *env);

void feature_run(const struct feature_check *c, struct feature_env *env, struct feature_result *r);

/*
 * For "load": run the required rows of the for_load sections. True when all
 * are present; otherwise each missing one is printed, with the kernel
 * version that brought it, and the way to see the whole picture.
 */
bool features_ready(const char *pin_dir, const char *cgroup);

const char *feature_status_name(enum feature_status s);

#endif
