// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: start-to-exit time of `/bin/true` under each launcher, all
 * measured in the same run, reported as median and p95 and as ratios to
 * bubblewrap.  Usage: bench_startup BUILD_DIR [RUNS]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct subject {
	const char *name;
	char *argv[24];
	double median_ms, p95_ms;
	int failures;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One start-to-exit time in ms, or a negative value when the command failed. */
static double run_once(char *const argv[])
{
	double t0 = now_ms();
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		dup2(devnull, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return now_ms() - t0;
}

static void measure(struct subject *s, int runs)
{
	double *t = calloc(runs, sizeof(*t));
	int n = 0;

	run_once(s->argv);	/* warm the page cache */
	for (int i = 0; i < runs; i++) {
		double ms = run_once(s->argv);

		if (ms < 0)
			s->failures++;
		else
			t[n++] = ms;
	}
	if (n) {
		qsort(t, n, sizeof(*t), cmp_double);
		s->median_ms = t[n / 2];
		s->p95_ms = t[(n * 95) / 100 < n ? (n * 95) / 100 : n - 1];
	}
	free(t);
}

int main(int argc, char **argv)
{
	char cellrun[4096];
	int runs = argc > 2 ? atoi(argv[2]) : 100;

	if (argc < 2 || runs < 10) {
		fprintf(stderr, "usage: bench_startup BUILD_DIR [RUNS >= 10]\n");
		return 2;
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
	};
	const size_t n = sizeof(subjects) / sizeof(subjects[0]);
	const struct subject *bwrap = &subjects[2];

	printf("start-to-exit of /bin/true, %d runs each\n\n", runs);
	for (size_t i = 0; i < n; i++) {
		if (!access(subjects[i].argv[0], X_OK))
			measure(&subjects[i], runs);
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
		printf("%-28s %10.2f %10.2f %11.2fx%s\n", s->name, s->median_ms, s->p95_ms,
		       bwrap->median_ms > 0 ? s->median_ms / bwrap->median_ms : 0,
		       s->failures ? "  (some runs failed)" : "");
	}
	printf("\n%-28s %10.2f ms (median with monitor - median without)\n",
	       "embedded monitor load", subjects[4].median_ms - subjects[3].median_ms);
	printf("goals: cellrun --no-monitor <= 10 ms median and <= 1.0x bwrap; "
	       "with a running daemon <= 1.5x bwrap (daemon: not built yet)\n");
	return 0;
}
