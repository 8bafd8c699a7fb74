// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The egress proxy's server: one thread per client connection, every
 * socket non-blocking and every wait a poll(2) that also watches the stop
 * signal, so a stop ends every connection and serve() can join each
 * thread before it returns.
 */
#include "proxy.h"

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
int egress_wait_fd(struct server *s, int fd, short events, long long deadline)
{
	for (;;) {
		struct pollfd p[2] = { { fd, events, 0 }, { s->quit_fd, POLLIN, 0 } };
		long long left = deadline - egress_now_ms();
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
		err = egress_wait_fd(s, fd, POLLOUT, deadline);
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
	send_all(c->s, c->fd[0], msg, n, egress_now_ms() + REPLY_TIMEOUT_MS);
	c->replied = true;
}

/*
 * Closing a socket with unread input resets the connection, and a TCP
 * client may lose the reply it has not read yet: say we are done, read
 * what the client still sends for a moment, then close.
 */
static void linger_close(struct server *s, int fd)
{
	long long deadline = egress_now_ms() + LINGER_MS;
	char buf[4096];
	size_t total = 0;

	shutdown(fd, SHUT_WR);
	while (total < 16 * sizeof(buf) && !egress_wait_fd(s, fd, POLLIN, deadline)) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
		if (n > 0)
			total += n;
	}
	close(fd);
}

/* ---- the server side ---- */

/* Try the vetted addresses in turn, sharing one timeout: 0, or -errno. */
static int connect_vetted(struct conn *c, const struct addrs *a)
{
	long long deadline = egress_now_ms() + CONNECT_TIMEOUT_MS;
	int err = -EHOSTUNREACH;

	if (deadline > c->deadline)
		deadline = c->deadline;
	for (int i = 0; i < a->n && err != -ECANCELED; i++) {
		const struct sockaddr_storage *ss = &a->sa[i];
		socklen_t sl = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
							  sizeof(struct sockaddr_in6);
		/* Later addresses get their share of what is left. */
		long long until = egress_now_ms() + (deadline - egress_now_ms()) / (a->n - i);
		int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		socklen_t elen = sizeof(err);

		egress_format_addr(ss, c->addr, sizeof(c->addr));
		if (fd < 0)
			return -errno;
		err = 0;
		if (connect(fd, (const struct sockaddr *)ss, sl)) {
			err = errno == EINPROGRESS ?
			      egress_wait_fd(c->s, fd, POLLOUT, until) : -errno;
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
		long long left = c->deadline - egress_now_ms();
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
	if (egress_resolve(c->host, c->port, &s->o, a, why, sizeof(why))) {
		refuse(c, R_NO_RESOLVE, 502, "cellwatch egress: cannot resolve %s", why);
		return false;
	}
	/* Every address, not only the one we would use: a name is as safe as its worst. */
	for (int i = 0; i < a->n; i++) {
		reason = cw_egress_refused_addr((const struct sockaddr *)&a->sa[i], &s->o);
		if (reason) {
			egress_format_addr(&a->sa[i], c->addr, sizeof(c->addr));
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

	egress_append(up, c->in + c->head_len, c->in_len - c->head_len);
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
	long long head_deadline = egress_now_ms() +
				  (c->over_limit ? REFUSE_TIMEOUT_MS : HEAD_TIMEOUT_MS);
	static const char established[] = "HTTP/1.1 200 Connection established\r\n\r\n";
	const char *why, *end = NULL;
	struct addrs *a;
	int err;

	err = egress_read_head(c, head_deadline < c->deadline ? head_deadline : c->deadline);
	if (err) {
		refuse_head(c, err);
		return NULL;
	}
	why = egress_parse_request(c);
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
		       c->addr, egress_errdesc(err));
	if (err)
		goto out;
	log_conn(c, true, R_ALLOWED, false);

	/* The head is the proxy's; what followed it is the client's first bytes. */
	if (c->tunnel && send_all(c->s, c->fd[0], established, sizeof(established) - 1,
				  egress_now_ms() + REPLY_TIMEOUT_MS)) {
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
		c->deadline = egress_now_ms() + s->o.max_seconds * 1000LL;
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
