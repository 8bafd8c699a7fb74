// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cellrun [options] -- CMD [ARGS...]
 *
 * Order of work, each step a precondition of the next:
 *   1. parse and validate every option (nothing is created on bad input);
 *   2. create the cell cgroup;
 *   3. load the monitor and register the cell: fail closed, no monitor no run;
 *   4. start CMD directly inside the cell;
 *   5. supervise: events, CMD's exit, timeout, signals to cellrun;
 *   6. kill whatever is left in the cell, remove it, report how the run ended.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cellrun.h"
#include "cgroup.h"
#include "monitor.h"
#include "output.h"
#include "rules.h"

#ifndef CW_DEFAULT_RULES
#define CW_DEFAULT_RULES "/etc/cellwatch/default.json"
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define DEFAULT_TIMEOUT_MS 10000

struct run {
	struct cellrun_opts opts;
	struct cell cell;
	struct cw_ruleset rules;
	struct cw_monitor *mon;
	int log_fd;
	pid_t pid;
	int pidfd;
	/* The first kernel kill aimed at the command itself, and any at all. */
	const struct cw_rule *kill_rule;
	const struct cw_rule *cmd_kill_rule;
	__u64 log_errors;
	__u64 lost_reported;
	bool timed_out;
	int fatal_signal;		/* a signal that made cellrun end the run */
};

noreturn void die(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	fprintf(stderr, "cellrun: ");
	va_start(ap, fmt);
	errno = saved;
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(CELLRUN_EXIT_LAUNCHER);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: cellrun [options] -- CMD [ARGS...]\n"
"\n"
"Run CMD in a fresh cell (its own cgroup) watched from the kernel by an\n"
"embedded cellwatch monitor.  Rules with action \"kill\" kill the offending\n"
"process in the kernel before it runs; alerts are printed on stderr.\n"
"\n"
"  -r, --rules FILE     rule file (default %s)\n"
"  -l, --log FILE       append every event as an ECS JSON line to FILE\n"
"  -t, --timeout SECS   kill the whole cell after SECS seconds (default %u; 0: none)\n"
"      --no-monitor     run without the monitor (no events, no kernel rules)\n"
"  -v, --verbose        show libbpf's messages\n"
"  -h, --help           this text\n"
"\n"
"Exit status: CMD's status, 128+N when CMD was killed by signal N, or\n"
"  %d monitor unavailable (refused to run), %d timeout, %d launcher error,\n"
"  %d CMD not executable, %d CMD not found.\n"
"\n"
"Example: cellrun --log run.json -- python3 analyse.py data.csv\n",
		CW_DEFAULT_RULES, DEFAULT_TIMEOUT_MS / 1000, CELLRUN_EXIT_NO_MONITOR,
		CELLRUN_EXIT_TIMEOUT, CELLRUN_EXIT_LAUNCHER, CELLRUN_EXIT_CANNOT_EXEC,
		CELLRUN_EXIT_NOT_FOUND);
}

static void parse_opts(struct cellrun_opts *o, int argc, char **argv)
{
	enum { OPT_NO_MONITOR = 256 };
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "no-monitor", no_argument, NULL, OPT_NO_MONITOR },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char *end;
	double secs;
	int opt;

	o->rules_path = CW_DEFAULT_RULES;
	o->timeout_ms = DEFAULT_TIMEOUT_MS;
	while ((opt = getopt_long(argc, argv, "+r:l:t:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			o->rules_path = optarg;
			break;
		case 'l':
			o->log_path = optarg;
			break;
		case 't':
			errno = 0;
			secs = strtod(optarg, &end);
			if (errno || *end || end == optarg || secs < 0 || secs > 86400)
				die("--timeout: '%s' is not a number of seconds in [0, 86400]",
				    optarg);
			o->timeout_ms = secs * 1000;
			break;
		case OPT_NO_MONITOR:
			o->no_monitor = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(CELLRUN_EXIT_LAUNCHER);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		die("no command given");
	}
	o->argv = argv + optind;
}

static void log_doc(struct run *r, json_t *doc)
{
	if (r->log_fd >= 0 && (!doc || cw_write_json_line(r->log_fd, doc)))
		r->log_errors++;
	json_decref(doc);
}

static void on_event(void *ctx, const struct cw_event *ev)
{
	struct run *r = ctx;
	char line[512];

	if (r->log_fd >= 0)
		log_doc(r, cw_event_to_ecs(ev));
	if (!ev->rule)
		return;
	cw_format_alert(ev, line, sizeof(line));
	fprintf(stderr, "cellrun: ALERT %s\n", line);
	if (ev->hdr.action == CW_ACTION_KILL) {
		if (!r->kill_rule)
			r->kill_rule = ev->rule;
		if (ev->hdr.pid == (__u32)r->pid && !r->cmd_kill_rule)
			r->cmd_kill_rule = ev->rule;
	}
}

static void report_loss(struct run *r)
{
	struct cw_stats st;

	if (!r->mon || cw_monitor_stats(r->mon, &st) || st.drops == r->lost_reported)
		return;
	fprintf(stderr, "cellrun: %llu events lost (ring buffer full)\n",
		(unsigned long long)(st.drops - r->lost_reported));
	if (r->log_fd >= 0)
		log_doc(r, cw_loss_to_ecs(cw_realtime_ns(), st.drops - r->lost_reported,
					  st.drops));
	r->lost_reported = st.drops;
}

static int start_monitor(struct run *r)
{
	struct cw_monitor_opts mo = {
		.cell_level = r->cell.level,
		.rules = &r->rules,
		.on_event = on_event,
		.ctx = r,
		.verbose = r->opts.verbose,
	};
	char err[512];
	__u64 id;
	int ret;

	if (cw_rules_load(&r->rules, r->opts.rules_path, err, sizeof(err))) {
		fprintf(stderr, "cellrun: %s\n", err);
		return -EINVAL;
	}
	ret = cw_monitor_open(&r->mon, &mo, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "cellrun: monitor: %s\n", err);
		return ret;
	}
	ret = cw_monitor_add_cell(r->mon, r->cell.dir_fd, &id);
	if (ret)
		fprintf(stderr, "cellrun: monitor: watch %s: %s\n", r->cell.path, strerror(-ret));
	return ret;
}

static int add_fd(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int make_timer(unsigned int ms)
{
	struct itimerspec its = {
		.it_value = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	if (fd >= 0 && timerfd_settime(fd, 0, &its, NULL)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait for CMD to exit, handling events, the timeout and signals meanwhile. */
static int supervise(struct run *r, int sig_fd, siginfo_t *info)
{
	int ep, timer_fd = -1, mon_fd = r->mon ? cw_monitor_fd(r->mon) : -1, ret = 0;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	if (r->opts.timeout_ms) {
		timer_fd = make_timer(r->opts.timeout_ms);
		if (timer_fd < 0 || add_fd(ep, timer_fd)) {
			ret = -errno;
			goto out;
		}
	}
	if (add_fd(ep, r->pidfd) || add_fd(ep, sig_fd) || (mon_fd >= 0 && add_fd(ep, mon_fd))) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		struct epoll_event evs[4];
		int n = epoll_wait(ep, evs, 4, 1000);

		if (n < 0 && errno != EINTR) {
			ret = -errno;
			goto out;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == mon_fd) {
				cw_monitor_drain(r->mon);
			} else if (fd == timer_fd) {
				r->timed_out = true;
				cg2_kill(r->cell.dir_fd);
			} else if (fd == sig_fd) {
				struct signalfd_siginfo si;

				if (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
					r->fatal_signal = si.ssi_signo;
					cg2_kill(r->cell.dir_fd);
				}
			} else if (fd == r->pidfd) {
				memset(info, 0, sizeof(*info));
				if (waitid(P_PIDFD, r->pidfd, info, WEXITED) < 0)
					ret = -errno;
				goto out;
			}
		}
		report_loss(r);
	}
out:
	if (timer_fd >= 0)
		close(timer_fd);
	close(ep);
	return ret;
}

static int exit_status(struct run *r, const siginfo_t *info)
{
	if (r->timed_out) {
		fprintf(stderr, "cellrun: timeout after %u ms: cell killed\n", r->opts.timeout_ms);
		return CELLRUN_EXIT_TIMEOUT;
	}
	if (r->fatal_signal) {
		fprintf(stderr, "cellrun: %s: cell killed\n", strsignal(r->fatal_signal));
		return 128 + r->fatal_signal;
	}
	if (info->si_code == CLD_EXITED) {
		if (r->kill_rule)
			fprintf(stderr, "cellrun: rule '%s' killed a process of the run\n",
				r->kill_rule->name);
		return info->si_status;
	}
	if (r->cmd_kill_rule && info->si_status == SIGKILL)
		fprintf(stderr, "cellrun: killed by rule '%s' (layer: kernel)\n",
			r->cmd_kill_rule->name);
	else
		fprintf(stderr, "cellrun: command killed by signal %d (%s)\n", info->si_status,
			strsignal(info->si_status));
	return 128 + info->si_status;
}

static int block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

int main(int argc, char **argv)
{
	struct run r = { .log_fd = -1, .pid = -1, .pidfd = -1, .cell.dir_fd = -1 };
	int sig_fd, exec_errno, status = CELLRUN_EXIT_LAUNCHER, ret;
	siginfo_t info;

	parse_opts(&r.opts, argc, argv);
	if (r.opts.log_path) {
		r.log_fd = open(r.opts.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (r.log_fd < 0)
			die("open %s: %m", r.opts.log_path);
	}
	/* Signals become events of the loop, so every exit path cleans up. */
	sig_fd = block_signals();
	if (sig_fd < 0)
		die("signalfd: %m");

	ret = cell_create(&r.cell);
	if (ret) {
		errno = -ret;
		die("create cell cgroup: %m");
	}
	if (!r.opts.no_monitor && start_monitor(&r)) {
		fprintf(stderr, "cellrun: refusing to run without the monitor "
			"(--no-monitor to override)\n");
		status = CELLRUN_EXIT_NO_MONITOR;
		goto cleanup;
	}

	r.pid = spawn_in_cell(&r.cell, r.opts.argv, &r.pidfd, &exec_errno);
	if (r.pid < 0) {
		fprintf(stderr, "cellrun: start %s in cell: %s\n", r.opts.argv[0],
			strerror(-r.pid));
		goto cleanup;
	}
	if (exec_errno)
		fprintf(stderr, "cellrun: %s: %s\n", r.opts.argv[0], strerror(exec_errno));

	ret = supervise(&r, sig_fd, &info);
	if (ret) {
		errno = -ret;
		fprintf(stderr, "cellrun: supervise: %m\n");
		goto cleanup;
	}
	/* Every event of the run is in the ring by now: the command has exited. */
	if (r.mon)
		cw_monitor_drain(r.mon);
	status = exit_status(&r, &info);

cleanup:
	ret = cell_destroy(&r.cell);
	if (ret) {
		fprintf(stderr, "cellrun: remove cell %s: %s\n", r.cell.path, strerror(-ret));
		status = CELLRUN_EXIT_LAUNCHER;
	}
	if (r.mon) {
		cw_monitor_drain(r.mon);
		report_loss(&r);
	}
	if (r.log_errors)
		fprintf(stderr, "cellrun: %llu events could not be written to %s\n",
			(unsigned long long)r.log_errors, r.opts.log_path);
	cw_monitor_close(r.mon);
	cw_rules_free(&r.rules);
	if (r.pidfd >= 0)
		close(r.pidfd);
	if (r.log_fd >= 0)
		close(r.log_fd);
	return status;
}
