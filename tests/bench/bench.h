/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * make bench: what the host-side benchmarks share, and the page of shared
 * memory through which a payload in a cell tells the host when it made its
 * offending syscall and what it did afterwards.
 */
#ifndef CW_BENCH_H
#define CW_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/*
 * A file in the run's --output directory, mapped MAP_SHARED by both sides:
 * the same page-cache page whatever the cell's namespaces.
 */
#define BENCH_SHM_NAME "kill.shm"
/* The file whose open tests/bench/userspace-kill.json kills from userspace. */
#define BENCH_TRIGGER_NAME "bench-trigger"

struct bench_shm {
	uint32_t ready;		/* payload: mapped, waiting for go */
	uint32_t go;		/* host: holds a pidfd of the payload, go ahead */
	int32_t pid;		/* the payload's pid in the cell's pid namespace */
	uint32_t pad;
	uint64_t t0_ns;		/* CLOCK_BOOTTIME just before the offending syscall */
	uint64_t after;		/* loop iterations run after it returned (exec: 1 if the
				 * new image ran) */
};

/* The cell's view of the files bench_payload uses. */
#define BENCH_CELL_SHM "/output/" BENCH_SHM_NAME
#define BENCH_CELL_TRIGGER "/output/" BENCH_TRIGGER_NAME
#define BENCH_GEN_PATH "/dev/zero"
#define BENCH_GEN_PATH2 "/dev/full"

static inline uint64_t bench_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A running `cellwatch daemon` of our own, with its files in @dir. */
struct bench_daemon {
	pid_t pid;
	char sock[256], state[256], pin[128], log[256], err[256];
};

double bench_percentile(double *v, size_t n, double p);
pid_t bench_spawn(char *const argv[], int out_fd, int err_fd);
int bench_reap(pid_t pid, int timeout_ms);
int bench_capture(char *const argv[], int err_fd, char *out, size_t size, int timeout_ms);
/*
 * Run @argv, whose stdout is payload.c's "loops" figures, and read its ns
 * per getppid() and per open()+close().  Its wait status once both are
 * read; else negative errno, with why on stderr after @who.
 */
int bench_loops(const char *who, char *const argv[], double *ppid_ns, double *open_ns);
int bench_rmtree(const char *path);
int bench_daemon_start(struct bench_daemon *d, const char *build, const char *rules,
		       const char *dir, bool log);
int bench_daemon_start_with(struct bench_daemon *d, const char *build, const char *rules,
			    const char *dir, char *const extra[]);
void bench_daemon_stop(struct bench_daemon *d);
double bench_cpu_ns(pid_t pid);
unsigned long long bench_count_lines(const char *path, bool (*match)(const char *line));
long long bench_json_number(const char *path, const char *key);
long bench_status_kb(pid_t pid, const char *file, const char *key);
int bench_row(const char *measurement, const char *value, const char *baseline,
	      const char *ratio);
int bench_ns_row(const char *measurement, double ns, const char *baseline, double base_ns);
char *bench_read_file(const char *path, size_t *len);

#endif
