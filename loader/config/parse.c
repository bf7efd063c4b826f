// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* parse.c - strict value parsers; see parse.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "parse.h"

/* LOGIN_NAME_MAX is 256 including the NUL; useradd allows 32. */
#define NAME_MAX_LEN 255

bool parse_is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int parse_u32(const char *s, __u32 max, __u32 *out)
{
	unsigned long long v = 0;

	if (!parse_is_number(s))
		return -EINVAL;
	for (; *s; s++) {
		v = v * 10 + (unsigned long long)(*s - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = (__u32)v;
	return 0;
}

/*
 * The portable set from POSIX (letters, digits, '.', '_', '-'), not starting
 * with '-', with the trailing '$' of Samba machine accounts.
 */
const char *parse_name_problem(const char *s)
{
	size_t len = strlen(s);

	if (!len)
		return "empty name";
	if (len > NAME_MAX_LEN)
		return "longer than 255 characters";
	if (s[0] == '-')
		return "starts with '-'";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) && c < 0x80)
			continue;
		if (c == '.' || c == '_' || c == '-')
			continue;
		if (c == '$' && i == len - 1)
			continue;
		if (c == '@')
			return "roles such as @mta belong in the configuration file";
		return "invalid character (names may hold letters, digits, '.', '_' and '-')";
	}
	return NULL;
}

const char *parse_cidr(const char *s, struct sg_dest_key *key)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	__u32 plen, max, bits;
	__u8 *b = (__u8 *)key->addr.words;

	if (hlen == 0 || hlen >= sizeof(host))
		return "expected an address or CIDR such as 203.0.113.0/24 or 2001:db8::/32";
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(key, 0, sizeof(*key));
	if (inet_pton(AF_INET, host, &key->addr.words[3]) == 1) {
		key->addr = sg_addr_v4mapped(key->addr.words[3]);
		max = 32;
	} else if (inet_pton(AF_INET6, host, key->addr.words) == 1) {
		max = 128;
	} else {
		return "not an IPv4 or IPv6 address";
	}
	plen = max;
	if (slash && parse_u32(slash + 1, max, &plen))
		return max == 32 ? "prefix length must be 0 to 32" :
				   "prefix length must be 0 to 128";
	bits = plen + (128 - max);
	for (__u32 i = bits; i < 128; i++)
		if (b[i / 8] & (0x80 >> (i % 8)))
			return "host bits are set past the prefix length";
	key->prefixlen = bits;
	return NULL;
}

int parse_bool(const char *s)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i]))
			return 1;
		if (!strcasecmp(s, no[i]))
			return 0;
	}
	return -1;
}

char *parse_trim(char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	return s;
}

const char *parse_shown(const char *s, size_t n, size_t max, char *out)
{
	size_t used = 0;

	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == max) {
			memcpy(out + used, "...", 3);
			used += 3;
			break;
		}
		if (c < 0x20 || c >= 0x7f)
			used += (size_t)snprintf(out + used, 5, "\\x%02x", c);
		else
			out[used++] = (char)c;
	}
	out[used] = '\0';
	return out;
}
