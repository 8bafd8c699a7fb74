// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: from an offending syscall in a cell to the process gone.
 * The payload (payload.c) stamps CLOCK_BOOTTIME into a page shared with us
 * right before the syscall and counts loop iterations after it returns;
 * we hold a pidfd of it and take the time when the pidfd says it exited.
 *
 *   self SIGKILL     kill(getpid(), SIGKILL): the floor of this measurement
 *   in-kernel kill   exec of /bin/sh, rules/default.json "shell-spawn"; and
 *                    setuid(0), "escape-syscall": like the open below, a
 *                    syscall that returns, but judged in the kernel
 *   userspace kill   open of a file the userspace rule engine alone judges
 *                    (tests/bench/userspace-kill.json)
 *
 * Usage: bench_kill BUILD_DIR ROOTFS DEFAULT_RULES USERSPACE_RULES [RUNS]
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

struct mode {
	const char *name, *arg, *rules, *rule;
	double *lat_us, *log_us;
	unsigned long long *after;
	int n, nlog, failed;
};

struct ctx {
	char cellrun[4096], rootfs[4096], dir[64], out[128], log[128], err[128];
	struct bench_shm *shm;
};

/* The children of every thread of @pid, as pids read from /proc (CONFIG_PROC_CHILDREN). */
static int children(pid_t pid, pid_t *kids, int max)
{
	char path[64], line[4096];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	while (d && (de = readdir(d)) && n < max) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(line, sizeof(line), "/proc/%d/task/%s/children", pid, de->d_name);
		f = fopen(line, "r");
		if (!f)
			continue;
		for (int kid; n < max && fscanf(f, "%d", &kid) == 1;)
			kids[n++] = kid;
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

/* The last (innermost) pid of the "NSpid:" line of /proc/@pid/status. */
static pid_t inner_pid(pid_t pid)
{
	char path[64], line[256];
	pid_t last = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		for (char *tok = strtok(line + 6, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
			last = atoi(tok);
		break;
	}
	if (f)
		fclose(f);
	return last;
}

/* cellrun -> the cell's init -> the payload: the grandchild whose pid in the cell is @inner. */
static pid_t find_payload(pid_t cellrun, pid_t inner)
{
	pid_t inits[16], kids[64];
	int ninit = children(cellrun, inits, 16);

	for (int i = 0; i < ninit; i++) {
		int nkid = children(inits[i], kids, 64);

		for (int k = 0; k < nkid; k++) {
			if (inner_pid(kids[k]) == inner)
				return kids[k];
		}
	}
	return -1;
}

/* "kill_latency_us":N of the alert of @rule in the run's log, or -1. */
static long logged_latency(const char *log, const char *rule)
{
	char *text = bench_read_file(log, NULL), needle[128], *line;
	long us = -1;

	snprintf(needle, sizeof(needle), "\"name\":\"%s\"", rule);
	for (line = text; line && *line;) {
		char *end = strchr(line, '\n'), *k;

		if (end)
			*end = '\0';
		k = strstr(line, "\"kill_latency_us\":");
		if (k && strstr(line, needle)) {
			us = strtol(k + strlen("\"kill_latency_us\":"), NULL, 10);
			break;
		}
		line = end ? end + 1 : NULL;
	}
	free(text);
	return us;
}

/* -ECHILD: cellrun ended (and was reaped) before its payload was ready. */
static int wait_ready(struct bench_shm *s, pid_t cellrun)
{
	for (int i = 0; i < 50000; i++) {
		if (__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
			return 0;
		if (waitpid(cellrun, NULL, WNOHANG) == cellrun)
			return -ECHILD;
		usleep(200);
	}
	return -ETIMEDOUT;
}

/* A failed run: what cellrun said on stderr. */
static void say_why(const struct ctx *c)
{
	char *text = bench_read_file(c->err, NULL);

	if (text && *text)
		fprintf(stderr, "bench_kill: cellrun said: %s", text);
	free(text);
}

/* One run: the offending syscall's time to the payload's end in µs, or a negative errno. */
static int run_once(struct ctx *c, struct mode *m)
{
	char arg_shm[] = BENCH_CELL_SHM;
	/*
	 * --output-size 0: the shared page's file is the host's while the payload
	 * runs.  --keep-shells: the stand-in /bin/sh is what the kill is timed on.
	 */
	char *argv[] = { c->cellrun, "--rootfs", c->rootfs, "--output", c->out,
			 "--output-size", "0", "--keep-shells", "--rules",
			 (char *)m->rules, "--log", c->log, "--timeout", "10", "--", "/bin/payload",
			 (char *)m->arg, arg_shm, NULL };
	int err_fd = open(c->err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), pidfd = -1, ret;
	struct pollfd pfd;
	pid_t cellrun, payload;
	uint64_t t1;

	memset(c->shm, 0, sizeof(*c->shm));
	unlink(c->log);
	cellrun = bench_spawn(argv, -1, err_fd);
	close(err_fd);
	if (cellrun < 0)
		return -errno;
	ret = wait_ready(c->shm, cellrun);
	if (ret)
		goto out;
	payload = find_payload(cellrun, c->shm->pid);
	pidfd = payload > 0 ? syscall(SYS_pidfd_open, payload, 0) : -1;
	if (pidfd < 0) {
		ret = -ESRCH;
		goto out;
	}
	__atomic_store_n(&c->shm->go, 1, __ATOMIC_RELEASE);
	pfd = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	if (poll(&pfd, 1, 5000) != 1) {
		ret = -ETIMEDOUT;
		goto out;
	}
	t1 = bench_ns(CLOCK_BOOTTIME);
	m->lat_us[m->n] = (t1 - __atomic_load_n(&c->shm->t0_ns, __ATOMIC_ACQUIRE)) / 1e3;
	m->after[m->n] = __atomic_load_n(&c->shm->after, __ATOMIC_ACQUIRE);
	m->n++;
out:
	if (pidfd >= 0)
		close(pidfd);
	if (ret != -ECHILD)
		bench_reap(cellrun, 15000);
	if (ret)
		say_why(c);
	if (!ret && m->rule) {
		long us = logged_latency(c->log, m->rule);

		if (us >= 0)
			m->log_us[m->nlog++] = us;
	}
	return ret;
}

static int setup(struct ctx *c, const char *build, const char *rootfs)
{
	char path[256];
	int fd;

	snprintf(c->cellrun, sizeof(c->cellrun), "%s/cellrun", build);
	snprintf(c->rootfs, sizeof(c->rootfs), "%s", rootfs);
	snprintf(c->dir, sizeof(c->dir), "/tmp/cw-bench-kill-XXXXXX");
	if (!mkdtemp(c->dir))
		return -errno;
	snprintf(c->out, sizeof(c->out), "%s/out", c->dir);
	snprintf(c->log, sizeof(c->log), "%s/log.json", c->dir);
	snprintf(c->err, sizeof(c->err), "%s/cellrun.err", c->dir);
	/* The payload runs as uid 65534: its output directory is its own. */
	if (mkdir(c->out, 0755) || chown(c->out, 65534, 65534))
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", c->out, BENCH_TRIGGER_NAME);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	snprintf(path, sizeof(path), "%s/%s", c->out, BENCH_SHM_NAME);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	/* Each cell runs as a host uid of its own, unknown here: the page is anyone's. */
	if (fd < 0 || ftruncate(fd, 4096) || fchown(fd, 65534, 65534) || fchmod(fd, 0666))
		return -errno;
	c->shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return c->shm == MAP_FAILED ? -errno : 0;
}

static double median(double *v, int n)
{
	return bench_percentile(v, n, 50);
}

static void human(char *buf, size_t len, double v)
{
	if (v >= 1e6)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.0fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
}

static void report(struct mode *m, int runs, const struct mode *base)
{
	char value[160], baseline[96] = "-", ratio[32] = "-", count[32];
	double it[runs], med, p95, max, it_med, log_med;
	int ran = 0;

	/* Iterations: over the runs that ran on at all. */
	for (int i = 0; i < m->n; i++) {
		if (m->after[i])
			it[ran++] = m->after[i];
	}
	med = median(m->lat_us, m->n);
	p95 = bench_percentile(m->lat_us, m->n, 95);
	max = bench_percentile(m->lat_us, m->n, 100);
	it_med = median(it, ran);
	log_med = median(m->log_us, m->nlog);

	printf("%-42s %5d/%-3d %9.0f %9.0f %9.0f  %2d/%-2d %12.0f",
	       m->name, m->n, runs, med, p95, max, ran, m->n, it_med);
	if (m->nlog)
		printf("   %.0f", log_med);
	printf("\n");
	if (!m->n) {
		bench_row(m->name, "every run failed", "-", "-");
		return;
	}
	snprintf(value, sizeof(value), "%.0f us (p95 %.0f), ran after: %d/%d", med, p95, ran,
		 m->n);
	if (ran) {
		human(count, sizeof(count), it_med);
		snprintf(value + strlen(value), sizeof(value) - strlen(value), " (%s iterations)",
			 count);
	}
	if (m->failed)
		snprintf(value + strlen(value), sizeof(value) - strlen(value), ", %d failed",
			 m->failed);
	/* Without a floor the others have nothing to be measured against: "-". */
	if (base == m) {
		snprintf(baseline, sizeof(baseline), "(the floor)");
		snprintf(ratio, sizeof(ratio), "1.00x");
	} else if (base->n) {
		double bmed = median(base->lat_us, base->n);

		snprintf(baseline, sizeof(baseline), "self SIGKILL %.0f us", bmed);
		snprintf(ratio, sizeof(ratio), "%.1fx", med / bmed);
	}
	bench_row(m->name, value, baseline, ratio);
	if (m->rule && m->nlog && !strcmp(m->arg, "kill-open")) {
		snprintf(value, sizeof(value), "%.0f us (event -> kill sent)", log_med);
		snprintf(baseline, sizeof(baseline), "syscall -> gone %.0f us", med);
		snprintf(ratio, sizeof(ratio), "%.2fx", log_med / med);
		bench_row("kill: userspace, as the log reports it", value, baseline, ratio);
	}
}

int main(int argc, char **argv)
{
	int runs = argc > 5 ? atoi(argv[5]) : 20, ret = 0;
	struct ctx c = {};

	if (argc < 5 || runs < 1) {
		fprintf(stderr,
			"usage: bench_kill BUILD_DIR ROOTFS DEFAULT_RULES USERSPACE_RULES [RUNS]\n");
		return 2;
	}
	const char *dflt = argv[3], *user = argv[4];
	struct mode modes[] = {
		{ .name = "kill: self SIGKILL", .arg = "kill-self", .rules = dflt },
		{ .name = "kill: in-kernel (exec of a shell)", .arg = "kill-exec", .rules = dflt,
		  .rule = "shell-spawn" },
		{ .name = "kill: in-kernel (setuid, escape-syscall)", .arg = "kill-setuid",
		  .rules = dflt, .rule = "escape-syscall" },
		{ .name = "kill: userspace (open, glob rule)", .arg = "kill-open", .rules = user,
		  .rule = "bench-userspace-kill" },
	};
	const int nmodes = sizeof(modes) / sizeof(modes[0]);

	ret = setup(&c, argv[1], argv[2]);
	if (ret) {
		fprintf(stderr, "bench_kill: setup %s: %s\n", c.dir, strerror(-ret));
		return 1;
	}
	for (int i = 0; i < nmodes; i++) {
		modes[i].lat_us = calloc(runs, sizeof(double));
		modes[i].log_us = calloc(runs, sizeof(double));
		modes[i].after = calloc(runs, sizeof(unsigned long long));
	}
	/* Interleaved, so that a burst of load on the machine spreads over every mode. */
	for (int r = 0; r < runs; r++) {
		for (int i = 0; i < nmodes; i++) {
			int err = run_once(&c, &modes[i]);

			if (err) {
				modes[i].failed++;
				fprintf(stderr, "bench_kill: %s run %d: %s\n", modes[i].name, r,
					strerror(-err));
			}
		}
	}
	printf("time from the offending syscall in a cell to the process gone (pidfd), %d runs each\n\n",
	       runs);
	printf("%-42s %9s %9s %9s %9s  %5s %12s   %s\n", "", "runs", "median us", "p95 us",
	       "max us", "after", "iterations", "log kill_latency_us");
	for (int i = 0; i < nmodes; i++)
		report(&modes[i], runs, &modes[0]);
	for (int i = 0; i < nmodes; i++) {
		ret |= modes[i].n == 0;
		free(modes[i].lat_us);
		free(modes[i].log_us);
		free(modes[i].after);
	}
	munmap(c.shm, 4096);
	if (bench_rmtree(c.dir))
		ret = 1;
	return ret;
}
