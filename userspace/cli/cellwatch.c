// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cellwatch: watch cells from the kernel.
 *
 *   cellwatch watch --cgroup PATH [--cgroup PATH ...] [--rules FILE] [--log FILE]
 *   cellwatch rules check FILE
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "daemon/daemon.h"
#include "daemon/keeper.h"
#include "log.h"
#include "logfile.h"
#include "monitor.h"
#include "parse.h"
#include "ecs.h"
#include "rules.h"
#include "tail.h"

#ifndef CW_DEFAULT_RULES
#define CW_DEFAULT_RULES "/etc/cellwatch/default.json"
#endif

#define MAX_CGROUPS 64

static volatile sig_atomic_t stop, reload;

struct watch {
	struct cw_logfile *log;		/* --log, or NULL: stdout */
	__u64 write_errors;
};

/* One event line, to the log file (rotated) or stdout. */
static int emit(struct watch *w, json_t *doc)
{
	if (!doc)
		return -ENOMEM;
	return w->log ? cw_logfile_write(w->log, doc) : cw_write_json_line(STDOUT_FILENO, doc);
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else
		stop = 1;
}

/* A line in the log for a rules reload, successful or not. */
static void log_reload(struct watch *w, const char *path, const char *error, size_t nrules)
{
	json_t *doc = cw_notice_to_ecs(cw_realtime_ns(), "rules-reload", "configuration",
				       "change");

	if (doc) {
		cw_json_set(doc, "event.outcome", json_string(error ? "failure" : "success"));
		cw_json_set(doc, "cellwatch.rules", json_string(path));
		cw_json_set(doc, "cellwatch.count", json_integer(nrules));
		if (error)
			cw_json_set(doc, "error.message", json_string(error));
	}
	if (emit(w, doc))
		w->write_errors++;
	json_decref(doc);
}

/*
 * SIGHUP: load the file again and swap it in whole.  A bad file changes
 * nothing: the rules in force stay, and the failure is logged.
 */
static void reload_rules(struct cw_monitor *m, struct watch *w, const char *path,
			 struct cw_ruleset **rules, __u32 *policy)
{
	struct cw_ruleset *next = calloc(1, sizeof(*next));
	char err[512];
	__u32 id;

	if (!next) {
		log_reload(w, path, "out of memory", 0);
		return;
	}
	if (cw_rules_load(next, path, err, sizeof(err)) ||
	    cw_monitor_replace_policy(m, *policy, next, &id, err, sizeof(err))) {
		cw_warn("reload refused, the rules in force stay: %s", err);
		log_reload(w, path, err, 0);
		cw_rules_free(next);
		free(next);
		return;
	}
	cw_warn("reloaded %s: %zu rules", path, next->nrules);
	log_reload(w, path, NULL, next->nrules);
	cw_rules_free(*rules);
	free(*rules);
	*rules = next;
	*policy = id;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: cellwatch watch --cgroup PATH [options]\n"
"       cellwatch daemon [options]      (cellwatch daemon --help)\n"
"       cellwatch tail [options]        (cellwatch tail --help)\n"
"       cellwatch rules check FILE\n"
"       cellwatch status\n"
"\n"
"watch: load the BPF monitor and report what the processes in each given\n"
"cgroup (a cell) execute, open and connect to, as ECS JSON lines.  Runs until\n"
"SIGINT or SIGTERM.  Prints \"cellwatch: ready\" on stderr once attached.\n"
"\n"
"  -c, --cgroup PATH     cgroup v2 directory to watch as a cell (repeatable;\n"
"                        all at the same depth)\n"
"  -r, --rules FILE      rule file (default %s)\n"
"  -o, --log FILE        append JSON lines to FILE (default: stdout)\n"
"      --log-max-bytes N rotate FILE before it passes N bytes (FILE.1 ... FILE.K)\n"
"      --log-keep K      rotated files kept (default 5)\n"
"      --fsync           fsync FILE after every line\n"
"  -b, --ringbuf BYTES   ring buffer size, a power of two up to 1G (default 8M);\n"
"                        sizes take K, M or G\n"
"      --critical-ringbuf BYTES  size of the ring of execs, verdicts and what\n"
"                        rules judge (default 2 MiB); a cell that loses one of\n"
"                        its records there is ended\n"
"      --deny-network    refuse, in the kernel, inet destinations but loopback\n"
"                        and raw sockets (each refusal is an alert)\n"
"      --generic-syscall-hook  one sys_exit program for every syscall instead of\n"
"                        per-syscall tracepoints (used anyway without tracefs)\n"
"  -v, --verbose         show libbpf's messages\n"
"  -h, --help            this text\n"
"\n"
"SIGHUP reloads the rule file: whole, or not at all when it has an error\n"
"(the rules in force stay); either way a rules-reload line is logged.\n"
"\n"
"rules check: validate a rule file; errors name file:line:column and rule.\n"
"status: load the monitor and say which enforcement layers work on this host.\n"
"\n"
"Example: cellwatch watch -c /sys/fs/cgroup/cellwatch/job1 -o /var/log/cellwatch.json\n",
		CW_DEFAULT_RULES);
}

static void on_event(void *ctx, const struct cw_event *ev)
{
	struct watch *w = ctx;
	json_t *doc = cw_event_to_ecs(ev);

	if (emit(w, doc))
		w->write_errors++;
	json_decref(doc);
	if (ev->rule || ev->hdr.action != CW_ACTION_NONE) {
		char line[512];

		cw_format_alert(ev, line, sizeof(line));
		cw_warn("ALERT %s", line);
	}
}

/* One cell's losses: a metric, or the alert of a run ended because of them. */
static void on_cell_loss(void *ctx, __u64 cell_id, const struct cw_cell_loss *fresh,
			 const struct cw_cell_loss *total)
{
	struct watch *w = ctx;
	json_t *doc = cw_cell_loss_to_ecs(cw_realtime_ns(), cell_id, fresh, total);

	if (emit(w, doc))
		w->write_errors++;
	json_decref(doc);
	if (fresh->critical && fresh->critical == total->critical)
		cw_warn("ALERT events-lost: cell %llu lost %llu security-relevant "
			"records: run ended", (unsigned long long)cell_id,
			(unsigned long long)total->critical);
}

static void report_loss(struct cw_monitor *m, struct watch *w)
{
	__u64 total, lost;
	json_t *doc;

	cw_monitor_cell_losses(m, 0, on_cell_loss, w);
	lost = cw_monitor_new_drops(m, &total);
	if (!lost)
		return;
	doc = cw_loss_to_ecs(cw_realtime_ns(), lost, total);
	if (emit(w, doc))
		w->write_errors++;
	json_decref(doc);
	cw_warn("%llu events lost (ring buffer full)",
		(unsigned long long)lost);
}

static int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "rules", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'o' },
		{ "ringbuf", required_argument, NULL, 'b' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "generic-syscall-hook", no_argument, NULL, 'G' },
		{ "deny-network", no_argument, NULL, 'D' },
		{ "log-max-bytes", required_argument, NULL, 'M' },
		{ "log-keep", required_argument, NULL, 'K' },
		{ "fsync", no_argument, NULL, 'F' },
		{ "critical-ringbuf", required_argument, NULL, 'C' },
		{},
	};
	struct cw_monitor_opts mopts = { .ringbuf_bytes = 0 };
	const char *cgroups[MAX_CGROUPS], *rules_path = CW_DEFAULT_RULES, *log_path = NULL;
	int ncg = 0, level = -1, cg_fds[MAX_CGROUPS], ret = 1, opt;
	struct cw_logfile_opts log_opts = { .keep = 5, .sole_writer = true };
	struct watch w = {};
	struct cw_monitor *m = NULL;
	struct cw_ruleset *rules;
	__u32 policy = 1;
	char root[PATH_MAX], err[512];
	struct sigaction sa = { .sa_handler = on_signal };
	struct cw_stats st;
	__u32 net_policy = 0;
	unsigned long long v;

	while ((opt = getopt_long(argc, argv, "c:r:o:b:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (ncg == MAX_CGROUPS) {
				cw_warn("at most %d cgroups", MAX_CGROUPS);
				return 2;
			}
			cgroups[ncg++] = optarg;
			break;
		case 'r':
			rules_path = optarg;
			break;
		case 'o':
			log_path = optarg;
			break;
		case 'b':
			if (!cw_opt_size("--ringbuf", optarg, CW_RINGBUF_MAX, &v))
				return 2;
			mopts.ringbuf_bytes = v;
			break;
		case 'C':
			if (!cw_opt_size("--critical-ringbuf", optarg, CW_RINGBUF_MAX, &v))
				return 2;
			mopts.critical_ringbuf_bytes = v;
			break;
		case 'v':
			mopts.verbose = true;
			break;
		case 'G':
			mopts.generic_syscalls = true;
			break;
		case 'D':
			net_policy = CW_NETPOL_DENY_EXTERNAL | CW_NETPOL_DENY_RAW;
			break;
		case 'M':
			if (!cw_opt_size("--log-max-bytes", optarg, SIZE_MAX, &v))
				return 2;
			log_opts.max_bytes = v;
			break;
		case 'K':
			if (!cw_opt_count("--log-keep", optarg, 1, CW_LOG_KEEP_MAX, &v))
				return 2;
			log_opts.keep = v;
			break;
		case 'F':
			log_opts.fsync = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!ncg || optind != argc) {
		cw_warn("watch needs --cgroup and takes no other argument");
		return 2;
	}
	if (cg2_mount_point(root, sizeof(root))) {
		cw_warn("no cgroup v2 hierarchy mounted");
		return 1;
	}
	/* Only now: an option refused above leaves nothing allocated behind. */
	rules = calloc(1, sizeof(*rules));
	for (int i = 0; i < MAX_CGROUPS; i++)
		cg_fds[i] = -1;
	for (int i = 0; i < ncg; i++) {
		char real[PATH_MAX];
		int l;

		if (!realpath(cgroups[i], real) || (l = cg2_level(root, real)) < 0) {
			cw_warn("%s: not a cgroup under %s", cgroups[i], root);
			goto out;
		}
		if (level >= 0 && l != level) {
			cw_warn("%s: depth %d, other cells have %d",
				cgroups[i], l, level);
			goto out;
		}
		level = l;
	}
	mopts.cell_level = level;

	if (!rules) {
		cw_warn("out of memory");
		goto out;
	}
	if (cw_rules_load(rules, rules_path, err, sizeof(err))) {
		cw_warn("%s", err);
		goto out;
	}
	if (log_path) {
		w.log = cw_logfile_open(log_path, &log_opts);
		if (!w.log) {
			cw_warn("open %s: %s", log_path, strerror(errno));
			goto out;
		}
	}
	mopts.rules = rules;
	mopts.on_event = on_event;
	mopts.ctx = &w;
	if (cw_monitor_open(&m, &mopts, err, sizeof(err))) {
		cw_warn("%s", err);
		goto out;
	}
	for (int i = 0; i < ncg; i++) {
		__u64 id;
		int e;

		cg_fds[i] = open(cgroups[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg_fds[i] < 0) {
			cw_warn("open %s: %s", cgroups[i], strerror(errno));
			goto out;
		}
		e = cw_monitor_add_cell(m, cg_fds[i], policy, net_policy, &id);
		if (e) {
			cw_warn("watch %s: %s", cgroups[i], strerror(-e));
			goto out;
		}
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	cw_warn("syscall hooks: %s", cw_monitor_backend(m));
	{
		const char *why;

		if (cw_monitor_lsm(m, &why))
			cw_warn("BPF-LSM: active (denies before the operation)");
		else
			cw_warn("BPF-LSM: unavailable (%s): tracepoint kills "
				"and cgroup hooks enforce", why);
	}
	cw_warn("ready");

	while (!stop) {
		int n = cw_monitor_poll(m, 200);

		if (reload) {
			reload = 0;
			reload_rules(m, &w, rules_path, &rules, &policy);
		}
		if (n < 0) {
			cw_warn("poll: %s", strerror(-n));
			goto out;
		}
		report_loss(m, &w);
	}
	cw_monitor_drain(m);
	report_loss(m, &w);
	if (!cw_monitor_stats(m, &st))
		cw_warn("%llu events, %llu repeats folded, %llu lost (%llu critical), %llu kills, "
			"%llu malformed, %llu unwritten", (unsigned long long)st.events,
			(unsigned long long)st.folded,
			(unsigned long long)st.drops, (unsigned long long)st.drops_critical,
			(unsigned long long)st.kills,
			(unsigned long long)st.decode_errors, (unsigned long long)w.write_errors);
	ret = 0;
out:
	cw_monitor_close(m);
	for (int i = 0; i < ncg; i++) {
		if (cg_fds[i] >= 0)
			close(cg_fds[i]);
	}
	cw_logfile_close(w.log);
	if (rules)
		cw_rules_free(rules);
	free(rules);
	return ret;
}

/* Which enforcement layers this host offers, probed (loaded), not read from config. */
static int cmd_status(void)
{
	struct cw_monitor_opts opts = {};
	struct cw_monitor *m;
	char err[512], hooks[256];
	const char *why;

	if (cw_monitor_open(&m, &opts, err, sizeof(err))) {
		printf("monitor:      unavailable (%s)\n", err);
		return 1;
	}
	printf("monitor:      loaded, %d programs attached\n", cw_monitor_attached(m));
	printf("syscalls:     %s\n", cw_monitor_backend(m));
	cw_monitor_cell_hooks(m, hooks, sizeof(hooks));
	printf("cgroup hooks: %s (attached to each cell)\n", hooks);
	if (cw_monitor_lsm(m, &why))
		printf("lsm:          active\n");
	else
		printf("lsm:          unavailable (%s)\n", why);
	cw_monitor_close(m);
	return 0;
}

static int cmd_rules_check(int argc, char **argv)
{
	struct cw_ruleset rules;
	char err[512];
	int ret = 0;

	if (argc < 1) {
		cw_warn("rules check needs FILE");
		return 2;
	}
	for (int i = 0; i < argc; i++) {
		if (cw_rules_load(&rules, argv[i], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			ret = 1;
			continue;
		}
		printf("%s: %zu rules OK\n", argv[i], rules.nrules);
		cw_rules_free(&rules);
	}
	return ret;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "watch"))
		return cmd_watch(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "daemon"))
		return cw_daemon_main(argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], "link-keeper"))
		return cw_keeper_main();
	if (argc >= 2 && !strcmp(argv[1], "tail"))
		return cw_tail_main(argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], "status"))
		return cmd_status();
	if (argc >= 3 && !strcmp(argv[1], "rules") && !strcmp(argv[2], "check"))
		return cmd_rules_check(argc - 3, argv + 3);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
