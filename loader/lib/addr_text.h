/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * addr_text.h - a struct sg_addr (the program's form of a destination) as
 * text, the one way every command and log line writes it.
 */
#ifndef SG_ADDR_TEXT_H
#define SG_ADDR_TEXT_H

#include <linux/types.h>
#include <stddef.h>

#include "smtpguard.h"

/* Printable form: dotted quad for IPv4-mapped, RFC 5952 for IPv6. */
const char *sg_addr_format(const struct sg_addr *a, char *buf, size_t len);

/* "198.51.100.25:25", "[2001:db8::25]:25": as a log line or an admin writes it. */
const char *sg_addr_port_format(const struct sg_addr *a, __u16 port, char *buf, size_t len);

#endif
