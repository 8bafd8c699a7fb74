// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: what watching cells costs the host's other processes.  Times
 * getppid() (a syscall no hook cares about) and openat()+close() (one they
 * filter for) in a process outside any cell: with no program attached, with
 * each candidate hook (tests/bench/hooks.bpf.c), and with the whole
 * cellwatch program set; reported as ratios to the run without programs,
 * measured first and last (the faster kept: load on the machine only adds).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "hooks.skel.h"
#include "monitor.h"

#define ITERS 100000
#define REPS 15

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The fastest of REPS runs, in ns per call: noise on a shared machine only ever adds. */
static double measure(void (*op)(void))
{
	double t[REPS];

	for (int r = 0; r < REPS; r++) {
		double t0 = now_ns();

		for (int i = 0; i < ITERS; i++)
			op();
		t[r] = (now_ns() - t0) / ITERS;
	}
	qsort(t, REPS, sizeof(t[0]), cmp);
	return t[0];
}

static void op_getppid(void)
{
	syscall(SYS_getppid);
}

static void op_open(void)
{
	close(open("/dev/null", O_RDONLY));
}

struct row {
	const char *name;
	const char *label;	/* its name in the summary table; NULL: details only */
	double ppid, open;
	bool ok;
};

static void report(const struct row *base, const struct row *r)
{
	printf("%-34s %9.1f %7.2fx %9.1f %7.2fx\n", r->name, r->ppid, r->ppid / base->ppid,
	       r->open, r->open / base->open);
}

static int quiet(enum libbpf_print_level level __attribute__((unused)),
		 const char *fmt __attribute__((unused)), va_list ap __attribute__((unused)))
{
	return 0;
}

/* tp/ programs need tracefs; mount it for the run if it is not there, and say so. */
static bool ensure_tracefs(void)
{
	if (!access("/sys/kernel/tracing/events", F_OK))
		return false;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return false;
	printf("(tracefs mounted at /sys/kernel/tracing for this run)\n");
	return true;
}

/* The baseline, measured first and again last: the faster of the two, as with every run. */
static void measure_base(struct row *base)
{
	double ppid = measure(op_getppid), open = measure(op_open);

	if (!base->ok || ppid < base->ppid)
		base->ppid = ppid;
	if (!base->ok || open < base->open)
		base->open = open;
	base->ok = true;
}

static void measure_hook(struct bpf_program *prog, struct row *r)
{
	struct bpf_link *link = bpf_program__attach(prog);

	if (!link) {
		printf("%-34s  not attachable here: %s\n", r->name, strerror(errno));
		return;
	}
	r->ppid = measure(op_getppid);
	r->open = measure(op_open);
	r->ok = true;
	bpf_link__destroy(link);
}

/* The whole monitor, watching no cell: what every host process pays. */
static void measure_monitor(bool generic, struct row *r)
{
	struct cw_monitor_opts opts = { .generic_syscalls = generic };
	struct cw_monitor *m;
	char err[256];

	if (cw_monitor_open(&m, &opts, err, sizeof(err))) {
		printf("%-34s  could not load: %s\n", r->name, err);
		return;
	}
	r->ppid = measure(op_getppid);
	r->open = measure(op_open);
	r->ok = true;
	cw_monitor_close(m);
}

int main(void)
{
	struct row base = { .name = "no BPF program" }, rows[] = {
		{ .name = "tp_btf/sys_exit + nr filter" },
		{ .name = "raw_tp/sys_exit + nr filter" },
		{ .name = "tp/syscalls/sys_exit_openat" },
		{ .name = "cellwatch, per-syscall tracepoints", .label = "per-syscall tp" },
		{ .name = "cellwatch, generic sys_exit", .label = "generic sys_exit" },
	};
	struct hooks_bpf *skel;
	bool mounted;

	libbpf_set_print(quiet);
	mounted = ensure_tracefs();
	measure_base(&base);
	skel = hooks_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "bench_overhead: load hooks: %s\n", strerror(errno));
		return 1;
	}
	measure_hook(skel->progs.generic_tp_btf, &rows[0]);
	measure_hook(skel->progs.generic_raw_tp, &rows[1]);
	measure_hook(skel->progs.specific_openat, &rows[2]);
	hooks_bpf__destroy(skel);
	measure_monitor(false, &rows[3]);
	measure_monitor(true, &rows[4]);
	measure_base(&base);
	if (mounted)
		umount("/sys/kernel/tracing");

	printf("syscall cost outside any cell, ns per call (fastest of %d x %d)\n\n", REPS, ITERS);
	printf("%-34s %9s %8s %9s %8s\n", "hook", "getppid", "ratio", "open+close", "ratio");
	report(&base, &base);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].ok)
			report(&base, &rows[i]);
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char name[96];

		if (!rows[i].ok || !rows[i].label)
			continue;
		snprintf(name, sizeof(name), "getppid outside cells, monitor (%s)", rows[i].label);
		bench_ns_row(name, rows[i].ppid, "no BPF program", base.ppid);
		snprintf(name, sizeof(name), "open+close outside cells, monitor (%s)",
			 rows[i].label);
		bench_ns_row(name, rows[i].open, "no BPF program", base.open);
	}
	return 0;
}
