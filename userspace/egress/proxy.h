/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Inside the egress proxy (egress.h says what it lets through): policy.c
 * decides which names and addresses may be reached, request.c reads what
 * a client asks for, relay.c serves connections and carries their bytes.
 */
#ifndef CW_EGRESS_PROXY_H
#define CW_EGRESS_PROXY_H

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

struct addrs {
	int n;
	struct sockaddr_storage sa[MAX_ADDRS];
};

/* policy.c: names, ports, addresses, resolution; small helpers */
long long egress_now_ms(void);
const char *egress_errdesc(int err);
void egress_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *egress_parse_port(const char *s, size_t len, unsigned short *port);
bool egress_normalise_name(const char *s, size_t len, char *out, size_t outlen);
const char *egress_check_labels(const char *name);
void egress_format_addr(const struct sockaddr_storage *ss, char *buf, size_t len);
int egress_resolve(const char *host, unsigned short port, const struct cw_egress_opts *o,
		   struct addrs *a, char *why, size_t whylen);

/* request.c: the request head */
int egress_read_head(struct conn *c, long long deadline);
bool egress_append(struct flow *f, const char *data, size_t len);
const char *egress_parse_request(struct conn *c);

/* relay.c: connections */
int egress_wait_fd(struct server *s, int fd, short events, long long deadline);

#endif /* CW_EGRESS_PROXY_H */
