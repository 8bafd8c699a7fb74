// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: start-to-exit time of `/bin/true` under each launcher, all
 * measured in the same run, reported as median and p95 and as ratios to
 * bubblewrap.  cellrun --daemon is measured last, with a daemon of our own
 * started just for it (its tracepoints stay out of the other runs), then
 * again while another cell of that daemon floods it with opens: how long a
 * registration waits for its ack when a tenant misbehaves.
 * Usage: bench_startup BUILD_DIR RULES [RUNS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

struct subject {
	const char *name;
	char *argv[24];
	double median_ms, p95_ms, p99_ms;
	int failures, last_failure;
};

/* One start-to-exit time in ms, or minus the exit status (128+N: signal N) when it failed. */
static double run_once(char *const argv[])
{
	uint64_t t0 = bench_ns(CLOCK_MONOTONIC);
	int status;
	pid_t pid = bench_spawn(argv, -1, -1);

	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -255;
	if (WIFSIGNALED(status))
		return -(128 + WTERMSIG(status));
	if (WEXITSTATUS(status))
		return -WEXITSTATUS(status);
	return (bench_ns(CLOCK_MONOTONIC) - t0) / 1e6;
}

static void measure(struct subject *s, int runs)
{
	double *t = calloc(runs, sizeof(*t));
	int n = 0;

	if (!t) {
		fprintf(stderr, "bench_startup: %s: %s\n", s->name, strerror(errno));
		s->failures = runs;
		return;
	}
	run_once(s->argv);	/* warm the page cache */
	for (int i = 0; i < runs; i++) {
		double ms = run_once(s->argv);

		if (ms < 0) {
			s->failures++;
			s->last_failure = -ms;
		} else
			t[n++] = ms;
	}
	if (n) {
		s->median_ms = bench_percentile(t, n, 50);
		s->p95_ms = bench_percentile(t, n, 95);
		s->p99_ms = bench_percentile(t, n, 99);
	}
	free(t);
}

static void row(const struct subject *s, const struct subject *bwrap)
{
	char name[64], value[64], baseline[64], ratio[16];

	snprintf(name, sizeof(name), "start-up: %s", s->name);
	snprintf(value, sizeof(value), "%.1f ms (p95 %.1f)", s->median_ms, s->p95_ms);
	snprintf(baseline, sizeof(baseline), "bwrap %.1f ms", bwrap->median_ms);
	snprintf(ratio, sizeof(ratio), "%.2fx", s->median_ms / bwrap->median_ms);
	bench_row(name, value, baseline, ratio);
}

int main(int argc, char **argv)
{
	char cellrun[4096], dir[] = "/tmp/cw-bench-startup-XXXXXX";
	int runs = argc > 3 ? atoi(argv[3]) : 100;
	struct bench_daemon d = {};

	if (argc < 3 || runs < 10) {
		fprintf(stderr, "usage: bench_startup BUILD_DIR RULES [RUNS >= 10]\n");
		return 2;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_startup: mkdtemp %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(cellrun, sizeof(cellrun), "%s/cellrun", argv[1]);
	struct subject subjects[] = {
		{ .name = "/bin/true", .argv = { "/bin/true", NULL } },
		{ .name = "unshare -Urnmpf", .argv = { "/usr/bin/unshare", "-Urnmpf", "--mount-proc",
				       "/bin/true", NULL } },
		{ .name = "bwrap", .argv = { "/usr/bin/bwrap", "--unshare-all", "--ro-bind", "/", "/", "--dev",
			     "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "/bin/true", NULL } },
		{ .name = "cellrun --no-monitor", .argv = { cellrun, "--no-monitor", "--", "/bin/true", NULL } },
		{ .name = "cellrun (embedded monitor)", .argv = { cellrun, "--", "/bin/true", NULL } },
		/* d.sock: written by bench_daemon_start, before these are measured. */
		{ .name = "cellrun --daemon", .argv = { cellrun, "--daemon", d.sock, "--",
							"/bin/true", NULL } },
		{ .name = "cellrun --daemon, a flood", .argv = { cellrun, "--daemon", d.sock, "--",
								 "/bin/true", NULL } },
	};
	char *flood[] = { cellrun, "--daemon", d.sock, "--timeout", "300", "--",
			  "/usr/bin/python3", "-c", "import os\nwhile True:\n"
			  "    os.close(os.open('/dev/null', os.O_RDONLY))\n", NULL };
	const size_t n = sizeof(subjects) / sizeof(subjects[0]);
	const struct subject *bwrap = &subjects[2];
	struct subject *daemon = &subjects[5], *flooded = &subjects[6];
	pid_t flooder;
	int status;

	printf("start-to-exit of /bin/true, %d runs each\n\n", runs);
	for (size_t i = 0; i < n - 2; i++) {
		if (!access(subjects[i].argv[0], X_OK))
			measure(&subjects[i], runs);
	}
	if (!bench_daemon_start(&d, argv[1], argv[2], dir, false)) {
		measure(daemon, runs);
		flooder = bench_spawn(flood, -1, -1);
		usleep(500000);		/* the flood under way */
		if (flooder > 0)
			measure(flooded, runs);
		else
			flooded->failures = runs;
		/* cellrun ends its run on SIGTERM, cell and all. */
		if (flooder > 0 && !kill(flooder, SIGTERM))
			waitpid(flooder, &status, 0);
		bench_daemon_stop(&d);
	} else {
		daemon->failures = flooded->failures = runs;
	}
	printf("%-28s %10s %10s %12s\n", "launcher", "median ms", "p95 ms", "vs bwrap");
	for (size_t i = 0; i < n; i++) {
		const struct subject *s = &subjects[i];

		if (access(s->argv[0], X_OK)) {
			printf("%-28s %10s %10s %12s  (%s not installed)\n", s->name, "-", "-", "-",
			       s->argv[0]);
			continue;
		}
		if (s->failures == runs) {
			printf("%-28s %10s %10s %12s  (every run failed)\n", s->name, "-", "-", "-");
			continue;
		}
		printf("%-28s %10.2f %10.2f %11.2fx%s", s->name, s->median_ms, s->p95_ms,
		       bwrap->median_ms > 0 ? s->median_ms / bwrap->median_ms : 0,
		       s->failures ? "  (some runs failed" : "");
		if (s->failures)
			printf(": %d, the last with exit status %d)\n", s->failures, s->last_failure);
		else
			printf("\n");
		if (i >= 3 && bwrap->median_ms > 0)
			row(s, bwrap);
	}
	printf("\n%-28s %10.2f ms (median with monitor - median without)\n",
	       "embedded monitor load", subjects[4].median_ms - subjects[3].median_ms);
	if (daemon->p99_ms > 0 && flooded->p99_ms > 0) {
		char value[64], baseline[64], ratio[16];

		printf("%-28s %10.2f ms p99, quiet %.2f ms p99\n", "registration under a flood",
		       flooded->p99_ms, daemon->p99_ms);
		snprintf(value, sizeof(value), "%.1f ms p99", flooded->p99_ms);
		snprintf(baseline, sizeof(baseline), "quiet daemon %.1f ms p99", daemon->p99_ms);
		snprintf(ratio, sizeof(ratio), "%.2fx", flooded->p99_ms / daemon->p99_ms);
		bench_row("cellrun --daemon while a cell floods", value, baseline, ratio);
	}
	printf("goals: cellrun --no-monitor <= 10 ms median and <= 1.0x bwrap; "
	       "with a running daemon <= 1.5x bwrap; while another cell floods, <= 50 ms p99\n");
	return bench_rmtree(dir) ? 1 : 0;
}
