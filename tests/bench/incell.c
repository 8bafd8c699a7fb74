// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: what a payload pays per syscall inside a cell.  The same
 * getppid() and open()+close() loops (payload.c) run outside any cell with
 * no monitor (the baseline), in a cell without monitor (seccomp, Landlock
 * and the namespaces alone), in a cell watched by cellrun's embedded
 * monitor (generic sys_exit program) and in one watched by the daemon
 * (one tracepoint per watched syscall).  Every open in a watched cell is
 * an event the monitor decodes; getppid is one it never reports.  The
 * baseline runs first and last, the faster kept: load only ever adds.
 *
 * Usage: bench_incell BUILD_DIR ROOTFS RULES [ITERS REPS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct config {
	const char *name;
	double ppid_ns, open_ns;
	bool ok;
};

static int measure(char *const argv[], struct config *c)
{
	char who[128];

	snprintf(who, sizeof(who), "bench_incell: %s", c->name);
	c->ok = bench_loops(who, argv, &c->ppid_ns, &c->open_ns) >= 0;
	return c->ok ? 0 : -EIO;
}

int main(int argc, char **argv)
{
	char payload[4096], cellrun[4096], dir[] = "/tmp/cw-bench-incell-XXXXXX", name[96];
	const char *iters = argc > 4 ? argv[4] : "50000", *reps = argc > 5 ? argv[5] : "10";
	struct config cfg[] = {
		{ .name = "outside any cell, no monitor" },
		{ .name = "in a cell, --no-monitor" },
		{ .name = "in a cell, embedded monitor" },
		{ .name = "in a cell, daemon" },
	};
	char *outside[] = { payload, "loops", (char *)iters, (char *)reps, NULL };
	struct config last = { .name = "outside any cell, again" };
	struct bench_daemon d = {};
	int ret = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_incell BUILD_DIR ROOTFS RULES [ITERS REPS]\n");
		return 2;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_incell: mkdtemp %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(payload, sizeof(payload), "%s/bench_payload", argv[1]);
	snprintf(cellrun, sizeof(cellrun), "%s/cellrun", argv[1]);
	measure(outside, &cfg[0]);
	measure((char *[]){ cellrun, "--no-monitor", "--rootfs", argv[2], "--timeout", "100", "--",
			    "/bin/payload", "loops", (char *)iters, (char *)reps, NULL }, &cfg[1]);
	measure((char *[]){ cellrun, "--rules", argv[3], "--rootfs", argv[2], "--timeout", "100",
			    "--", "/bin/payload", "loops", (char *)iters, (char *)reps, NULL },
		&cfg[2]);
	if (!bench_daemon_start(&d, argv[1], argv[3], dir, false)) {
		measure((char *[]){ cellrun, "--daemon", d.sock, "--rootfs", argv[2], "--timeout",
				    "100", "--", "/bin/payload", "loops", (char *)iters,
				    (char *)reps, NULL }, &cfg[3]);
		bench_daemon_stop(&d);
	}
	if (!measure(outside, &last) && cfg[0].ok) {
		cfg[0].ppid_ns = last.ppid_ns < cfg[0].ppid_ns ? last.ppid_ns : cfg[0].ppid_ns;
		cfg[0].open_ns = last.open_ns < cfg[0].open_ns ? last.open_ns : cfg[0].open_ns;
	}

	printf("syscall cost seen by the payload, ns per call (fastest of %s x %s)\n\n", reps, iters);
	printf("%-32s %9s %8s %9s %10s %8s %9s\n", "", "getppid", "vs out", "vs cell", "open+close",
	       "vs out", "vs cell");
	for (size_t i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		const struct config *c = &cfg[i];

		if (!c->ok) {
			printf("%-32s  failed\n", c->name);
			ret = 1;
			continue;
		}
		if (!cfg[0].ok || !cfg[1].ok) {
			printf("%-32s %9.0f %10.0f\n", c->name, c->ppid_ns, c->open_ns);
			continue;
		}
		printf("%-32s %9.0f %7.2fx %8.2fx %10.0f %7.2fx %8.2fx\n", c->name, c->ppid_ns,
		       c->ppid_ns / cfg[0].ppid_ns, c->ppid_ns / cfg[1].ppid_ns, c->open_ns,
		       c->open_ns / cfg[0].open_ns, c->open_ns / cfg[1].open_ns);
	}
	for (size_t i = 1; cfg[0].ok && i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		if (!cfg[i].ok)
			continue;
		snprintf(name, sizeof(name), "getppid %s", cfg[i].name);
		bench_ns_row(name, cfg[i].ppid_ns, "outside, no monitor", cfg[0].ppid_ns);
	}
	for (size_t i = 1; cfg[0].ok && i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		if (!cfg[i].ok)
			continue;
		snprintf(name, sizeof(name), "open+close %s", cfg[i].name);
		bench_ns_row(name, cfg[i].open_ns, "outside, no monitor", cfg[0].open_ns);
	}
	if (bench_rmtree(dir))
		ret = 1;
	return ret;
}
