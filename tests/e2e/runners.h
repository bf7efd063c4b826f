/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * runners.h - the function that runs each kind of e2e row (e2e_guard.c's
 * step_kinds[] maps a kind to it). i is the row's number, for its result.
 */
#ifndef SG_E2E_RUNNERS_H
#define SG_E2E_RUNNERS_H

#include <stddef.h>

#include "e2e.h"

struct step;

/* run_basic.c */
void run_conn(struct ctx *c, size_t i, const struct step *s);
void run_cli_step(struct ctx *c, size_t i, const struct step *s);
void run_sh(struct ctx *c, size_t i, const struct step *s);
void run_file_check(struct ctx *c, size_t i, const struct step *s);
void run_snapshot(struct ctx *c, size_t i, const struct step *s);
void run_tamper(struct ctx *c, size_t i, const struct step *s);

/* run_race.c */
void run_reload_race(struct ctx *c, size_t i, const struct step *s);
void run_sync_race(struct ctx *c, size_t i, const struct step *s);

/* run_events.c */
void run_mon_start(struct ctx *c, size_t i, const struct step *s);
void run_mon_stop(struct ctx *c, size_t i, const struct step *s);
void run_event(struct ctx *c, size_t i, const struct step *s);
void run_path(struct ctx *c, size_t i, const struct step *s);
void run_counts(struct ctx *c, size_t i, const struct step *s);
void run_reach(struct ctx *c, size_t i, const struct step *s);
void run_alert(struct ctx *c, size_t i, const struct step *s);

/* run_floods.c */
void run_storm(struct ctx *c, size_t i, const struct step *s);
void run_forge(struct ctx *c, size_t i, const struct step *s);
void run_alert_swap(struct ctx *c, size_t i, const struct step *s);
void run_alert_flood(struct ctx *c, size_t i, const struct step *s);
void run_flood(struct ctx *c, size_t i, const struct step *s);

#endif
