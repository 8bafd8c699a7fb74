// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: the payload the benchmarks run inside cells, linked
 * statically so that a root of one directory (bin/payload, bin/sh) is all
 * it needs.  Also run on the host itself as the outside-any-cell baseline.
 *
 *   payload loops ITERS REPS   ns per getppid() and per open()+close() of
 *                              /dev/null, fastest of REPS runs of ITERS
 *   payload kill-self|kill-exec|kill-setuid|kill-open SHM
 *                              wait for the host's go in SHM (bench.h),
 *                              stamp the clock, make the offending syscall,
 *                              then count loop iterations until killed
 *   payload gen RATE SECS      open()+close() RATE times a second (0: as fast
 *                              as it can) for SECS seconds, BENCH_GEN_PATH and
 *                              BENCH_GEN_PATH2 in turn
 *   sh SHM                     (run as "sh") the new image of kill-exec:
 *                              records that it ran, which it must never do
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

static int fail(const char *what)
{
	fprintf(stderr, "payload: %s: %s\n", what, strerror(errno));
	return 1;
}

static void op_getppid(void)
{
	syscall(SYS_getppid);
}

static void op_open(void)
{
	close(open("/dev/null", O_RDONLY));
}

/* The fastest of @reps runs in ns per call: noise on a shared machine only ever adds. */
static double fastest(void (*op)(void), long iters, int reps)
{
	double best = 0;

	for (int r = 0; r < reps; r++) {
		uint64_t t0 = bench_ns(CLOCK_MONOTONIC);

		for (long i = 0; i < iters; i++)
			op();
		double ns = (double)(bench_ns(CLOCK_MONOTONIC) - t0) / iters;

		if (!r || ns < best)
			best = ns;
	}
	return best;
}

static int loops(long iters, int reps)
{
	printf("getppid_ns %.1f\n", fastest(op_getppid, iters, reps));
	printf("open_ns %.1f\n", fastest(op_open, iters, reps));
	return 0;
}

static struct bench_shm *map_shm(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return NULL;
	p = mmap(NULL, sizeof(struct bench_shm), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* Never returns: whatever ran after the offending syscall is counted until the kill lands. */
static __attribute__((noreturn)) void count_until_killed(struct bench_shm *s)
{
	for (uint64_t n = 1;; n++)
		__atomic_store_n(&s->after, n, __ATOMIC_RELAXED);
}

static int kill_run(const char *mode, const char *shm_path)
{
	struct bench_shm *s = map_shm(shm_path);
	int fd;

	if (!s)
		return fail(shm_path);
	__atomic_store_n(&s->pid, getpid(), __ATOMIC_RELAXED);
	__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
	/* The host finds our host pid and opens a pidfd before we offend: bounded to 10 s. */
	for (int i = 0; !__atomic_load_n(&s->go, __ATOMIC_ACQUIRE); i++) {
		if (i > 100000)
			return 2;
		usleep(100);
	}
	if (!strcmp(mode, "kill-self")) {
		__atomic_store_n(&s->t0_ns, bench_ns(CLOCK_BOOTTIME), __ATOMIC_RELEASE);
		kill(getpid(), SIGKILL);
	} else if (!strcmp(mode, "kill-exec")) {
		__atomic_store_n(&s->t0_ns, bench_ns(CLOCK_BOOTTIME), __ATOMIC_RELEASE);
		execv("/bin/sh", (char *[]){ "sh", (char *)shm_path, NULL });
		return fail("exec /bin/sh");
	} else if (!strcmp(mode, "kill-setuid")) {
		/* Fails (no capability), and is an escape attempt the kernel judges at its exit. */
		__atomic_store_n(&s->t0_ns, bench_ns(CLOCK_BOOTTIME), __ATOMIC_RELEASE);
		syscall(SYS_setuid, 0);
	} else if (!strcmp(mode, "kill-open")) {
		__atomic_store_n(&s->t0_ns, bench_ns(CLOCK_BOOTTIME), __ATOMIC_RELEASE);
		/* Only the userspace rule engine judges a glob with '?' (rules/README.md). */
		fd = open(BENCH_CELL_TRIGGER, O_RDONLY);
		if (fd < 0)
			return fail(BENCH_CELL_TRIGGER);
	} else {
		return 2;
	}
	count_until_killed(s);
}

/*
 * RATE opens a second, paced against the clock every 100 µs; prints how many
 * it made.  Two paths in turn: the kernel folds a thread's exact repeats of
 * one open into a single record, and each open must be a record of its own.
 */
static int generate(long rate, double secs)
{
	uint64_t t0 = bench_ns(CLOCK_MONOTONIC), end = t0 + secs * 1e9, n = 0, now;

	while ((now = bench_ns(CLOCK_MONOTONIC)) < end) {
		uint64_t due = rate ? (now - t0) * rate / 1000000000ull : n + 64;

		if (n >= due) {
			usleep(100);
			continue;
		}
		for (; n < due; n++)
			close(open(n & 1 ? BENCH_GEN_PATH2 : BENCH_GEN_PATH, O_RDONLY));
	}
	printf("generated %llu in %.3f s\n", (unsigned long long)n,
	       (bench_ns(CLOCK_MONOTONIC) - t0) / 1e9);
	return 0;
}

/* The shell the kill-exec payload starts: if the kernel let it run, say so. */
static int fake_shell(const char *shm_path)
{
	struct bench_shm *s = map_shm(shm_path);

	if (!s)
		return fail(shm_path);
	__atomic_store_n(&s->after, 1, __ATOMIC_RELEASE);
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');

	name = name ? name + 1 : argv[0];
	if (!strcmp(name, "sh") && argc == 2)
		return fake_shell(argv[1]);
	if (argc == 4 && !strcmp(argv[1], "loops"))
		return loops(atol(argv[2]), atoi(argv[3]));
	if (argc == 3 && !strncmp(argv[1], "kill-", 5))
		return kill_run(argv[1], argv[2]);
	if (argc == 4 && !strcmp(argv[1], "gen"))
		return generate(atol(argv[2]), atof(argv[3]));
	fprintf(stderr, "usage: payload loops ITERS REPS | "
			"kill-self|kill-exec|kill-setuid|kill-open SHM | gen RATE SECS\n");
	return 2;
}
