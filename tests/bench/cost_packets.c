// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cost_packets.c - the cost benchmark's per-packet rows: what the egress
 * program (cgroup_skb/egress) costs on the host's own traffic, next to an
 * empty egress program.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "become.h"
#include "cost.h"

/*
 * ---- Per packet: the egress program on the host's own traffic ----------
 *
 * A child in the cgroup sends c->batch one-byte TCP segments (TCP_NODELAY)
 * over a loopback connection of its own, or c->batch UDP datagrams to a
 * socket of its own: packets of sockets in the host's network namespace, as
 * the MTA's and every other process's are. Every one runs the egress
 * program (the segments' ACKs too); ns per run as above.
 */
static const char *const pkt_names[K_COUNT] = { "TCP segment, established", "UDP datagram" };

static int packet_batch(const struct cost *c, enum pkt_kind k, enum side s)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(0x7f000001) };
		socklen_t len = sizeof(a);
		int one = 1, type = k == K_TCP ? SOCK_STREAM : SOCK_DGRAM, srv, cli, acc = -1;
		char byte = 'x', sink[4096];

		if (become(s == S_GUARD ? c->cgroup : c->floor_cgroup, DENIED_ID, DENIED_ID))
			_exit(1);
		srv = socket(AF_INET, type, 0);
		cli = socket(AF_INET, type, 0);
		if (srv < 0 || cli < 0 || bind(srv, (struct sockaddr *)&a, len) ||
		    getsockname(srv, (struct sockaddr *)&a, &len) ||
		    (k == K_TCP && listen(srv, 1)) || connect(cli, (struct sockaddr *)&a, len))
			_exit(1);
		if (k == K_TCP && (acc = accept(srv, NULL, NULL)) < 0)
			_exit(1);
		setsockopt(cli, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof(one));
		for (int n = 0; n < c->batch; n++) {
			if (write(cli, &byte, 1) != 1)
				_exit(1);
			if (read(k == K_TCP ? acc : srv, sink, sizeof(sink)) <= 0)
				_exit(1);
		}
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static double packet_sample(struct cost *c, enum pkt_kind k, enum side s)
{
	int prog = s == S_GUARD ? c->guard_egress : c->floor_egress;
	__u64 ns0, cnt0, ns1, cnt1;

	if (prog_stats(prog, &ns0, &cnt0) || packet_batch(c, k, s) || prog_stats(prog, &ns1, &cnt1))
		return -1;
	/* At least one run per packet sent. */
	if (cnt1 - cnt0 < (__u64)c->batch) {
		fprintf(stderr, "cost: %s, %s: %llu runs for %d packets\n", pkt_names[k],
			s == S_GUARD ? "smtpguard" : "empty", (unsigned long long)(cnt1 - cnt0),
			c->batch);
		c->wrong++;
	}
	return cnt1 > cnt0 ? (double)(ns1 - ns0) / (double)(cnt1 - cnt0) : -1;
}

int run_packets(struct cost *c)
{
	if (load_guard(c, 1, 1) || open_guard_egress(c))
		return -1;
	for (int r = 0; r < c->rounds; r++)
		for (int k = 0; k < K_COUNT; k++)
			for (int j = 0; j < S_COUNT; j++) {
				enum side s = (enum side)((j + r + k) % S_COUNT);
				double v = packet_sample(c, (enum pkt_kind)k, s);

				c->pkt_samples[k][s][r] = v;
				fprintf(c->csv, "1,packet,\"%s\",egress,%s,%d,%.2f\n", pkt_names[k],
					s == S_GUARD ? "smtpguard" : "empty", r, v);
			}
	unload_guard(c);
	return 0;
}

static struct figure packet_added(const struct cost *c, enum pkt_kind k)
{
	double d[MAX_ROUNDS];

	for (int r = 0; r < c->rounds; r++)
		d[r] = c->pkt_samples[k][S_GUARD][r] - c->pkt_samples[k][S_FLOOR][r];
	return figure_of(d, c->rounds);
}

void print_packets(struct cost *c)
{
	out(c, "\n#### Per packet: the egress program on the host's own traffic\n\n"
	       "| packet | empty program | smtpguard | added |\n|---|---|---|---|\n");
	for (int k = 0; k < K_COUNT; k++) {
		struct figure fl = figure_of(c->pkt_samples[k][S_FLOOR], c->rounds);
		struct figure sg = figure_of(c->pkt_samples[k][S_GUARD], c->rounds);
		struct figure add = packet_added(c, (enum pkt_kind)k);

		out(c, "| %s | %.1f (%.1f-%.1f) | %.1f (%.1f-%.1f) | %+.1f (%+.1f to %+.1f) |\n",
		    pkt_names[k], fl.median, fl.min, fl.max, sg.median, sg.min, sg.max, add.median,
		    add.min, add.max);
	}
	out(c,
	    "\nns per run, median (min-max) over %d rounds of %d packets (TCP: and their "
	    "ACKs) per cell, in a loopback connection of a host-namespace socket.\n\n",
	    c->rounds, c->batch);
	for (int k = 0; k < K_COUNT; k++) {
		double a = packet_added(c, (enum pkt_kind)k).median;

		out(c, "- per packet, %s: <= empty + 10 ns: %+.1f ns %s\n", pkt_names[k], a,
		    met(a <= 10));
	}
}
