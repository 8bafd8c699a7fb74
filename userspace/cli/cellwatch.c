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

#include "buildconf.h"
#include "cgroup.h"
#include "daemon/daemon.h"
#include "daemon/keeper.h"
#include "log.h"
#include "ecs.h"
#include "notify.h"
#include "parse.h"
#include "session.h"
#include "tail.h"

#define MAX_CGROUPS 64

static volatile sig_atomic_t stop, reload, reopen;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else if (sig == SIGUSR1)
		reopen = 1;
	else
		stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: cellwatch watch --cgroup PATH [options]\n"
"       cellwatch daemon [options]      (cellwatch daemon --help)\n"
"       cellwatch tail [options]        (cellwatch tail --help)\n"
"       cellwatch rules check FILE\n"
"       cellwatch status [--json]\n"
"       cellwatch --version\n"
"\n"
"watch: load the BPF monitor and report what the processes in each given\n"
"cgroup (a cell) execute, open and connect to, as ECS JSON lines.  Runs until\n"
"SIGINT or SIGTERM.  Prints \"cellwatch: ready\" on stderr once attached (and\n"
"READY=1 to $NOTIFY_SOCKET, for a service manager).\n"
"\n"
"  -c, --cgroup PATH        cgroup v2 directory to watch as a cell (repeatable;\n"
"                           all at the same depth)\n"
CW_SESSION_USAGE
"                           (without --log: JSON lines on stdout)\n"
"      --deny-network       refuse, in the kernel, inet destinations but loopback\n"
"                           and raw sockets (each refusal is an alert)\n"
"      --generic-syscall-hook  one sys_exit program for every syscall instead of\n"
"                           per-syscall tracepoints (used anyway without tracefs)\n"
"  -h, --help               this text\n"
"\n"
"SIGHUP reloads the rule file: whole, or not at all when it has an error\n"
"(the rules in force stay); either way a rules-reload line is logged.\n"
"SIGUSR1 opens --log FILE again (after logrotate moved it).\n"
"\n"
"rules check: validate a rule file; errors name file:line:column and rule.\n"
"status: load the monitor and say which enforcement layers work on this host\n"
"(--json: as one JSON document).\n"
"\n"
"Example: cellwatch watch -c /sys/fs/cgroup/cellwatch/job1 -o /var/log/cellwatch/events.json\n");
}

/* An alert, on stderr too: watch is run by hand as often as by a service. */
static void say_alert(void *ctx, struct cw_record *rec)
{
	const struct cw_event *ev = rec->ev;
	char line[512];

	(void)ctx;
	if (!ev || (!ev->rule && ev->hdr.action == CW_ACTION_NONE))
		return;
	cw_format_alert(ev, line, sizeof(line));
	cw_warn("ALERT %s", line);
}

static const struct cw_session_hooks watch_hooks = { .record = say_alert };

struct watch_args {
	struct cw_session_opts so;
	const char *cgroups[MAX_CGROUPS];
	int ncg;
	__u32 net_policy;
};

/* 0, CW_ARGS_HELPED or the exit status (parse.h). */
static int parse_watch_args(struct watch_args *a, int argc, char **argv)
{
	enum { OPT_GENERIC = 0x2000, OPT_DENY_NET };
	static const struct option opts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "generic-syscall-hook", no_argument, NULL, OPT_GENERIC },
		{ "deny-network", no_argument, NULL, OPT_DENY_NET },
		{ "help", no_argument, NULL, 'h' },
		CW_SESSION_LONGOPTS,
		{},
	};
	int opt, taken;

	cw_session_opts_init(&a->so);
	while ((opt = getopt_long(argc, argv, "c:h" CW_SESSION_SHORTOPTS, opts, NULL)) != -1) {
		taken = cw_session_opt(&a->so, opt, optarg);
		if (taken < 0)
			return 2;
		if (taken)
			continue;
		switch (opt) {
		case 'c':
			if (a->ncg == MAX_CGROUPS) {
				cw_warn("at most %d cgroups", MAX_CGROUPS);
				return 2;
			}
			a->cgroups[a->ncg++] = optarg;
			break;
		case OPT_GENERIC:
			a->so.mon.generic_syscalls = true;
			break;
		case OPT_DENY_NET:
			a->net_policy = CW_NETPOL_DENY_EXTERNAL | CW_NETPOL_DENY_RAW;
			break;
		case 'h':
			usage(stdout);
			return CW_ARGS_HELPED;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!a->ncg || optind != argc) {
		cw_warn("watch needs --cgroup and takes no other argument");
		return 2;
	}
	a->so.to_stdout = !a->so.log_path;
	a->so.hooks = &watch_hooks;
	return 0;
}

/* The cells' common depth below the cgroup v2 root, or negative errno (said). */
static int cells_level(const struct watch_args *a)
{
	char root[PATH_MAX];
	int level = -1;

	if (cg2_mount_point(root, sizeof(root))) {
		cw_warn("no cgroup v2 hierarchy mounted");
		return -ENOENT;
	}
	for (int i = 0; i < a->ncg; i++) {
		char real[PATH_MAX];
		int l;

		if (!realpath(a->cgroups[i], real) || (l = cg2_level(root, real)) < 0) {
			cw_warn("%s: not a cgroup under %s", a->cgroups[i], root);
			return -EINVAL;
		}
		if (level >= 0 && l != level) {
			cw_warn("%s: depth %d, other cells have %d", a->cgroups[i], l, level);
			return -EINVAL;
		}
		level = l;
	}
	return level;
}

/* Every --cgroup, a cell of the default policy; their fds stay open in @fds. */
static int add_cells(struct cw_session *s, const struct watch_args *a, int *fds)
{
	for (int i = 0; i < a->ncg; i++) {
		__u64 id;
		int ret;

		fds[i] = open(a->cgroups[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fds[i] < 0) {
			cw_warn("open %s: %m", a->cgroups[i]);
			return -errno;
		}
		ret = cw_monitor_add_cell(s->mon, fds[i], s->policies[0].id, a->net_policy, &id);
		if (ret) {
			cw_warn("watch %s: %s", a->cgroups[i], strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int cmd_watch(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct watch_args a = {};
	struct cw_session *s;
	int cg_fds[MAX_CGROUPS], level, ret;
	char err[512];

	ret = parse_watch_args(&a, argc, argv);
	if (ret)
		return ret == CW_ARGS_HELPED ? 0 : ret;
	level = cells_level(&a);
	if (level < 0)
		return 1;
	a.so.mon.cell_level = level;
	if (cw_session_open(&s, &a.so, err, sizeof(err))) {
		cw_warn("%s", err);
		return 1;
	}
	for (int i = 0; i < MAX_CGROUPS; i++)
		cg_fds[i] = -1;
	ret = add_cells(s, &a, cg_fds) ? 1 : 0;
	if (ret)
		goto out;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	cw_session_say_backend(s);
	cw_say_ready();
	while (!stop) {
		int n = cw_monitor_poll(s->mon, CW_MONITOR_TICK_MS);

		if (reload) {
			reload = 0;
			cw_session_reload(s);
		}
		if (reopen) {
			reopen = 0;
			cw_session_reopen_log(s);
		}
		if (n < 0) {
			cw_warn("poll: %s", strerror(-n));
			ret = 1;
			goto out;
		}
		cw_session_report_loss(s, 0);
	}
	cw_notify("STOPPING=1");
	cw_session_finish(s, 0);
	cw_session_say_stats(s);
out:
	cw_session_close(s);
	for (int i = 0; i < a.ncg; i++) {
		if (cg_fds[i] >= 0)
			close(cg_fds[i]);
	}
	return ret;
}

/* The status as one JSON document, for scripts and fleet inventories. */
static int status_json(struct cw_monitor *m, const char *err)
{
	char hooks[256];
	const char *why = NULL;
	json_t *doc, *list;
	int ret;

	if (!m) {
		doc = json_pack("{s:s, s:s, s:s}", "version", CW_VERSION, "monitor", "unavailable",
				"error", err);
	} else {
		cw_monitor_cell_hooks(m, hooks, sizeof(hooks));
		list = json_array();
		for (char *h = strtok(hooks, " "); list && h; h = strtok(NULL, " "))
			json_array_append_new(list, json_string(h));
		doc = json_pack("{s:s, s:s, s:i, s:s, s:o, s:{s:b}}", "version", CW_VERSION,
				"monitor", "loaded", "programs", cw_monitor_attached(m),
				"syscalls", cw_monitor_backend(m), "cgroup_hooks", list,
				"lsm", "active", cw_monitor_lsm(m, &why));
		if (doc && why)
			cw_json_set(doc, "lsm.why", json_string(why));
	}
	ret = doc ? cw_write_json_line(STDOUT_FILENO, doc) : -ENOMEM;
	json_decref(doc);
	return ret ? 1 : (m ? 0 : 1);
}

/* Which enforcement layers this host offers, probed (loaded), not read from config. */
static int cmd_status(int argc, char **argv)
{
	bool json = argc == 2 && !strcmp(argv[1], "--json");
	struct cw_monitor_opts opts = {};
	struct cw_monitor *m = NULL;
	char err[512], hooks[256];
	const char *why;

	if (argc > 2 || (argc == 2 && !json)) {
		cw_warn("status takes --json or nothing");
		return 2;
	}
	/* Loading and probing takes seconds: say so to a person waiting. */
	if (isatty(STDERR_FILENO))
		cw_warn("loading the monitor to probe this host...");
	if (cw_monitor_open(&m, &opts, err, sizeof(err)))
		m = NULL;
	if (json) {
		int ret = status_json(m, err);

		cw_monitor_close(m);
		return ret;
	}
	if (!m) {
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
	if (argc >= 2 && !strcmp(argv[1], "status"))
		return cmd_status(argc - 1, argv + 1);
	if (argc >= 3 && !strcmp(argv[1], "rules") && !strcmp(argv[2], "check"))
		return cmd_rules_check(argc - 3, argv + 3);
	if (argc == 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
		printf("cellwatch %s\n", CW_VERSION);
		return 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
