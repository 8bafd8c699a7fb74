// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What the proxy lets a run reach: names, ports, addresses; and how it resolves them. */
#include "proxy.h"

long long egress_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

const char *egress_errdesc(int err)
{
	const char *d = strerrordesc_np(err < 0 ? -err : err);

	return d ?: "unknown error";
}

void egress_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- names and ports ---- */

/* "1".."65535", digits only; NULL, or what is wrong. */
const char *egress_parse_port(const char *s, size_t len, unsigned short *port)
{
	unsigned long v = 0;

	if (!len)
		return "empty port";
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return "the port is not a number";
		v = v * 10 + (s[i] - '0');
		if (v > 65535)
			return "the port is not in 1..65535";
	}
	if (!v)
		return "the port is not in 1..65535";
	*port = v;
	return NULL;
}

/* Copy @len bytes of @s lower-cased into @out, one trailing dot dropped; false if too long. */
bool egress_normalise_name(const char *s, size_t len, char *out, size_t outlen)
{
	if (len && s[len - 1] == '.')
		len--;
	if (len >= outlen)
		return false;
	for (size_t i = 0; i < len; i++)
		out[i] = tolower((unsigned char)s[i]);
	out[len] = '\0';
	return true;
}

/* An RFC 1123 name, lower case; NULL, or what is wrong. */
const char *egress_check_labels(const char *name)
{
	const char *label = name;

	if (!*name)
		return "empty name";
	if (strlen(name) > NAME_MAX_LEN)
		return "longer than 253 characters";
	for (const char *p = name;; p++) {
		if (*p == '.' || !*p) {
			size_t len = p - label;

			if (!len)
				return "empty label";
			if (len > LABEL_MAX_LEN)
				return "a label longer than 63 characters";
			if (label[0] == '-' || p[-1] == '-')
				return "a label starts or ends with '-'";
			if (!*p)
				return NULL;
			label = p + 1;
		} else if (*p == '*') {
			return "'*' only as a whole leading label (\"*.example.com\")";
		} else if (!(*p >= 'a' && *p <= 'z') && !isdigit((unsigned char)*p) && *p != '-') {
			return "only letters, digits, '-' and '.' in a host name";
		}
	}
}

/*
 * A wildcard must leave two labels: "*.com" would grant a whole top-level
 * domain, surely not what was meant.
 */
static const char *check_pattern(const char *name)
{
	if (name[0] == '*' && name[1] == '.') {
		const char *why = egress_check_labels(name + 2);

		if (!why && !strchr(name + 2, '.'))
			why = "a wildcard needs at least two labels after \"*.\"";
		return why;
	}
	return egress_check_labels(name);
}

int cw_egress_parse_allow(const char *spec, struct cw_egress_allow *out, char *err,
			  size_t errlen)
{
	const char *colon = strrchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned short port = CW_EGRESS_DEFAULT_PORT;
	const char *why = NULL;

	memset(out, 0, sizeof(*out));
	if (colon)
		why = egress_parse_port(colon + 1, strlen(colon + 1), &port);
	if (!why && !egress_normalise_name(spec, len, out->host, sizeof(out->host)))
		why = "longer than 253 characters";
	if (!why)
		why = check_pattern(out->host);
	if (why) {
		egress_errf(err, errlen, "\"%s\": %s", spec, why);
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	out->port = port;
	return 0;
}

int cw_egress_parse_cidr(const char *spec, struct cw_egress_cidr *out, char *err,
			 size_t errlen)
{
	const char *slash = strchr(spec, '/');
	size_t len = slash ? (size_t)(slash - spec) : strlen(spec);
	unsigned int max, prefix;
	char addr[INET6_ADDRSTRLEN + 1];

	memset(out, 0, sizeof(*out));
	if (len >= sizeof(addr))
		goto bad_addr;
	memcpy(addr, spec, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		goto bad_addr;
	}
	prefix = max;
	if (slash) {
		const char *p = slash + 1;

		prefix = 0;
		if (!*p || strlen(p) > 3)
			goto bad_prefix;
		for (; *p; p++) {
			if (!isdigit((unsigned char)*p))
				goto bad_prefix;
			prefix = prefix * 10 + (*p - '0');
		}
		if (prefix > max)
			goto bad_prefix;
	}
	out->prefix = prefix;
	/* "10.0.0.1/8" is more likely a typo than a way to write 10.0.0.0/8. */
	for (unsigned int bit = prefix; bit < max; bit++) {
		if (out->addr[bit / 8] & (0x80 >> (bit % 8))) {
			char net[INET6_ADDRSTRLEN];

			for (unsigned int b = prefix; b < max; b++)
				out->addr[b / 8] &= ~(0x80 >> (b % 8));
			inet_ntop(out->family, out->addr, net, sizeof(net));
			egress_errf(err, errlen, "\"%s\": host bits set past /%u (the network is %s/%u)",
			     spec, prefix, net, prefix);
			memset(out, 0, sizeof(*out));
			return -EINVAL;
		}
	}
	return 0;

bad_addr:
	egress_errf(err, errlen, "\"%s\": not an IPv4 or IPv6 address", spec);
	memset(out, 0, sizeof(*out));
	return -EINVAL;
bad_prefix:
	egress_errf(err, errlen, "\"%s\": the prefix length is not in 0..%u", spec, max);
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

/* @host is normalised; a "*.example.com" pattern takes any name that ends in ".example.com". */
static bool name_matches(const char *pattern, const char *host)
{
	if (pattern[0] == '*' && pattern[1] == '.') {
		size_t plen = strlen(pattern + 1), hlen = strlen(host);

		return hlen > plen && !strcmp(host + hlen - plen, pattern + 1);
	}
	return !strcmp(pattern, host);
}

bool cw_egress_host_allowed(const char *host, unsigned short port,
			    const struct cw_egress_opts *o)
{
	char name[CW_EGRESS_HOST_MAX];

	if (!egress_normalise_name(host, strlen(host), name, sizeof(name)) || !*name)
		return false;
	for (size_t i = 0; i < o->nallow; i++)
		if (o->allow[i].port == port && name_matches(o->allow[i].host, name))
			return true;
	return false;
}

/* ---- addresses ---- */

static bool in_cidr(int family, const unsigned char *a, const struct cw_egress_cidr *c)
{
	unsigned int whole = c->prefix / 8, rest = c->prefix % 8;
	unsigned char mask = 0xff << (8 - rest);

	if (c->family != family)
		return false;
	if (memcmp(a, c->addr, whole))
		return false;
	return !rest || (a[whole] & mask) == (c->addr[whole] & mask);
}

static const char *private_unless_allowed(int family, const unsigned char *a,
					  const struct cw_egress_opts *o)
{
	for (size_t i = 0; i < o->nprivate; i++)
		if (in_cidr(family, a, &o->private_ok[i]))
			return NULL;
	return R_PRIVATE;
}

/* Is IPv4 address @x inside @net/@bits? */
static bool in4(uint32_t x, uint32_t net, unsigned int bits)
{
	return ((x ^ net) >> (32 - bits)) == 0;
}

/*
 * An address of one of the host's interfaces, as they are now (read at
 * each check: addresses come and go, and a check is one per connection).
 * A name resolving there would reach the host's own services.
 */
static bool host_address(int family, const unsigned char *a)
{
	struct ifaddrs *ifs, *i;
	bool found = false;

	if (getifaddrs(&ifs))
		return true;	/* cannot tell: the safe side */
	for (i = ifs; i && !found; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;

		if (!sa || sa->sa_family != family)
			continue;
		if (family == AF_INET)
			found = !memcmp(&((const struct sockaddr_in *)sa)->sin_addr, a, 4);
		else
			found = !memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, a, 16);
	}
	freeifaddrs(ifs);
	return found;
}

/*
 * IANA's IPv4 special-purpose ranges that are not globally reachable, and
 * are neither loopback, link-local nor private (those have reasons of
 * their own): nothing an allowed name should resolve to.
 */
static const struct { uint32_t net; unsigned int bits; } special4[] = {
	{ 0xc0000000, 24 },	/* 192.0.0.0/24: IETF protocol assignments (OCI's 192.0.0.192) */
	{ 0xc0000200, 24 },	/* 192.0.2.0/24: TEST-NET-1 */
	{ 0xc0586300, 24 },	/* 192.88.99.0/24: 6to4 relay anycast, deprecated */
	{ 0xc6120000, 15 },	/* 198.18.0.0/15: benchmarking */
	{ 0xc6336400, 24 },	/* 198.51.100.0/24: TEST-NET-2 */
	{ 0xcb007100, 24 },	/* 203.0.113.0/24: TEST-NET-3 */
};

static const char *refused_v4(const unsigned char *a, const struct cw_egress_opts *o)
{
	uint32_t x = (uint32_t)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];

	/* AWS, GCP, Azure, OpenStack and others; Alibaba Cloud; Azure's WireServer. */
	if (x == 0xa9fea9fe || x == 0x646464c8 || x == 0xa83f8110)
		return R_METADATA;
	if (in4(x, 0x7f000000, 8))
		return R_LOOPBACK;
	if (in4(x, 0xa9fe0000, 16))
		return R_LINK_LOCAL;
	if (in4(x, 0x00000000, 8))
		return R_UNSPECIFIED;
	if (x == 0xffffffff)
		return R_BROADCAST;
	if (in4(x, 0xe0000000, 4))
		return R_MULTICAST;
	if (in4(x, 0xf0000000, 4))
		return R_RESERVED;
	if (in4(x, 0x0a000000, 8) || in4(x, 0xac100000, 12) || in4(x, 0xc0a80000, 16) ||
	    in4(x, 0x64400000, 10))
		return private_unless_allowed(AF_INET, a, o);
	for (size_t i = 0; i < sizeof(special4) / sizeof(special4[0]); i++)
		if (in4(x, special4[i].net, special4[i].bits))
			return private_unless_allowed(AF_INET, a, o) ? R_SPECIAL : NULL;
	if (host_address(AF_INET, a))
		return private_unless_allowed(AF_INET, a, o) ? R_HOST : NULL;
	return NULL;
}

/* The IPv6 registry's not-global ranges, as special4 for IPv4. */
#define V6(bits, ...) { AF_INET6, bits, { __VA_ARGS__ } }
static const struct cw_egress_cidr special6[] = {
	V6(48, 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01),	/* 64:ff9b:1::/48: local NAT64 */
	V6(64, 0x01, 0x00),				/* 100::/64: discard-only */
	V6(23, 0x20, 0x01, 0x00, 0x00),			/* 2001::/23: IETF (Teredo, ORCHID) */
	V6(32, 0x20, 0x01, 0x0d, 0xb8),			/* 2001:db8::/32: documentation */
	V6(16, 0x20, 0x02),				/* 2002::/16: 6to4, an IPv4 inside */
	V6(20, 0x3f, 0xff, 0x00),			/* 3fff::/20: documentation */
	V6(16, 0x5f, 0x00),				/* 5f00::/16: SRv6 SIDs */
};
#undef V6

static const char *refused_v6(const unsigned char *a, const struct cw_egress_opts *o)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	/* RFC 6052: a NAT64 gateway would take the packet to the IPv4 address inside. */
	static const unsigned char nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	static const unsigned char metadata[16] = { 0xfd, 0x00, 0x0e, 0xc2, [14] = 0x02, 0x54 };
	static const unsigned char zero[16];

	if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12))
		return refused_v4(a + 12, o);
	if (!memcmp(a, metadata, 16))
		return R_METADATA;
	if (!memcmp(a, zero, 16))
		return R_UNSPECIFIED;
	if (!memcmp(a, zero, 15) && a[15] == 1)
		return R_LOOPBACK;
	for (size_t i = 0; i < sizeof(special6) / sizeof(special6[0]); i++)
		if (in_cidr(AF_INET6, a, &special6[i]))
			return private_unless_allowed(AF_INET6, a, o) ? R_SPECIAL : NULL;
	/* ::/8, the rest of it: IPv4-compatible and other deprecated forms. */
	if (a[0] == 0)
		return R_RESERVED;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return R_LINK_LOCAL;
	if (a[0] == 0xff)
		return R_MULTICAST;
	/* fc00::/7 unique local, and fec0::/10, the site-local addresses they replaced. */
	if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0))
		return private_unless_allowed(AF_INET6, a, o);
	if (host_address(AF_INET6, a))
		return private_unless_allowed(AF_INET6, a, o) ? R_HOST : NULL;
	return NULL;
}

const char *cw_egress_refused_addr(const struct sockaddr *sa, const struct cw_egress_opts *o)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

	if (sa->sa_family == AF_INET)
		return refused_v4((const unsigned char *)&sin->sin_addr, o);
	if (sa->sa_family == AF_INET6)
		return refused_v6(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr, o);
	return R_RESERVED;
}

void egress_format_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET ?
				(const void *)&((const struct sockaddr_in *)ss)->sin_addr :
				(const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (!inet_ntop(ss->ss_family, a, buf, len))
		snprintf(buf, len, "?");
}

/* ---- resolution ---- */

/*
 * Add textual address @text (no scope id) with @port; false if it is none.
 * Past MAX_ADDRS the rest are dropped: neither vetted nor ever used.
 */
static bool add_literal(struct addrs *a, const char *text, unsigned short port)
{
	struct sockaddr_storage tmp, *ss = a->n < MAX_ADDRS ? &a->sa[a->n] : &tmp;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	} else {
		return false;
	}
	if (ss != &tmp)
		a->n++;
	return true;
}

/* Every address the "ADDR NAME..." lines of @path give @host. */
static int resolve_file(const char *path, const char *host, unsigned short port, struct addrs *a,
			char *why, size_t whylen)
{
	char *line = NULL, *save, *addr, *name;
	char norm[CW_EGRESS_HOST_MAX];
	size_t cap = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		int err = -errno;

		egress_errf(why, whylen, "hosts file %s: %s", path, egress_errdesc(err));
		return err;
	}
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "#")] = '\0';
		addr = strtok_r(line, " \t\r\n", &save);
		if (!addr)
			continue;
		while ((name = strtok_r(NULL, " \t\r\n", &save))) {
			if (egress_normalise_name(name, strlen(name), norm, sizeof(norm)) &&
			    !strcmp(norm, host)) {
				add_literal(a, addr, port);
				break;
			}
		}
	}
	free(line);
	fclose(f);
	if (!a->n) {
		egress_errf(why, whylen, "%s is not in the hosts file", host);
		return -ENOENT;
	}
	return 0;
}

static int resolve_dns(const char *host, unsigned short port, struct addrs *a, char *why,
		       size_t whylen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	int ret;

	/* No AI_ADDRCONFIG: every address the name has is vetted, used or not. */
	ret = getaddrinfo(host, NULL, &hints, &res);
	if (ret) {
		egress_errf(why, whylen, "%s: %s", host, gai_strerror(ret));
		return -ENOENT;
	}
	for (ai = res; ai && a->n < MAX_ADDRS; ai = ai->ai_next) {
		struct sockaddr_storage *ss = &a->sa[a->n];

		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(*ss))
			continue;
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, ai->ai_addr, ai->ai_addrlen);
		if (ss->ss_family == AF_INET)
			((struct sockaddr_in *)ss)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
		a->n++;
	}
	freeaddrinfo(res);
	if (!a->n) {
		egress_errf(why, whylen, "%s has no IPv4 or IPv6 address", host);
		return -ENOENT;
	}
	return 0;
}

/* An address literal is its own answer; a name asks the hosts file or DNS. */
int egress_resolve(const char *host, unsigned short port, const struct cw_egress_opts *o,
		   struct addrs *a, char *why, size_t whylen)
{
	a->n = 0;
	if (add_literal(a, host, port))
		return 0;
	if (o->hosts_file)
		return resolve_file(o->hosts_file, host, port, a, why, whylen);
	return resolve_dns(host, port, a, why, whylen);
}

