// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: event throughput and loss.  A payload in a cell watched by
 * cellrun's embedded monitor opens BENCH_GEN_PATH and BENCH_GEN_PATH2 in
 * turn at rising target rates
 * for a fixed time each, one run and one log file per rate; we count the
 * opens it made, the open events the log holds, and the records the
 * monitor counted as lost to a full ring buffer (the result's events_lost).
 * generated = logged + lost when nothing goes missing unaccounted.
 *
 * Usage: bench_events BUILD_DIR ROOTFS RULES [SECONDS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

struct level {
	long rate;		/* target opens per second; 0: as fast as the payload can */
	unsigned long long generated, logged, lost;
	double secs;
	bool ok;
};

/* An open event of one of the generator's paths. */
static bool gen_open(const char *line)
{
	return strstr(line, "\"action\":\"open\"") &&
	       (strstr(line, "\"file\":{\"path\":\"" BENCH_GEN_PATH "\"") ||
		strstr(line, "\"file\":{\"path\":\"" BENCH_GEN_PATH2 "\""));
}

static int run_level(const char *build, const char *rootfs, const char *rules, const char *dir,
		     const char *secs, struct level *l)
{
	char cellrun[4096], log[128], res[128], rate[32], out[512];
	int status;

	snprintf(cellrun, sizeof(cellrun), "%s/cellrun", build);
	snprintf(log, sizeof(log), "%s/events-%ld.json", dir, l->rate);
	snprintf(res, sizeof(res), "%s/result-%ld.json", dir, l->rate);
	snprintf(rate, sizeof(rate), "%ld", l->rate);
	status = bench_capture((char *[]){ cellrun, "--rules", (char *)rules, "--rootfs",
					   (char *)rootfs, "--log", log, "--result", res,
					   "--timeout", "120", "--", "/bin/payload", "gen", rate,
					   (char *)secs, NULL }, -1, out, sizeof(out), 150000);
	l->ok = status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status) &&
		sscanf(out, "generated %llu in %lf s", &l->generated, &l->secs) == 2;
	l->logged = bench_count_lines(log, gen_open);
	l->lost = bench_json_number(res, "events_lost");
	unlink(log);
	unlink(res);
	if (status < 0)
		fprintf(stderr, "bench_events: rate %ld: %s\n", l->rate, strerror(-status));
	else if (!l->ok)
		fprintf(stderr, "bench_events: rate %ld: status 0x%x, output: %s\n", l->rate, status,
			out);
	return l->ok ? 0 : -EIO;
}

static void rate_name(char *buf, size_t len, double rate)
{
	if (rate >= 1000)
		snprintf(buf, len, "%.0fk/s", rate / 1000);
	else
		snprintf(buf, len, "%.0f/s", rate);
}

int main(int argc, char **argv)
{
	struct level levels[] = { { .rate = 1000 }, { .rate = 10000 }, { .rate = 50000 },
				  { .rate = 100000 }, { .rate = 0 } };
	char dir[] = "/tmp/cw-bench-events-XXXXXX";
	const char *secs = argc > 4 ? argv[4] : "2";
	int ret = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_events BUILD_DIR ROOTFS RULES [SECONDS]\n");
		return 2;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_events: mkdtemp %s: %s\n", dir, strerror(errno));
		return 1;
	}
	printf("open events from one cell, embedded monitor, %s s per rate, one log file each\n\n",
	       secs);
	printf("%-8s %10s %10s %10s %10s %10s %8s %12s\n", "target", "generated", "rate/s",
	       "logged", "lost", "missing", "drop %", "logged/s");
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		struct level *l = &levels[i];
		char target[32], name[64], value[96], baseline[96], ratio[32];
		unsigned long long dropped;
		double drop;

		if (run_level(argv[1], argv[2], argv[3], dir, secs, l)) {
			ret = 1;
			continue;
		}
		if (l->rate)
			rate_name(target, sizeof(target), l->rate);
		else
			snprintf(target, sizeof(target), "max");
		dropped = l->logged < l->generated ? l->generated - l->logged : 0;
		drop = l->generated ? 100.0 * dropped / l->generated : 0;
		printf("%-8s %10llu %10.0f %10llu %10llu %10lld %7.2f%% %12.0f\n", target,
		       l->generated, l->generated / l->secs, l->logged, l->lost,
		       (long long)l->generated - (long long)l->logged - (long long)l->lost, drop,
		       l->logged / l->secs);
		snprintf(name, sizeof(name), "events: target %s", target);
		snprintf(value, sizeof(value), "%llu logged, %llu counted lost", l->logged, l->lost);
		rate_name(target, sizeof(target), l->generated / l->secs);
		snprintf(baseline, sizeof(baseline), "%llu generated (%s)", l->generated, target);
		snprintf(ratio, sizeof(ratio), "%.2f%% dropped", drop);
		bench_row(name, value, baseline, ratio);
	}
	printf("(missing: generated - logged - lost; 0 when every loss is counted)\n");
	if (bench_rmtree(dir))
		ret = 1;
	return ret;
}
