// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* netlink_call.c - see netlink_call.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "netlink_call.h"

/* Large enough for any netlink dump message (the kernel sends at most a page-ish). */
#define NETLINK_BUF 32768

/*
 * NLMSG_OK() with the comparison of its unsigned length against the signed
 * bytes left written out (clang's -Wsign-compare refuses the macro's). left
 * stays signed: NLMSG_NEXT() may take it below 0, which ends the walk.
 */
static bool message_ok(const struct nlmsghdr *nh, int left)
{
	return left >= (int)sizeof(*nh) && nh->nlmsg_len >= sizeof(*nh) &&
	       nh->nlmsg_len <= (unsigned int)left;
}

int netlink_call(int fd, const void *req, size_t len, netlink_msg_fn fn, void *ctx)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char *buf = malloc(NETLINK_BUF);
	bool done = false;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	if (sendto(fd, req, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		err = -errno;
		goto cleanup;
	}
	while (!done && !err) {
		ssize_t n = recv(fd, buf, NETLINK_BUF, 0);
		int left = (int)n;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n ? -errno : -EIO;
			break;
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; !err && message_ok(nh, left);
		     nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				err = e->error; /* 0: the acknowledgement */
				done = true;
				break;
			}
			if (fn)
				err = fn(nh, ctx);
		}
	}
cleanup:
	free(buf);
	return err;
}
