// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_parse.c - libFuzzer harness for the strict value parsers of
 * loader/parse.c. The input, as a NUL-terminated string, goes through every
 * parser, and each answer is checked against what parse.h promises: a
 * plain reference implementation for the small ones, and for parse_cidr()
 * zero host bits and a key that survives formatting and parsing again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "dest_spec.h"
#include "fuzz.h"
#include "parse.h"

/* Longer inputs say nothing new: every parser stops at 255 or 47 bytes. */
#define FUZZ_MAX_INPUT 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool ref_is_number(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* parse_u32() done another way: strip leading zeros, then count digits. */
static int ref_u32(const char *s, __u32 max, __u32 *out)
{
	unsigned long long v;

	if (!ref_is_number(s))
		return -EINVAL;
	while (s[0] == '0' && s[1])
		s++;
	if (strlen(s) > 10)
		return -ERANGE;
	v = strtoull(s, NULL, 10);
	if (v > max)
		return -ERANGE;
	*out = (__u32)v;
	return 0;
}

static void check_u32(const char *s, __u32 max)
{
	const __u32 poison = 0xdeadbeef;
	__u32 v = poison, ref = poison;
	int ret = parse_u32(s, max, &v);
	char back[16];
	const char *digits = s;

	CHECK(ret == 0 || ret == -EINVAL || ret == -ERANGE);
	CHECK(ret == ref_u32(s, max, &ref));
	CHECK((ret == -EINVAL) == !parse_is_number(s));
	if (ret) {
		CHECK(v == poison); /* *out is left alone on failure */
		return;
	}
	CHECK(v == ref && v <= max);
	/* Decimal digits only: printing it back gives the input, bar leading zeros. */
	while (digits[0] == '0' && digits[1])
		digits++;
	snprintf(back, sizeof(back), "%u", v);
	CHECK(!strcmp(back, digits));
}

static void check_u32_bounds(const char *s)
{
	static const __u32 maxes[] = { 0,    1,	    9,	   10,	    99,		  128,
				       1023, 65535, 86400, 1000000, PARSE_MAX_ID, UINT32_MAX };
	__u32 v, w;

	for (size_t i = 0; i < ARRAY_SIZE(maxes); i++)
		check_u32(s, maxes[i]);
	/* The value itself is the smallest max that accepts it. */
	if (parse_u32(s, UINT32_MAX, &v))
		return;
	CHECK(!parse_u32(s, v, &w) && w == v);
	if (v)
		CHECK(parse_u32(s, v - 1, &w) == -ERANGE);
}

static void check_is_number(const char *s)
{
	CHECK(parse_is_number(s) == ref_is_number(s));
}

static const char *ref_name_problem(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > 255 || s[0] == '-')
		return "bad";
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-' || (c == '$' && i == len - 1))
			continue;
		return "bad";
	}
	return NULL;
}

static void check_name(const char *s)
{
	const char *why = parse_name_problem(s);

	CHECK(!why == !ref_name_problem(s));
	CHECK(!why || *why);
}

static void check_bool(const char *s)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	int want = -1;

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]))
			want = 1;
		if (!strcasecmp(s, no[i]))
			want = 0;
	}
	CHECK(parse_bool(s) == want);
}

static void check_trim(const char *s)
{
	char *copy = strdup(s), *t, *again;
	size_t start, end = strlen(s);

	CHECK(copy);
	start = strspn(s, " \t");
	while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	t = parse_trim(copy);
	CHECK(t == copy + start);
	CHECK(strlen(t) == end - start && !memcmp(t, s + start, end - start));
	/* Trimming twice changes nothing. */
	again = parse_trim(t);
	CHECK(again == t && strlen(again) == end - start);
	free(copy);
}

static bool is_v4_mapped(const struct sg_addr *a)
{
	return !a->words[0] && !a->words[1] && a->words[2] == htonl(0xffff);
}

/* No bit past prefixlen is set. */
static bool host_bits_zero(const struct sg_dest_key *k)
{
	const __u8 *b = (const __u8 *)k->addr.words;

	for (__u32 i = k->prefixlen; i < 128; i++)
		if (b[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* A key as a user would write it: a.b.c.d/n for v4-mapped /96 and longer. */
static void format_key(const struct sg_dest_key *k, bool with_prefix, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	bool v4 = is_v4_mapped(&k->addr) && k->prefixlen >= 96;

	if (v4)
		CHECK(inet_ntop(AF_INET, &k->addr.words[3], host, sizeof(host)));
	else
		CHECK(inet_ntop(AF_INET6, k->addr.words, host, sizeof(host)));
	if (with_prefix)
		snprintf(out, len, "%s/%u", host, k->prefixlen - (v4 ? 96 : 0));
	else
		snprintf(out, len, "%s", host);
}

/* A valid key, formatted and parsed again, is the same key. */
static void check_roundtrip(const struct sg_dest_key *k)
{
	struct sg_dest_key again;
	char text[INET6_ADDRSTRLEN + 8];

	format_key(k, true, text, sizeof(text));
	CHECK(!parse_cidr(text, &again));
	CHECK(!memcmp(k, &again, sizeof(*k)));
	if (k->prefixlen == 128) {
		format_key(k, false, text, sizeof(text));
		CHECK(!parse_cidr(text, &again));
		CHECK(!memcmp(k, &again, sizeof(*k)));
	}
}

static void check_cidr(const char *s)
{
	struct sg_dest_key key;
	const char *why = parse_cidr(s, &key);
	const char *slash = strchr(s, '/');
	char host[INET6_ADDRSTRLEN + 1];
	struct sg_addr a;
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);

	if (why) {
		CHECK(*why);
		return;
	}
	CHECK(key.prefixlen <= 128);
	CHECK(host_bits_zero(&key));
	CHECK(slash || key.prefixlen == 128);
	/* What is left of the '/' is an address by inet_pton()'s own rules. */
	CHECK(hlen < sizeof(host));
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, &a.words[3]) == 1)
		CHECK(is_v4_mapped(&key.addr) && key.prefixlen >= 96);
	else
		CHECK(inet_pton(AF_INET6, host, a.words) == 1);
	check_roundtrip(&key);
}

/*
 * The other direction: any key with zero host bits, built from the first
 * 17 bytes of the input, must be accepted once formatted.
 */
static void check_cidr_from_bytes(const uint8_t *data, size_t size)
{
	struct sg_dest_key k;
	__u8 *b = (__u8 *)k.addr.words;

	if (size < 1 + sizeof(k.addr))
		return;
	memset(&k, 0, sizeof(k));
	memcpy(k.addr.words, data + 1, sizeof(k.addr));
	k.prefixlen = data[0] % 129;
	for (__u32 i = k.prefixlen; i < 128; i++)
		b[i / 8] &= (__u8) ~(0x80 >> (i % 8));
	check_roundtrip(&k);
}

/*
 * DEST[:PORTS]: a valid one is a name (valid, lower case, never readable as
 * an address) or a CIDR with zero host bits, with sorted guarded-port
 * candidates; formatted and parsed again it is the same; a name alone is
 * what dest_spec_name_problem() accepts.
 */
static void check_dest_spec(const char *s)
{
	struct dest_spec d, again;
	const char *why = dest_spec_parse(s, &d);
	char text[DNS_NAME_MAX + 128], name[DNS_NAME_MAX + 1];
	struct in_addr a4;

	if (why) {
		CHECK(*why);
		return;
	}
	CHECK(d.nports <= SG_SCOPE_RULE_PORTS);
	for (unsigned int k = 0; k < d.nports; k++)
		CHECK(d.ports[k] && (!k || d.ports[k] > d.ports[k - 1]));
	if (d.is_name) {
		CHECK(d.name[0] && strlen(d.name) <= DNS_NAME_MAX);
		CHECK(!dest_spec_name_problem(d.name, name, sizeof(name)) && !strcmp(name, d.name));
		/* getaddrinfo() must not read it as a number. */
		CHECK(!inet_aton(d.name, &a4) && !strchr(d.name, ':') && !strchr(d.name, '/'));
	} else {
		CHECK(!d.name[0] && host_bits_zero(&d.key));
	}
	dest_spec_format(&d, text, sizeof(text));
	CHECK(!dest_spec_parse(text, &again));
	CHECK(!memcmp(&d, &again, sizeof(d)));
	CHECK(dest_spec_same_host(&d, &again));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > FUZZ_MAX_INPUT)
		return -1; /* not added to the corpus */
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	check_is_number(s);
	check_u32_bounds(s);
	check_name(s);
	check_bool(s);
	check_trim(s);
	check_cidr(s);
	check_cidr_from_bytes(data, size);
	check_dest_spec(s);

	free(s);
	return 0;
}
