// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: start-to-exit time of `/bin/true` under each launcher, all
 * measured in the same run, reported as median and p95 and as ratios to
 * bubblewrap.  cellrun --daemon is measured last, with a daemon of our own
 * started just for it (its tracepoints stay out of the other runs), then
 * again while another cell of that daemon floods it with opens.  Then the
 * daemon's side alone: how long a registration waits for its ack, quiet and
 * while a tenant floods, registrations 20 ms apart as launches arrive.
 *
 * Back to back, each launch finds what the last one left warm, and pays for
 * what it left to clean up (an RCU grace period, a cgroup being freed).
 * Launches as a service sees them come are spaced: SPACED runs of bwrap and
 * of each cellrun mode, 100 ms apart, only the launch timed, as median and
 * p90 against bwrap spaced the same way.  The launchers take turns (four
 * blocks of back-to-back runs each; one launch each when spaced), so a
 * load passing over the host falls on every one alike.
 * Usage: bench_startup BUILD_DIR RULES [RUNS [SPACED]]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define SPACING_MS 100

struct stats {
	double median_ms, p90_ms, p95_ms, p99_ms;
	int failures, last_failure;
	double *t;		/* the runs' times so far, n of them */
	int n;
};

struct subject {
	const char *name;
	char *argv[24];
	struct stats b2b;	/* back to back */
	struct stats spaced;	/* SPACING_MS apart; measured when .spaced_too */
	bool spaced_too;
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

/* @runs launches of @s added to @st, @gap_ms apart (0: back to back); the gaps are not timed. */
static void measure_into(const struct subject *s, struct stats *st, int runs, int gap_ms)
{
	double *t = realloc(st->t, (st->n + runs) * sizeof(*t));

	if (!t) {
		fprintf(stderr, "bench_startup: %s: %s\n", s->name, strerror(errno));
		st->failures += runs;
		return;
	}
	st->t = t;
	for (int i = 0; i < runs; i++) {
		double ms;

		if (gap_ms)
			usleep(gap_ms * 1000);
		ms = run_once(s->argv);
		if (ms < 0) {
			st->failures++;
			st->last_failure = -ms;
		} else
			st->t[st->n++] = ms;
	}
}

/* The percentiles of every run added to @st. */
static void conclude(struct stats *st)
{
	if (st->n) {
		st->median_ms = bench_percentile(st->t, st->n, 50);
		st->p90_ms = bench_percentile(st->t, st->n, 90);
		st->p95_ms = bench_percentile(st->t, st->n, 95);
		st->p99_ms = bench_percentile(st->t, st->n, 99);
	}
	free(st->t);
	st->t = NULL;
}

/*
 * @runs back-to-back launches of each of @n subjects, in BLOCKS turns of
 * every subject, so a passing load on the host falls on each alike; runs
 * in a block follow one another as in a loop.
 */
#define BLOCKS 4

static void measure(struct subject *subjects, size_t n, int runs)
{
	for (size_t i = 0; i < n; i++) {
		if (!access(subjects[i].argv[0], X_OK))
			run_once(subjects[i].argv);	/* warm the page cache */
	}
	for (int b = 0; b < BLOCKS; b++) {
		for (size_t i = 0; i < n; i++) {
			if (!access(subjects[i].argv[0], X_OK))
				measure_into(&subjects[i], &subjects[i].b2b,
					     runs / BLOCKS + (b < runs % BLOCKS), 0);
		}
	}
	for (size_t i = 0; i < n; i++)
		conclude(&subjects[i].b2b);
}

/* @runs launches of each of @n subjects, SPACING_MS apart, the subjects taking turns. */
static void measure_spaced(struct subject *subjects, size_t n, int runs)
{
	for (int r = 0; r < runs; r++) {
		for (size_t i = 0; i < n; i++) {
			if (subjects[i].spaced_too && !access(subjects[i].argv[0], X_OK))
				measure_into(&subjects[i], &subjects[i].spaced, 1, SPACING_MS);
		}
	}
	for (size_t i = 0; i < n; i++)
		conclude(&subjects[i].spaced);
}

/* Where cgroup2 is mounted: the daemon's cells are children of its "cellwatch". */
static int cgroup2_root(char *buf, size_t len)
{
	char dev[64], dir[256], type[64];
	FILE *f = fopen("/proc/self/mounts", "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret && fscanf(f, "%63s %255s %63s %*[^\n]", dev, dir, type) == 3) {
		if (!strcmp(type, "cgroup2")) {
			snprintf(buf, len, "%s", dir);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

/*
 * One registration, as cellrun makes it, timed from the request to the
 * ack (ms; negative: it failed): an empty cgroup of our own, which the
 * daemon reaps as soon as it has read the rings past it.
 */
static double ack_once(const char *sock, const char *cell)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char msg[1024], reply[4096];
	double ms = -1;
	int fd, len;

	if (mkdir(cell, 0755))
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	len = snprintf(msg, sizeof(msg), "{\"op\":\"register\",\"cgroup\":\"%s\","
		       "\"policy\":\"default\"}", cell);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		uint64_t t0 = bench_ns(CLOCK_MONOTONIC);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n = send(fd, msg, len, MSG_NOSIGNAL);

		while (n == len && poll(&pfd, 1, 5000) == 1) {
			ssize_t got = recv(fd, reply, sizeof(reply) - 1, 0);

			if (got <= 0)
				break;
			reply[got] = '\0';
			if (strstr(reply, "\"reply\":\"register\"")) {
				if (strstr(reply, "\"ok\":true"))
					ms = (bench_ns(CLOCK_MONOTONIC) - t0) / 1e6;
				break;
			}
		}
	}
	if (fd >= 0)
		close(fd);
	rmdir(cell);
	return ms;
}

/* p99 of @runs acks 20 ms apart (negative: too many failed). */
static double ack_p99(const char *sock, const char *parent, int runs)
{
	double *t = calloc(runs, sizeof(*t)), p99 = -1;
	char cell[512];
	int n = 0;

	for (int i = 0; t && i < runs; i++) {
		double ms;

		snprintf(cell, sizeof(cell), "%s/bench-ack-%d-%d", parent, (int)getpid(), i);
		ms = ack_once(sock, cell);
		if (ms >= 0)
			t[n++] = ms;
		usleep(20000);
	}
	if (n == runs)
		p99 = bench_percentile(t, n, 99);
	free(t);
	return p99;
}

static void row(const struct subject *s, const struct subject *bwrap)
{
	char name[64], value[64], baseline[64], ratio[16];

	snprintf(name, sizeof(name), "start-up: %s", s->name);
	snprintf(value, sizeof(value), "%.1f ms (p95 %.1f)", s->b2b.median_ms, s->b2b.p95_ms);
	snprintf(baseline, sizeof(baseline), "bwrap %.1f ms", bwrap->b2b.median_ms);
	snprintf(ratio, sizeof(ratio), "%.2fx", s->b2b.median_ms / bwrap->b2b.median_ms);
	bench_row(name, value, baseline, ratio);
}

static void spaced_row(const struct subject *s, const struct subject *bwrap)
{
	char name[80], value[64], baseline[64], ratio[16];

	snprintf(name, sizeof(name), "start-up %d ms apart: %s", SPACING_MS, s->name);
	snprintf(value, sizeof(value), "%.1f ms (p90 %.1f)", s->spaced.median_ms,
		 s->spaced.p90_ms);
	snprintf(baseline, sizeof(baseline), "bwrap %.1f ms (p90 %.1f)", bwrap->spaced.median_ms,
		 bwrap->spaced.p90_ms);
	snprintf(ratio, sizeof(ratio), "%.2fx", s->spaced.median_ms / bwrap->spaced.median_ms);
	bench_row(name, value, baseline, ratio);
}

/* The spaced launches' table: bwrap and each cellrun mode, against bwrap. */
static void print_spaced(const struct subject *subjects, size_t n, const struct subject *bwrap,
			 int runs)
{
	printf("\nlaunches %d ms apart, only the launch timed, %d runs each\n\n", SPACING_MS,
	       runs);
	printf("%-28s %10s %10s %12s\n", "launcher", "median ms", "p90 ms", "vs bwrap");
	for (size_t i = 0; i < n; i++) {
		const struct subject *s = &subjects[i];
		const struct stats *st = &s->spaced;

		if (!s->spaced_too || access(s->argv[0], X_OK))
			continue;
		if (st->failures == runs) {
			printf("%-28s %10s %10s %12s  (every run failed)\n", s->name, "-", "-", "-");
			continue;
		}
		printf("%-28s %10.2f %10.2f %11.2fx", s->name, st->median_ms, st->p90_ms,
		       bwrap->spaced.median_ms > 0 ? st->median_ms / bwrap->spaced.median_ms : 0);
		if (st->failures)
			printf("  (%d runs failed, the last with exit status %d)", st->failures,
			       st->last_failure);
		printf("\n");
		if (s != bwrap && bwrap->spaced.median_ms > 0)
			spaced_row(s, bwrap);
	}
}

int main(int argc, char **argv)
{
	char cellrun[4096], dir[] = "/tmp/cw-bench-startup-XXXXXX";
	int runs = argc > 3 ? atoi(argv[3]) : 100, spaced = argc > 4 ? atoi(argv[4]) : 30;
	struct bench_daemon d = {};

	if (argc < 3 || runs < 10 || spaced < 10) {
		fprintf(stderr,
			"usage: bench_startup BUILD_DIR RULES [RUNS >= 10 [SPACED >= 10]]\n");
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
		{ .name = "bwrap", .spaced_too = true,
		  .argv = { "/usr/bin/bwrap", "--unshare-all", "--ro-bind", "/", "/", "--dev",
			    "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "/bin/true", NULL } },
		{ .name = "cellrun --no-monitor", .spaced_too = true,
		  .argv = { cellrun, "--no-monitor", "--", "/bin/true", NULL } },
		{ .name = "cellrun (embedded monitor)", .spaced_too = true,
		  .argv = { cellrun, "--rules", argv[2], "--", "/bin/true", NULL } },
		/* d.sock: written by bench_daemon_start, before these are measured. */
		{ .name = "cellrun --daemon", .spaced_too = true,
		  .argv = { cellrun, "--daemon", d.sock, "--", "/bin/true", NULL } },
		{ .name = "cellrun --daemon, a flood", .argv = { cellrun, "--daemon", d.sock, "--",
								 "/bin/true", NULL } },
	};
	char *flood[] = { cellrun, "--daemon", d.sock, "--timeout", "300", "--",
			  "/usr/bin/python3", "-c", "import os\nwhile True:\n"
			  "    os.close(os.open('/dev/null', os.O_RDONLY))\n"
			  "    os.close(os.open('/dev/zero', os.O_RDONLY))\n", NULL };
	const size_t n = sizeof(subjects) / sizeof(subjects[0]);
	const struct subject *bwrap = &subjects[2];
	struct subject *daemon = &subjects[5], *flooded = &subjects[6];
	double ack_quiet = -1, ack_flood = -1;
	char parent[300];
	pid_t flooder;
	int status;

	printf("start-to-exit of /bin/true, %d runs each (%d turns of every launcher, then the "
	       "daemon's)\n\n", runs, BLOCKS);
	measure(subjects, n - 2, runs);
	measure_spaced(subjects, n - 2, spaced);
	if (cgroup2_root(parent, sizeof(parent) - 10)) {
		fprintf(stderr, "bench_startup: no cgroup2 hierarchy\n");
		return 1;
	}
	strcat(parent, "/cellwatch");
	/* With its log, as a production daemon runs: each record costs what it would. */
	if (!bench_daemon_start(&d, argv[1], argv[2], dir, true)) {
		measure(daemon, 1, runs);
		measure_spaced(daemon, 1, spaced);
		ack_quiet = ack_p99(d.sock, parent, runs);
		flooder = bench_spawn(flood, -1, -1);
		usleep(500000);		/* the flood under way */
		if (flooder > 0) {
			measure(flooded, 1, runs);
			ack_flood = ack_p99(d.sock, parent, runs);
		} else
			flooded->b2b.failures = runs;
		/* cellrun ends its run on SIGTERM, cell and all. */
		if (flooder > 0 && !kill(flooder, SIGTERM))
			waitpid(flooder, &status, 0);
		bench_daemon_stop(&d);
	} else {
		daemon->b2b.failures = flooded->b2b.failures = runs;
		daemon->spaced.failures = spaced;
	}
	printf("%-28s %10s %10s %12s\n", "launcher", "median ms", "p95 ms", "vs bwrap");
	for (size_t i = 0; i < n; i++) {
		const struct subject *s = &subjects[i];

		if (access(s->argv[0], X_OK)) {
			printf("%-28s %10s %10s %12s  (%s not installed)\n", s->name, "-", "-", "-",
			       s->argv[0]);
			continue;
		}
		if (s->b2b.failures == runs) {
			printf("%-28s %10s %10s %12s  (every run failed)\n", s->name, "-", "-", "-");
			continue;
		}
		printf("%-28s %10.2f %10.2f %11.2fx%s", s->name, s->b2b.median_ms, s->b2b.p95_ms,
		       bwrap->b2b.median_ms > 0 ? s->b2b.median_ms / bwrap->b2b.median_ms : 0,
		       s->b2b.failures ? "  (some runs failed" : "");
		if (s->b2b.failures)
			printf(": %d, the last with exit status %d)\n", s->b2b.failures,
			       s->b2b.last_failure);
		else
			printf("\n");
		if (i >= 3 && bwrap->b2b.median_ms > 0)
			row(s, bwrap);
	}
	print_spaced(subjects, n, bwrap, spaced);
	printf("\n%-28s %10.2f ms (median with monitor - median without)\n",
	       "embedded monitor load", subjects[4].b2b.median_ms - subjects[3].b2b.median_ms);
	if (daemon->b2b.p99_ms > 0 && flooded->b2b.p99_ms > 0) {
		char value[64], baseline[64], ratio[16];

		printf("%-28s %10.2f ms p99, quiet %.2f ms p99\n", "registration under a flood",
		       flooded->b2b.p99_ms, daemon->b2b.p99_ms);
		snprintf(value, sizeof(value), "%.1f ms p99", flooded->b2b.p99_ms);
		snprintf(baseline, sizeof(baseline), "quiet daemon %.1f ms p99", daemon->b2b.p99_ms);
		snprintf(ratio, sizeof(ratio), "%.2fx", flooded->b2b.p99_ms / daemon->b2b.p99_ms);
		bench_row("cellrun --daemon while a cell floods", value, baseline, ratio);
	}
	if (ack_quiet > 0 && ack_flood > 0) {
		char value[64], baseline[64], ratio[16];

		printf("%-28s %10.2f ms p99, quiet %.2f ms p99\n", "daemon ack under a flood",
		       ack_flood, ack_quiet);
		snprintf(value, sizeof(value), "%.1f ms p99", ack_flood);
		snprintf(baseline, sizeof(baseline), "quiet daemon %.1f ms p99", ack_quiet);
		snprintf(ratio, sizeof(ratio), "%.2fx", ack_flood / ack_quiet);
		bench_row("registration ack while a cell floods", value, baseline, ratio);
	} else {
		printf("%-28s %10s (registrations failed)\n", "daemon ack under a flood", "-");
	}
	printf("goals: cellrun --no-monitor <= 0.8x bwrap, back to back and %d ms apart; "
	       "with a running daemon <= 1.0x bwrap; embedded monitor <= 3x bwrap; "
	       "while another cell floods, its ack <= 50 ms p99\n", SPACING_MS);
	return bench_rmtree(dir) ? 1 : 0;
}
