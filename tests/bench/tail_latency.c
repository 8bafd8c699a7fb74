// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: from an offending exec in a cell to its alert printed by
 * `cellwatch tail`.  A daemon, a tail --json and a cell every 20 ms whose
 * payload is a shell, killed in the kernel at its exec; one cell each, as
 * shell-spawn ends the whole run (kill-run).  The latency of
 * an alert is the time tail printed it minus the event's @timestamp (the
 * kernel's clock, on the wall clock).  Reports the distribution against the
 * 100 ms target.  Usage: bench_tail BUILD_DIR RULES [SHELLS]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "bench.h"

static double wall_ms(void)
{
	return bench_ns(CLOCK_REALTIME) / 1e6;
}

/* "2026-11-22T10:11:12.123456Z" in ms since the epoch, or -1. */
static double parse_ts(const char *s)
{
	struct tm tm = {};
	const char *rest = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	long usec = 0;

	if (!rest || sscanf(rest, ".%6ldZ", &usec) != 1)
		return -1;
	return timegm(&tm) * 1e3 + usec / 1e3;
}

/* @shells cells one after the other, each a shell the kernel kills: a child of ours. */
static pid_t spawn_shells(const char *cellrun, const char *sock, int shells)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	for (int i = 0; i < shells; i++) {
		/* --keep-shells: the shell's kill is what raises the alert timed here. */
		pid_t cell = bench_spawn((char *[]){ (char *)cellrun, "--daemon", (char *)sock,
						     "--keep-shells", "--", "/bin/sh", "-c", "true",
						     NULL }, -1, -1);

		if (cell > 0)
			bench_reap(cell, 20000);
		usleep(20000);
	}
	_exit(0);
}

/* SIGTERM to a child of ours, SIGKILL if it is still there 20 s later. */
static void stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	bench_reap(pid, 20000);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/cw-bench-tail-XXXXXX", bin[512], run[512], line[65536];
	int shells = argc > 3 ? atoi(argv[3]) : 200, n = 0, outp[2] = { -1, -1 }, ret = 1;
	struct bench_daemon d = {};
	pid_t tail = 0, cell = 0;
	FILE *tail_out = NULL;
	double *lat;

	if (argc < 3 || shells < 1) {
		fprintf(stderr, "usage: bench_tail BUILD_DIR RULES [SHELLS]\n");
		return 2;
	}
	lat = calloc(shells, sizeof(*lat));
	if (!lat)
		return 1;
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_tail: mkdtemp %s: %s\n", dir, strerror(errno));
		free(lat);
		return 1;
	}
	snprintf(bin, sizeof(bin), "%s/cellwatch", argv[1]);
	snprintf(run, sizeof(run), "%s/cellrun", argv[1]);
	if (bench_daemon_start(&d, argv[1], argv[2], dir, false))
		goto out;
	/* Close-on-exec: tail gets the write end as its stdout, and no other fd of it. */
	if (pipe2(outp, O_CLOEXEC)) {
		fprintf(stderr, "bench_tail: pipe: %s\n", strerror(errno));
		goto out;
	}
	tail = bench_spawn((char *[]){ bin, "tail", "--socket", d.sock, "--json", "--rule",
				       "shell-spawn", NULL }, outp[1], 2);
	close(outp[1]);
	usleep(300000);
	cell = spawn_shells(run, d.sock, shells);
	tail_out = fdopen(outp[0], "r");
	while (n < shells && tail_out) {
		struct pollfd pfd = { .fd = outp[0], .events = POLLIN };
		json_t *doc;

		if (poll(&pfd, 1, 10000) <= 0 || !fgets(line, sizeof(line), tail_out))
			break;
		doc = json_loads(line, 0, NULL);
		if (doc) {
			double ts = parse_ts(json_string_value(json_object_get(doc, "@timestamp")));

			if (ts > 0)
				lat[n++] = wall_ms() - ts;
			json_decref(doc);
		}
	}
	if (n) {
		char value[128], share[32];
		double p50, p90, p99, max;
		int within = 0;

		for (int i = 0; i < n; i++)
			within += lat[i] <= 100;
		p50 = bench_percentile(lat, n, 50);
		p90 = bench_percentile(lat, n, 90);
		p99 = bench_percentile(lat, n, 99);
		max = bench_percentile(lat, n, 100);
		printf("tail latency, exec in a cell -> alert line printed by cellwatch tail (%d alerts):\n",
		       n);
		printf("  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  within 100 ms: %.1f%%\n",
		       p50, p90, p99, max, 100.0 * within / n);
		snprintf(value, sizeof(value), "p50 %.2f ms, p99 %.2f ms, max %.1f ms (%d alerts)",
			 p50, p99, max, n);
		snprintf(share, sizeof(share), "%.1f%% within", 100.0 * within / n);
		bench_row("alert: exec in a cell -> cellwatch tail", value, "target 100 ms", share);
		ret = n == shells ? 0 : 1;
	}
	if (n < shells)
		fprintf(stderr, "bench_tail: %d of %d alerts seen\n", n, shells);
out:
	stop(cell);
	stop(tail);
	if (tail_out)
		fclose(tail_out);
	else if (outp[0] >= 0)
		close(outp[0]);
	bench_daemon_stop(&d);
	if (bench_rmtree(dir))
		ret = 1;
	free(lat);
	return ret;
}
