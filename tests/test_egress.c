// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests: the egress proxy (egress.c).  Clients reach it over a unix
 * socket, as a cell's relay will.  Where a request must get through, the
 * test process moves into a network namespace of its own (it dies with
 * the test) holding 10.200.0.1, where a small HTTP origin listens: the
 * proxy refuses loopback whatever the name, so the origin cannot be on
 * 127.0.0.1.  Names resolve through a hosts file the proxy is given.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "egress/egress.h"
#include "test.h"

#define ORIGIN_ADDR	"10.200.0.1"
#define ORIGIN_PORT	8080
#define SELF_ADDR	"11.22.33.44"	/* global addresses, on the test's own namespace */
#define SELF2_ADDR	"11.22.33.45"
#define IO_TIMEOUT_S	5
#define MAX_SEEN	64

#define HOSTS_FILE								\
	"# the test's names\n"							\
	ORIGIN_ADDR "\tapi.test Other.Test a.wild.test\n"			\
	"169.254.169.254 metadata.test\n"					\
	"127.0.0.1 loop.test\n"							\
	"fd00:ec2::254 metadata6.test\n"					\
	"::ffff:127.0.0.1 mapped.test\n"					\
	ORIGIN_ADDR " mixed.test\n"						\
	"127.0.0.1 mixed.test\n"							\
	SELF_ADDR " self.test\n"						\
	SELF2_ADDR " self2.test\n"						\
	"198.18.0.7 bench.test\n"

/* ---- the events the proxy reported ---- */

struct seen {
	char method[16];
	char host[256];
	unsigned short port;
	char addr[64];
	bool allowed;
	char reason[64];
	unsigned long long up, down;
	bool closed;
};

static struct {
	pthread_mutex_t lock;
	int n;
	struct seen ev[MAX_SEEN];
} journal = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void record(void *ctx, const struct cw_egress_event *ev)
{
	struct seen *s;

	(void)ctx;
	fprintf(stderr, "event: %s %s:%u addr=%s %s%s (%s) up=%llu down=%llu\n", ev->method,
		ev->host, ev->port, ev->addr, ev->closed ? "closed " : "",
		ev->allowed ? "allowed" : "denied", ev->reason, ev->bytes_up, ev->bytes_down);
	pthread_mutex_lock(&journal.lock);
	if (journal.n < MAX_SEEN) {
		s = &journal.ev[journal.n++];
		snprintf(s->method, sizeof(s->method), "%s", ev->method);
		snprintf(s->host, sizeof(s->host), "%s", ev->host);
		snprintf(s->addr, sizeof(s->addr), "%s", ev->addr);
		snprintf(s->reason, sizeof(s->reason), "%s", ev->reason);
		s->port = ev->port;
		s->allowed = ev->allowed;
		s->up = ev->bytes_up;
		s->down = ev->bytes_down;
		s->closed = ev->closed;
	}
	pthread_mutex_unlock(&journal.lock);
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Wait until @n events are in (a close is reported after the client sees it); event n-1. */
static const struct seen *wait_event(int n)
{
	long long deadline = mono_ms() + IO_TIMEOUT_S * 1000;
	int have;

	for (;;) {
		pthread_mutex_lock(&journal.lock);
		have = journal.n;
		pthread_mutex_unlock(&journal.lock);
		if (have >= n || mono_ms() > deadline)
			break;
		usleep(10000);
	}
	if (!ASSERT_TRUE(have >= n, "the event was reported")) {
		fprintf(stderr, "  wanted %d events, got %d\n", n, have);
		return NULL;
	}
	return &journal.ev[n - 1];
}

static int events_seen(void)
{
	int n;

	pthread_mutex_lock(&journal.lock);
	n = journal.n;
	pthread_mutex_unlock(&journal.lock);
	return n;
}

/* Check the decision event number @n (from 1). */
static bool expect_event(int n, const char *method, const char *host, bool allowed,
			 const char *reason)
{
	const struct seen *e = wait_event(n);
	bool ok;

	if (!e)
		return false;
	ok = ASSERT_STREQ(e->method, method, "event method");
	ok &= ASSERT_STREQ(e->host, host, "event host");
	ok &= ASSERT_EQ(e->allowed, allowed, "event allowed");
	ok &= ASSERT_STREQ(e->reason, reason, "event reason");
	ok &= ASSERT_FALSE(e->closed, "a decision, not a close");
	return ok;
}

/* ---- the proxy under test, in a thread ---- */

struct proxy {
	struct cw_egress_opts opts;
	struct cw_egress_allow allow[8];
	struct cw_egress_cidr ok[4];
	char sock[108];
	int listen_fd, stop_fd, ret;
	pthread_t tid;
	bool started;
};

static void proxy_init(struct proxy *p)
{
	memset(p, 0, sizeof(*p));
	p->listen_fd = p->stop_fd = -1;
	p->opts.log = record;
	p->opts.allow = p->allow;
	p->opts.private_ok = p->ok;
}

static bool proxy_allow(struct proxy *p, const char *spec)
{
	char err[512] = "";

	if (!ASSERT_OK(cw_egress_parse_allow(spec, &p->allow[p->opts.nallow], err, sizeof(err)),
		       err))
		return false;
	p->opts.nallow++;
	return true;
}

static bool proxy_private_ok(struct proxy *p, const char *spec)
{
	char err[512] = "";

	if (!ASSERT_OK(cw_egress_parse_cidr(spec, &p->ok[p->opts.nprivate], err, sizeof(err)),
		       err))
		return false;
	p->opts.nprivate++;
	return true;
}

static bool write_hosts(struct proxy *p)
{
	const char *path = test_path(1, "hosts");
	FILE *f = fopen(path, "w");

	if (!ASSERT_OK_PTR(f, "create the hosts file"))
		return false;
	fputs(HOSTS_FILE, f);
	fclose(f);
	p->opts.hosts_file = path;
	return true;
}

static void *proxy_main(void *arg)
{
	struct proxy *p = arg;

	p->ret = cw_egress_serve(p->listen_fd, p->stop_fd, &p->opts);
	return NULL;
}

static bool proxy_start(struct proxy *p)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(p->sock, sizeof(p->sock), "%s", test_path(0, "egress.sock"));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", p->sock);
	p->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!ASSERT_TRUE(p->listen_fd >= 0, "proxy socket"))
		return false;
	if (!ASSERT_OK(bind(p->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) ? -errno : 0,
		       "bind the proxy socket") ||
	    !ASSERT_OK(listen(p->listen_fd, 64) ? -errno : 0, "listen"))
		return false;
	p->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (!ASSERT_TRUE(p->stop_fd >= 0, "eventfd"))
		return false;
	if (!ASSERT_OK(pthread_create(&p->tid, NULL, proxy_main, p), "start the proxy"))
		return false;
	p->started = true;
	return true;
}

/* Stop and join the proxy, close its sockets; whether it stopped cleanly. */
static bool proxy_stop(struct proxy *p)
{
	bool ok = true;

	if (p->started) {
		eventfd_write(p->stop_fd, 1);
		pthread_join(p->tid, NULL);
		p->started = false;
		ok = ASSERT_OK(p->ret, "cw_egress_serve returns 0 on stop");
	}
	if (p->listen_fd >= 0)
		close(p->listen_fd);
	if (p->stop_fd >= 0)
		close(p->stop_fd);
	p->listen_fd = p->stop_fd = -1;
	return ok;
}

/* ---- a client ---- */

static int dial(const struct proxy *p)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", p->sock);
	if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
			connect(fd, (struct sockaddr *)&sun, sizeof(sun)))) {
		close(fd);
		fd = -1;
	}
	ASSERT_TRUE(fd >= 0, "connect to the proxy");
	return fd;
}

static bool send_str(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n <= 0)
			return false;
		s += n;
		len -= n;
	}
	return true;
}

/* Everything until end-of-file (or the timeout), NUL-terminated; its length. */
static size_t read_to_eof(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len < cap - 1 && (n = recv(fd, buf + len, cap - 1 - len, 0)) > 0)
		len += n;
	buf[len] = '\0';
	return len;
}

/* A response head, byte by byte so that nothing after it is taken; its length. */
static size_t read_reply_head(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len < cap - 1 && recv(fd, buf + len, 1, 0) == 1) {
		buf[++len] = '\0';
		if (len >= 4 && !memcmp(buf + len - 4, "\r\n\r\n", 4))
			break;
	}
	buf[len] = '\0';
	return len;
}

/* Send @req on a new connection and read the whole answer into @buf. */
static size_t exchange(const struct proxy *p, const char *req, char *buf, size_t cap)
{
	int fd = dial(p);
	size_t len = 0;

	buf[0] = '\0';
	if (fd < 0)
		return 0;
	if (ASSERT_TRUE(send_str(fd, req), "send the request"))
		len = read_to_eof(fd, buf, cap);
	close(fd);
	return len;
}

/* CONNECT @target, expecting the tunnel; the connected socket or -1. */
static int open_tunnel(const struct proxy *p, const char *target)
{
	char req[512], head[1024];
	int fd = dial(p);

	if (fd < 0)
		return -1;
	snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target);
	if (!ASSERT_TRUE(send_str(fd, req), "send CONNECT") ||
	    (read_reply_head(fd, head, sizeof(head)),
	     !ASSERT_STREQ(head, "HTTP/1.1 200 Connection established\r\n\r\n", "tunnel open"))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- the origin server, in a thread, in the test's network namespace ---- */

struct origin {
	int listen_fd, stop_fd;
	pthread_t tid;
	bool started;
	size_t body_len;		/* 0: the body echoes the request line */
	pthread_mutex_t lock;
	int accepted;
	char head[8192];		/* the last request head it read */
};

static void origin_answer(struct origin *o, int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	char head[8192], *body, reply[256];
	size_t len = 0, blen;
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < sizeof(head) - 1 &&
	       (n = recv(fd, head + len, sizeof(head) - 1 - len, 0)) > 0) {
		len += n;
		head[len] = '\0';
		if (strstr(head, "\r\n\r\n"))
			break;
	}
	head[len] = '\0';
	pthread_mutex_lock(&o->lock);
	memcpy(o->head, head, len + 1);
	pthread_mutex_unlock(&o->lock);
	if (!strstr(head, "\r\n\r\n"))
		return;

	blen = o->body_len ? o->body_len : strcspn(head, "\r") + 9;
	body = malloc(blen + 1);
	if (!body)
		return;
	if (o->body_len)
		memset(body, 'x', blen);
	else
		snprintf(body, blen + 1, "origin: %.*s\n", (int)strcspn(head, "\r"), head);
	snprintf(reply, sizeof(reply),
		 "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", blen);
	if (send(fd, reply, strlen(reply), MSG_NOSIGNAL) > 0)
		send(fd, body, blen, MSG_NOSIGNAL);
	free(body);
}

static void *origin_main(void *arg)
{
	struct origin *o = arg;

	for (;;) {
		struct pollfd p[2] = { { o->stop_fd, POLLIN, 0 }, { o->listen_fd, POLLIN, 0 } };
		int fd;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (!p[1].revents)
			continue;
		fd = accept4(o->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&o->lock);
		o->accepted++;
		pthread_mutex_unlock(&o->lock);
		origin_answer(o, fd);
		close(fd);
	}
	return NULL;
}

static int origin_accepted(struct origin *o)
{
	int n;

	pthread_mutex_lock(&o->lock);
	n = o->accepted;
	pthread_mutex_unlock(&o->lock);
	return n;
}

static bool origin_start(struct origin *o, size_t body_len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(ORIGIN_PORT) };
	int one = 1;

	memset(o, 0, sizeof(*o));
	pthread_mutex_init(&o->lock, NULL);
	o->body_len = body_len;
	o->stop_fd = eventfd(0, EFD_CLOEXEC);
	o->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, ORIGIN_ADDR, &sin.sin_addr);
	if (!ASSERT_TRUE(o->stop_fd >= 0 && o->listen_fd >= 0, "origin sockets"))
		return false;
	setsockopt(o->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!ASSERT_OK(bind(o->listen_fd, (struct sockaddr *)&sin, sizeof(sin)) ? -errno : 0,
		       "bind the origin to " ORIGIN_ADDR) ||
	    !ASSERT_OK(listen(o->listen_fd, 16) ? -errno : 0, "origin listen"))
		return false;
	if (!ASSERT_OK(pthread_create(&o->tid, NULL, origin_main, o), "start the origin"))
		return false;
	o->started = true;
	return true;
}

/* Stop the origin: after the proxy, whose connections it may be reading. */
static void origin_stop(struct origin *o)
{
	if (o->started) {
		eventfd_write(o->stop_fd, 1);
		pthread_join(o->tid, NULL);
		o->started = false;
	}
	if (o->listen_fd > 0)
		close(o->listen_fd);
	if (o->stop_fd > 0)
		close(o->stop_fd);
	o->listen_fd = o->stop_fd = -1;
}

static const char *ip_bin;

/* Run ip(8) with these words (NULL-terminated); whether it succeeded.  Its stderr shows. */
static bool ip(const char *word, ...)
{
	static struct cmd_result res;
	char *argv[16] = { (char *)ip_bin, (char *)word };
	va_list ap;
	int i = 2;

	va_start(ap, word);
	while (i < 15 && (argv[i] = va_arg(ap, char *)))
		i++;
	va_end(ap);
	argv[i] = NULL;
	return !run_cmd(argv, 10, &res) && !res.status;
}

/*
 * Move this test process (test_runner forks one per test) into a new
 * network namespace, gone when the test ends, holding ORIGIN_ADDR on a
 * dummy interface - or on lo where the kernel has no dummy driver: the
 * address is local either way and outside 127/8.  Before any thread
 * starts: every thread then lives in it.
 */
static bool enter_netns(void)
{
	const char *dev = "cw-egress0";

	if (geteuid() != 0) {
		test__skip("needs root to create a network namespace");
		return false;
	}
	ip_bin = require_tool("ip", "iproute2");
	if (!ip_bin)
		return false;
	if (unshare(CLONE_NEWNET)) {
		test__skip("unshare(CLONE_NEWNET): %s", strerror(errno));
		return false;
	}
	if (!ASSERT_TRUE(ip("link", "set", "lo", "up", NULL), "ip link set lo up"))
		return false;
	if (ip("link", "add", dev, "type", "dummy", NULL)) {
		ip("link", "set", dev, "up", NULL);
	} else {
		fprintf(stderr, "no dummy interface: " ORIGIN_ADDR " goes on lo\n");
		dev = "lo";
	}
	return ASSERT_TRUE(ip("addr", "add", ORIGIN_ADDR "/24", "dev", dev, NULL),
			   "add " ORIGIN_ADDR);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * The threads there should be once the proxy is stopped: counted while it
 * runs, before any client, not before it starts - a sanitizer may add a
 * thread of its own at the first pthread_create().
 */
static int threads_without_proxy(void)
{
	return count_entries("/proc/self/task") - 1;
}

/*
 * The threads of this process once @want remain, or after two seconds.  The
 * kernel wakes pthread_join() as the thread exits, a moment before it drops
 * the thread's /proc/self/task entry: a slow machine shows the gap.
 */
static int threads_left(int want)
{
	int n;

	for (int i = 0; (n = count_entries("/proc/self/task")) != want && i < 200; i++)
		usleep(10000);
	return n;
}

/* ---- parsing ---- */

UNIT_TEST(egress_parse_allow)
{
	static const struct {
		const char *spec, *host;
		unsigned short port;
	} good[] = {
		{ "api.example.com", "api.example.com", 443 },
		{ "API.Example.COM.:8443", "api.example.com", 8443 },
		{ "*.example.com", "*.example.com", 443 },
		{ "*.Pkg.Example.org:80", "*.pkg.example.org", 80 },
		{ "1.2.3.4:65535", "1.2.3.4", 65535 },
		{ "xn--bcher-kva.example", "xn--bcher-kva.example", 443 },
	};
	static const struct {
		const char *spec, *why;
	} bad[] = {
		{ "", "empty name" },
		{ ":443", "empty name" },
		{ "api.example.com:", "empty port" },
		{ "api.example.com:0", "not in 1..65535" },
		{ "api.example.com:65536", "not in 1..65535" },
		{ "api.example.com:https", "not a number" },
		{ "api..example.com", "empty label" },
		{ ".example.com", "empty label" },
		{ "-api.example.com", "starts or ends with '-'" },
		{ "api-.example.com", "starts or ends with '-'" },
		{ "api_x.example.com", "only letters, digits" },
		{ "api example.com", "only letters, digits" },
		{ "[::1]:443", "only letters, digits" },
		{ "*", "'*' only as a whole leading label" },
		{ "*.com", "at least two labels" },
		{ "*example.com", "'*' only as a whole leading label" },
		{ "a.*.example.com", "'*' only as a whole leading label" },
		{ "**.example.com", "'*' only as a whole leading label" },
		{ "*.*.example.com", "'*' only as a whole leading label" },
	};
	struct cw_egress_allow a;
	char err[512], spec[400], want[512];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err[0] = '\0';
		if (!ASSERT_OK(cw_egress_parse_allow(good[i].spec, &a, err, sizeof(err)), err))
			continue;
		ASSERT_STREQ(a.host, good[i].host, good[i].spec);
		ASSERT_EQ(a.port, good[i].port, good[i].spec);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ASSERT_EQ(cw_egress_parse_allow(bad[i].spec, &a, err, sizeof(err)), -EINVAL,
			  bad[i].spec);
		snprintf(want, sizeof(want), "\"%s\": ", bad[i].spec);
		ASSERT_HAS(err, want, "the message names the spec");
		ASSERT_HAS(err, bad[i].why, bad[i].spec);
	}

	/* Length limits: 63 per label, 253 in all. */
	memset(spec, 'a', 64);
	strcpy(spec + 64, ".example.com");
	ASSERT_EQ(cw_egress_parse_allow(spec, &a, err, sizeof(err)), -EINVAL, "64-char label");
	ASSERT_HAS(err, "longer than 63", "64-char label");
	spec[0] = '.';
	ASSERT_OK(cw_egress_parse_allow(spec + 1, &a, err, sizeof(err)), "63-char label");
	for (int i = 0; i < 64; i++)
		memcpy(spec + i * 4, "abc.", 4);
	strcpy(spec + 252, "ab");	/* 254 characters */
	ASSERT_EQ(cw_egress_parse_allow(spec, &a, err, sizeof(err)), -EINVAL, "254 chars");
	ASSERT_HAS(err, "longer than 253", "254 chars");
	spec[253] = '\0';
	ASSERT_OK(cw_egress_parse_allow(spec, &a, err, sizeof(err)), "253 chars");
}

UNIT_TEST(egress_parse_cidr)
{
	static const unsigned char net[4] = { 10, 200, 0, 0 };
	struct cw_egress_cidr c;
	char err[512];

	if (ASSERT_OK(cw_egress_parse_cidr("10.200.0.0/24", &c, err, sizeof(err)), err)) {
		ASSERT_EQ(c.family, AF_INET, "family");
		ASSERT_EQ(c.prefix, 24, "prefix");
		ASSERT_OK(memcmp(c.addr, net, 4), "address");
	}
	if (ASSERT_OK(cw_egress_parse_cidr("fd12:3456::/32", &c, err, sizeof(err)), err)) {
		ASSERT_EQ(c.family, AF_INET6, "family");
		ASSERT_EQ(c.prefix, 32, "prefix");
		ASSERT_EQ(c.addr[0], 0xfd, "first byte");
	}
	if (ASSERT_OK(cw_egress_parse_cidr("192.168.7.9", &c, err, sizeof(err)), err))
		ASSERT_EQ(c.prefix, 32, "a bare address is one address");
	if (ASSERT_OK(cw_egress_parse_cidr("0.0.0.0/0", &c, err, sizeof(err)), err))
		ASSERT_EQ(c.prefix, 0, "everything");

	ASSERT_EQ(cw_egress_parse_cidr("10.200.0.1/24", &c, err, sizeof(err)), -EINVAL,
		  "host bits");
	ASSERT_HAS(err, "\"10.200.0.1/24\": host bits set past /24 (the network is 10.200.0.0/24)",
		   "host bits message");
	ASSERT_EQ(cw_egress_parse_cidr("10.0.0.0/33", &c, err, sizeof(err)), -EINVAL, "/33");
	ASSERT_HAS(err, "0..32", "/33 message");
	ASSERT_EQ(cw_egress_parse_cidr("fd12::/129", &c, err, sizeof(err)), -EINVAL, "/129");
	ASSERT_HAS(err, "0..128", "/129 message");
	ASSERT_EQ(cw_egress_parse_cidr("10.0.0.0/", &c, err, sizeof(err)), -EINVAL, "no prefix");
	ASSERT_EQ(cw_egress_parse_cidr("10.0.0.0/8x", &c, err, sizeof(err)), -EINVAL, "junk");
	ASSERT_EQ(cw_egress_parse_cidr("intranet/8", &c, err, sizeof(err)), -EINVAL, "a name");
	ASSERT_HAS(err, "\"intranet/8\": not an IPv4 or IPv6 address", "name message");
}

UNIT_TEST(egress_host_matching)
{
	static const struct {
		const char *host;
		unsigned short port;
		bool allowed;
	} cases[] = {
		{ "api.example.com", 443, true },
		{ "API.Example.Com.", 443, true },
		{ "api.example.com", 80, false },
		{ "x.api.example.com", 443, false },
		{ "example.com", 443, false },
		{ "a.wild.example", 8080, true },
		{ "a.b.wild.example", 8080, true },
		{ "A.WILD.EXAMPLE.", 8080, true },
		{ "wild.example", 8080, false },
		{ "xwild.example", 8080, false },
		{ "a.wild.example", 443, false },
		{ "a.wild.example.evil.test", 8080, false },
		{ "", 443, false },
		{ ".", 443, false },
	};
	struct proxy p;

	proxy_init(&p);
	if (!proxy_allow(&p, "api.example.com") || !proxy_allow(&p, "*.wild.example:8080"))
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ASSERT_EQ(cw_egress_host_allowed(cases[i].host, cases[i].port, &p.opts),
			  cases[i].allowed, cases[i].host);
}

/* ---- the address policy ---- */

static const char *refused(const char *text, const struct cw_egress_opts *o)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1)
		sin6->sin6_family = AF_INET6;
	else
		ASSERT_TRUE(false, text);
	return cw_egress_refused_addr((struct sockaddr *)&ss, o);
}

UNIT_TEST(egress_refused_addresses)
{
	static const struct {
		const char *addr, *reason;	/* NULL: allowed */
		bool with_ok;			/* with the private ranges below allowed */
	} cases[] = {
		{ "169.254.169.254", "resolves to a metadata address", false },
		{ "100.100.100.200", "resolves to a metadata address", false },
		{ "fd00:ec2::254", "resolves to a metadata address", false },
		{ "::ffff:169.254.169.254", "resolves to a metadata address", false },
		{ "64:ff9b::a9fe:a9fe", "resolves to a metadata address", false },
		{ "127.0.0.1", "loopback", false },
		{ "127.255.0.9", "loopback", false },
		{ "::1", "loopback", false },
		{ "::ffff:127.0.0.1", "loopback", false },
		{ "169.254.1.1", "link-local", false },
		{ "fe80::1", "link-local", false },
		{ "febf::1", "link-local", false },
		{ "0.0.0.0", "unspecified", false },
		{ "0.1.2.3", "unspecified", false },
		{ "::", "unspecified", false },
		{ "224.0.0.1", "multicast", false },
		{ "ff02::1", "multicast", false },
		{ "255.255.255.255", "broadcast", false },
		{ "240.0.0.1", "reserved", false },
		{ "::10.0.0.1", "reserved", false },
		{ "10.1.2.3", "private range not allowed", false },
		{ "172.16.0.1", "private range not allowed", false },
		{ "172.31.255.255", "private range not allowed", false },
		{ "192.168.1.1", "private range not allowed", false },
		{ "100.64.0.1", "private range not allowed", false },
		{ "100.127.255.255", "private range not allowed", false },
		{ "fc00::1", "private range not allowed", false },
		{ "fd12::1", "private range not allowed", false },
		{ "::ffff:10.200.0.7", "private range not allowed", false },
		{ "168.63.129.16", "resolves to a metadata address", false },
		{ "192.0.0.192", "special-purpose range not allowed", false },
		{ "192.0.2.1", "special-purpose range not allowed", false },
		{ "192.88.99.1", "special-purpose range not allowed", false },
		{ "198.18.0.1", "special-purpose range not allowed", false },
		{ "198.19.255.255", "special-purpose range not allowed", false },
		{ "198.51.100.7", "special-purpose range not allowed", false },
		{ "203.0.113.9", "special-purpose range not allowed", false },
		{ "::ffff:203.0.113.9", "special-purpose range not allowed", false },
		{ "64:ff9b:1::1", "special-purpose range not allowed", false },
		{ "100::1", "special-purpose range not allowed", false },
		{ "2001::1", "special-purpose range not allowed", false },
		{ "2001:1ff::1", "special-purpose range not allowed", false },
		{ "2001:db8::1", "special-purpose range not allowed", false },
		{ "2002:c000:204::1", "special-purpose range not allowed", false },
		{ "3fff::1", "special-purpose range not allowed", false },
		{ "5f00::1", "special-purpose range not allowed", false },
		{ "198.20.0.1", NULL, false },
		{ "2001:4860::8888", NULL, false },
		{ "172.32.0.1", NULL, false },
		{ "100.128.0.1", NULL, false },
		{ "93.184.216.34", NULL, false },
		{ "8.8.8.8", NULL, false },
		{ "2606:4700::1111", NULL, false },
		{ "::ffff:8.8.8.8", NULL, false },

		/* An explicit range opens that range, private ones only. */
		{ "10.200.0.7", NULL, true },
		{ "::ffff:10.200.0.7", NULL, true },
		{ "fd12::1", NULL, true },
		{ "198.18.0.1", NULL, true },
		{ "198.20.0.1", NULL, true },
		{ "10.200.1.1", "private range not allowed", true },
		{ "192.168.1.1", "private range not allowed", true },
		{ "127.0.0.1", "loopback", true },
		{ "169.254.169.254", "resolves to a metadata address", true },
		{ "169.254.1.1", "link-local", true },
	};
	struct proxy none, some;

	proxy_init(&none);
	proxy_init(&some);
	/* Even ranges that hold loopback and metadata addresses open nothing but private ones. */
	if (!proxy_private_ok(&some, "10.200.0.0/24") || !proxy_private_ok(&some, "fd12::/16") ||
	    !proxy_private_ok(&some, "127.0.0.0/8") || !proxy_private_ok(&some, "169.254.0.0/16") ||
	    !proxy_private_ok(&some, "198.18.0.0/15"))
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cw_egress_opts *o = cases[i].with_ok ? &some.opts : &none.opts;
		const char *got = refused(cases[i].addr, o);

		if (cases[i].reason)
			ASSERT_STREQ(got, cases[i].reason, cases[i].addr);
		else if (!ASSERT_NULL(got, cases[i].addr))
			fprintf(stderr, "  refused as %s\n", got);
	}
}

/* ---- end to end ---- */

TEST(egress_connect_relays_both_ways)
{
	static const char ping[] = "PING /tunnel HTTP/1.1\r\nHost: api.test\r\n\r\n";
	struct proxy p;
	struct origin o = { .listen_fd = -1, .stop_fd = -1 };
	const struct seen *e;
	char buf[4096];
	int fd = -1, fds, tasks;
	size_t got;

	proxy_init(&p);
	if (!enter_netns() || !origin_start(&o, 0))
		goto cleanup;
	if (!proxy_allow(&p, "api.test:8080") || !proxy_private_ok(&p, "10.200.0.0/24") ||
	    !write_hosts(&p))
		goto cleanup;
	fds = count_entries("/proc/self/fd");
	if (!proxy_start(&p))
		goto cleanup;
	tasks = threads_without_proxy();

	fd = open_tunnel(&p, "API.test.:8080");
	if (fd < 0)
		goto cleanup;
	if (!ASSERT_TRUE(send_str(fd, ping), "send through the tunnel"))
		goto cleanup;
	got = read_to_eof(fd, buf, sizeof(buf));
	ASSERT_HAS(buf, "HTTP/1.1 200 OK\r\n", "the origin's answer comes back");
	ASSERT_HAS(buf, "origin: PING /tunnel HTTP/1.1\n", "the origin read our bytes");
	close(fd);
	fd = -1;

	if (expect_event(1, "CONNECT", "api.test", true, "allowed")) {
		e = wait_event(1);
		ASSERT_EQ(e->port, 8080, "port");
		ASSERT_STREQ(e->addr, ORIGIN_ADDR, "the vetted address");
	}
	e = wait_event(2);
	if (e) {
		ASSERT_TRUE(e->closed && e->allowed, "a close summary");
		ASSERT_STREQ(e->reason, "closed", "both sides finished");
		ASSERT_EQ(e->up, strlen(ping), "bytes up");
		ASSERT_EQ(e->down, got, "bytes down");
	}
	proxy_stop(&p);
	ASSERT_EQ(count_entries("/proc/self/fd"), fds, "every descriptor closed");
	ASSERT_EQ(threads_left(tasks), tasks, "every thread joined");
	ASSERT_EQ(origin_accepted(&o), 1, "one connection to the origin");
cleanup:
	if (fd >= 0)
		close(fd);
	proxy_stop(&p);
	origin_stop(&o);
}

TEST(egress_get_absolute_uri)
{
	struct proxy p;
	struct origin o = { .listen_fd = -1, .stop_fd = -1 };
	char buf[4096], head[8192];

	proxy_init(&p);
	if (!enter_netns() || !origin_start(&o, 0))
		goto cleanup;
	if (!proxy_allow(&p, "api.test:8080") || !proxy_private_ok(&p, "10.200.0.0/24") ||
	    !write_hosts(&p) || !proxy_start(&p))
		goto cleanup;

	exchange(&p,
		 "GET http://API.test.:8080/path?q=1#frag HTTP/1.1\r\n"
		 "Host: evil.test\r\n"
		 "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
		 "Proxy-Connection: keep-alive\r\n"
		 "Connection: keep-alive\r\n"
		 "User-Agent: test\r\n"
		 "\r\n",
		 buf, sizeof(buf));
	ASSERT_HAS(buf, "HTTP/1.1 200 OK\r\n", "the origin's answer");
	ASSERT_HAS(buf, "origin: GET /path?q=1 HTTP/1.1\n", "origin-form request line");

	pthread_mutex_lock(&o.lock);
	snprintf(head, sizeof(head), "%s", o.head);
	pthread_mutex_unlock(&o.lock);
	ASSERT_HAS(head, "GET /path?q=1 HTTP/1.1\r\n", "the origin got origin-form");
	ASSERT_HAS(head, "\r\nHost: api.test:8080\r\n", "Host from the URI");
	ASSERT_HAS(head, "\r\nConnection: close\r\n", "Connection: close forced");
	ASSERT_HAS(head, "\r\nUser-Agent: test\r\n", "other headers kept");
	ASSERT_NULL(strstr(head, "Proxy-"), "no Proxy-* header forwarded");
	ASSERT_NULL(strstr(head, "evil.test"), "the client's Host replaced");
	ASSERT_NULL(strstr(head, "keep-alive"), "the client's Connection dropped");

	expect_event(1, "GET", "api.test", true, "allowed");
	if (wait_event(2)) {
		ASSERT_TRUE(journal.ev[1].closed, "a close summary");
		ASSERT_EQ(journal.ev[1].down, strlen(buf), "bytes down");
		ASSERT_TRUE(journal.ev[1].up > 0, "bytes up");
	}
cleanup:
	proxy_stop(&p);
	origin_stop(&o);
}

UNIT_TEST(egress_denies_names_off_the_list)
{
	struct proxy p;
	char buf[4096];
	int fd;

	proxy_init(&p);
	if (!proxy_allow(&p, "api.test:8080") || !proxy_allow(&p, "*.wild.test:8080") ||
	    !write_hosts(&p) || !proxy_start(&p))
		goto cleanup;

	exchange(&p, "CONNECT other.test:8080 HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	ASSERT_HAS(buf, "HTTP/1.1 403 Forbidden\r\n", "refused");
	ASSERT_HAS(buf,
		   "\r\n\r\ncellwatch egress: other.test:8080 is not on this run's allow list\n",
		   "the body says why");
	expect_event(1, "CONNECT", "other.test", false, "not on the allow list");
	ASSERT_STREQ(journal.ev[0].addr, "", "never resolved");

	exchange(&p, "CONNECT api.test:443 HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	ASSERT_HAS(buf, "api.test:443 is not on this run's allow list", "another port");
	expect_event(2, "CONNECT", "api.test", false, "not on the allow list");

	exchange(&p, "GET http://wild.test:8080/ HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	ASSERT_HAS(buf, "wild.test:8080 is not on this run's allow list", "not the apex");
	expect_event(3, "GET", "wild.test", false, "not on the allow list");

	/* A client that sends its request a few bytes at a time is read whole. */
	fd = dial(&p);
	if (fd >= 0) {
		const char *req = "CONNECT evil.test:8080 HTTP/1.1\r\nUser-Agent: slow\r\n\r\n";

		for (size_t i = 0, len = strlen(req); i < len; i += 5) {
			send(fd, req + i, len - i < 5 ? len - i : 5, MSG_NOSIGNAL);
			usleep(2000);
		}
		read_to_eof(fd, buf, sizeof(buf));
		close(fd);
		ASSERT_HAS(buf, "evil.test:8080 is not on this run's allow list", "slow client");
		expect_event(4, "CONNECT", "evil.test", false, "not on the allow list");
	}
cleanup:
	proxy_stop(&p);
}

TEST(egress_refuses_allowed_names_on_internal_addresses)
{
	static const struct {
		const char *name, *addr, *reason;
	} cases[] = {
		{ "metadata.test", "169.254.169.254", "resolves to a metadata address" },
		{ "metadata6.test", "fd00:ec2::254", "resolves to a metadata address" },
		{ "loop.test", "127.0.0.1", "loopback" },
		{ "mapped.test", "::ffff:127.0.0.1", "loopback" },
		/* One good address does not make up for a bad one. */
		{ "mixed.test", "127.0.0.1", "loopback" },
	};
	struct proxy p;
	struct origin o = { .listen_fd = -1, .stop_fd = -1 };
	char buf[4096], req[256], want[256];
	int n = 0;

	proxy_init(&p);
	if (!enter_netns() || !origin_start(&o, 0))
		goto cleanup;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(req, sizeof(req), "%s:8080", cases[i].name);
		if (!proxy_allow(&p, req))
			goto cleanup;
	}
	if (!proxy_private_ok(&p, "10.200.0.0/24") || !write_hosts(&p) || !proxy_start(&p))
		goto cleanup;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int get = 0; get <= 1; get++) {
			if (get)
				snprintf(req, sizeof(req), "GET http://%s:8080/ HTTP/1.1\r\n\r\n",
					 cases[i].name);
			else
				snprintf(req, sizeof(req), "CONNECT %s:8080 HTTP/1.1\r\n\r\n",
					 cases[i].name);
			exchange(&p, req, buf, sizeof(buf));
			ASSERT_HAS(buf, "HTTP/1.1 403 Forbidden\r\n", cases[i].name);
			snprintf(want, sizeof(want), "cellwatch egress: %s:8080 refused (%s: %s)\n",
				 cases[i].name, cases[i].addr, cases[i].reason);
			ASSERT_HAS(buf, want, "the body says why");
			if (expect_event(++n, get ? "GET" : "CONNECT", cases[i].name, false,
					 cases[i].reason))
				ASSERT_STREQ(journal.ev[n - 1].addr, cases[i].addr, "the address");
		}
	}
	ASSERT_EQ(origin_accepted(&o), 0, "nothing reached the origin");
cleanup:
	proxy_stop(&p);
	origin_stop(&o);
}

/*
 * An allowed name resolving to an address of the host itself, or to a
 * special-purpose range, is refused: the host's services listen there.
 * --allow-private grants the host's address as it grants a private range.
 */
TEST(egress_refuses_the_hosts_own_addresses)
{
	struct proxy p;
	struct origin o = { .listen_fd = -1, .stop_fd = -1 };
	char buf[4096];

	proxy_init(&p);
	if (!enter_netns() || !origin_start(&o, 0))
		goto cleanup;
	if (!ASSERT_TRUE(ip("addr", "add", SELF_ADDR "/32", "dev", "lo", NULL), "add " SELF_ADDR) ||
	    !ASSERT_TRUE(ip("addr", "add", SELF2_ADDR "/32", "dev", "lo", NULL), "add " SELF2_ADDR))
		goto cleanup;
	if (!proxy_allow(&p, "self.test:8080") || !proxy_allow(&p, "self2.test:8080") ||
	    !proxy_allow(&p, "bench.test:8080") || !proxy_private_ok(&p, SELF2_ADDR "/32") ||
	    !write_hosts(&p) || !proxy_start(&p))
		goto cleanup;
	exchange(&p, "CONNECT self.test:8080 HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	ASSERT_HAS(buf, "HTTP/1.1 403 Forbidden\r\n", "refused");
	ASSERT_HAS(buf, "self.test:8080 refused (" SELF_ADDR ": an address of the host)", "why");
	expect_event(1, "CONNECT", "self.test", false, "an address of the host");
	exchange(&p, "GET http://bench.test:8080/ HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	ASSERT_HAS(buf, "bench.test:8080 refused (198.18.0.7: special-purpose range not allowed)",
		   "a benchmarking address");
	expect_event(2, "GET", "bench.test", false, "special-purpose range not allowed");
	/* Granted: the proxy goes on to connect (nothing listens there: 502). */
	exchange(&p, "CONNECT self2.test:8080 HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	ASSERT_HAS(buf, "HTTP/1.1 502 ", "granted, then refused by the empty port");
cleanup:
	proxy_stop(&p);
	origin_stop(&o);
}

TEST(egress_private_range_needs_private_ok)
{
	struct proxy p;
	struct origin o = { .listen_fd = -1, .stop_fd = -1 };
	char buf[4096];

	proxy_init(&p);
	if (!enter_netns() || !origin_start(&o, 0))
		goto cleanup;
	/* Another private range allowed, not the origin's. */
	if (!proxy_allow(&p, "api.test:8080") || !proxy_allow(&p, "10.200.0.1:8080") ||
	    !proxy_private_ok(&p, "10.201.0.0/16") || !write_hosts(&p) || !proxy_start(&p))
		goto cleanup;

	exchange(&p, "CONNECT api.test:8080 HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	ASSERT_HAS(buf, "HTTP/1.1 403 Forbidden\r\n", "refused");
	ASSERT_HAS(buf, "api.test:8080 refused (10.200.0.1: private range not allowed)", "why");
	if (expect_event(1, "CONNECT", "api.test", false, "private range not allowed"))
		ASSERT_STREQ(journal.ev[0].addr, ORIGIN_ADDR, "the address");

	/* An address literal on the list is vetted the same. */
	exchange(&p, "GET http://10.200.0.1:8080/ HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	ASSERT_HAS(buf, "10.200.0.1:8080 refused (10.200.0.1: private range not allowed)", "lit");
	expect_event(2, "GET", "10.200.0.1", false, "private range not allowed");
	ASSERT_EQ(origin_accepted(&o), 0, "nothing reached the origin");
cleanup:
	proxy_stop(&p);
	origin_stop(&o);
}

TEST(egress_byte_limit_closes_the_connection)
{
	struct proxy p;
	struct origin o = { .listen_fd = -1, .stop_fd = -1 };
	const struct seen *e;
	char buf[8192];
	size_t got;

	proxy_init(&p);
	if (!enter_netns() || !origin_start(&o, 5000))
		goto cleanup;
	p.opts.max_down = 1000;
	if (!proxy_allow(&p, "api.test:8080") || !proxy_private_ok(&p, "10.200.0.0/24") ||
	    !write_hosts(&p) || !proxy_start(&p))
		goto cleanup;

	got = exchange(&p, "GET http://api.test:8080/big HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	ASSERT_HAS(buf, "HTTP/1.1 200 OK\r\n", "the answer starts");
	ASSERT_EQ(got, 1000, "cut at the limit");
	expect_event(1, "GET", "api.test", true, "allowed");
	e = wait_event(2);
	if (e) {
		ASSERT_TRUE(e->closed, "a close summary");
		ASSERT_STREQ(e->reason, "limit: bytes down", "closed for the limit");
		ASSERT_EQ(e->down, 1000, "bytes down");
	}

	/* The budget is the run's: the next connection is refused. */
	exchange(&p, "GET http://api.test:8080/again HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	ASSERT_HAS(buf, "HTTP/1.1 503 Service Unavailable\r\n", "refused once spent");
	ASSERT_HAS(buf, "refused: limit: bytes down", "the body says why");
	expect_event(3, "GET", "api.test", false, "limit: bytes down");
	ASSERT_EQ(origin_accepted(&o), 1, "the origin saw one connection");
cleanup:
	proxy_stop(&p);
	origin_stop(&o);
}

TEST(egress_relays_a_large_body)
{
	const size_t body = 3 << 20, cap = body + 4096;
	struct proxy p;
	struct origin o = { .listen_fd = -1, .stop_fd = -1 };
	const struct seen *e;
	char *buf = malloc(cap);
	size_t got = 0;
	int fd = -1;

	proxy_init(&p);
	if (!ASSERT_OK_PTR(buf, "malloc") || !enter_netns() || !origin_start(&o, body))
		goto cleanup;
	if (!proxy_allow(&p, "api.test:8080") || !proxy_private_ok(&p, "10.200.0.0/24") ||
	    !write_hosts(&p) || !proxy_start(&p))
		goto cleanup;

	/* More than the socket buffers hold: the relay waits for a reader that lags. */
	fd = open_tunnel(&p, "api.test:8080");
	if (fd < 0 || !ASSERT_TRUE(send_str(fd, "GET /big HTTP/1.1\r\n\r\n"), "send"))
		goto cleanup;
	usleep(300000);
	got = read_to_eof(fd, buf, cap);
	ASSERT_HAS(buf, "Content-Length: 3145728\r\n", "the head");
	ASSERT_TRUE(got > body && buf[got - 1] == 'x', "the whole body");
	ASSERT_EQ(got - (strstr(buf, "\r\n\r\n") + 4 - buf), body, "body bytes");
	close(fd);
	fd = -1;
	e = wait_event(2);
	if (e) {
		ASSERT_STREQ(e->reason, "closed", "a normal end");
		ASSERT_EQ(e->down, got, "bytes down");
	}
cleanup:
	if (fd >= 0)
		close(fd);
	proxy_stop(&p);
	origin_stop(&o);
	free(buf);
}

TEST(egress_max_conns)
{
	struct proxy p;
	struct origin o = { .listen_fd = -1, .stop_fd = -1 };
	const struct seen *e;
	char buf[4096];
	int first = -1, third = -1;

	proxy_init(&p);
	if (!enter_netns() || !origin_start(&o, 0))
		goto cleanup;
	p.opts.max_conns = 1;
	if (!proxy_allow(&p, "api.test:8080") || !proxy_private_ok(&p, "10.200.0.0/24") ||
	    !write_hosts(&p) || !proxy_start(&p))
		goto cleanup;

	first = open_tunnel(&p, "api.test:8080");
	if (first < 0)
		goto cleanup;
	exchange(&p, "CONNECT api.test:8080 HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	ASSERT_HAS(buf, "HTTP/1.1 503 Service Unavailable\r\n", "the second is refused");
	ASSERT_HAS(buf, "1 connections at once is this run's limit", "the body says why");
	expect_event(1, "CONNECT", "api.test", true, "allowed");
	expect_event(2, "CONNECT", "api.test", false, "limit: connections");

	/* The slot is free again once the first is closed. */
	close(first);
	first = -1;
	e = wait_event(3);
	if (e)
		ASSERT_TRUE(e->closed, "the first one's summary");
	third = open_tunnel(&p, "api.test:8080");
	ASSERT_TRUE(third >= 0, "a new connection once one closed");
	expect_event(4, "CONNECT", "api.test", true, "allowed");
cleanup:
	if (first >= 0)
		close(first);
	if (third >= 0)
		close(third);
	proxy_stop(&p);
	origin_stop(&o);
}

TEST(egress_time_limit)
{
	struct proxy p;
	struct origin o = { .listen_fd = -1, .stop_fd = -1 };
	const struct seen *e;
	long long start;
	char buf[64];
	int fd = -1;

	proxy_init(&p);
	if (!enter_netns() || !origin_start(&o, 0))
		goto cleanup;
	p.opts.max_seconds = 1;
	if (!proxy_allow(&p, "api.test:8080") || !proxy_private_ok(&p, "10.200.0.0/24") ||
	    !write_hosts(&p) || !proxy_start(&p))
		goto cleanup;

	start = mono_ms();
	fd = open_tunnel(&p, "api.test:8080");
	if (fd < 0)
		goto cleanup;
	/* An idle tunnel: the proxy ends it. */
	ASSERT_EQ(read_to_eof(fd, buf, sizeof(buf)), 0, "nothing but the end");
	ASSERT_TRUE(mono_ms() - start < 3000, "closed after about a second");
	expect_event(1, "CONNECT", "api.test", true, "allowed");
	e = wait_event(2);
	if (e) {
		ASSERT_TRUE(e->closed, "a close summary");
		ASSERT_STREQ(e->reason, "limit: time", "closed for the time limit");
	}
cleanup:
	if (fd >= 0)
		close(fd);
	proxy_stop(&p);
	origin_stop(&o);
}

UNIT_TEST(egress_bad_requests)
{
	static const struct {
		const char *req, *why;
	} cases[] = {
		{ "GARBAGE\r\n\r\n", "not METHOD TARGET VERSION" },
		{ "GET /relative HTTP/1.1\r\nHost: x\r\n\r\n", "not an absolute http:// URI" },
		{ "GET https://api.test/ HTTP/1.1\r\n\r\n", "https:// needs CONNECT" },
		{ "CONNECT api.test HTTP/1.1\r\n\r\n", "CONNECT needs host:port" },
		{ "CONNECT api.test:99999 HTTP/1.1\r\n\r\n", "not in 1..65535" },
		{ "GET http://user@api.test:8080/ HTTP/1.1\r\n\r\n", "user information" },
		{ "GET http://api.test:8080/ HTTP/2\r\n\r\n", "not HTTP/1.0 or HTTP/1.1" },
		{ "get http://api.test:8080/ HTTP/1.1\r\n\r\n", "not an HTTP method" },
		{ "GET http://api.te_st:8080/ HTTP/1.1\r\n\r\n", "only letters, digits" },
		{ "GET http://[::1:8080/ HTTP/1.1\r\n\r\n", "unclosed '['" },
		{ "GET http://api.test:8080/ HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", "folded" },
		{ "GET http://api.test:8080/ HTTP/1.1\r\nno colon\r\n\r\n", "without a name" },
		{ "GET http://api.test:8080/ HTTP/1.1\r\nX: a\rb\r\n\r\n", "a CR inside" },
		{ "GET http://api.test:8080/\tx HTTP/1.1\r\n\r\n", "control character" },
	};
	struct proxy p;
	char buf[4096], *big = NULL;
	int n = 0, fd, fds, tasks;

	proxy_init(&p);
	if (!proxy_allow(&p, "api.test:8080") || !write_hosts(&p))
		goto cleanup;
	fds = count_entries("/proc/self/fd");
	if (!proxy_start(&p))
		goto cleanup;
	tasks = threads_without_proxy();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		exchange(&p, cases[i].req, buf, sizeof(buf));
		ASSERT_HAS(buf, "HTTP/1.1 400 Bad Request\r\n", cases[i].req);
		ASSERT_HAS(buf, cases[i].why, cases[i].req);
		wait_event(++n);
		ASSERT_STREQ(journal.ev[n - 1].reason, "bad request", cases[i].req);
	}

	/* A head over 8 KiB. */
	big = malloc(20000);
	if (!ASSERT_OK_PTR(big, "malloc"))
		goto cleanup;
	strcpy(big, "GET http://api.test:8080/ HTTP/1.1\r\nX-Pad: ");
	memset(big + strlen(big), 'a', 12000);
	strcpy(big + 12000, "\r\n\r\n");
	exchange(&p, big, buf, sizeof(buf));
	ASSERT_HAS(buf, "HTTP/1.1 400 Bad Request\r\n", "head too large");
	ASSERT_HAS(buf, "over 8192 bytes", "head too large");
	wait_event(++n);
	ASSERT_STREQ(journal.ev[n - 1].reason, "bad request", "head too large");

	/* A client that leaves mid-request: an event, no crash. */
	fd = dial(&p);
	if (fd >= 0) {
		send_str(fd, "GET http://api.te");
		close(fd);
		wait_event(++n);
		ASSERT_STREQ(journal.ev[n - 1].reason, "bad request", "client left early");
	}

	/* Still serving. */
	exchange(&p, "CONNECT nope.test:8080 HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	ASSERT_HAS(buf, "HTTP/1.1 403 Forbidden\r\n", "still answering");
	expect_event(++n, "CONNECT", "nope.test", false, "not on the allow list");
	proxy_stop(&p);
	ASSERT_EQ(count_entries("/proc/self/fd"), fds, "every descriptor closed");
	ASSERT_EQ(threads_left(tasks), tasks, "every thread joined");
	ASSERT_EQ(events_seen(), n, "one event per request");
cleanup:
	free(big);
	proxy_stop(&p);
}

UNIT_TEST(egress_stop_ends_open_connections)
{
	struct proxy p;
	char buf[256];
	long long start;
	int fd[3] = { -1, -1, -1 }, fds, tasks;

	proxy_init(&p);
	p.opts.max_conns = 2;
	if (!proxy_allow(&p, "api.test:8080"))
		goto cleanup;
	fds = count_entries("/proc/self/fd");
	if (!proxy_start(&p))
		goto cleanup;
	tasks = threads_without_proxy();

	/* Clients that never finish their request, one over the limit of connections. */
	for (int i = 0; i < 3; i++) {
		fd[i] = dial(&p);
		if (fd[i] >= 0)
			send_str(fd[i], "GET http://api.test:8080/ HTTP/1.1\r\n");
	}
	usleep(200000);
	start = mono_ms();
	if (!proxy_stop(&p))
		goto cleanup;
	ASSERT_TRUE(mono_ms() - start < 2000, "serve() returns promptly on stop");
	for (int i = 0; i < 3; i++)
		if (fd[i] >= 0)
			ASSERT_EQ(read_to_eof(fd[i], buf, sizeof(buf)), 0, "client sees EOF");
	ASSERT_EQ(events_seen(), 3, "one event per connection");
	for (int i = 0; i < events_seen(); i++)
		ASSERT_STREQ(journal.ev[i].reason, "stopped", "ended by the stop");
	for (int i = 0; i < 3; i++) {
		if (fd[i] >= 0)
			close(fd[i]);
		fd[i] = -1;
	}
	ASSERT_EQ(count_entries("/proc/self/fd"), fds, "every descriptor closed");
	ASSERT_EQ(threads_left(tasks), tasks, "every thread joined");
cleanup:
	for (int i = 0; i < 3; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	proxy_stop(&p);
}
