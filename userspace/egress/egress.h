/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The host side of a run's egress allow-list: a filtering HTTP proxy.
 *
 * A cell has no route out.  When its run is granted hosts, its HTTP(S)
 * requests reach this proxy (through a relay and a unix socket), which
 * accepts CONNECT host:port and plain HTTP requests with an absolute URI,
 * and opens a connection only when
 *
 *   1. the host matches an allow entry with the same port: "api.example.com"
 *      exactly, "*.example.com" any name below example.com (not example.com
 *      itself); case-insensitive, a trailing dot ignored;
 *   2. the proxy itself resolves the name (getaddrinfo, or a hosts file) and
 *      no address it gets is loopback, link-local, a cloud metadata address,
 *      unspecified, multicast, broadcast or reserved, nor private unless
 *      inside a CIDR the run explicitly allows - checked even for an allowed
 *      name, because whoever controls its DNS can point it anywhere;
 *   3. the per-run limits are not reached.
 *
 * It then connects to the address it vetted (never resolving again) and
 * relays bytes.  Every decision, and the end of every connection, is
 * reported through a callback.
 *
 * What it cannot see: inside a CONNECT tunnel, TLS may name another host
 * (SNI, Host) served from the same address - domain fronting.  Plain HTTP
 * requests get the Host header of their URI.
 *
 * Allow entries are names or IPv4 literals (an IPv6 literal has colons:
 * it is never on the list).  Plain HTTP has port 80 unless the URI says
 * otherwise, so "http://api.example.com/" needs "api.example.com:80".
 */
#ifndef CW_EGRESS_H
#define CW_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define CW_EGRESS_HOST_MAX	256		/* a DNS name is at most 253 characters */
#define CW_EGRESS_HEAD_MAX	8192		/* request line and headers */
#define CW_EGRESS_DEFAULT_PORT	443
#define CW_EGRESS_DEFAULT_CONNS	4
#define CW_EGRESS_DEFAULT_BYTES	(64ULL << 20)
#define CW_EGRESS_DEFAULT_SECS	300

/* One allow entry: "api.example.com" or "*.example.com", lower case. */
struct cw_egress_allow {
	char host[CW_EGRESS_HOST_MAX];
	unsigned short port;		/* never 0 once parsed */
};

/* An address range: AF_INET or AF_INET6, @addr in network order, host bits zero. */
struct cw_egress_cidr {
	int family;
	unsigned char prefix;
	unsigned char addr[16];
};

/* What the proxy decided, or how a connection it allowed ended. */
struct cw_egress_event {
	const char *method;		/* "CONNECT", "GET", ...; "" if unread */
	const char *host;		/* as requested, lower case; "" if unread */
	unsigned short port;
	const char *addr;		/* the address connected to or refused; "" if none */
	bool allowed;			/* a connection was opened */
	const char *reason;		/* "allowed", "not on the allow list", "limit: time", ... */
	unsigned long long bytes_up;	/* client to server, this connection */
	unsigned long long bytes_down;	/* server to client */
	bool closed;			/* false: the decision; true: the end of an
					 * allowed one */
};

struct cw_egress_opts {
	const struct cw_egress_allow *allow;
	size_t nallow;
	const struct cw_egress_cidr *private_ok;	/* private ranges the run may reach */
	size_t nprivate;
	/*
	 * NULL: names resolve with getaddrinfo.  Else only the "ADDR NAME..."
	 * lines of this file resolve them (tests; also a way to pin names).
	 */
	const char *hosts_file;
	unsigned int max_conns;		/* connections at once; 0: 4 */
	unsigned long long max_up;	/* bytes client to server over the run; 0: 64 MiB */
	unsigned long long max_down;	/* bytes server to client over the run; 0: 64 MiB */
	unsigned int max_seconds;	/* lifetime of one connection; 0: 300 */
	/* Called for every event, one call at a time, from the proxy's threads. */
	void (*log)(void *ctx, const struct cw_egress_event *ev);
	void *ctx;
};

/*
 * Parse "NAME[:PORT]" into @out: NAME an RFC 1123 host name, or one with a
 * leading "*." label; PORT 1..65535, 443 when absent.  0, or -EINVAL with a
 * message naming @spec in @err.
 */
int cw_egress_parse_allow(const char *spec, struct cw_egress_allow *out, char *err,
			  size_t errlen);

/* Parse "ADDR/PREFIX" (or a bare ADDR: one address).  0, or -EINVAL with a message. */
int cw_egress_parse_cidr(const char *spec, struct cw_egress_cidr *out, char *err,
			 size_t errlen);

/* Does @host (any case, trailing dot or not) port @port match an entry of @o? */
bool cw_egress_host_allowed(const char *host, unsigned short port,
			    const struct cw_egress_opts *o);

/* Is @sa (AF_INET or AF_INET6) refused whatever the name?  NULL, or the reason. */
const char *cw_egress_refused_addr(const struct sockaddr *sa, const struct cw_egress_opts *o);

/*
 * Serve proxy clients accepted on @listen_fd (a listening unix or TCP
 * socket, blocking or not) until @stop_fd becomes readable or hangs up (it
 * is not read), one thread per connection, their signals blocked.  Returns
 * once every connection is closed and its thread joined - a thread inside
 * getaddrinfo() finishes that first: 0, or a negative errno when the proxy
 * could not go on.
 */
int cw_egress_serve(int listen_fd, int stop_fd, const struct cw_egress_opts *o);

#endif /* CW_EGRESS_H */
