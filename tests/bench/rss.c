// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: the daemon's memory, idle and with CELLS cells registered at
 * once (each a cellrun --daemon running sleep).  VmRSS and Pss from /proc,
 * read once the daemon has logged every cell-registered record.
 *
 * Usage: bench_rss BUILD_DIR RULES [CELLS]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* Lines of the daemon's log naming @action. */
static int count_records(const char *log, const char *action)
{
	char *text = bench_read_file(log, NULL), needle[96];
	int n = 0;

	snprintf(needle, sizeof(needle), "\"action\":\"%s\"", action);
	for (char *p = text; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	free(text);
	return n;
}

static int wait_records(const char *log, const char *action, int want, int timeout_ms)
{
	int n = 0;

	for (int waited = 0; waited < timeout_ms; waited += 100) {
		n = count_records(log, action);
		if (n >= want)
			break;
		usleep(100000);
	}
	return n;
}

struct mem {
	long rss_kb, pss_kb;
};

static void sample(pid_t pid, struct mem *m)
{
	m->rss_kb = bench_status_kb(pid, "status", "VmRSS");
	m->pss_kb = bench_status_kb(pid, "smaps_rollup", "Pss");
}

int main(int argc, char **argv)
{
	int ncells = argc > 3 ? atoi(argv[3]) : 100, registered = 0, ended, ret = 1;
	char dir[] = "/tmp/cw-bench-rss-XXXXXX", cellrun[4096];
	struct bench_daemon d = {};
	struct mem idle, busy, after;
	pid_t *cells;

	if (argc < 3 || ncells < 1) {
		fprintf(stderr, "usage: bench_rss BUILD_DIR RULES [CELLS]\n");
		return 2;
	}
	cells = calloc(ncells, sizeof(*cells));
	if (!cells)
		return 1;
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_rss: mkdtemp %s: %s\n", dir, strerror(errno));
		free(cells);
		return 1;
	}
	snprintf(cellrun, sizeof(cellrun), "%s/cellrun", argv[1]);
	if (bench_daemon_start(&d, argv[1], argv[2], dir, true))
		goto out;
	usleep(500000);
	sample(d.pid, &idle);
	for (int i = 0; i < ncells; i++) {
		char id[32];

		snprintf(id, sizeof(id), "bench-%d", i);
		cells[i] = bench_spawn((char *[]){ cellrun, "--daemon", d.sock, "--run-id", id,
						   "--daemon-timeout", "10000", "--timeout", "120",
						   "--", "/usr/bin/sleep", "100", NULL }, -1, -1);
	}
	registered = wait_records(d.log, "cell-registered", ncells, 60000);
	usleep(500000);
	sample(d.pid, &busy);
	/* SIGTERM to each cellrun we started: each takes its cell down with it. */
	for (int i = 0; i < ncells; i++) {
		if (cells[i] > 0)
			kill(cells[i], SIGTERM);
	}
	for (int i = 0; i < ncells; i++) {
		if (cells[i] > 0)
			bench_reap(cells[i], 20000);
	}
	ended = wait_records(d.log, "cell-ended", registered, 20000);
	sample(d.pid, &after);

	printf("cellwatch daemon memory, %d cells registered at once (%d ended after)\n\n",
	       registered, ended);
	printf("%-26s %10s %10s\n", "", "VmRSS kB", "Pss kB");
	printf("%-26s %10ld %10ld\n", "idle, no cell", idle.rss_kb, idle.pss_kb);
	printf("%-26s %10ld %10ld\n", "cells running", busy.rss_kb, busy.pss_kb);
	printf("%-26s %10ld %10ld\n", "after they ended", after.rss_kb, after.pss_kb);
	if (registered == ncells && idle.rss_kb > 0 && busy.rss_kb > 0) {
		char name[64], value[96], baseline[64], ratio[16];

		snprintf(name, sizeof(name), "daemon RSS, %d cells", ncells);
		snprintf(value, sizeof(value), "%.1f MiB (%+.1f KiB per cell)", busy.rss_kb / 1024.0,
			 (double)(busy.rss_kb - idle.rss_kb) / ncells);
		snprintf(baseline, sizeof(baseline), "idle daemon %.1f MiB", idle.rss_kb / 1024.0);
		snprintf(ratio, sizeof(ratio), "%.2fx", (double)busy.rss_kb / idle.rss_kb);
		bench_row(name, value, baseline, ratio);
		ret = 0;
	} else {
		fprintf(stderr, "bench_rss: %d of %d cells registered\n", registered, ncells);
	}
out:
	bench_daemon_stop(&d);
	if (bench_rmtree(dir))
		ret = 1;
	free(cells);
	return ret;
}
