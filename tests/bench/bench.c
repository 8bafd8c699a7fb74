// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* make bench: helpers of the host-side benchmarks (tests/bench/bench.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "../ready.h"
#include "../../userspace/daemon/keeper.h"

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

/*
 * Reap @pid, a child of ours: its wait status; or -ETIMEDOUT when it still ran
 * after @timeout_ms, then got SIGKILL (a cellrun takes its cell with it) and
 * was reaped all the same; or a negative errno.
 */
int bench_reap(pid_t pid, int timeout_ms)
{
	int fd = syscall(SYS_pidfd_open, pid, 0), status, ret = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	/* Without a pidfd (before Linux 5.3) the wait has no bound. */
	if (fd >= 0) {
		int n = poll(&pfd, 1, timeout_ms);

		close(fd);
		if (n == 0) {
			kill(pid, SIGKILL);
			ret = -ETIMEDOUT;
		}
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return ret ? ret : status;
}

/* Milliseconds left until @deadline_ns on CLOCK_MONOTONIC, rounded up; 0 once past. */
static int ms_left(uint64_t deadline_ns)
{
	uint64_t now = bench_ns(CLOCK_MONOTONIC);

	return now < deadline_ns ? (int)((deadline_ns - now + 999999) / 1000000) : 0;
}

/*
 * @fd into @out (NUL-terminated) until EOF or @deadline_ns.  What does not
 * fit is read and dropped: a writer blocked on a full pipe would never end.
 */
static void read_until(int fd, char *out, size_t size, uint64_t deadline_ns)
{
	char spill[4096];
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		bool room = len < size - 1;
		ssize_t n;

		if (poll(&pfd, 1, ms_left(deadline_ns)) <= 0)
			break;
		n = room ? read(fd, out + len, size - 1 - len) : read(fd, spill, sizeof(spill));
		if (n <= 0)
			break;
		if (room)
			len += n;
	}
	out[len] = '\0';
}

/*
 * Run @argv with its stdout captured in @out (NUL-terminated) and its stderr
 * on @err_fd (-1: /dev/null).  Its wait status; or -ETIMEDOUT when it was
 * still running @timeout_ms after the start (then SIGKILLed and reaped); or
 * a negative errno.
 */
int bench_capture(char *const argv[], int err_fd, char *out, size_t size, int timeout_ms)
{
	uint64_t deadline = bench_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000000;
	int pipefd[2], err;
	pid_t pid;

	if (!size)
		return -EINVAL;
	out[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = bench_spawn(argv, pipefd[1], err_fd);
	err = errno;
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return -err;
	}
	read_until(pipefd[0], out, size, deadline);
	close(pipefd[0]);
	return bench_reap(pid, ms_left(deadline));
}

int bench_loops(const char *who, char *const argv[], double *ppid_ns, double *open_ns)
{
	char out[4096], *p;
	int status = bench_capture(argv, 2, out, sizeof(out), 120000);

	if (status < 0) {
		fprintf(stderr, "%s: %s\n", who, strerror(-status));
		return status;
	}
	p = strstr(out, "getppid_ns ");
	if (p && sscanf(p, "getppid_ns %lf", ppid_ns) == 1 && (p = strstr(out, "open_ns ")) &&
	    sscanf(p, "open_ns %lf", open_ns) == 1)
		return status;
	fprintf(stderr, "%s: exit status 0x%x, output: %s\n", who, status, out);
	return -EIO;
}

/* nftw() passes its callback no context: the first error of the walk in progress. */
static int rmtree_err;

static int remove_entry(const char *path, const struct stat *st __attribute__((unused)),
			int type __attribute__((unused)), struct FTW *ftw __attribute__((unused)))
{
	if (remove(path) && errno != ENOENT && !rmtree_err)
		rmtree_err = -errno;
	return 0;	/* go on: remove what can be, like rm -rf */
}

/* rm -rf @path without a shell, symlinks not followed; 0 when it is gone or never was. */
int bench_rmtree(const char *path)
{
	rmtree_err = 0;
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) && errno != ENOENT && !rmtree_err)
		rmtree_err = -errno;
	if (rmtree_err)
		fprintf(stderr, "bench: could not remove %s: %s\n", path, strerror(-rmtree_err));
	return rmtree_err;
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

int bench_daemon_start(struct bench_daemon *d, const char *build, const char *rules,
		       const char *dir, bool log)
{
	char *with_log[] = { "--log", d->log, NULL };

	snprintf(d->log, sizeof(d->log), "%s/daemon.json", dir);
	return bench_daemon_start_with(d, build, rules, dir, log ? with_log : NULL);
}

/* The daemon with @extra (NULL-terminated; NULL: none) after the options every bench gives. */
int bench_daemon_start_with(struct bench_daemon *d, const char *build, const char *rules,
			    const char *dir, char *const extra[])
{
	char bin[4096], *argv[32];
	int n = 0, err_fd, ret;

	snprintf(bin, sizeof(bin), "%s/cellwatch", build);
	snprintf(d->sock, sizeof(d->sock), "%s/cw.sock", dir);
	snprintf(d->state, sizeof(d->state), "%s/state", dir);
	snprintf(d->err, sizeof(d->err), "%s/daemon.err", dir);
	snprintf(d->pin, sizeof(d->pin), "/sys/fs/bpf/cellwatch-bench-%d", getpid());
	argv[n++] = bin;
	argv[n++] = "daemon";
	argv[n++] = "--no-config";
	argv[n++] = "--socket";
	argv[n++] = d->sock;
	argv[n++] = "--state-dir";
	argv[n++] = d->state;
	argv[n++] = "--pin-dir";
	argv[n++] = d->pin;
	argv[n++] = "--rules";
	argv[n++] = (char *)rules;
	for (int i = 0; extra && extra[i] && n < (int)(sizeof(argv) / sizeof(argv[0])) - 1; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	/* Its stderr is a file, so it never blocks on a reader. */
	err_fd = open(d->err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (err_fd < 0)
		return -errno;
	d->pid = spawn_ready(argv, err_fd, 30000, NULL);
	close(err_fd);
	if (d->pid < 0) {
		char *text = bench_read_file(d->err, NULL);

		ret = d->pid;
		d->pid = 0;
		fprintf(stderr, "bench: the daemon did not start (%s):\n%s\n", strerror(-ret),
			text ? text : "");
		free(text);
		bench_daemon_stop(d);
		return ret;
	}
	return 0;
}

/*
 * SIGTERM (SIGKILL 20 s later), then its pins go: the daemon leaves them for
 * cells still running.  A daemon that had to be killed leaves its link
 * keeper too, holding its programs on every syscall of the host: ended by
 * the pid its state directory names.  Its other files are in the caller's
 * directory.
 */
void bench_daemon_stop(struct bench_daemon *d)
{
	char path[300];
	pid_t keeper;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		bench_reap(d->pid, 20000);
		d->pid = 0;
	}
	snprintf(path, sizeof(path), "%s/keeper.pid", d->state);
	keeper = d->state[0] ? cw_keeper_of_pidfile(path) : 0;
	if (keeper > 0)
		kill(keeper, SIGKILL);	/* not our child: init reaps it */
	if (d->pin[0])
		bench_rmtree(d->pin);
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

/* Lines of @path that @match takes, streamed: a log may be large.  0 when unreadable. */
unsigned long long bench_count_lines(const char *path, bool (*match)(const char *line))
{
	unsigned long long n = 0;
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0)
		n += match(line);
	free(line);
	if (f)
		fclose(f);
	return n;
}

/* The number after "@key": in the JSON of @path, as cellrun's --result writes it; -1 if none. */
long long bench_json_number(const char *path, const char *key)
{
	char *text = bench_read_file(path, NULL), needle[64], *p;
	long long v = -1;

	snprintf(needle, sizeof(needle), "\"%s\": ", key);
	p = text ? strstr(text, needle) : NULL;
	if (p)
		v = strtoll(p + strlen(needle), NULL, 10);
	free(text);
	return v;
}

/* CPU time @pid has used, user and system, all its threads, in ns; -1 if unknown. */
double bench_cpu_ns(pid_t pid)
{
	char path[64], *text = NULL, *p;
	unsigned long long utime, stime;
	double ns = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	text = bench_read_file(path, NULL);
	/* After the ')' that ends comm, which may hold spaces: fields 3 (state) to 15. */
	p = text ? strrchr(text, ')') : NULL;
	if (p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			&utime, &stime) == 2)
		ns = (utime + stime) * 1e9 / sysconf(_SC_CLK_TCK);
	free(text);
	return ns;
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

/* A row of a cost per call against a baseline's: "N ns", "@baseline N ns", the ratio. */
int bench_ns_row(const char *measurement, double ns, const char *baseline, double base_ns)
{
	char value[32], base[128], ratio[16];

	snprintf(value, sizeof(value), "%.0f ns", ns);
	snprintf(base, sizeof(base), "%s %.0f ns", baseline, base_ns);
	snprintf(ratio, sizeof(ratio), "%.2fx", ns / base_ns);
	return bench_row(measurement, value, base, ratio);
}
