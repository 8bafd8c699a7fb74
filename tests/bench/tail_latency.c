// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: from an offending exec in a cell to its alert printed by
 * `cellwatch tail`.  A daemon, a tail --json and one cell whose payload
 * spawns a shell every 20 ms (each killed in the kernel); the latency of
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "bench.h"

static double wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
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

static pid_t spawn(char *const argv[], int out_fd, int err_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (out_fd >= 0)
			dup2(out_fd, 1);
		if (err_fd >= 0)
			dup2(err_fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Wait for "ready" on the daemon's stderr. */
static int wait_ready(int fd)
{
	char buf[8192] = "";
	size_t len = 0;

	while (!strstr(buf, "cellwatch: ready\n")) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 30000) <= 0)
			return -ETIMEDOUT;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return -EIO;
		len += n;
		buf[len] = '\0';
	}
	return 0;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/cw-bench-tail-XXXXXX", sock[128], state[128], pin[128], bin[512],
	     run[512], script[256], line[65536];
	int shells = argc > 3 ? atoi(argv[3]) : 200, n = 0, errp[2], outp[2], ret = 1;
	double *lat = calloc(shells, sizeof(*lat));
	pid_t daemon = 0, tail = 0, cell = 0;
	FILE *tail_out = NULL;

	if (argc < 3 || !lat || !mkdtemp(dir)) {
		fprintf(stderr, "usage: bench_tail BUILD_DIR RULES [SHELLS]\n");
		return 2;
	}
	snprintf(sock, sizeof(sock), "%s/cw.sock", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/cellwatch-bench-%d", getpid());
	snprintf(bin, sizeof(bin), "%s/cellwatch", argv[1]);
	snprintf(run, sizeof(run), "%s/cellrun", argv[1]);
	snprintf(script, sizeof(script),
		 "import os, time\nfor i in range(%d):\n    os.system('true')\n    time.sleep(0.02)\n",
		 shells);
	if (pipe(errp) || pipe(outp))
		return 1;
	daemon = spawn((char *[]){ bin, "daemon", "--socket", sock, "--state-dir", state,
				   "--pin-dir", pin, "--rules", argv[2], NULL }, -1, errp[1]);
	close(errp[1]);
	if (wait_ready(errp[0])) {
		fprintf(stderr, "bench_tail: the daemon did not start\n");
		goto out;
	}
	tail = spawn((char *[]){ bin, "tail", "--socket", sock, "--json", "--rule", "shell-spawn",
				 NULL }, outp[1], -1);
	close(outp[1]);
	usleep(300000);
	cell = spawn((char *[]){ run, "--daemon", sock, "--timeout", "120", "--", "/usr/bin/python3",
				 "-c", script, NULL }, open("/dev/null", O_WRONLY),
		     open("/dev/null", O_WRONLY));
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
		int within = 0;

		qsort(lat, n, sizeof(*lat), cmp_double);
		for (int i = 0; i < n; i++)
			within += lat[i] <= 100;
		printf("tail latency, exec in a cell -> alert line printed by cellwatch tail (%d alerts):\n",
		       n);
		printf("  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  within 100 ms: %.1f%%\n",
		       lat[n / 2], lat[n * 9 / 10], lat[n * 99 / 100], lat[n - 1], 100.0 * within / n);
		snprintf(value, sizeof(value), "p50 %.2f ms, p99 %.2f ms, max %.1f ms (%d alerts)",
			 lat[n / 2], lat[n * 99 / 100], lat[n - 1], n);
		snprintf(share, sizeof(share), "%.1f%% within", 100.0 * within / n);
		bench_row("alert: exec in a cell -> cellwatch tail", value, "target 100 ms", share);
		ret = n == shells ? 0 : 1;
	}
	if (n < shells)
		fprintf(stderr, "bench_tail: %d of %d alerts seen\n", n, shells);
out:
	if (cell > 0) {
		kill(cell, SIGTERM);
		waitpid(cell, NULL, 0);
	}
	if (tail > 0) {
		kill(tail, SIGTERM);
		waitpid(tail, NULL, 0);
	}
	if (daemon > 0) {
		kill(daemon, SIGTERM);
		waitpid(daemon, NULL, 0);
	}
	if (tail_out)
		fclose(tail_out);
	snprintf(line, sizeof(line), "rm -rf '%s' '%s'", dir, pin);
	if (system(line))
		ret = 1;
	free(lat);
	return ret;
}
