// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The egress proxy: see egress.h for what it lets through.  One thread per
 * client connection, every socket non-blocking and every wait a poll(2)
 * that also watches the stop signal, so a stop ends every connection and
 * serve() can join each thread before it returns.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "egress.h"

/* The reasons an event gives: a small fixed set, for whoever counts them. */
#define R_ALLOWED	"allowed"
#define R_NOT_LISTED	"not on the allow list"
#define R_METADATA	"resolves to a metadata address"
#define R_LOOPBACK	"loopback"
#define R_LINK_LOCAL	"link-local"
#define R_PRIVATE	"private range not allowed"
#define R_UNSPECIFIED	"unspecified"
#define R_MULTICAST	"multicast"
#define R_BROADCAST	"broadcast"
#define R_RESERVED	"reserved"
#define R_SPECIAL	"special-purpose range not allowed"
#define R_HOST		"an address of the host"
#define R_BAD_REQUEST	"bad request"
#define R_REQ_TIMEOUT	"request timeout"
#define R_NO_RESOLVE	"cannot resolve"
#define R_NO_CONNECT	"cannot connect"
#define R_LIMIT_CONNS	"limit: connections"
#define R_LIMIT_UP	"limit: bytes up"
#define R_LIMIT_DOWN	"limit: bytes down"
#define R_LIMIT_TIME	"limit: time"
#define R_CLOSED	"closed"
#define R_STOPPED	"stopped"
#define R_ERROR		"error"

#define NAME_MAX_LEN	253
#define LABEL_MAX_LEN	63
#define MAX_ADDRS	16
#define RELAY_BUF	16384
#define HEAD_TIMEOUT_MS		30000	/* to send the request head */
#define REFUSE_TIMEOUT_MS	2000	/* the same, when only a 503 awaits */
#define CONNECT_TIMEOUT_MS	10000	/* every address of a name together */
#define REPLY_TIMEOUT_MS	5000	/* to take an error reply */
#define LINGER_MS		1000	/* to finish sending before we close */
/*
 * Connections over max_conns still get a thread, to read which host they
 * wanted and answer 503 with an event; past this many more, they are
 * closed at once.
 */
#define MAX_REFUSING		16

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum { UP, DOWN };

struct server {
	struct cw_egress_opts o;	/* the caller's, defaults applied */
	int quit_fd;			/* eventfd, readable from the stop on */
	int reaped_fd;			/* eventfd, bumped by a finishing thread */
	pthread_mutex_t lock;		/* conns, nconns, nrefusing, finished flags */
	struct conn *conns;
	unsigned int nconns, nrefusing;
	pthread_mutex_t budget_lock;
	unsigned long long used[2];	/* bytes UP and DOWN over the run */
	pthread_mutex_t log_lock;	/* one o.log call at a time */
};

/* One direction of a relay: bytes read from @from wait in @buf for @to. */
struct flow {
	int from, to;			/* 0: the client, 1: the server */
	int dir;			/* UP or DOWN */
	char buf[RELAY_BUF];
	size_t off, len;
	bool eof;			/* @from reached its end */
	bool shut;			/* @to was told, SHUT_WR */
	const char *limit;		/* the budget ran out: end once @buf is sent */
};

struct conn {
	struct server *s;
	struct conn *next;
	pthread_t tid;
	bool finished;			/* its thread is done: join it */
	bool over_limit;		/* answer 503 once the request is read */
	bool replied;			/* an error reply was sent: linger before close */
	int fd[2];			/* the client, the server */
	long long deadline;		/* the end of this connection's lifetime */

	/* What the client sent: the head, and the bytes that followed it. */
	char in[CW_EGRESS_HEAD_MAX];
	size_t in_len, head_len;
	char head[CW_EGRESS_HEAD_MAX + 1];	/* the head alone, NUL-terminated */

	/* The request. */
	char method[16];
	char host[CW_EGRESS_HOST_MAX];
	unsigned short port;
	bool tunnel;			/* CONNECT */
	char addr[INET6_ADDRSTRLEN];
	unsigned long long bytes[2];

	struct flow flows[2];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static const char *errdesc(int err)
{
	const char *d = strerrordesc_np(err < 0 ? -err : err);

	return d ?: "unknown error";
}

static void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errf(char *err, size_t errlen, const char *fmt, ...)
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
static const char *parse_port(const char *s, size_t len, unsigned short *port)
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
static bool normalise_name(const char *s, size_t len, char *out, size_t outlen)
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
static const char *check_labels(const char *name)
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
		const char *why = check_labels(name + 2);

		if (!why && !strchr(name + 2, '.'))
			why = "a wildcard needs at least two labels after \"*.\"";
		return why;
	}
	return check_labels(name);
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
		why = parse_port(colon + 1, strlen(colon + 1), &port);
	if (!why && !normalise_name(spec, len, out->host, sizeof(out->host)))
		why = "longer than 253 characters";
	if (!why)
		why = check_pattern(out->host);
	if (why) {
		errf(err, errlen, "\"%s\": %s", spec, why);
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
			errf(err, errlen, "\"%s\": host bits set past /%u (the network is %s/%u)",
			     spec, prefix, net, prefix);
			memset(out, 0, sizeof(*out));
			return -EINVAL;
		}
	}
	return 0;

bad_addr:
	errf(err, errlen, "\"%s\": not an IPv4 or IPv6 address", spec);
	memset(out, 0, sizeof(*out));
	return -EINVAL;
bad_prefix:
	errf(err, errlen, "\"%s\": the prefix length is not in 0..%u", spec, max);
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

	if (!normalise_name(host, strlen(host), name, sizeof(name)) || !*name)
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

static void format_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET ?
				(const void *)&((const struct sockaddr_in *)ss)->sin_addr :
				(const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (!inet_ntop(ss->ss_family, a, buf, len))
		snprintf(buf, len, "?");
}

/* ---- resolution ---- */

struct addrs {
	int n;
	struct sockaddr_storage sa[MAX_ADDRS];
};

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

		errf(why, whylen, "hosts file %s: %s", path, errdesc(err));
		return err;
	}
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "#")] = '\0';
		addr = strtok_r(line, " \t\r\n", &save);
		if (!addr)
			continue;
		while ((name = strtok_r(NULL, " \t\r\n", &save))) {
			if (normalise_name(name, strlen(name), norm, sizeof(norm)) &&
			    !strcmp(norm, host)) {
				add_literal(a, addr, port);
				break;
			}
		}
	}
	free(line);
	fclose(f);
	if (!a->n) {
		errf(why, whylen, "%s is not in the hosts file", host);
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
		errf(why, whylen, "%s: %s", host, gai_strerror(ret));
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
		errf(why, whylen, "%s has no IPv4 or IPv6 address", host);
		return -ENOENT;
	}
	return 0;
}

/* An address literal is its own answer; a name asks the hosts file or DNS. */
static int resolve(const char *host, unsigned short port, const struct cw_egress_opts *o,
		   struct addrs *a, char *why, size_t whylen)
{
	a->n = 0;
	if (add_literal(a, host, port))
		return 0;
	if (o->hosts_file)
		return resolve_file(o->hosts_file, host, port, a, why, whylen);
	return resolve_dns(host, port, a, why, whylen);
}

/* ---- events and budgets ---- */

static void emit(struct server *s, const struct cw_egress_event *ev)
{
	if (!s->o.log)
		return;
	pthread_mutex_lock(&s->log_lock);
	s->o.log(s->o.ctx, ev);
	pthread_mutex_unlock(&s->log_lock);
}

static void log_conn(struct conn *c, bool allowed, const char *reason, bool closed)
{
	struct cw_egress_event ev = {
		.method = c->method,
		.host = c->host,
		.port = c->port,
		.addr = c->addr,
		.allowed = allowed,
		.reason = reason,
		.bytes_up = c->bytes[UP],
		.bytes_down = c->bytes[DOWN],
		.closed = closed,
	};

	emit(c->s, &ev);
}

/* Take up to @n bytes of the run's budget for @dir; how many were granted. */
static size_t take_budget(struct server *s, int dir, size_t n)
{
	unsigned long long max = dir == UP ? s->o.max_up : s->o.max_down;
	unsigned long long left;

	pthread_mutex_lock(&s->budget_lock);
	left = max - s->used[dir];
	if (n > left)
		n = left;
	s->used[dir] += n;
	pthread_mutex_unlock(&s->budget_lock);
	return n;
}

static bool budget_spent(struct server *s, int dir)
{
	unsigned long long max = dir == UP ? s->o.max_up : s->o.max_down;
	bool spent;

	pthread_mutex_lock(&s->budget_lock);
	spent = s->used[dir] >= max;
	pthread_mutex_unlock(&s->budget_lock);
	return spent;
}

/* ---- waiting and sending ---- */

/* Wait for @events on @fd until @deadline: 0, -ETIMEDOUT, -ECANCELED (stop) or -errno. */
static int wait_fd(struct server *s, int fd, short events, long long deadline)
{
	for (;;) {
		struct pollfd p[2] = { { fd, events, 0 }, { s->quit_fd, POLLIN, 0 } };
		long long left = deadline - now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(p, 2, left > INT32_MAX ? INT32_MAX : left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (p[1].revents)
			return -ECANCELED;
		if (p[0].revents)
			return 0;
	}
}

static int send_all(struct server *s, int fd, const char *buf, size_t len, long long deadline)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		int err;

		if (n > 0) {
			buf += n;
			len -= n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		err = wait_fd(s, fd, POLLOUT, deadline);
		if (err)
			return err;
	}
	return 0;
}

static const char *status_text(int code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 408: return "Request Timeout";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Internal Server Error";
	}
}

/*
 * Log the refusal, then answer the client with @code and a one-line
 * plain-text body; the event is out before the client learns anything.
 */
static void refuse(struct conn *c, const char *reason, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void refuse(struct conn *c, const char *reason, int code, const char *fmt, ...)
{
	char body[1024], msg[1400];
	va_list ap;
	int n;

	log_conn(c, false, reason, false);
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body) - 1, fmt, ap);
	va_end(ap);
	strcat(body, "\n");
	n = snprintf(msg, sizeof(msg),
		     "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		     code, status_text(code), strlen(body), body);
	if (n >= (int)sizeof(msg))
		n = sizeof(msg) - 1;
	send_all(c->s, c->fd[0], msg, n, now_ms() + REPLY_TIMEOUT_MS);
	c->replied = true;
}

/*
 * Closing a socket with unread input resets the connection, and a TCP
 * client may lose the reply it has not read yet: say we are done, read
 * what the client still sends for a moment, then close.
 */
static void linger_close(struct server *s, int fd)
{
	long long deadline = now_ms() + LINGER_MS;
	char buf[4096];
	size_t total = 0;

	shutdown(fd, SHUT_WR);
	while (total < 16 * sizeof(buf) && !wait_fd(s, fd, POLLIN, deadline)) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
		if (n > 0)
			total += n;
	}
	close(fd);
}

/* ---- the request ---- */

/* The end of the head (after its blank line) in @buf, or 0 if not there yet. */
static size_t head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/*
 * Read until the blank line that ends the head: 0, -EMSGSIZE (too long),
 * -EBADMSG (a NUL in it), -ETIMEDOUT, -ECANCELED (stop), -EPIPE (the
 * client closed) or -errno.
 */
static int read_head(struct conn *c, long long deadline)
{
	for (;;) {
		ssize_t n;
		int err;

		c->head_len = head_end(c->in, c->in_len);
		if (c->head_len) {
			if (memchr(c->in, '\0', c->head_len))
				return -EBADMSG;
			memcpy(c->head, c->in, c->head_len);
			c->head[c->head_len] = '\0';
			return 0;
		}
		if (c->in_len == sizeof(c->in))
			return -EMSGSIZE;
		err = wait_fd(c->s, c->fd[0], POLLIN, deadline);
		if (err)
			return err;
		n = recv(c->fd[0], c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
		if (n == 0)
			return -EPIPE;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n > 0)
			c->in_len += n;
	}
}

/*
 * "host:port", "[v6]:port", or without the port when @def_port is not 0,
 * into c->host (normalised) and c->port; NULL, or what is wrong.
 */
static const char *parse_authority(struct conn *c, const char *s, size_t len,
				   unsigned short def_port)
{
	const char *host = s, *port = NULL;
	size_t hlen = len;
	struct in6_addr a6;
	const char *why;

	if (memchr(s, '@', len))
		return "user information in the URI";
	if (len && s[0] == '[') {
		const char *end = memchr(s, ']', len);

		if (!end)
			return "an unclosed '[' in the authority";
		host = s + 1;
		hlen = end - host;
		if (end + 1 < s + len) {
			if (end[1] != ':')
				return "junk after ']' in the authority";
			port = end + 2;
		}
	} else {
		const char *colon = memrchr(s, ':', len);

		if (colon) {
			hlen = colon - s;
			port = colon + 1;
		}
	}
	if (port) {
		why = parse_port(port, s + len - port, &c->port);
		if (why)
			return why;
	} else if (def_port) {
		c->port = def_port;
	} else {
		return "CONNECT needs host:port";
	}
	if (!normalise_name(host, hlen, c->host, sizeof(c->host)))
		return "the host name is too long";
	if (host != s)
		return inet_pton(AF_INET6, c->host, &a6) == 1 ? NULL : "not an IPv6 address in []";
	return check_labels(c->host);
}

static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isupper((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/* Headers the proxy drops: its own (Proxy-*), and those it sets itself. */
static bool dropped_header(const char *name, size_t len)
{
	static const char *const set[] = { "host", "connection", "keep-alive" };

	if (len >= 6 && !strncasecmp(name, "proxy-", 6))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(set); i++)
		if (len == strlen(set[i]) && !strncasecmp(name, set[i], len))
			return true;
	return false;
}

static bool append(struct flow *f, const char *data, size_t len)
{
	if (f->len + len > sizeof(f->buf))
		return false;
	memcpy(f->buf + f->len, data, len);
	f->len += len;
	return true;
}

/*
 * The headers after the request line, checked; for plain HTTP also copied
 * to the server's flow, without the dropped ones.  NULL, or what is wrong.
 */
static const char *copy_headers(const char *p, struct flow *out)
{
	while (strcmp(p, "\r\n") && strcmp(p, "\n")) {
		size_t len = strcspn(p, "\n"), name_len = strcspn(p, ":\n");
		size_t line = len && p[len - 1] == '\r' ? len - 1 : len;

		if (*p == ' ' || *p == '\t')
			return "a folded header line";
		if (name_len >= line || !name_len || strcspn(p, " \t\r") < name_len)
			return "a header line without a name";
		/* A lone CR is where servers and proxies disagree on where a line ends. */
		if (memchr(p, '\r', line))
			return "a CR inside a header line";
		if (out && !dropped_header(p, name_len) &&
		    (!append(out, p, line) || !append(out, "\r\n", 2)))
			return "the request head is too large";
		p += len + 1;
	}
	return NULL;
}

/*
 * Parse the head: the request line, the target, the headers.  A plain
 * HTTP request is rewritten into the server's flow: origin-form target,
 * Host from the URI (a client may not name another host behind an
 * allowed address), "Connection: close" - a server must then ignore
 * whatever other request the client sends on the connection.
 */
static const char *parse_request(struct conn *c)
{
	char *line = c->head, *target, *version, *path;
	size_t len = strcspn(line, "\n"), alen;
	const char *why, *rest = line + len + 1;	/* the head has a blank line: a \n */
	struct flow *up = &c->flows[UP];
	char hostport[CW_EGRESS_HOST_MAX + 16];

	if (len && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	for (const char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "a control character in the request line";
	target = strchr(line, ' ');
	version = target ? strchr(target + 1, ' ') : NULL;
	if (!version || strchr(version + 1, ' '))
		return "the request line is not METHOD TARGET VERSION";
	*target++ = '\0';
	*version++ = '\0';
	if (strlen(line) >= sizeof(c->method) || !is_token(line))
		return "not an HTTP method";
	memcpy(c->method, line, strlen(line) + 1);
	if (strcmp(version, "HTTP/1.1") && strcmp(version, "HTTP/1.0"))
		return "not HTTP/1.0 or HTTP/1.1";

	if (!strcmp(c->method, "CONNECT")) {
		c->tunnel = true;
		why = parse_authority(c, target, strlen(target), 0);
		return why ?: copy_headers(rest, NULL);
	}

	if (strncasecmp(target, "http://", 7))
		return strncasecmp(target, "https://", 8) ?
			       "not an absolute http:// URI (is this a proxy request?)" :
			       "https:// needs CONNECT";
	target += 7;
	alen = strcspn(target, "/?#");
	why = parse_authority(c, target, alen, 80);
	if (why)
		return why;
	path = target + alen;
	path[strcspn(path, "#")] = '\0';

	if (strchr(c->host, ':'))
		snprintf(hostport, sizeof(hostport), "[%s]", c->host);
	else
		snprintf(hostport, sizeof(hostport), "%s", c->host);
	if (c->port != 80)
		snprintf(hostport + strlen(hostport), sizeof(hostport) - strlen(hostport), ":%u",
			 c->port);

	up->len = snprintf(up->buf, sizeof(up->buf), "%s %s%s %s\r\n", c->method,
			   *path == '/' ? "" : "/", path, version);
	why = copy_headers(rest, up);
	if (why)
		return why;
	if (!append(up, "Host: ", 6) || !append(up, hostport, strlen(hostport)) ||
	    !append(up, "\r\nConnection: close\r\n\r\n", 23))
		return "the request head is too large";
	return NULL;
}

/* ---- the server side ---- */

/* Try the vetted addresses in turn, sharing one timeout: 0, or -errno. */
static int connect_vetted(struct conn *c, const struct addrs *a)
{
	long long deadline = now_ms() + CONNECT_TIMEOUT_MS;
	int err = -EHOSTUNREACH;

	if (deadline > c->deadline)
		deadline = c->deadline;
	for (int i = 0; i < a->n && err != -ECANCELED; i++) {
		const struct sockaddr_storage *ss = &a->sa[i];
		socklen_t sl = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
							  sizeof(struct sockaddr_in6);
		/* Later addresses get their share of what is left. */
		long long until = now_ms() + (deadline - now_ms()) / (a->n - i);
		int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		socklen_t elen = sizeof(err);

		format_addr(ss, c->addr, sizeof(c->addr));
		if (fd < 0)
			return -errno;
		err = 0;
		if (connect(fd, (const struct sockaddr *)ss, sl)) {
			err = errno == EINPROGRESS ? wait_fd(c->s, fd, POLLOUT, until) : -errno;
			if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
				err = errno;
			if (err > 0)
				err = -err;
		}
		if (!err) {
			c->fd[1] = fd;
			return 0;
		}
		close(fd);
	}
	return err;
}

/* ---- the relay ---- */

static bool wants_out(const struct flow *f)
{
	return f->len;
}

static bool wants_in(const struct flow *f)
{
	return !f->len && !f->eof && !f->limit;
}

/* Move bytes along @f if poll said so; NULL, or why the connection ends. */
static const char *step(struct conn *c, struct flow *f, const struct pollfd *p)
{
	short ready = POLLERR | POLLHUP;
	ssize_t n;

	if (wants_out(f) && p[f->to].revents & (POLLOUT | ready)) {
		n = send(c->fd[f->to], f->buf + f->off, f->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return R_CLOSED;
		if (n > 0) {
			f->off += n;
			f->len -= n;
			if (!f->len)
				f->off = 0;
		}
	} else if (wants_in(f) && p[f->from].revents & (POLLIN | ready)) {
		n = recv(c->fd[f->from], f->buf, sizeof(f->buf), MSG_DONTWAIT);
		if (n == 0) {
			f->eof = true;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			return R_CLOSED;
		} else if (n > 0) {
			size_t got = take_budget(c->s, f->dir, n);

			f->len = got;
			c->bytes[f->dir] += got;
			if (got < (size_t)n)
				f->limit = f->dir == UP ? R_LIMIT_UP : R_LIMIT_DOWN;
		}
	}
	return NULL;
}

/*
 * Relay both ways until both sides are done (each end-of-file passed on
 * as a half close), one side fails, a budget runs out, the lifetime ends
 * or the proxy stops.  Returns why it ended.
 */
static const char *relay(struct conn *c)
{
	struct server *s = c->s;

	for (;;) {
		struct pollfd p[3] = { { c->fd[0], 0, 0 }, { c->fd[1], 0, 0 },
				       { s->quit_fd, POLLIN, 0 } };
		long long left = c->deadline - now_ms();
		const char *why;
		int n;

		for (int i = 0; i < 2; i++) {
			struct flow *f = &c->flows[i];

			if (!f->len && f->limit)
				return f->limit;
			if (!f->len && f->eof && !f->shut) {
				shutdown(c->fd[f->to], SHUT_WR);
				f->shut = true;
			}
			if (wants_out(f))
				p[f->to].events |= POLLOUT;
			if (wants_in(f))
				p[f->from].events |= POLLIN;
		}
		if (c->flows[UP].shut && c->flows[DOWN].shut)
			return R_CLOSED;
		/* Nothing to wait for on a side: do not let its hang-up wake us in a loop. */
		for (int i = 0; i < 2; i++)
			if (!p[i].events)
				p[i].fd = -1;
		if (left <= 0)
			return R_LIMIT_TIME;
		n = poll(p, 3, left > INT32_MAX ? INT32_MAX : left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return R_ERROR;
		if (p[2].revents)
			return R_STOPPED;
		for (int i = 0; i < 2; i++) {
			why = step(c, &c->flows[i], p);
			if (why)
				return why;
		}
	}
}

/* ---- one connection ---- */

static void refuse_head(struct conn *c, int err)
{
	switch (err) {
	case -EMSGSIZE:
		refuse(c, R_BAD_REQUEST, 400, "cellwatch egress: the request head is over %d bytes",
		       CW_EGRESS_HEAD_MAX);
		break;
	case -EBADMSG:
		refuse(c, R_BAD_REQUEST, 400, "cellwatch egress: a NUL byte in the request head");
		break;
	case -ETIMEDOUT:
		refuse(c, R_REQ_TIMEOUT, 408, "cellwatch egress: no whole request in time");
		break;
	case -ECANCELED:
		log_conn(c, false, R_STOPPED, false);
		break;
	default:
		/* The client went away before finishing its request: nobody to answer. */
		log_conn(c, false, R_BAD_REQUEST, false);
	}
}

/* May the request go to its host?  Its addresses into @a; false once refused (logged, answered). */
static bool vet(struct conn *c, struct addrs *a)
{
	struct server *s = c->s;
	char why[512] = "";
	const char *reason;

	if (!cw_egress_host_allowed(c->host, c->port, &s->o)) {
		refuse(c, R_NOT_LISTED, 403,
		       "cellwatch egress: %s:%u is not on this run's allow list", c->host, c->port);
		return false;
	}
	reason = budget_spent(s, UP) ? R_LIMIT_UP : budget_spent(s, DOWN) ? R_LIMIT_DOWN : NULL;
	if (reason) {
		refuse(c, reason, 503, "cellwatch egress: %s:%u refused: %s", c->host, c->port,
		       reason);
		return false;
	}
	if (resolve(c->host, c->port, &s->o, a, why, sizeof(why))) {
		refuse(c, R_NO_RESOLVE, 502, "cellwatch egress: cannot resolve %s", why);
		return false;
	}
	/* Every address, not only the one we would use: a name is as safe as its worst. */
	for (int i = 0; i < a->n; i++) {
		reason = cw_egress_refused_addr((const struct sockaddr *)&a->sa[i], &s->o);
		if (reason) {
			format_addr(&a->sa[i], c->addr, sizeof(c->addr));
			refuse(c, reason, 403, "cellwatch egress: %s:%u refused (%s: %s)", c->host,
			       c->port, c->addr, reason);
			return false;
		}
	}
	return true;
}

/*
 * The server's first bytes: the rewritten head of a plain HTTP request,
 * then whatever the client sent after its head (it fits: the rewritten
 * head is at most a few hundred bytes longer than the original).
 */
static void prime_up(struct conn *c)
{
	struct flow *up = &c->flows[UP];
	size_t got;

	append(up, c->in + c->head_len, c->in_len - c->head_len);
	got = take_budget(c->s, UP, up->len);
	c->bytes[UP] = got;
	if (got < up->len) {
		up->len = got;
		up->limit = R_LIMIT_UP;
	}
}

/* Handle one client; for a connection it opened, why it ended, else NULL. */
static const char *serve_conn(struct conn *c)
{
	long long head_deadline = now_ms() + (c->over_limit ? REFUSE_TIMEOUT_MS : HEAD_TIMEOUT_MS);
	static const char established[] = "HTTP/1.1 200 Connection established\r\n\r\n";
	const char *why, *end = NULL;
	struct addrs *a;
	int err;

	err = read_head(c, head_deadline < c->deadline ? head_deadline : c->deadline);
	if (err) {
		refuse_head(c, err);
		return NULL;
	}
	why = parse_request(c);
	if (why) {
		refuse(c, R_BAD_REQUEST, 400, "cellwatch egress: bad request: %s", why);
		return NULL;
	}
	if (c->over_limit) {
		refuse(c, R_LIMIT_CONNS, 503,
		       "cellwatch egress: %s:%u refused: %u connections at once is this run's "
		       "limit", c->host, c->port, c->s->o.max_conns);
		return NULL;
	}
	a = malloc(sizeof(*a));
	if (!a) {
		refuse(c, R_ERROR, 500, "cellwatch egress: out of memory");
		return NULL;
	}
	if (!vet(c, a))
		goto out;
	err = connect_vetted(c, a);
	if (err == -ECANCELED)
		log_conn(c, false, R_STOPPED, false);
	else if (err)
		refuse(c, R_NO_CONNECT, err == -ETIMEDOUT ? 504 : 502,
		       "cellwatch egress: cannot connect to %s:%u (%s): %s", c->host, c->port,
		       c->addr, errdesc(err));
	if (err)
		goto out;
	log_conn(c, true, R_ALLOWED, false);

	/* The head is the proxy's; what followed it is the client's first bytes. */
	if (c->tunnel && send_all(c->s, c->fd[0], established, sizeof(established) - 1,
				  now_ms() + REPLY_TIMEOUT_MS)) {
		end = R_CLOSED;
		goto out;
	}
	prime_up(c);
	end = relay(c);
out:
	free(a);
	return end;
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct server *s = c->s;

	const char *end = serve_conn(c);

	if (c->fd[1] >= 0)
		close(c->fd[1]);
	if (c->replied)
		linger_close(s, c->fd[0]);
	else
		close(c->fd[0]);
	pthread_mutex_lock(&s->lock);
	if (c->over_limit)
		s->nrefusing--;
	else
		s->nconns--;
	pthread_mutex_unlock(&s->lock);
	/* Reported last: once a close is seen, its sockets are closed and its slot free. */
	if (end)
		log_conn(c, true, end, true);
	pthread_mutex_lock(&s->lock);
	c->finished = true;
	pthread_mutex_unlock(&s->lock);
	eventfd_write(s->reaped_fd, 1);
	return NULL;
}

/* ---- the accept loop ---- */

/* Past every cap: no thread to spare, a 503 if the socket takes it at once. */
static void refuse_now(struct server *s, int fd)
{
	static const char msg[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
				  "Connection: close\r\n\r\n";
	struct cw_egress_event ev = {
		.method = "", .host = "", .addr = "", .reason = R_LIMIT_CONNS,
	};

	send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
	emit(s, &ev);
}

static void start_conn(struct server *s, int fd)
{
	struct conn *c;
	sigset_t all, old;
	bool over;
	int err;

	pthread_mutex_lock(&s->lock);
	over = s->nconns >= s->o.max_conns;
	if (over && s->nrefusing >= MAX_REFUSING) {
		pthread_mutex_unlock(&s->lock);
		refuse_now(s, fd);
		return;
	}
	if (over)
		s->nrefusing++;
	else
		s->nconns++;
	pthread_mutex_unlock(&s->lock);

	c = calloc(1, sizeof(*c));
	if (c) {
		c->s = s;
		c->over_limit = over;
		c->fd[0] = fd;
		c->fd[1] = -1;
		c->deadline = now_ms() + s->o.max_seconds * 1000LL;
		c->flows[UP] = (struct flow){ .from = 0, .to = 1, .dir = UP };
		c->flows[DOWN] = (struct flow){ .from = 1, .to = 0, .dir = DOWN };
		/* Signals are for the caller's threads, not ours. */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		err = pthread_create(&c->tid, NULL, conn_main, c);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (!err) {
			pthread_mutex_lock(&s->lock);
			c->next = s->conns;
			s->conns = c;
			pthread_mutex_unlock(&s->lock);
			return;
		}
		free(c);
	}
	pthread_mutex_lock(&s->lock);
	if (over)
		s->nrefusing--;
	else
		s->nconns--;
	pthread_mutex_unlock(&s->lock);
	refuse_now(s, fd);
}

/* Join the threads that are done, or, with @all, every thread. */
static void reap(struct server *s, bool all)
{
	struct conn *done = NULL, **pp, *c;

	pthread_mutex_lock(&s->lock);
	for (pp = &s->conns; (c = *pp);) {
		if (all || c->finished) {
			*pp = c->next;
			c->next = done;
			done = c;
		} else {
			pp = &c->next;
		}
	}
	pthread_mutex_unlock(&s->lock);
	while ((c = done)) {
		done = c->next;
		pthread_join(c->tid, NULL);
		free(c);
	}
}

static void apply_defaults(struct cw_egress_opts *o)
{
	if (!o->max_conns)
		o->max_conns = CW_EGRESS_DEFAULT_CONNS;
	if (!o->max_up)
		o->max_up = CW_EGRESS_DEFAULT_BYTES;
	if (!o->max_down)
		o->max_down = CW_EGRESS_DEFAULT_BYTES;
	if (!o->max_seconds)
		o->max_seconds = CW_EGRESS_DEFAULT_SECS;
}

enum { WAITED, STOP, CLIENT };

/* Wait for the stop, a client or a thread to join (joined here): STOP, CLIENT, WAITED or -errno. */
static int wait_accept(struct server *s, int listen_fd, int stop_fd, int timeout)
{
	struct pollfd p[3] = { { stop_fd, POLLIN, 0 }, { listen_fd, POLLIN, 0 },
			       { s->reaped_fd, POLLIN, 0 } };
	eventfd_t v;

	if (poll(p, 3, timeout) < 0)
		return errno == EINTR ? WAITED : -errno;
	if (p[0].revents)
		return STOP;
	if (p[2].revents) {
		eventfd_read(s->reaped_fd, &v);
		reap(s, false);
	}
	return p[1].revents ? CLIENT : WAITED;
}

static int accept_loop(struct server *s, int listen_fd, int stop_fd)
{
	for (;;) {
		int ret = wait_accept(s, listen_fd, stop_fd, -1), fd;

		if (ret < 0 || ret == STOP)
			return ret < 0 ? ret : 0;
		if (ret != CLIENT)
			continue;
		fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			start_conn(s, fd);
			continue;
		}
		switch (errno) {
		case EAGAIN:
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
		case EPERM:
			break;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/* The client waits in the backlog; try again in a moment. */
			ret = wait_accept(s, -1, stop_fd, 100);
			if (ret < 0 || ret == STOP)
				return ret < 0 ? ret : 0;
			break;
		default:
			return -errno;
		}
	}
}

int cw_egress_serve(int listen_fd, int stop_fd, const struct cw_egress_opts *o)
{
	struct server s = {
		.o = *o,
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.budget_lock = PTHREAD_MUTEX_INITIALIZER,
		.log_lock = PTHREAD_MUTEX_INITIALIZER,
	};
	int ret;

	apply_defaults(&s.o);
	s.quit_fd = eventfd(0, EFD_CLOEXEC);
	s.reaped_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s.quit_fd < 0 || s.reaped_fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = accept_loop(&s, listen_fd, stop_fd);
	/* Every wait of every thread watches quit_fd: they all end now. */
	eventfd_write(s.quit_fd, 1);
	reap(&s, true);
out:
	if (s.quit_fd >= 0)
		close(s.quit_fd);
	if (s.reaped_fd >= 0)
		close(s.reaped_fd);
	return ret;
}
