// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <microhttpd.h>

#include "buildconf.h"
#include "metrics.h"

/* Labelled counters: a handful of kinds and layers, a rule set's worth of rules. */
struct series {
	char *label;
	unsigned long long n;
};

struct counter {
	struct series *s;
	size_t n;
};

static const double eval_bounds[] = { 1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2 };
#define NR_BOUNDS (sizeof(eval_bounds) / sizeof(eval_bounds[0]))

struct cw_metrics {
	struct counter events, alerts, kills;
	unsigned long long eval_buckets[NR_BOUNDS];	/* non-cumulative here */
	unsigned long long eval_count;
	double eval_sum;
};

struct cw_metrics *cw_metrics_new(void)
{
	return calloc(1, sizeof(struct cw_metrics));
}

static void free_counter(struct counter *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->s[i].label);
	free(c->s);
}

void cw_metrics_free(struct cw_metrics *m)
{
	if (!m)
		return;
	free_counter(&m->events);
	free_counter(&m->alerts);
	free_counter(&m->kills);
	free(m);
}

/* The series of @label, made at 0 if new; NULL out of memory. */
static struct series *series_of(struct counter *c, const char *label)
{
	struct series *grown;

	for (size_t i = 0; i < c->n; i++) {
		if (!strcmp(c->s[i].label, label))
			return &c->s[i];
	}
	grown = realloc(c->s, (c->n + 1) * sizeof(*c->s));
	if (!grown)
		return NULL;
	c->s = grown;
	c->s[c->n].label = strdup(label);
	c->s[c->n].n = 0;
	return c->s[c->n].label ? &c->s[c->n++] : NULL;
}

static void bump(struct counter *c, const char *label)
{
	struct series *s = series_of(c, label);

	if (s)
		s->n++;
}

void cw_metrics_declare(struct cw_metrics *m, enum cw_metric_counter c, const char *label)
{
	struct counter *counters[] = { &m->events, &m->alerts, &m->kills };

	series_of(counters[c], label);
}

void cw_metrics_event(struct cw_metrics *m, const char *kind)
{
	bump(&m->events, kind);
}

void cw_metrics_alert(struct cw_metrics *m, const char *rule)
{
	bump(&m->alerts, rule);
}

void cw_metrics_kill(struct cw_metrics *m, const char *layer)
{
	bump(&m->kills, layer);
}

void cw_metrics_eval(struct cw_metrics *m, unsigned long long ns)
{
	double s = ns / 1e9;
	size_t i;

	for (i = 0; i < NR_BOUNDS && s > eval_bounds[i]; i++)
		;
	if (i < NR_BOUNDS)
		m->eval_buckets[i]++;
	m->eval_count++;
	m->eval_sum += s;
}

/* A growing text buffer; on allocation failure it stays failed and renders NULL. */
struct text {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		if (t->failed)
			return;
		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && t->len + n < t->cap) {
			t->len += n;
			return;
		}
		t->cap = (t->cap + n + 1) * 2;
		char *grown = realloc(t->buf, t->cap);

		if (!grown) {
			t->failed = true;
			return;
		}
		t->buf = grown;
	}
}

static void head(struct text *t, const char *name, const char *type, const char *help)
{
	add(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value as the text format wants it: \, " and newline escaped. */
static void add_escaped(struct text *t, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			add(t, "\\%c", *s);
		else if (*s == '\n')
			add(t, "\\n");
		else
			add(t, "%c", *s);
	}
}

static void add_counter(struct text *t, const char *name, const char *label,
			const struct counter *c, const char *help)
{
	head(t, name, "counter", help);
	for (size_t i = 0; i < c->n; i++) {
		add(t, "%s{%s=\"", name, label);
		add_escaped(t, c->s[i].label);
		add(t, "\"} %llu\n", c->s[i].n);
	}
}

static void add_value(struct text *t, const char *name, const char *type, const char *help,
		      unsigned long long v)
{
	head(t, name, type, help);
	add(t, "%s %llu\n", name, v);
}

static void add_rings(struct text *t, const char *name, const char *type, const char *help,
		      const unsigned long long v[2])
{
	head(t, name, type, help);
	add(t, "%s{ring=\"events\"} %llu\n%s{ring=\"critical\"} %llu\n", name, v[0], name, v[1]);
}

/* Seconds since the epoch the system booted at (/proc/stat's btime), 0 if unknown. */
static unsigned long long boot_time(void)
{
	unsigned long long btime = 0;
	char line[256];
	FILE *f = fopen("/proc/stat", "re");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "btime %llu", &btime) == 1)
			break;
	}
	if (f)
		fclose(f);
	return btime;
}

static unsigned long long open_fds(void)
{
	unsigned long long n = 0;
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;

	while (dir && (de = readdir(dir)))
		n += de->d_name[0] != '.';
	if (dir)
		closedir(dir);
	return n ? n - 1 : 0;	/* not the one opendir held */
}

/* The process_* metrics every Prometheus exporter has, from /proc/self. */
static void add_process(struct text *t)
{
	unsigned long long utime, stime, start, vsize, rss;
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	char stat[1024], *p = NULL;
	struct rlimit nofile;
	FILE *f = fopen("/proc/self/stat", "re");

	if (f) {
		if (fgets(stat, sizeof(stat), f))
			p = strrchr(stat, ')');
		fclose(f);
	}
	/* After the command's ")": state, then fields 4 on; 14, 15, 22, 23, 24 are ours. */
	if (!p || tick <= 0 || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
				      "%*d %*d %*d %*d %*d %*d %llu %llu %llu", &utime, &stime,
				      &start, &vsize, &rss) != 5)
		return;
	head(t, "process_cpu_seconds_total", "counter", "User and system CPU time spent.");
	add(t, "process_cpu_seconds_total %.2f\n", (double)(utime + stime) / tick);
	add_value(t, "process_resident_memory_bytes", "gauge", "Resident memory size.",
		  rss * page);
	add_value(t, "process_virtual_memory_bytes", "gauge", "Virtual memory size.", vsize);
	add_value(t, "process_start_time_seconds", "gauge",
		  "Start time of the process since the epoch.", boot_time() + start / tick);
	add_value(t, "process_open_fds", "gauge", "Open file descriptors.", open_fds());
	if (!getrlimit(RLIMIT_NOFILE, &nofile))
		add_value(t, "process_max_fds", "gauge", "Most file descriptors it may open.",
			  nofile.rlim_cur);
}

char *cw_metrics_render(const struct cw_metrics *m, const struct cw_metrics_gauges *g)
{
	unsigned long long drops[2] = { g->drops - g->drops_critical, g->drops_critical };
	unsigned long long cum = 0;
	struct text t = {};

	head(&t, "cellwatch_build_info", "gauge", "The version of cellwatch serving these metrics.");
	add(&t, "cellwatch_build_info{version=\"%s\"} 1\n", CW_VERSION);
	add_process(&t);
	add_counter(&t, "cellwatch_events_total", "kind", &m->events, "Events decoded, by kind.");
	add_counter(&t, "cellwatch_alerts_total", "rule", &m->alerts, "Alerts, by rule.");
	add_counter(&t, "cellwatch_kills_total", "layer", &m->kills,
		    "Kills by rules, by the layer that took them.");
	add_rings(&t, "cellwatch_events_dropped_total", "counter",
		  "Records the kernel lost because a ring buffer was full.", drops);
	add_value(&t, "cellwatch_subscriber_dropped_total", "counter",
		  "Records a tail subscriber too slow to keep up missed.", g->subscriber_drops);
	add_value(&t, "cellwatch_kernel_records_total", "counter",
		  "Records the kernel submitted.", g->kernel_events);
	add_value(&t, "cellwatch_events_folded_total", "counter",
		  "Repeated plain opens the kernel counted in a repeat record instead of sending.",
		  g->folded);
	add_value(&t, "cellwatch_decode_errors_total", "counter",
		  "Malformed records refused.", g->decode_errors);
	add_value(&t, "cellwatch_log_write_errors_total", "counter",
		  "Records an output could not write.", g->write_errors);
	add_value(&t, "cellwatch_cells_active", "gauge", "Cells watched now.", g->active_cells);
	add_value(&t, "cellwatch_subscribers", "gauge", "Connected tail subscribers.",
		  g->subscribers);
	add_rings(&t, "cellwatch_ringbuf_used_bytes", "gauge",
		  "Bytes waiting in each ring buffer.", g->ring_used);
	add_rings(&t, "cellwatch_ringbuf_size_bytes", "gauge", "Size of each ring buffer.",
		  g->ring_size);
	head(&t, "cellwatch_rule_eval_seconds", "histogram",
	     "Time the userspace rule engine spent per event.");
	for (size_t i = 0; i < NR_BOUNDS; i++) {
		cum += m->eval_buckets[i];
		add(&t, "cellwatch_rule_eval_seconds_bucket{le=\"%g\"} %llu\n", eval_bounds[i], cum);
	}
	add(&t, "cellwatch_rule_eval_seconds_bucket{le=\"+Inf\"} %llu\n", m->eval_count);
	add(&t, "cellwatch_rule_eval_seconds_sum %.9f\n", m->eval_sum);
	add(&t, "cellwatch_rule_eval_seconds_count %llu\n", m->eval_count);
	if (t.failed) {
		free(t.buf);
		return NULL;
	}
	return t.buf;
}

struct cw_http {
	struct MHD_Daemon *mhd;
	cw_http_render_fn render;
	void *ctx;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *type, char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body,
								  MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_len, void **state)
{
	struct cw_http *h = cls;
	char *body;

	(void)version, (void)data, (void)data_len, (void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			     strdup("only GET\n"));
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", strdup("see /metrics\n"));
	body = h->render(h->ctx);
	if (!body)
		return MHD_NO;
	return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body);
}

/* "127.0.0.1:9464" or "[::1]:9464", numeric only: a metrics port never resolves names. */
static int parse_addr(const char *addr, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	const char *colon = strrchr(addr, ':');
	char host[64], *end;
	long port;

	if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof(host))
		return -EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (addr[0] == '[' && colon[-1] == ']') {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - addr - 2), addr + 1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -EINVAL;
}

struct cw_http *cw_http_start(const char *addr, cw_http_render_fn render, void *ctx, char *err,
			      size_t errlen)
{
	struct sockaddr_storage ss;
	struct cw_http *h;

	if (parse_addr(addr, &ss)) {
		snprintf(err, errlen, "--metrics %s: ADDR:PORT expected (127.0.0.1:9464, "
			 "[::1]:9464)", addr);
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "metrics: out of memory");
		return NULL;
	}
	h->render = render;
	h->ctx = ctx;
	h->mhd = MHD_start_daemon(MHD_USE_EPOLL | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				  0, NULL, NULL, on_request, h,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, 16U,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10U,
				  MHD_OPTION_END);
	if (!h->mhd) {
		snprintf(err, errlen, "metrics: listen on %s: %s", addr, strerror(errno));
		free(h);
		return NULL;
	}
	return h;
}

int cw_http_fd(struct cw_http *h)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);

	return info ? info->epoll_fd : -1;
}

void cw_http_run(struct cw_http *h)
{
	MHD_run(h->mhd);
}

int cw_http_timeout_ms(struct cw_http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	return MHD_get_timeout(h->mhd, &ms) == MHD_YES ? (int)(ms > 200 ? 200 : ms) : -1;
}

void cw_http_stop(struct cw_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->mhd);
	free(h);
}
