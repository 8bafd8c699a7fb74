// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: what the consumer, the daemon reading the rings, pays per
 * record for each of its outputs, and how many records a second reach it.
 * A daemon of our own writes to one output per round: /dev/null (--log
 * /dev/null, the baseline: decoding, rules and formatting, no sink), a log
 * file, syslog (RFC 5424 datagrams to a socket we read) and a `cellwatch
 * tail --json` client.  CELLS cells run the payload's generator at RATE
 * opens a second each (0: as fast as it can) for SECS seconds.  The rules
 * are rules/default.json plus ALERT_RULES, which makes each generated open
 * an alert: syslog carries alerts only, and alerts are never budgeted nor
 * folded in the kernel, so every output sees every record.
 *
 * The generators outrun the daemon: its critical ring is made large enough
 * (CRITICAL_RING) to hold what they make while it catches up, for a record
 * lost there would end the cell.  Each cellrun --daemon returns once the
 * daemon has read past its cell's last record, so the time from the cells'
 * start to the last one's end is the consumer's time for all of them.
 *
 * Per output: records delivered (counted where they land; for /dev/null,
 * generated less what the cells' results count as lost), records delivered
 * a second over that time, and the daemon's CPU time (user + system, from
 * /proc) per record delivered, whose inverse is what one CPU could log.
 *
 * Usage: bench_consumer BUILD_DIR ROOTFS RULES ALERT_RULES [SECS [RATE [CELLS]]]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <jansson.h>

#include "bench.h"

#define MAX_CELLS 8
#define RULE_NAME "bench-consumer-open"
#define CRITICAL_RING "512M"

enum sink { DEVNULL, LOGFILE, SYSLOG, TAIL, N_SINKS };

static const char *const sink_name[N_SINKS] = {
	[DEVNULL] = "/dev/null", [LOGFILE] = "log file", [SYSLOG] = "syslog", [TAIL] = "tail",
};

struct round {
	unsigned long long generated, delivered, lost;
	double secs;		/* from the cells' start to the last one's end */
	double daemon_ns;	/* the daemon's CPU time over the round */
	double client_ns;	/* tail's, for the tail round */
	int cells_failed;
	bool ok;
};

/* Counts records arriving on @fd, a datagram or a line each, until told to stop. */
struct counter {
	int fd;
	bool dgram;
	atomic_bool stop;
	atomic_ullong n;
	pthread_t thread;
};

static void *count_loop(void *arg)
{
	struct counter *c = arg;
	char buf[1 << 16];

	while (!atomic_load(&c->stop)) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = read(c->fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (c->dgram) {
			atomic_fetch_add(&c->n, 1);
			continue;
		}
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n')
				atomic_fetch_add(&c->n, 1);
	}
	return NULL;
}

/* Once the cells ended: what is still on its way lands within a moment; wait for quiet. */
static unsigned long long counter_settle(struct counter *c)
{
	unsigned long long last = ~0ull, now;

	for (int i = 0; i < 100 && (now = atomic_load(&c->n)) != last; i++) {
		last = now;
		usleep(300000);
	}
	atomic_store(&c->stop, true);
	pthread_join(c->thread, NULL);
	return atomic_load(&c->n);
}

/* rules/default.json's lists and rules, and @extra's rules after them, into @out. */
static int merge_rules(const char *base, const char *extra, const char *out)
{
	json_t *doc = json_load_file(base, 0, NULL), *more = json_load_file(extra, 0, NULL);
	json_t *rules = json_object_get(doc, "rules");
	int ret = -EINVAL;

	if (json_is_array(rules) && !json_array_extend(rules, json_object_get(more, "rules")))
		ret = json_dump_file(doc, out, JSON_INDENT(1)) ? -EIO : 0;
	json_decref(doc);
	json_decref(more);
	if (ret)
		fprintf(stderr, "bench_consumer: could not merge %s and %s\n", base, extra);
	return ret;
}

/* A line naming the bench's rule: an alert it raised. */
static bool bench_alert(const char *line)
{
	return strstr(line, "\"" RULE_NAME "\"") != NULL;
}

/* Alerts in the log file and in what it was rotated into (FILE.1 ... FILE.K), each removed. */
static unsigned long long log_alerts(const char *log)
{
	unsigned long long n = bench_count_lines(log, bench_alert);
	char path[300];

	unlink(log);
	for (int i = 1;; i++) {
		snprintf(path, sizeof(path), "%s.%d", log, i);
		if (access(path, F_OK))
			return n;
		n += bench_count_lines(path, bench_alert);
		unlink(path);
	}
}

/* What a cell's result counts as lost, both rings; 0 where it says nothing. */
static unsigned long long cell_lost(const char *result)
{
	long long events = bench_json_number(result, "events_lost");
	long long critical = bench_json_number(result, "events_lost_critical");

	return (events > 0 ? events : 0) + (critical > 0 ? critical : 0);
}

struct setup {
	const char *build, *rootfs, *rules, *dir, *secs, *rate;
	int cells;
};

/* The cells' generators, all at once; their totals into @r once every one ended. */
static void run_cells(const struct setup *s, const char *sock, struct round *r)
{
	char cellrun[4096], out[MAX_CELLS][256], res[MAX_CELLS][256];
	uint64_t t0 = bench_ns(CLOCK_MONOTONIC);
	pid_t pid[MAX_CELLS];

	snprintf(cellrun, sizeof(cellrun), "%s/cellrun", s->build);
	for (int i = 0; i < s->cells; i++) {
		int fd;

		snprintf(out[i], sizeof(out[i]), "%s/gen-%d.out", s->dir, i);
		snprintf(res[i], sizeof(res[i]), "%s/result-%d.json", s->dir, i);
		fd = open(out[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		pid[i] = bench_spawn((char *[]){ cellrun, "--daemon", (char *)sock, "--rootfs",
						 (char *)s->rootfs, "--result", res[i],
						 "--timeout", "120", "--", "/bin/payload", "gen",
						 (char *)s->rate, (char *)s->secs, NULL }, fd, -1);
		if (fd >= 0)
			close(fd);
	}
	for (int i = 0; i < s->cells; i++) {
		int status = pid[i] > 0 ? bench_reap(pid[i], 150000) : -ECHILD;
		char *text = bench_read_file(out[i], NULL);
		unsigned long long n = 0;
		double secs;

		if (status != 0 || !text ||
		    sscanf(text, "generated %llu in %lf s", &n, &secs) != 2) {
			fprintf(stderr, "bench_consumer: cell %d: status 0x%x, output: %s\n", i,
				status, text ? text : "");
			r->cells_failed++;
		}
		r->generated += n;
		r->lost += cell_lost(res[i]);
		free(text);
		unlink(out[i]);
		unlink(res[i]);
	}
	r->secs = (bench_ns(CLOCK_MONOTONIC) - t0) / 1e9;
}

/* A datagram socket at @path, a syslog daemon's /dev/log: its fd, or -errno. */
static int syslog_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), size = 8 << 20;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if (fd < 0)
		return -errno;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* A syslog daemon's deep queue (root may pass rmem_max); a datagram that finds it
	 * full is the daemon's counted write error, as with a real one. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* The daemon's options for @sink; the syslog socket or tail's pipe is @c's to read. */
static int start_sink(const struct setup *s, enum sink k, struct bench_daemon *d,
		      struct counter *c, pid_t *tail)
{
	char path[300], bin[4096];
	char *devnull[] = { "--critical-ringbuf", CRITICAL_RING, "--log", "/dev/null", NULL };
	char *file[] = { "--critical-ringbuf", CRITICAL_RING, "--log", d->log, NULL };
	char *syslog[] = { "--critical-ringbuf", CRITICAL_RING, "--syslog-socket", path,
			   "--syslog-format", "rfc5424", NULL };
	char *none[] = { "--critical-ringbuf", CRITICAL_RING, NULL };
	char *const *extra = k == DEVNULL ? devnull : k == LOGFILE ? file :
			     k == SYSLOG ? syslog : none;
	int p[2];

	snprintf(d->log, sizeof(d->log), "%s/consumer.json", s->dir);
	snprintf(path, sizeof(path), "%s/syslog.sock", s->dir);
	c->fd = -1;
	if (k == SYSLOG) {
		unlink(path);
		c->fd = syslog_socket(path);
		c->dgram = true;
		if (c->fd < 0)
			return c->fd;
	}
	if (bench_daemon_start_with(d, s->build, s->rules, s->dir, extra))
		return -EIO;
	if (k == TAIL) {
		snprintf(bin, sizeof(bin), "%s/cellwatch", s->build);
		if (pipe2(p, O_CLOEXEC))
			return -errno;
		*tail = bench_spawn((char *[]){ bin, "tail", "--socket", d->sock, "--json", NULL },
				    p[1], 2);
		close(p[1]);
		c->fd = p[0];
		usleep(300000);		/* subscribed before the first record */
	}
	if (c->fd >= 0 && pthread_create(&c->thread, NULL, count_loop, c))
		return -EAGAIN;
	return 0;
}

static void run_round(const struct setup *s, enum sink k, struct round *r)
{
	struct counter c = { .fd = -1 };
	struct bench_daemon d = {};
	double d0, t0 = 0;
	pid_t tail = 0;

	if (start_sink(s, k, &d, &c, &tail))
		goto out;
	d0 = bench_cpu_ns(d.pid);
	if (tail > 0)
		t0 = bench_cpu_ns(tail);
	run_cells(s, d.sock, r);
	if (c.fd >= 0)
		r->delivered = counter_settle(&c);
	else if (k == LOGFILE)
		r->delivered = log_alerts(d.log);
	else
		r->delivered = r->generated - r->lost;
	r->daemon_ns = bench_cpu_ns(d.pid) - d0;
	if (tail > 0)
		r->client_ns = bench_cpu_ns(tail) - t0;
	r->ok = r->delivered && r->secs > 0 && d0 >= 0;
out:
	if (tail > 0) {
		kill(tail, SIGTERM);
		bench_reap(tail, 5000);
	}
	bench_daemon_stop(&d);
	if (c.fd >= 0)
		close(c.fd);
	unlink(d.log);
}

static void rate_name(char *buf, size_t len, double rate)
{
	if (rate >= 1e6)
		snprintf(buf, len, "%.2f M/s", rate / 1e6);
	else
		snprintf(buf, len, "%.0fk/s", rate / 1000);
}

static void table_row(enum sink k, const struct round *r, const struct round *base)
{
	double us = r->daemon_ns / 1e3 / r->delivered, base_us;
	char name[96], value[128], baseline[96], ratio[32], rate[32], cap[32];

	rate_name(rate, sizeof(rate), r->delivered / r->secs);
	rate_name(cap, sizeof(cap), 1e6 / us);
	snprintf(name, sizeof(name), "consumer: daemon -> %s", sink_name[k]);
	snprintf(value, sizeof(value), "%.2f us CPU/record (%s a CPU), %s delivered", us, cap,
		 rate);
	if (k == DEVNULL) {
		/* The floor of every output: against the goal for records logged. */
		snprintf(baseline, sizeof(baseline), "goal 1 M/s logged");
		snprintf(ratio, sizeof(ratio), "%.2fx", 1e6 / us / 1e6);
	} else {
		base_us = base->daemon_ns / 1e3 / base->delivered;
		snprintf(baseline, sizeof(baseline), "/dev/null %.2f us/record", base_us);
		snprintf(ratio, sizeof(ratio), "%.2fx", us / base_us);
	}
	bench_row(name, value, baseline, ratio);
}

static void report(const struct setup *s, const struct round *r)
{
	printf("alerts from %d cells, the generator at %s opens/s each for %s s, one daemon "
	       "per output (critical ring %s)\n\n", s->cells,
	       strcmp(s->rate, "0") ? s->rate : "max", s->secs, CRITICAL_RING);
	printf("%-10s %10s %10s %10s %8s %10s %10s %12s %12s\n", "output", "generated", "lost",
	       "delivered", "deliv %", "rate/s", "daemon ms", "us/record", "a CPU: /s");
	for (int k = 0; k < N_SINKS; k++) {
		const struct round *x = &r[k];
		double us;

		if (!x->ok) {
			printf("%-10s  failed\n", sink_name[k]);
			continue;
		}
		us = x->daemon_ns / 1e3 / x->delivered;
		printf("%-10s %10llu %10llu %10llu %7.2f%% %10.0f %10.1f %12.2f %12.0f\n",
		       sink_name[k], x->generated, x->lost, x->delivered,
		       x->generated ? 100.0 * x->delivered / x->generated : 0,
		       x->delivered / x->secs, x->daemon_ns / 1e6, us, 1e6 / us);
		if (x->cells_failed)
			printf("%-10s  (%d cells did not end well)\n", "", x->cells_failed);
		if (k == TAIL)
			printf("%-10s  the tail client: %.2f us CPU/record\n", "",
			       x->client_ns / 1e3 / x->delivered);
		if (r[DEVNULL].ok)
			table_row(k, x, &r[DEVNULL]);
	}
	printf("(rate/s: delivered over the time from the cells' start to the last one's end; "
	       "us/record: the daemon's\n user+system CPU over the round per record delivered; "
	       "a CPU: its inverse)\ngoal: >= 1 M records/s logged\n");
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/cw-bench-consumer-XXXXXX", rules[300];
	struct round r[N_SINKS] = {};
	struct setup s = {
		.build = argc > 1 ? argv[1] : NULL, .rootfs = argc > 2 ? argv[2] : NULL,
		.secs = argc > 5 ? argv[5] : "2", .rate = argc > 6 ? argv[6] : "0",
		.cells = argc > 7 ? atoi(argv[7]) : 2, .rules = rules, .dir = dir,
	};
	int ret = 0;

	if (argc < 5 || s.cells < 1 || s.cells > MAX_CELLS) {
		fprintf(stderr, "usage: bench_consumer BUILD_DIR ROOTFS RULES ALERT_RULES "
				"[SECS [RATE [CELLS 1..%d]]]\n", MAX_CELLS);
		return 2;
	}
	if (!mkdtemp(dir) || chmod(dir, 0755)) {
		fprintf(stderr, "bench_consumer: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(rules, sizeof(rules), "%s/rules.json", dir);
	if (merge_rules(argv[3], argv[4], rules)) {
		bench_rmtree(dir);
		return 1;
	}
	for (int k = 0; k < N_SINKS; k++) {
		run_round(&s, k, &r[k]);
		ret |= !r[k].ok;
	}
	report(&s, r);
	if (bench_rmtree(dir))
		ret = 1;
	return ret;
}
