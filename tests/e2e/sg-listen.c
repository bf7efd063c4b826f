// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sg-listen - the test mail host: accept and close TCP connections on every
 * ADDR:PORT given ([v6]:port for IPv6). Listeners are MPTCP where the kernel
 * has it (plain TCP clients fall back transparently) and accept TCP Fast
 * Open. Prints "ready" once listening; exits by itself after -t seconds.
 * With -l FILE, appends "accepted LOCAL-ADDRESS:PORT" for each connection,
 * so a test can tell which host a connection really reached. With -d, reads
 * each connection to its end first (a sink for bulk transfers). With -k,
 * keeps each connection open until the peer ends it (a session that a test
 * ends from the client's side, "revoke --kill"), MAX_HELD at a time.
 *
 *   sg-listen [-t SECONDS] [-l FILE] [-d | -k] 198.51.100.25:25 [2001:db8:1::25]:25 ...
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

#define MAX_LISTENERS 64
#define MAX_HELD 64

static int parse_addr(const char *arg, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon = strrchr(arg, ':');
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	int port;

	if (!colon || (size_t)(colon - arg) >= sizeof(host))
		return -1;
	port = atoi(colon + 1);
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[') {
		host[strlen(host) - 1] = '\0';
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*sin6);
		return inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) == 1 ? 0 : -1;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)port);
	*len = sizeof(*sin);
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

static int open_listener(const char *arg)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, qlen = 64;

	if (parse_addr(arg, &ss, &len)) {
		fprintf(stderr, "sg-listen: bad address %s\n", arg);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_MPTCP);
	if (fd < 0)
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 4096)) {
		fprintf(stderr, "sg-listen: %s: %s\n", arg, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void log_accept(FILE *log, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (!log || getsockname(fd, (struct sockaddr *)&ss, &len))
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		port = ntohs(sin->sin_port);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		port = ntohs(sin6->sin6_port);
	}
	fprintf(log, "accepted %s:%u\n", addr, port);
	fflush(log);
}

/* -k: a held connection that can be read is at its end (or reset): close it. */
static void reap_held(struct pollfd *held, int *nheld)
{
	static char sink[1 << 16];

	for (int i = 0; i < *nheld; i++) {
		if (!held[i].revents)
			continue;
		if (read(held[i].fd, sink, sizeof(sink)) > 0)
			continue;
		close(held[i].fd);
		held[i--] = held[--*nheld];
	}
}

int main(int argc, char **argv)
{
	struct pollfd pfd[MAX_LISTENERS + MAX_HELD];
	int n = 0, nheld = 0, lifetime = 600, opt;
	bool discard = false, keep = false;
	FILE *log = NULL;

	while ((opt = getopt(argc, argv, "t:l:dk")) != -1) {
		if (opt == 'd')
			discard = true;
		else if (opt == 'k')
			keep = true;
		else if (opt == 't')
			lifetime = atoi(optarg);
		else if (opt == 'l' && !(log = fopen(optarg, "a")))
			return 1;
		else if (opt != 'l')
			return 2;
	}
	for (int i = optind; i < argc && n < MAX_LISTENERS; i++) {
		pfd[n].fd = open_listener(argv[i]);
		if (pfd[n].fd < 0)
			return 1;
		pfd[n++].events = POLLIN;
	}
	alarm((unsigned int)lifetime); /* never outlive a crashed test run */
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (poll(pfd, (nfds_t)(n + nheld), -1) < 0 && errno != EINTR)
			return 1;
		reap_held(pfd + n, &nheld);
		for (int i = 0; i < n; i++) {
			int c;

			if (!(pfd[i].revents & POLLIN))
				continue;
			while ((c = accept(pfd[i].fd, NULL, NULL)) >= 0) {
				static char sink[1 << 16];

				log_accept(log, c);
				if (keep && nheld < MAX_HELD) {
					pfd[n + nheld++] =
						(struct pollfd){ .fd = c, .events = POLLIN };
					continue;
				}
				while (discard && read(c, sink, sizeof(sink)) > 0)
					;
				close(c);
			}
		}
	}
}
