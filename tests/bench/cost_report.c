// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cost_report.c - the cost benchmark's figures and tables: medians over
 * rounds, smtpguard minus the empty program paired round by round, the
 * ratio to the floor, and issue 26's bounds, printed to stdout and cost.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"

void out(struct cost *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vfprintf(c->md, fmt, ap);
	va_end(ap);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct figure figure_of(const double *v, int n)
{
	double s[MAX_ROUNDS];
	struct figure f;

	memcpy(s, v, (size_t)n * sizeof(*v));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	f.min = s[0];
	f.max = s[n - 1];
	f.median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return f;
}

static struct figure side_figure(const struct cost *c, int si, enum warmth w, enum path p,
				 enum hook h, enum side s)
{
	return figure_of(c->samples[si][w][p][h][s], c->rounds);
}

/* smtpguard minus the empty program, round by round (paired), then the median of those. */
static struct figure added_figure(const struct cost *c, int si, enum warmth w, enum path p,
				  enum hook h)
{
	double d[MAX_ROUNDS];

	for (int r = 0; r < c->rounds; r++)
		d[r] = c->samples[si][w][p][h][S_GUARD][r] - c->samples[si][w][p][h][S_FLOOR][r];
	return figure_of(d, c->rounds);
}

/* smtpguard's median over the empty program's: how many floors the decision costs. */
static double ratio_of(const struct cost *c, int si, enum warmth w, enum path p, enum hook h)
{
	return side_figure(c, si, w, p, h, S_GUARD).median /
	       side_figure(c, si, w, p, h, S_FLOOR).median;
}

static bool measured(const struct cost *c, int si, enum warmth w)
{
	return w == W_WARM || c->cold[si];
}

void print_tables(struct cost *c)
{
	for (int si = 0; si < c->n_sizes; si++) {
		for (int w = 0; w < W_COUNT; w++) {
			if (!measured(c, si, (enum warmth)w))
				continue;
			out(c,
			    "\n#### %d allowed user%s and %d group%s (plus UID %u), %s\n\n"
			    "| path | hook | empty program | smtpguard | added | ratio |\n"
			    "|---|---|---|---|---|---|\n",
			    c->sizes[si], c->sizes[si] == 1 ? "" : "s", c->sizes[si],
			    c->sizes[si] == 1 ? "" : "s", HIGH_UID, warmth_names[w]);
			for (int p = 0; p < P_COUNT; p++) {
				for (int h = 0; h < H_COUNT && !c->skip[p]; h++) {
					enum warmth wm = (enum warmth)w;
					struct figure fl = side_figure(c, si, wm, (enum path)p,
								       (enum hook)h, S_FLOOR);
					struct figure sg = side_figure(c, si, wm, (enum path)p,
								       (enum hook)h, S_GUARD);
					struct figure add =
						added_figure(c, si, wm, (enum path)p, (enum hook)h);

					out(c,
					    "| %s | %s | %.0f (%.0f-%.0f) | %.0f (%.0f-%.0f) | %+.0f "
					    "(%+.0f to %+.0f) | x%.2f |\n",
					    paths[p].name, hook_names[h], fl.median, fl.min, fl.max,
					    sg.median, sg.min, sg.max, add.median, add.min, add.max,
					    ratio_of(c, si, wm, (enum path)p, (enum hook)h));
				}
			}
		}
	}
	out(c,
	    "\nns per run (run_time_ns / run_cnt), median (min-max) over %d rounds of %d "
	    "connects per cell; added: smtpguard minus the empty program in the same round, "
	    "median (min to max); ratio: smtpguard's median over the empty program's. "
	    "Cold: a loopback handshake between two connects.\n",
	    c->rounds, c->batch);
}

/* One line per path: ns added (ratio), connect4 / connect6, warm and cold at each size. */
void print_summary(struct cost *c)
{
	out(c, "\n#### Summary: ns added over the empty program (ratio), connect4 / connect6\n\n"
	       "| path |");
	for (int w = 0; w < W_COUNT; w++)
		for (int si = 0; si < c->n_sizes; si++)
			if (measured(c, si, (enum warmth)w))
				out(c, " %s, %d |", warmth_names[w], c->sizes[si]);
	out(c, "\n|---|");
	for (int w = 0; w < W_COUNT; w++)
		for (int si = 0; si < c->n_sizes; si++)
			if (measured(c, si, (enum warmth)w))
				out(c, "---|");
	out(c, "\n");
	for (int p = 0; p < P_COUNT; p++) {
		out(c, "| %s |", paths[p].name);
		for (int w = 0; w < W_COUNT; w++) {
			for (int si = 0; si < c->n_sizes; si++) {
				enum warmth wm = (enum warmth)w;

				if (!measured(c, si, wm))
					continue;
				if (c->skip[p]) {
					out(c, " - |");
					continue;
				}
				out(c, " %+.0f / %+.0f (x%.2f / x%.2f) |",
				    added_figure(c, si, wm, (enum path)p, H4).median,
				    added_figure(c, si, wm, (enum path)p, H6).median,
				    ratio_of(c, si, wm, (enum path)p, H4),
				    ratio_of(c, si, wm, (enum path)p, H6));
			}
		}
		out(c, "\n");
	}
}

const char *met(bool ok)
{
	return ok ? "MET" : "NOT MET";
}

/* Issue 26's bound for a path, in ns over the empty program. */
static double bound_of(enum path p)
{
	if (p == P_OTHER_PORT)
		return 25;
	return paths[p].refused ? 200 : 100;
}

void print_memory_and_targets(struct cost *c)
{
	int last = c->n_sizes - 1, k1000 = -1;
	bool ok;

	out(c, "\n#### Kernel memory of all the guard's maps (bytes_memlock)\n\n");
	for (int si = 0; si < c->n_sizes; si++) {
		out(c, "- %d user(s): %.2f MiB; %d user(s) and %d group(s): %.2f MiB\n",
		    c->sizes[si], c->memory[si][0] / 1048576.0, c->sizes[si], c->sizes[si],
		    c->memory[si][1] / 1048576.0);
		if (c->sizes[si] == 1000)
			k1000 = si;
	}
	out(c, "\n#### Targets (every size, both hooks, warm and cold: the worst median)\n\n");
	for (int p = 0; p < P_COUNT; p++) {
		double worst = -1e9;
		const char *where = "";

		if (c->skip[p])
			continue;
		for (int si = 0; si < c->n_sizes; si++)
			for (int w = 0; w < W_COUNT; w++)
				for (int h = 0; h < H_COUNT && measured(c, si, (enum warmth)w);
				     h++) {
					double a = added_figure(c, si, (enum warmth)w, (enum path)p,
								(enum hook)h)
							   .median;

					if (a > worst) {
						worst = a;
						where = warmth_names[w];
					}
				}
		out(c, "- %s: <= empty + %.0f ns: worst %+.0f ns (%s) %s\n", paths[p].name,
		    bound_of((enum path)p), worst, where, met(worst <= bound_of((enum path)p)));
	}
	if (k1000 >= 0) {
		ok = c->memory[k1000][1] <= 3LL << 20;
		out(c, "- all maps at 1000 users and groups <= 3 MiB: %.2f MiB %s\n",
		    c->memory[k1000][1] / 1048576.0, met(ok));
	}
	out(c, "- all maps at %d users and groups < 16 MiB: %.2f MiB %s\n", c->sizes[last],
	    c->memory[last][1] / 1048576.0, met(c->memory[last][1] < 16LL << 20));
	out(c, "- every batch decided as its path says, every connect counted once: %s\n",
	    c->wrong ? "NO (see stderr)" : "yes");
}
