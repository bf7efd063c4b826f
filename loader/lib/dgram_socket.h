/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dgram_socket.h - a non-blocking AF_UNIX datagram socket connected to a
 * path, as the journal's and syslog's sockets are reached: a full or absent
 * log never stalls the monitor.
 */
#ifndef SG_DGRAM_SOCKET_H
#define SG_DGRAM_SOCKET_H

/* The connected socket's fd, or -errno (nothing left open). */
int dgram_socket_connect(const char *path);

#endif
