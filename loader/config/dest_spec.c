// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* dest_spec.c - DEST[:PORTS]; see dest_spec.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "dest_spec.h"
#include "parse.h"

#define DNS_LABEL_MAX 63

bool dest_spec_is_port_piece(const char *s)
{
	return parse_is_number(s);
}

const char *dest_spec_add_port(struct dest_spec *d, const char *s)
{
	unsigned int at;
	__u32 port;

	if (!*s)
		return "an empty port (PORTS is a comma list such as 587,465)";
	if (parse_u32(s, 65535, &port) || port == 0)
		return "a port is a number from 1 to 65535";
	for (at = 0; at < d->nports && d->ports[at] < port; at++)
		;
	if (at < d->nports && d->ports[at] == port)
		return NULL;
	if (d->nports == SG_SCOPE_RULE_PORTS)
		return "more than 16 ports for one destination";
	memmove(&d->ports[at + 1], &d->ports[at], (d->nports - at) * sizeof(d->ports[0]));
	d->ports[at] = (__u16)port;
	d->nports++;
	return NULL;
}

const char *dest_spec_name_problem(const char *name, char *out, size_t len)
{
	size_t n = strlen(name), label = 0, last = 0;
	struct in_addr a4;
	bool digits = true;

	if (n && name[n - 1] == '.')
		n--; /* the root's dot: "relay.example.net." */
	if (!n)
		return "an empty name";
	if (n > DNS_NAME_MAX)
		return "a DNS name is at most 253 characters";
	if (n + 1 > len)
		return "too long";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		out[i] = (char)tolower(c);
		if (c == '.') {
			if (!label)
				return "an empty label (two dots, or a leading dot)";
			if (name[i - 1] == '-')
				return "a label ends with '-'";
			label = 0;
			last = i + 1;
			continue;
		}
		if (!(c < 0x80 && (isalnum(c) || c == '-' || c == '_')))
			return "invalid character (names hold letters, digits, '-', '_' and dots)";
		if (!label && c == '-')
			return "a label starts with '-'";
		if (++label > DNS_LABEL_MAX)
			return "a label is at most 63 characters";
	}
	if (name[n - 1] == '-')
		return "a label ends with '-'";
	out[n] = '\0';
	/* getaddrinfo() would read "10.1" or "0x7f000001" as an IPv4 address. */
	for (size_t i = last; i < n && digits; i++)
		digits = isdigit((unsigned char)out[i]);
	if (digits)
		return "not an address, and a name's last label is never all digits";
	if (inet_aton(out, &a4)) /* "0x1." without its dot */
		return "reads as an IPv4 address: write it as a.b.c.d";
	return NULL;
}

/* May host only be read as an address or CIDR? Names have no ':' or '/'. */
static bool address_like(const char *host)
{
	struct in_addr a;

	if (strpbrk(host, ":/"))
		return true;
	if (strspn(host, "0123456789.") == strlen(host))
		return true;
	return inet_aton(host, &a) != 0; /* 0x7f.1 and friends */
}

static const char *parse_ports(struct dest_spec *d, const char *ports)
{
	char buf[256], *save = NULL;
	const char *why;

	if (strlen(ports) >= sizeof(buf))
		return "the port list is too long";
	if (!*ports)
		return "an empty port (PORTS is a comma list such as 587,465)";
	snprintf(buf, sizeof(buf), "%s", ports);
	if (buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,"))
		return "an empty port (PORTS is a comma list such as 587,465)";
	for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		why = dest_spec_add_port(d, p);
		if (why)
			return why;
	}
	return NULL;
}

const char *dest_spec_parse(const char *s, struct dest_spec *d)
{
	char host[DNS_NAME_MAX + 2];
	const char *ports = NULL, *colon, *why;
	size_t hlen;
	bool bracketed = false;

	memset(d, 0, sizeof(*d));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return "a '[' without its ']' (write [2001:db8::1]:587)";
		if (!close[1])
			return "brackets are for an IPv6 address with a port: write 2001:db8::1, or "
			       "[2001:db8::1]:587";
		if (close[1] != ':')
			return "expected ':PORTS' after ']'";
		ports = close + 2;
		s++;
		hlen = (size_t)(close - s);
		bracketed = true;
	} else if ((colon = strchr(s, ':')) && !strchr(colon + 1, ':')) {
		hlen = (size_t)(colon - s);
		ports = colon + 1;
	} else {
		hlen = strlen(s); /* no port, or IPv6 without brackets */
	}
	if (!hlen)
		return "expected an address, CIDR or name before the port";
	if (hlen >= sizeof(host))
		return "a DNS name is at most 253 characters";
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (bracketed || address_like(host)) {
		why = parse_cidr(host, &d->key);
		if (why)
			return why;
		if (bracketed && !strchr(host, ':'))
			return "brackets are only for IPv6 addresses";
	} else {
		why = dest_spec_name_problem(host, d->name, sizeof(d->name));
		if (why)
			return why;
		d->is_name = true;
	}
	return ports ? parse_ports(d, ports) : NULL;
}

const char *dest_spec_host(const struct dest_spec *d, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	bool v4 = sg_addr_is_v4mapped(&d->key.addr) && d->key.prefixlen >= 96;

	if (d->is_name) {
		snprintf(buf, len, "%s", d->name);
		return buf;
	}
	if (v4)
		inet_ntop(AF_INET, &d->key.addr.words[3], addr, sizeof(addr));
	else
		inet_ntop(AF_INET6, d->key.addr.words, addr, sizeof(addr));
	if (d->key.prefixlen == 128)
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "%s/%u", addr, v4 ? d->key.prefixlen - 96 : d->key.prefixlen);
	return buf;
}

const char *dest_spec_format(const struct dest_spec *d, char *buf, size_t len)
{
	char host[DNS_NAME_MAX + INET6_ADDRSTRLEN];
	bool v6 = !d->is_name && !(sg_addr_is_v4mapped(&d->key.addr) && d->key.prefixlen >= 96);
	size_t used;

	dest_spec_host(d, host, sizeof(host));
	if (!d->nports) {
		snprintf(buf, len, "%s", host);
		return buf;
	}
	used = (size_t)snprintf(buf, len, v6 ? "[%s]" : "%s", host);
	for (unsigned int i = 0; i < d->nports && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%c%u", i ? ',' : ':',
					 d->ports[i]);
	return buf;
}

bool dest_spec_same_host(const struct dest_spec *a, const struct dest_spec *b)
{
	if (a->is_name != b->is_name)
		return false;
	if (a->is_name)
		return !strcmp(a->name, b->name);
	return !memcmp(&a->key, &b->key, sizeof(a->key));
}

bool dest_spec_has_port(const struct dest_spec *d, unsigned int port)
{
	if (!d->nports)
		return true;
	for (unsigned int i = 0; i < d->nports; i++)
		if (d->ports[i] == port)
			return true;
	return false;
}

#define V4_PREFIXLEN 96 /* ::ffff:0:0/96, where IPv4 destinations are decided */

static bool addr_bit(const struct sg_addr *a, unsigned int i)
{
	return ((const __u8 *)a->words)[i / 8] & (0x80 >> (i % 8));
}

static void set_addr_bit(struct sg_addr *a, unsigned int i)
{
	((__u8 *)a->words)[i / 8] |= (__u8)(0x80 >> (i % 8));
}

bool dest_key_holds(const struct sg_dest_key *k, const struct sg_addr *a)
{
	for (unsigned int i = 0; i < k->prefixlen && i < 128; i++)
		if (addr_bit(&k->addr, i) != addr_bit(a, i))
			return false;
	return true;
}

bool dest_prefix_covers_v4(const struct sg_addr *addr, __u32 prefixlen)
{
	struct sg_dest_key k = { .prefixlen = prefixlen, .addr = *addr };
	struct sg_addr v4 = sg_addr_v4mapped(0);

	return prefixlen < V4_PREFIXLEN && dest_key_holds(&k, &v4);
}

/*
 * P minus ::ffff:0:0/96, P holding it: for each bit i from P's length to 95,
 * the prefix of length i + 1 that follows ::ffff:0:0 for bits 0 to i - 1 and
 * leaves it at bit i. These are disjoint, and with ::ffff:0:0/96 they make P.
 */
unsigned int dest_prefix_without_v4(__u32 prefixlen, struct sg_dest_key *out)
{
	struct sg_addr v4 = sg_addr_v4mapped(0);
	unsigned int n = 0;

	for (unsigned int i = prefixlen; i < V4_PREFIXLEN; i++) {
		struct sg_dest_key *k = &out[n++];

		memset(k, 0, sizeof(*k));
		k->prefixlen = i + 1;
		for (unsigned int b = 0; b < i; b++)
			if (addr_bit(&v4, b))
				set_addr_bit(&k->addr, b);
		if (!addr_bit(&v4, i))
			set_addr_bit(&k->addr, i);
	}
	return n;
}
