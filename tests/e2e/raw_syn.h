/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* raw_syn.h - PM_RAW_SYN (see raw_syn.c). */
#ifndef SG_RAW_SYN_H
#define SG_RAW_SYN_H

#include <sys/socket.h>

#include "probe.h"

/*
 * Started as root: become p->as_uid with CAP_NET_RAW alone, send a SYN to
 * dst on a raw socket and wait up to 2 s for the SYN-ACK. 0 when it came,
 * ETIMEDOUT when not, the errno of a refused sendto() (EPERM: dropped on
 * the way out), or PROBE_SETUP_FAILED.
 */
int raw_syn_run(const struct probe *p, const struct sockaddr_storage *dst, socklen_t len);

/*
 * The same SYN (IPv4), with its IP header, in a frame on an AF_PACKET
 * socket to the next hop's MAC (aa:bb:cc:dd:ee:ff), as whoever runs it:
 * it skips the IP stack, so no cgroup program and no netfilter hook of
 * this namespace sees it (README: out of scope, closed on the host's
 * forward path). 0 when the SYN-ACK came, ETIMEDOUT, an errno, or
 * PROBE_SETUP_FAILED.
 */
int packet_syn_run(const struct sockaddr_in *dst, const char *mac);

#endif
