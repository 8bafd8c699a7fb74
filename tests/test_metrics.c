// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests: the Prometheus exposition, and the /metrics endpoint driven
 * the way the daemon drives it, by polling its fd from one thread.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buildconf.h"
#include "daemon/metrics.h"
#include "test.h"

UNIT_TEST(metrics_counters_and_histogram)
{
	struct cw_metrics_gauges g = { .drops = 4, .drops_critical = 1, .subscribers = 2,
				       .kernel_events = 99, .folded = 12,
				       .ring_size = { 1 << 20, 1 << 16 } };
	struct cw_metrics *m = cw_metrics_new();
	char *text = NULL;
	const char *a, *b;

	if (!ASSERT_OK_PTR(m, "registry"))
		return;
	cw_metrics_event(m, "exec");
	cw_metrics_event(m, "open");
	cw_metrics_event(m, "exec");
	cw_metrics_alert(m, "a\"b");
	cw_metrics_alert(m, "line\nbreak");
	cw_metrics_alert(m, "a\"b");
	cw_metrics_kill(m, "lsm");
	cw_metrics_declare(m, CW_METRIC_ALERTS, "quiet");
	cw_metrics_declare(m, CW_METRIC_KILLS, "lsm");	/* declared again: its count stays */
	cw_metrics_eval(m, 1000);	/* exactly 1 us: le is inclusive */
	cw_metrics_eval(m, 1500);
	text = cw_metrics_render(m, &g);
	if (!ASSERT_OK_PTR(text, "rendered"))
		goto cleanup;
	ASSERT_HAS(text, "# TYPE cellwatch_events_total counter\n"
		   "cellwatch_events_total{kind=\"exec\"} 2\n"
		   "cellwatch_events_total{kind=\"open\"} 1\n", "events by kind, first seen first");
	ASSERT_HAS(text, "cellwatch_alerts_total{rule=\"a\\\"b\"} 2\n", "quote escaped");
	ASSERT_HAS(text, "cellwatch_alerts_total{rule=\"line\\nbreak\"} 1\n", "newline escaped");
	ASSERT_HAS(text, "cellwatch_kills_total{layer=\"lsm\"} 1\n", "kills by layer");
	ASSERT_HAS(text, "cellwatch_alerts_total{rule=\"quiet\"} 0\n", "declared, at 0");
	ASSERT_HAS(text, "# TYPE cellwatch_build_info gauge\ncellwatch_build_info{version=\""
		   CW_VERSION "\"} 1\n", "build info");
	ASSERT_HAS(text, "# TYPE process_cpu_seconds_total counter\n", "process metrics");
	ASSERT_HAS(text, "\nprocess_open_fds ", "open fds");
	ASSERT_HAS(text, "cellwatch_events_dropped_total{ring=\"events\"} 3\n"
		   "cellwatch_events_dropped_total{ring=\"critical\"} 1\n", "drops split by ring");
	ASSERT_HAS(text, "cellwatch_kernel_records_total 99\n", "kernel records");
	ASSERT_HAS(text, "cellwatch_events_folded_total 12\n", "repeats folded");
	ASSERT_HAS(text, "# TYPE cellwatch_subscribers gauge\ncellwatch_subscribers 2\n", "gauge");
	ASSERT_HAS(text, "cellwatch_ringbuf_size_bytes{ring=\"events\"} 1048576\n"
		   "cellwatch_ringbuf_size_bytes{ring=\"critical\"} 65536\n", "ring sizes");
	ASSERT_HAS(text, "# TYPE cellwatch_rule_eval_seconds histogram\n", "histogram type");
	ASSERT_HAS(text, "cellwatch_rule_eval_seconds_bucket{le=\"1e-06\"} 1\n"
		   "cellwatch_rule_eval_seconds_bucket{le=\"5e-06\"} 2\n"
		   "cellwatch_rule_eval_seconds_bucket{le=\"1e-05\"} 2\n", "cumulative buckets");
	ASSERT_HAS(text, "cellwatch_rule_eval_seconds_bucket{le=\"+Inf\"} 2\n"
		   "cellwatch_rule_eval_seconds_sum 0.000002500\n"
		   "cellwatch_rule_eval_seconds_count 2\n", "+Inf, sum and count");
	/* Every sample line follows its family's HELP and TYPE. */
	a = strstr(text, "# HELP cellwatch_alerts_total ");
	b = strstr(text, "cellwatch_alerts_total{");
	ASSERT_TRUE(a && b && a < b, "HELP before samples");
	ASSERT_TRUE(text[strlen(text) - 1] == '\n', "ends with a newline");
cleanup:
	free(text);
	cw_metrics_free(m);
}

/* What Prometheus's own linter says of the exposition: nothing. */
UNIT_TEST(metrics_pass_promtool_check)
{
	struct cw_metrics_gauges g = { .drops = 1, .subscribers = 1, .ring_size = { 1 << 20 } };
	const char *promtool = require_tool("promtool", "prometheus");
	const char *page = test_path(0, "metrics.txt");
	struct cw_metrics *m = cw_metrics_new();
	struct cmd_result res;
	char *text = NULL, cmd[4400];

	if (!promtool || !ASSERT_OK_PTR(m, "registry"))
		goto cleanup;
	cw_metrics_event(m, "exec");
	cw_metrics_alert(m, "shell-spawn");
	cw_metrics_kill(m, "kernel");
	cw_metrics_declare(m, CW_METRIC_ALERTS, "metadata-service");
	cw_metrics_eval(m, 2000);
	text = cw_metrics_render(m, &g);
	if (!ASSERT_OK_PTR(text, "rendered") || !ASSERT_OK(write_text(page, text), "the page"))
		goto cleanup;
	snprintf(cmd, sizeof(cmd), "%s check metrics < '%s'", promtool, page);
	run_cmd((char *[]){ "/bin/sh", "-c", cmd, NULL }, 60, &res);
	ASSERT_EQ(res.status, 0, "promtool check metrics");
	ASSERT_STREQ(res.err, "", "no lint problem");
	ASSERT_STREQ(res.out, "", "nothing to say");
cleanup:
	free(text);
	cw_metrics_free(m);
}

struct scrape {
	struct cw_metrics *m;
	int calls;
};

static char *render(void *ctx)
{
	struct cw_metrics_gauges g = { .active_cells = 5 };
	struct scrape *s = ctx;

	s->calls++;
	return cw_metrics_render(s->m, &g);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A port free on 127.0.0.1 a moment ago (the endpoint takes no port 0). */
static int free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
	    !getsockname(fd, (struct sockaddr *)&sin, &len))
		port = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static struct cw_http *start_on_free_port(struct scrape *s, int *port)
{
	char addr[64], err[256] = "";
	struct cw_http *h = NULL;

	/* Another process may take the port in between: try a few. */
	for (int i = 0; i < 5 && !h; i++) {
		*port = free_port();
		snprintf(addr, sizeof(addr), "127.0.0.1:%d", *port);
		h = cw_http_start(addr, render, s, err, sizeof(err));
	}
	if (!h)
		fprintf(stderr, "%s\n", err);
	return h;
}

/*
 * Send @request to the endpoint and read the reply until the server closes,
 * running the endpoint only as the daemon would: when its fd is readable or
 * its timeout passed.  The reply's length, or -1.
 */
static int http_exchange(struct cw_http *h, int port, const char *request, char *out, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	long long deadline = now_ms() + 5000;
	size_t got = 0;
	int fd, ret = -1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* Loopback connects complete in the kernel's backlog, before any accept. */
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    send(fd, request, strlen(request), MSG_NOSIGNAL) != (ssize_t)strlen(request))
		goto out;
	while (now_ms() < deadline) {
		struct pollfd pfd[2] = { { cw_http_fd(h), POLLIN, 0 }, { fd, POLLIN, 0 } };
		int timeout = cw_http_timeout_ms(h), n;

		if (timeout < 0 || timeout > deadline - now_ms())
			timeout = deadline - now_ms();
		n = poll(pfd, 2, timeout > 0 ? timeout : 0);
		if (n < 0)
			goto out;
		if (n == 0 || pfd[0].revents)
			cw_http_run(h);
		if (!pfd[1].revents)
			continue;
		n = recv(fd, out + got, len - 1 - got, MSG_DONTWAIT);
		if (n == 0 || got + n == len - 1) {
			ret = got + (n > 0 ? n : 0);
			break;
		}
		if (n > 0)
			got += n;
		else if (errno != EAGAIN)
			goto out;
	}
out:
	out[ret > 0 ? ret : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return ret;
}

/* The first line of @reply, in a static buffer. */
static const char *status_line(const char *reply)
{
	static char line[128];

	snprintf(line, sizeof(line), "%.*s", (int)strcspn(reply, "\r\n"), reply);
	return line;
}

#define REQ(method, path) \
	method " " path " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"

UNIT_TEST(metrics_http_serves_get_metrics)
{
	struct scrape s = { .m = cw_metrics_new() };
	static char reply[65536];
	struct cw_http *h = NULL;
	int port;

	if (!ASSERT_OK_PTR(s.m, "registry"))
		return;
	cw_metrics_alert(s.m, "shell");
	h = start_on_free_port(&s, &port);
	if (!ASSERT_OK_PTR(h, "start") || !ASSERT_TRUE(cw_http_fd(h) >= 0, "an fd to poll"))
		goto cleanup;

	ASSERT_TRUE(http_exchange(h, port, REQ("GET", "/metrics"), reply, sizeof(reply)) > 0,
		    "a reply to GET /metrics");
	ASSERT_STREQ(status_line(reply), "HTTP/1.1 200 OK", "200");
	ASSERT_HAS(reply, "Content-Type: text/plain; version=0.0.4", "the exposition's type");
	ASSERT_HAS(reply, "\r\n\r\n# HELP ", "the body is the exposition");
	ASSERT_HAS(reply, "cellwatch_alerts_total{rule=\"shell\"} 1\n", "a counter");
	ASSERT_HAS(reply, "cellwatch_cells_active 5\n", "the caller's gauges");
	ASSERT_EQ(s.calls, 1, "rendered once per scrape");

	ASSERT_TRUE(http_exchange(h, port, REQ("GET", "/other"), reply, sizeof(reply)) > 0,
		    "a reply to GET /other");
	ASSERT_STREQ(status_line(reply), "HTTP/1.1 404 Not Found", "404 elsewhere");
	ASSERT_TRUE(http_exchange(h, port, REQ("DELETE", "/metrics"), reply, sizeof(reply)) > 0,
		    "a reply to DELETE /metrics");
	ASSERT_STREQ(status_line(reply), "HTTP/1.1 405 Method Not Allowed",
		     "405 for other methods");
	ASSERT_EQ(s.calls, 1, "nothing rendered for refused requests");
cleanup:
	cw_http_stop(h);
	cw_metrics_free(s.m);
}

UNIT_TEST(metrics_http_refuses_bad_addresses)
{
	static const char *const bad[] = {
		"9464", ":9464", "localhost:9464", "127.0.0.1:", "127.0.0.1:http",
		"127.0.0.1:65536", "127.0.0.1:0", "::1:9464", "[::1]", "[nonsense]:9464",
	};
	struct scrape s = {};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ASSERT_NULL(cw_http_start(bad[i], render, &s, err, sizeof(err)), bad[i]);
		ASSERT_HAS(err, bad[i], "the message names the address");
	}
}

UNIT_TEST(metrics_http_port_in_use)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	struct scrape s = {};
	char addr[64], err[256] = "";
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!ASSERT_TRUE(fd >= 0 && !bind(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
			 !listen(fd, 1) && !getsockname(fd, (struct sockaddr *)&sin, &len),
			 "hold a port"))
		goto cleanup;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", ntohs(sin.sin_port));
	ASSERT_NULL(cw_http_start(addr, render, &s, err, sizeof(err)), "the port is taken");
	ASSERT_HAS(err, addr, "the message names the address");
	ASSERT_HAS(err, strerror(EADDRINUSE), "and why");
cleanup:
	if (fd >= 0)
		close(fd);
}
