/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * host_incumbents.h - the section of "smtpguard check" that reports the old
 * owner-match SMTP blocks still in force (host_incumbents.c); its rows are
 * one entry of feature_sections[] (host_features.c).
 */
#ifndef SG_HOST_INCUMBENTS_H
#define SG_HOST_INCUMBENTS_H

#include "feature_check.h"

/* The old owner-match SMTP blocks still in force (host_incumbents.c). */
#define INCUMBENT_N_ROWS 6
extern const struct feature_check incumbent_rows[INCUMBENT_N_ROWS];

#endif
