/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's metrics in the Prometheus text format, served by
 * libmicrohttpd inside the daemon's own epoll loop (no thread).
 */
#ifndef CW_PROM_H
#define CW_PROM_H

#include <stdbool.h>
#include <stddef.h>

struct cw_metrics;

struct cw_metrics *cw_metrics_new(void);
void cw_metrics_free(struct cw_metrics *m);
/* Count an event of @kind, an alert of @rule, a kill taken by @layer; time a rule evaluation. */
void cw_metrics_event(struct cw_metrics *m, const char *kind);
void cw_metrics_alert(struct cw_metrics *m, const char *rule);
void cw_metrics_kill(struct cw_metrics *m, const char *layer);
void cw_metrics_eval(struct cw_metrics *m, unsigned long long ns);

enum cw_metric_counter { CW_METRIC_EVENTS, CW_METRIC_ALERTS, CW_METRIC_KILLS };

/*
 * A series of counter @c at 0 until counted: what exists is exported from
 * the start, so a first alert is an increase from 0, not a new series.
 */
void cw_metrics_declare(struct cw_metrics *m, enum cw_metric_counter c, const char *label);

/* What the daemon reads off the kernel and its own state when scraped. */
struct cw_metrics_gauges {
	unsigned long long drops, drops_critical;	/* drops counts both rings */
	unsigned long long kernel_events;
	unsigned long long folded;			/* plain opens counted in a repeat record */
	unsigned long long decode_errors;
	unsigned long long write_errors;
	unsigned long long subscriber_drops;
	unsigned long long active_cells;
	unsigned long long subscribers;
	unsigned long long ring_used[2], ring_size[2];	/* events, critical */
};

/* The whole exposition, malloc'd; NULL when out of memory. */
char *cw_metrics_render(const struct cw_metrics *m, const struct cw_metrics_gauges *g);

struct cw_http;
typedef char *(*cw_http_render_fn)(void *ctx);

/* Serve GET /metrics on @addr ("127.0.0.1:9464", "[::1]:9464").  NULL with a message in @err. */
struct cw_http *cw_http_start(const char *addr, cw_http_render_fn render, void *ctx, char *err,
			      size_t errlen);
/* An fd for the caller's epoll (readable: call cw_http_run()), and the longest wait. */
int cw_http_fd(struct cw_http *h);
void cw_http_run(struct cw_http *h);
int cw_http_timeout_ms(struct cw_http *h);
void cw_http_stop(struct cw_http *h);

#endif /* CW_PROM_H */
