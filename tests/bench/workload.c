// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: a realistic job in a cell.  `python3 -m compileall -q -j2`
 * byte-compiles the host's Python standard library (its tests left out):
 * two processes reading hundreds of sources, writing as many .pyc files,
 * thousands of opens and stats the monitor sees.  The sources are read
 * where they are (the cell's read-only root is the host's /usr); the .pyc
 * files go to a fresh, empty directory each run (-X pycache_prefix), bound
 * writable into the cell, so every run compiles everything and nothing of
 * the host is written.
 *
 * Run outside any cell (the baseline), in a cell with --no-monitor, with
 * the embedded monitor and under a daemon of our own (its log on, as in
 * production).  The first three take turns, REPS rounds, so that a load
 * that comes and goes falls on each alike; the daemon comes after them,
 * its tracepoints kept out of the other runs, and the baseline runs again
 * once it is gone.  Medians; the baseline is the median of all its runs.
 *
 * Usage: bench_workload BUILD_DIR RULES [REPS]
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define MAX_REPS 64
/* What the job leaves out of the standard library: tests and what is not its own. */
#define SKIP_RE "[/\\\\](test|tests|idlelib|lib2to3|site-packages|dist-packages)[/\\\\]"

enum mode { OUTSIDE, NO_MONITOR, EMBEDDED, DAEMON, N_MODES };

static const char *const mode_name[N_MODES] = {
	[OUTSIDE] = "outside any cell",
	[NO_MONITOR] = "in a cell, --no-monitor",
	[EMBEDDED] = "in a cell, embedded monitor",
	[DAEMON] = "in a cell, daemon",
};

struct series {
	double s[2 * MAX_REPS];	/* wall seconds of each run that did the whole job */
	int n, failed;
	long pycs;		/* .pyc files the last good run wrote */
};

struct job {
	const char *cellrun, *rules, *stdlib, *dir, *sock;
	int run;		/* the runs so far: each has a directory of its own */
	long want;		/* .pyc files the first run outside wrote: every run must match */
};

static long pyc_count;

static int count_pyc(const char *path, const struct stat *st __attribute__((unused)), int type,
		     struct FTW *ftw __attribute__((unused)))
{
	size_t len = strlen(path);

	pyc_count += type == FTW_F && len > 4 && !strcmp(path + len - 4, ".pyc");
	return 0;
}

static long pycs_under(const char *dir)
{
	pyc_count = 0;
	return nftw(dir, count_pyc, 16, FTW_PHYS) ? -1 : pyc_count;
}

/* The command line of one run of @mode, writing into @pyc (the host's path). */
static void job_argv(const struct job *j, enum mode m, const char *pyc, char *prefix,
		     size_t len, char *bind, size_t blen, char **argv)
{
	int n = 0;

	snprintf(bind, blen, "%s:/pyc", pyc);
	snprintf(prefix, len, "pycache_prefix=%s", m == OUTSIDE ? pyc : "/pyc");
	if (m != OUTSIDE) {
		argv[n++] = (char *)j->cellrun;
		if (m == NO_MONITOR) {
			argv[n++] = "--no-monitor";
		} else if (m == EMBEDDED) {
			argv[n++] = "--rules";
			argv[n++] = (char *)j->rules;
		} else {
			argv[n++] = "--daemon";
			argv[n++] = (char *)j->sock;
		}
		/* Both CPUs for -j2, and room for two compilers. */
		argv[n++] = "--cpus";
		argv[n++] = "2";
		argv[n++] = "--memory";
		argv[n++] = "1G";
		argv[n++] = "--timeout";
		argv[n++] = "300";
		argv[n++] = "--bind";
		argv[n++] = bind;
		argv[n++] = "--";
	}
	argv[n++] = "/usr/bin/python3";
	argv[n++] = "-X";
	argv[n++] = prefix;
	argv[n++] = "-m";
	argv[n++] = "compileall";
	argv[n++] = "-q";
	argv[n++] = "-j2";
	argv[n++] = "-x";
	argv[n++] = SKIP_RE;
	argv[n++] = (char *)j->stdlib;
	argv[n] = NULL;
}

/* One run of @m into @s: its wall time when it exited 0 and wrote every .pyc. */
static void run_once(struct job *j, enum mode m, struct series *s)
{
	char pyc[512], prefix[600], bind[600], *argv[32], out[4096];
	uint64_t t0;
	int status;
	long pycs;

	snprintf(pyc, sizeof(pyc), "%s/pyc-%d", j->dir, j->run++);
	/* The cell writes as a host uid of its own. */
	if (mkdir(pyc, 0755) || chmod(pyc, 01777)) {
		fprintf(stderr, "bench_workload: %s: %s\n", pyc, strerror(errno));
		s->failed++;
		return;
	}
	job_argv(j, m, pyc, prefix, sizeof(prefix), bind, sizeof(bind), argv);
	t0 = bench_ns(CLOCK_MONOTONIC);
	status = bench_capture(argv, 2, out, sizeof(out), 310000);
	double secs = (bench_ns(CLOCK_MONOTONIC) - t0) / 1e9;

	pycs = pycs_under(pyc);
	if (!j->want && m == OUTSIDE && status == 0)
		j->want = pycs;
	if (status != 0 || pycs <= 0 || pycs != j->want) {
		fprintf(stderr, "bench_workload: %s: status 0x%x, %ld .pyc files (want %ld)\n",
			mode_name[m], status, pycs, j->want);
		s->failed++;
	} else {
		s->s[s->n++] = secs;
		s->pycs = pycs;
	}
	bench_rmtree(pyc);
}

/* Where this python3 keeps its standard library. */
static int find_stdlib(char *buf, size_t len)
{
	char *argv[] = { "/usr/bin/python3", "-c",
			 "import sysconfig; print(sysconfig.get_paths()['stdlib'])", NULL };
	int status = bench_capture(argv, 2, buf, len, 10000);

	buf[strcspn(buf, "\n")] = '\0';
	return status == 0 && buf[0] == '/' ? 0 : -ENOENT;
}

static void report(struct series *all, int reps)
{
	double base = bench_percentile(all[OUTSIDE].s, all[OUTSIDE].n, 50);

	printf("python3 -m compileall -q -j2 of the standard library (%ld .pyc files), "
	       "wall time, median of %d runs (outside: %d, before and after)\n\n",
	       all[OUTSIDE].pycs, reps, 2 * reps);
	printf("%-30s %10s %10s %10s %10s\n", "", "median s", "min s", "max s", "vs outside");
	for (int m = 0; m < N_MODES; m++) {
		struct series *s = &all[m];
		char name[96], value[64], baseline[64], ratio[16];
		double med;

		if (!s->n) {
			printf("%-30s  every run failed\n", mode_name[m]);
			continue;
		}
		med = bench_percentile(s->s, s->n, 50);
		printf("%-30s %10.2f %10.2f %10.2f %9.2fx", mode_name[m], med, s->s[0],
		       s->s[s->n - 1], base > 0 ? med / base : 0);
		if (s->failed)
			printf("  (%d runs failed)", s->failed);
		printf("\n");
		if (m == OUTSIDE || base <= 0)
			continue;
		snprintf(name, sizeof(name), "compileall -j2 %s", mode_name[m]);
		snprintf(value, sizeof(value), "%.2f s", med);
		snprintf(baseline, sizeof(baseline), "outside, no monitor %.2f s", base);
		snprintf(ratio, sizeof(ratio), "%.2fx", med / base);
		bench_row(name, value, baseline, ratio);
	}
	printf("goal: under the daemon <= 1.05x outside\n");
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/cw-bench-workload-XXXXXX", cellrun[4096], stdlib[512];
	int reps = argc > 3 ? atoi(argv[3]) : 3, ret = 0;
	static struct series all[N_MODES];
	struct bench_daemon d = {};
	struct job j = {};

	if (argc < 3 || reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "usage: bench_workload BUILD_DIR RULES [REPS 1..%d]\n", MAX_REPS);
		return 2;
	}
	if (find_stdlib(stdlib, sizeof(stdlib))) {
		fprintf(stderr, "bench_workload: no python3 standard library found\n");
		return 1;
	}
	if (!mkdtemp(dir) || chmod(dir, 0755)) {
		fprintf(stderr, "bench_workload: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(cellrun, sizeof(cellrun), "%s/cellrun", argv[1]);
	j = (struct job){ .cellrun = cellrun, .rules = argv[2], .stdlib = stdlib, .dir = dir,
			  .sock = d.sock };
	run_once(&j, OUTSIDE, &(struct series){});	/* warm the page cache, count the .pyc */
	for (int r = 0; r < reps; r++) {
		for (int m = OUTSIDE; m <= EMBEDDED; m++)
			run_once(&j, m, &all[m]);
	}
	if (!bench_daemon_start(&d, argv[1], argv[2], dir, true)) {
		for (int r = 0; r < reps; r++)
			run_once(&j, DAEMON, &all[DAEMON]);
		bench_daemon_stop(&d);
	}
	for (int r = 0; r < reps; r++)
		run_once(&j, OUTSIDE, &all[OUTSIDE]);
	report(all, reps);
	for (int m = 0; m < N_MODES; m++)
		ret |= !all[m].n;
	if (bench_rmtree(dir))
		ret = 1;
	return ret;
}
