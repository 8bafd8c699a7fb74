// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: what seccomp and Landlock cost a payload per syscall, apart
 * from the rest of a cell, and how that cost depends on the layout of the
 * Landlock rules.  The payload's getppid() and open()+close() of /dev/null
 * loops (payload.c) run with no layer (the baseline), with a seccomp
 * filter that allows everything (what any filter costs), with cellrun's
 * two filters, with Landlock rulesets of three layouts, and with the
 * cell's layout and the filters together, as a cell has them.
 *
 * Landlock checks an open by walking from the file towards the root until
 * the rules met on the way grant every right asked for, so what a layout
 * changes is how far that walk goes: to the file itself (a rule on it),
 * to its directory (the cell's layout: a rule on /dev), or to the root (one
 * rule on / for everything).
 *
 * Each configuration runs in a process of its own: this program again,
 * which applies the layers and execs the payload.
 *
 * Usage: bench_layers BUILD_DIR [ITERS REPS]
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "bench.h"
#include "steps.h"

#define ROUNDS 3

struct config {
	const char *name;
	bool seccomp, allow_all;
	const struct landlock_paths *landlock;
	double ppid_ns, open_ns;
	bool ok;
};

/* The payload's own directory is granted in every layout: it must exec. */
static const char *payload_dir[2];

static const char *cell_exec[] = { "/usr", "/bin", "/sbin", "/lib", "/lib64",
				   NULL /* payload_dir */, NULL };
static const char *const cell_read[] = { "/etc", "/proc", NULL };
static const char *const cell_write[] = { "/tmp", "/dev", NULL };
static const struct landlock_paths cell_layout = {
	.read_exec = cell_exec, .read_only = cell_read, .read_write = cell_write,
};

static const char *const root_only[] = { "/", NULL };
static const struct landlock_paths one_rule_on_root = {
	.read_exec = root_only, .read_write = root_only,
};

static const char *const the_file[] = { "/dev/null", NULL };
static const struct landlock_paths rule_on_the_file = {
	.read_exec = payload_dir, .read_write = the_file,
};

static struct config configs[] = {
	{ .name = "no layer" },
	{ .name = "seccomp, one filter allowing all", .allow_all = true },
	{ .name = "seccomp, cellrun's filters", .seccomp = true },
	{ .name = "Landlock, a rule on the file", .landlock = &rule_on_the_file },
	{ .name = "Landlock, the cell's layout", .landlock = &cell_layout },
	{ .name = "Landlock, one rule on /", .landlock = &one_rule_on_root },
	{ .name = "seccomp + the cell's layout", .seccomp = true, .landlock = &cell_layout },
};

/* The least a filter costs: the kernel's slow syscall path, and one instruction. */
static int allow_all(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) ? -errno : 0;
}

/* In the child: apply @c's layers, then become the payload. */
static int run_config(const struct config *c, char *payload, char *iters, char *reps)
{
	int abi, ret;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		perror("bench_layers: no_new_privs");
		return 1;
	}
	if (c->landlock) {
		ret = landlock_apply(c->landlock, &abi);
		if (ret || !abi) {
			fprintf(stderr, "bench_layers: landlock: %s\n",
				ret ? strerror(-ret) : "not in this kernel");
			return 1;
		}
	}
	if (c->allow_all && (ret = allow_all())) {
		fprintf(stderr, "bench_layers: seccomp: %s\n", strerror(-ret));
		return 1;
	}
	if (c->seccomp && (ret = seccomp_apply())) {
		fprintf(stderr, "bench_layers: seccomp: %s\n", strerror(-ret));
		return 1;
	}
	execv(payload, (char *[]){ payload, "loops", iters, reps, NULL });
	fprintf(stderr, "bench_layers: exec %s: %s\n", payload, strerror(errno));
	return 1;
}

/* One process of configuration @i; its figures kept where faster than the last rounds'. */
static void measure(char *self, size_t i, char *payload, char *iters, char *reps)
{
	struct config *c = &configs[i];
	char index[16], who[128];
	double ppid, open;
	int status;

	snprintf(index, sizeof(index), "%zu", i);
	snprintf(who, sizeof(who), "bench_layers: %s", c->name);
	status = bench_loops(who, (char *[]){ self, "--config", index, payload, iters, reps, NULL },
			     &ppid, &open);
	if (status > 0)
		fprintf(stderr, "%s: exit status 0x%x\n", who, status);
	if (status)
		return;
	c->ppid_ns = c->ok && c->ppid_ns < ppid ? c->ppid_ns : ppid;
	c->open_ns = c->ok && c->open_ns < open ? c->open_ns : open;
	c->ok = true;
}

int main(int argc, char **argv)
{
	char payload[4096], dir[4096], name[128];
	char *iters = argc > 2 ? argv[2] : "50000", *reps = argc > 3 ? argv[3] : "5";
	int ret = 0;

	if (argc == 6 && !strcmp(argv[1], "--config")) {
		size_t i = strtoul(argv[2], NULL, 10);

		snprintf(dir, sizeof(dir), "%s", argv[3]);
		payload_dir[0] = cell_exec[5] = dirname(dir);
		return i < sizeof(configs) / sizeof(configs[0]) ?
		       run_config(&configs[i], argv[3], argv[4], argv[5]) : 2;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: bench_layers BUILD_DIR [ITERS REPS]\n");
		return 2;
	}
	snprintf(payload, sizeof(payload), "%s/bench_payload", argv[1]);
	/* Rounds of every configuration in turn, the fastest kept: load only ever adds. */
	for (int round = 0; round < ROUNDS; round++) {
		for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
			measure(argv[0], i, payload, iters, reps);
	}

	printf("the layers alone, outside any cell: ns per call (fastest of %d processes x %s "
	       "runs x %s)\n\n", ROUNDS, reps, iters);
	printf("%-32s %9s %8s %10s %8s\n", "", "getppid", "ratio", "open+close", "ratio");
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		const struct config *c = &configs[i];

		if (!c->ok || !configs[0].ok) {
			printf("%-32s  failed\n", c->name);
			ret = 1;
			continue;
		}
		printf("%-32s %9.0f %7.2fx %10.0f %7.2fx\n", c->name, c->ppid_ns,
		       c->ppid_ns / configs[0].ppid_ns, c->open_ns,
		       c->open_ns / configs[0].open_ns);
		if (!i)
			continue;
		snprintf(name, sizeof(name), "open+close, %s", c->name);
		bench_ns_row(name, c->open_ns, "no layer", configs[0].open_ns);
	}
	return ret;
}
