// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* make bench: helpers of the host-side benchmarks (tests/bench/bench.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v; nearest-rank percentile @p (0..100). */
double bench_percentile(double *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	i = (size_t)(p / 100.0 * n + 0.999999);
	return v[i ? (i > n ? n : i) - 1 : 0];
}

pid_t bench_spawn(char *const argv[], int out_fd, int err_fd)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, 0);
		dup2(out_fd >= 0 ? out_fd : devnull, 1);
		dup2(err_fd >= 0 ? err_fd : devnull, 2);
		execv(argv[0], argv);
		fprintf(stderr, "bench: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* The wait status of @pid, or -ETIMEDOUT (still running, not reaped) after @timeout_ms. */
int bench_wait(pid_t pid, int timeout_ms)
{
	int fd = syscall(SYS_pidfd_open, pid, 0), status;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (fd >= 0) {
		int n = poll(&pfd, 1, timeout_ms);

		close(fd);
		if (n == 0)
			return -ETIMEDOUT;
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return status;
}

char *bench_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			char *p = realloc(buf, cap = cap * 2 + 65536);

			if (!p)
				break;
			buf = p;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		if (!got)
			break;
		n += got;
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* The daemon says "ready" on stderr once it watches; its stderr is a file so it never blocks. */
static int wait_ready(const struct bench_daemon *d, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 20) {
		char *text = bench_read_file(d->err, NULL);
		bool ready = text && strstr(text, "cellwatch: ready\n");

		free(text);
		if (ready)
			return 0;
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid)
			return -ECHILD;
		usleep(20000);
	}
	return -ETIMEDOUT;
}

int bench_daemon_start(struct bench_daemon *d, const char *build, const char *rules,
		       const char *dir, bool log)
{
	char bin[4096], *argv[16];
	int n = 0, err_fd, ret;

	snprintf(bin, sizeof(bin), "%s/cellwatch", build);
	snprintf(d->sock, sizeof(d->sock), "%s/cw.sock", dir);
	snprintf(d->state, sizeof(d->state), "%s/state", dir);
	snprintf(d->log, sizeof(d->log), "%s/daemon.json", dir);
	snprintf(d->err, sizeof(d->err), "%s/daemon.err", dir);
	snprintf(d->pin, sizeof(d->pin), "/sys/fs/bpf/cellwatch-bench-%d", getpid());
	argv[n++] = bin;
	argv[n++] = "daemon";
	argv[n++] = "--socket";
	argv[n++] = d->sock;
	argv[n++] = "--state-dir";
	argv[n++] = d->state;
	argv[n++] = "--pin-dir";
	argv[n++] = d->pin;
	argv[n++] = "--rules";
	argv[n++] = (char *)rules;
	if (log) {
		argv[n++] = "--log";
		argv[n++] = d->log;
	}
	argv[n] = NULL;
	err_fd = open(d->err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (err_fd < 0)
		return -errno;
	d->pid = bench_spawn(argv, -1, err_fd);
	close(err_fd);
	if (d->pid < 0)
		return -errno;
	ret = wait_ready(d, 30000);
	if (ret) {
		char *text = bench_read_file(d->err, NULL);

		fprintf(stderr, "bench: the daemon did not start (%s):\n%s\n", strerror(-ret),
			text ? text : "");
		free(text);
		bench_daemon_stop(d);
	}
	return ret;
}

/* SIGTERM, then its pins and state go: the pins stay only while cells run. */
void bench_daemon_stop(struct bench_daemon *d)
{
	char cmd[1024];

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		if (bench_wait(d->pid, 20000) == -ETIMEDOUT) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, NULL, 0);
		}
		d->pid = 0;
	}
	if (d->pin[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->pin);
		if (system(cmd))
			fprintf(stderr, "bench: could not remove %s\n", d->pin);
	}
}

/* A "Key:   N kB" line of /proc/PID/@file (status, smaps_rollup), in kB; -1 if absent. */
long bench_status_kb(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			kb = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* One row of the summary table, for tests/bench/run.sh: tab-separated lines in $BENCH_TABLE. */
int bench_row(const char *measurement, const char *value, const char *baseline,
	      const char *ratio)
{
	const char *path = getenv("BENCH_TABLE");
	FILE *f;

	if (!path || !*path)
		return 0;
	f = fopen(path, "a");
	if (!f)
		return -errno;
	fprintf(f, "%s\t%s\t%s\t%s\n", measurement, value, baseline, ratio);
	fclose(f);
	return 0;
}
