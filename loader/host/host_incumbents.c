// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * host_incumbents.c - the section of "smtpguard check" that reports the
 * owner-match SMTP blocks still in force (incumbents.c finds them): one row
 * per incumbent, each with the command that turns it off, and one that says
 * what running both means. The firewall tools run once, for the first row.
 */
#include <stdlib.h>

#include "host_incumbents.h"
#include "incumbents.h"

static const struct inc_report *report(struct feature_env *env)
{
	struct inc_env where;

	if (!env->incumbents) {
		env->incumbents = calloc(1, sizeof(*env->incumbents));
		if (!env->incumbents)
			return NULL;
		incumbents_defaults(&where);
		incumbents_check(&where, env->incumbents);
	}
	return env->incumbents;
}

static void row(struct feature_env *env, struct feature_result *r, enum incumbent i)
{
	const struct inc_report *rep = report(env);

	if (!rep)
		feature_result_set(r, FEAT_INFO, "not checked: out of memory");
	else if (rep->f[i].state == INC_FOUND)
		feature_result_set(r, FEAT_WARN, "in force (%s); to turn it off: %s",
				   rep->f[i].evidence, incumbent_off(i));
	else if (rep->f[i].state == INC_NOT_CHECKED)
		feature_result_set(r, FEAT_INFO, "not checked (%s)%s%s", rep->not_checked,
				   rep->read[0] ? "; not in what was read: " : "", rep->read);
	else
		feature_result_set(
			r, FEAT_OK, "not in force (%s%s%s%s)",
			i == INC_CPANEL	 ? "no flag file" :
			i == INC_IMUNIFY ? "SMTP_BLOCKING is not enabled" :
					   "",
			i == INC_CPANEL || i == INC_IMUNIFY ? (rep->read[0] ? "; " : "") : "",
			rep->read[0] ? "nothing in " : "", rep->read);
}

static void probe_csf(struct feature_env *env, struct feature_result *r)
{
	row(env, r, INC_CSF);
}

static void probe_apf(struct feature_env *env, struct feature_result *r)
{
	row(env, r, INC_APF);
}

static void probe_cpanel(struct feature_env *env, struct feature_result *r)
{
	row(env, r, INC_CPANEL);
}

static void probe_imunify(struct feature_env *env, struct feature_result *r)
{
	row(env, r, INC_IMUNIFY);
}

static void probe_other(struct feature_env *env, struct feature_result *r)
{
	row(env, r, INC_OTHER);
}

static void probe_both(struct feature_env *env, struct feature_result *r)
{
	const struct inc_report *rep = report(env);
	int found = 0, unknown = 0;

	for (int i = 0; rep && i < INC_COUNT; i++) {
		found += rep->f[i].state == INC_FOUND;
		unknown += rep->f[i].state == INC_NOT_CHECKED;
	}
	if (found)
		feature_result_set(r, FEAT_WARN, "%s", incumbents_both);
	else if (unknown || !rep)
		feature_result_set(r, FEAT_INFO, "no old SMTP block found in what could be read");
	else
		feature_result_set(r, FEAT_OK, "no old SMTP block found alongside smtpguard");
}

/* clang-format off */
const struct feature_check incumbent_rows[INCUMBENT_N_ROWS] = {
	{ "incumbent_csf", "CSF SMTP_BLOCK", NULL, NEED_INFO, NULL, probe_csf },
	{ "incumbent_apf", "APF SMTP_BLOCK", NULL, NEED_INFO, NULL, probe_apf },
	{ "incumbent_cpanel", "cPanel SMTP Restrictions", NULL, NEED_INFO, NULL, probe_cpanel },
	{ "incumbent_imunify", "Imunify360 SMTP blocking", NULL, NEED_INFO, NULL, probe_imunify },
	{ "incumbent_other", "other owner-match rules", NULL, NEED_INFO, NULL, probe_other },
	{ "incumbent_both", "old and new together", NULL, NEED_INFO, NULL, probe_both },
};
/* clang-format on */
