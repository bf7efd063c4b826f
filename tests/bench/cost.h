/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cost.h - what the parts of the cost benchmark (tests/bench/cost*.c)
 * share: the test host's addresses and identities, the paths measured, and
 * struct cost, which holds one run's settings, programs and samples.
 */
#ifndef SG_BENCH_COST_H
#define SG_BENCH_COST_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#define REMOTE4 "198.51.100.25" /* the mail host (tests/world.sh) */
#define REMOTE6 "2001:db8:1::25"
#define OWN4 "198.51.100.1" /* the host under test's own address */
#define OWN6 "2001:db8:1::1"
#define RELAY4 "198.51.100.26" /* in allow_dest (tests/bench/run.sh adds it) */
#define RELAY6 "2001:db8:1::26"
#define OTHER_PORT 2525 /* listened on by the mail host, not guarded here */
#define ALLOWED_UID 64202 /* last entry of allow_users */
#define ALLOWED_GID 64203 /* last entry of allow_groups */
#define DENIED_ID 64201 /* neither */
#define HIGH_UID 3000000000u /* allowed, above any array: a hash-map lookup */
/* Scoped exceptions (issue 16): a user's relay, a group's, anyone's port. */
#define SCOPED_UID 64204 /* allow_user_dest = 64204 REMOTE:25 */
#define SCOPED_GID 64205 /* allow_group_dest = 64205 REMOTE:25 */
#define SCOPED_PORT 587 /* allow_dest = REMOTE:587 */
#define OTHER_GUARDED 465 /* guarded, in no rule */
#define FIRST_FILLER 100000 /* the other entries */

enum path {
	P_OTHER_PORT,
	P_LOOPBACK,
	P_UID,
	P_GID,
	P_OWN,
	P_DEST,
	P_REFUSED,
	P_HIGH_UID,
	P_SCOPED_UID,
	P_SCOPED_GID,
	P_SCOPED_ANYONE,
	P_SCOPED_MISSED,
	P_COUNT,
};

struct path_def {
	const char *name;
	unsigned int uid, gid;
	const char *dst4, *dst6;
	int port;
	bool refused;
};

extern const struct path_def paths[P_COUNT];

enum hook { H4, H6, H_COUNT };
extern const char *const hook_names[H_COUNT];

enum side { S_FLOOR, S_GUARD, S_COUNT };

/* Warm: connects back to back. Cold: a loopback handshake between two connects. */
enum warmth { W_WARM, W_COLD, W_COUNT };
extern const char *const warmth_names[W_COUNT];

enum pkt_kind { K_TCP, K_UDP, K_COUNT };

#define MAX_SIZES 3
#define MAX_ROUNDS 15
#define MAX_MAPS 32

struct cost {
	const char *bin, *pin_dir, *cgroup, *floor_cgroup, *workdir, *out;
	bool quick;
	int rounds, batch, sizes[MAX_SIZES], n_sizes;
	int floor_prog[H_COUNT], floor_link[H_COUNT], guard_prog[H_COUNT];
	/* ns per run: samples[size][warmth][path][hook][side][round] */
	double samples[MAX_SIZES][W_COUNT][P_COUNT][H_COUNT][S_COUNT][MAX_ROUNDS];
	bool cold[MAX_SIZES]; /* is the cold kind measured at this size? */
	bool skip[P_COUNT]; /* left out by COST_PATHS */
	int floor_egress, floor_egress_link, guard_egress;
	/* ns per packet: pkt_samples[kind][side][round] */
	double pkt_samples[K_COUNT][S_COUNT][MAX_ROUNDS];
	long long memory[MAX_SIZES][2]; /* bytes: [0] users only, [1] users and groups */
	int wrong; /* batches whose decisions or run counts were not as expected */
	FILE *csv, *md;
};

struct figure {
	double median, min, max;
};

/* cost_progs.c: the programs measured, the guard under test. */
int attach_floor(struct cost *c);
int prog_stats(int prog_fd, __u64 *ns, __u64 *cnt);
int load_guard(struct cost *c, int n_users, int n_groups);
void unload_guard(const struct cost *c);
int open_guard_egress(struct cost *c);
long long guard_memory(const struct cost *c, FILE *detail);

/* cost_report.c: the figures and the tables, to stdout and cost.md. */
void out(struct cost *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct figure figure_of(const double *v, int n);
const char *met(bool ok);
void print_tables(struct cost *c);
void print_summary(struct cost *c);
void print_memory_and_targets(struct cost *c);

/* cost_packets.c: the egress program, per packet. */
int run_packets(struct cost *c);
void print_packets(struct cost *c);

#endif
