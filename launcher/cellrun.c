// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cellrun [options] -- CMD [ARGS...]
 *
 * Order of work, each step a precondition of the next:
 *   1. parse and validate every option (nothing is created on bad input);
 *   2. create the cell cgroup and apply its limits;
 *   3. load the monitor and register the cell: fail closed, no monitor no run;
 *   4. start the cell (namespaces, root, privileges: see cellrun.h) and CMD in it;
 *   5. supervise: events, output, CMD's exit, timeout, signals to cellrun;
 *   6. kill whatever is left in the cell, remove it, report how the run ended.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buildconf.h"
#include "api.h"
#include "cellrun.h"
#include "cgroup.h"
#include "ecs.h"
#include "session.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* A stream of the payload passed on to ours, up to the cap. */
struct stream {
	int in_fd;
	int out_fd;
	__u64 bytes;
	bool truncated;
	const char *name;
};

/*
 * Alert lines on stderr, per rule: the first ALERT_LINES_PER_RULE are
 * printed, the rest counted, so a cell's flood cannot flood the terminal
 * or the job log that keeps cellrun's stderr (--log keeps every alert).
 * A daemon sends as many whole, and counts the rest for us.
 */
#define ALERT_LINES_PER_RULE	CW_API_ALERTS_WHOLE
#define MAX_ALERT_RULES		32

struct alert_tally {
	char rule[64];
	__u64 shown, hidden;
};

struct run {
	struct cellrun_opts opts;
	struct cell cell;
	struct cw_session *session;	/* the embedded monitor, without --daemon */
	struct spawn sp;
	struct stream out, err;
	struct run_report report;
	int log_fd;
	__u64 start_ns;
	/* The first kill by a rule at all, and the first that ended the payload itself. */
	char kill_rule[128];
	char cmd_kill_rule[128];
	char cmd_kill_layer[16];
	int daemon_fd;			/* --daemon: the registration's connection */
	char daemon_parent[512];	/* where that daemon takes cells ("": unsaid) */
	int output_fd;			/* --output: the directory (under the tmpfs) */
	struct stat output_owner;	/* its owner and group before the run */
	pid_t proxy;			/* --allow-host: the egress proxy */
	int proxy_stop;
	bool daemon_refused;		/* no ack: CELLRUN_EXIT_NO_ACK */
	bool daemon_ended;		/* the daemon reaped the cell: every alert is in */
	bool lost_critical;		/* records a rule may have judged were lost: run ended */
	__u64 log_errors;
	__u64 log_start;		/* --log's size when the run began: it appends */
	__u64 log_dropped;		/* lines not written: --log-max-bytes */
	bool timed_out;
	int fatal_signal;		/* a signal that made cellrun end the run */
	int tmp_fd;			/* the cell's /tmp, to see whether it was filled */
	struct alert_tally tally[MAX_ALERT_RULES];	/* the last one: every other rule */
	size_t ntally;
	struct bound bounds[MAX_BOUNDS];
	int nbounds;
	int bounds_unacked;		/* sent to the daemon, not yet logged by it */
	int sig_fd;			/* SIGINT, SIGTERM, SIGHUP, SIGQUIT as events */
	char step_error[PATH_MAX + 256];	/* why a host step failed, for the result */
};

/* The command line, or the message and exit status that go with its mistakes. */
static void parse_options(struct cellrun_opts *o, int argc, char **argv)
{
	char err[16384];
	int ret;

	ret = options_parse(o, argc, argv, err, sizeof(err));
	if (ret == OPTIONS_HELP) {
		options_usage(stdout);
		exit(0);
	}
	if (ret == OPTIONS_VERSION) {
		printf("cellrun %s\n", CW_VERSION);
		exit(0);
	}
	if (ret == OPTIONS_USAGE) {
		options_usage(stderr);
		if (!*err)
			exit(CELLRUN_EXIT_LAUNCHER);
	}
	if (ret)
		die("%s", err);
	if (options_check_dirs(o, err, sizeof(err))) {
		options_free(o);
		die("%s", err);
	}
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * One record's line to --log.  Past --log-max-bytes of this run (the proxy
 * writes there too: the file's size tells) only alerts are written, past
 * twice that nothing; each line left out is counted and said at the end.
 */
static void log_line(struct run *r, bool alert, const char *line, size_t len)
{
	__u64 cap = r->opts.log_max_bytes;
	struct stat st;

	if (r->log_fd < 0)
		return;
	if (!line) {
		r->log_errors++;
		return;
	}
	if (cap && !fstat(r->log_fd, &st) && (__u64)st.st_size >= r->log_start + cap &&
	    (!alert || (__u64)st.st_size >= r->log_start + 2 * cap)) {
		r->log_dropped++;
		return;
	}
	if (cw_write_line(r->log_fd, line, len))
		r->log_errors++;
}

/* The same for a record of cellrun's own; takes @doc. */
static void log_doc(struct run *r, json_t *doc)
{
	size_t len = 0;
	char *line = doc && r->log_fd >= 0 ? cw_json_line(doc, &len) : NULL;

	if (doc)
		log_line(r, cw_ecs_is_alert(doc), line, len);
	else if (r->log_fd >= 0)
		r->log_errors++;
	free(line);
	json_decref(doc);
}

static void stop_proxy(struct run *r);

static struct alert_tally *tally_of(struct run *r, const char *rule)
{
	rule = rule ?: "cell-policy";
	for (size_t i = 0; i < r->ntally; i++)
		if (!strcmp(r->tally[i].rule, rule))
			return &r->tally[i];
	if (r->ntally == MAX_ALERT_RULES)
		return &r->tally[MAX_ALERT_RULES - 1];
	snprintf(r->tally[r->ntally].rule, sizeof(r->tally[0].rule), "%s",
		 r->ntally == MAX_ALERT_RULES - 1 ? "other rules" : rule);
	return &r->tally[r->ntally++];
}

/* How many alert lines each rule had that stderr did not show. */
static void report_hidden_alerts(const struct run *r)
{
	for (size_t i = 0; i < r->ntally; i++)
		if (r->tally[i].hidden)
			cw_warn("ALERT %s: %llu more not shown%s",
				r->tally[i].rule, (unsigned long long)r->tally[i].hidden,
				r->log_fd >= 0 || r->opts.daemon ? " (all are in the log)" : "");
}

/* An alert of the run, from the embedded monitor or the daemon. */
static void note_alert(struct run *r, const char *line, const char *rule, const char *layer,
		       bool kill, bool ends_cmd)
{
	struct alert_tally *t = tally_of(r, rule);

	r->report.alerts++;
	if (t->shown < ALERT_LINES_PER_RULE) {
		cw_warn("ALERT %s", line);
		t->shown++;
	} else {
		t->hidden++;
	}
	if (!kill || !rule)
		return;
	if (!r->kill_rule[0])
		snprintf(r->kill_rule, sizeof(r->kill_rule), "%s", rule);
	if (ends_cmd && !r->cmd_kill_rule[0]) {
		snprintf(r->cmd_kill_rule, sizeof(r->cmd_kill_rule), "%s", rule);
		snprintf(r->cmd_kill_layer, sizeof(r->cmd_kill_layer), "%s", layer ?: "kernel");
	}
}

static void note_bound(struct run *r, const char *detail, const char *layer)
{
	char line[256];

	snprintf(line, sizeof(line), "%s: %s (layer: %s)", BOUND_RULE, detail ?: "-",
		 layer ?: "-");
	note_alert(r, line, BOUND_RULE, layer, false, false);
}

/* A record of the embedded monitor: to --log, and an event's alert to stderr. */
static void on_record(void *ctx, struct cw_record *rec)
{
	const struct cw_event *ev = rec->ev;
	struct run *r = ctx;
	__u32 action;
	char line[512];

	log_line(r, rec->alert, rec->line, rec->len);
	if (!ev)
		return;
	action = ev->hdr.action;
	if (!ev->rule && action == CW_ACTION_NONE)
		return;
	cw_format_alert(ev, line, sizeof(line));
	/* The payload is the only child of the cell's init; kill-run ends it too. */
	note_alert(r, line, ev->rule ? ev->rule->name : NULL, ev->layer,
		   action == CW_ACTION_KILL || action == CW_ACTION_KILL_RUN,
		   ev->hdr.ppid == (__u32)r->sp.pid || action == CW_ACTION_KILL_RUN);
}

/*
 * This cell lost @total records, @critical of them security-relevant (then
 * its run was ended); @said: the alert line is on stderr already.
 */
static void note_loss(struct run *r, __u64 total, __u64 critical, bool said)
{
	/* Counts only grow: a late or repeated report never lowers them. */
	if (total > r->report.events_lost)
		r->report.events_lost = total;
	if (critical > r->report.events_lost_critical)
		r->report.events_lost_critical = critical;
	if (critical && !r->lost_critical) {
		r->lost_critical = true;
		r->report.alerts++;
		if (!said)
			cw_warn("ALERT events-lost: %llu security-relevant records of "
				"this run were lost (ring buffer full): run ended",
				(unsigned long long)critical);
	}
}

/* "name:port" or "ip:port" of an ECS destination, in @buf. */
static const char *destination(json_t *dst, char *buf, size_t len)
{
	const char *host = json_string_value(json_object_get(dst, "domain"));
	json_int_t port = json_integer_value(json_object_get(dst, "port"));

	if (!host)
		host = json_string_value(json_object_get(dst, "ip"));
	snprintf(buf, len, "%s:%lld", host ?: "?", (long long)port);
	return buf;
}

/* An alert the daemon passed on: the same facts, from its ECS document. */
static void on_daemon_alert(struct run *r, json_t *doc)
{
	json_t *cw = json_object_get(doc, "cellwatch");
	const char *rule = json_string_value(json_object_get(json_object_get(doc, "rule"), "name"));
	const char *action = json_string_value(json_object_get(cw, "action")) ?: "alert";
	const char *layer = json_string_value(json_object_get(cw, "layer"));
	json_t *proc = json_object_get(doc, "process");
	json_int_t ppid = json_integer_value(json_object_get(json_object_get(proc, "parent"), "pid"));
	const char *what = json_string_value(json_object_get(proc, "executable"));
	json_t *event = json_object_get(doc, "event");
	const char *event_action = json_string_value(json_object_get(event, "action")) ?: "";
	char line[512], dest[300];

	if (!strcmp(event_action, BOUND_ACTION)) {
		/* Ours, logged: the daemon's echo is the acknowledgement. */
		r->bounds_unacked--;
		note_bound(r, json_string_value(json_object_get(event, "reason")), layer);
		return;
	}
	if (!strcmp(event_action, "events-lost")) {
		json_t *lost = json_object_get(cw, "lost");

		note_loss(r, json_integer_value(json_object_get(lost, "total")),
			  json_integer_value(json_object_get(lost, "critical")), false);
		return;
	}
	if (json_object_get(doc, "file"))
		what = json_string_value(json_object_get(json_object_get(doc, "file"), "path"));
	if (json_object_get(doc, "destination"))
		what = destination(json_object_get(doc, "destination"), dest, sizeof(dest));
	snprintf(line, sizeof(line), "%s: %s pid=%lld cell=%lld action=%s layer=%s",
		 rule ?: proc ? "cell-policy" : event_action, what ?: "-",
		 json_integer_value(json_object_get(proc, "pid")),
		 json_integer_value(json_object_get(json_object_get(cw, "cell"), "id")),
		 action, layer ?: "-");
	note_alert(r, line, rule, layer, !strcmp(action, "kill") || !strcmp(action, "kill-run"),
		   ppid == r->sp.pid || !strcmp(action, "kill-run"));
}

/* The daemon's count of alerts it did not send whole, by rule. */
static void note_untold_alerts(struct run *r, json_t *untold)
{
	const char *rule;
	json_t *n;

	json_object_foreach(untold, rule, n) {
		json_int_t count = json_integer_value(n);

		if (count <= 0)
			continue;
		tally_of(r, rule)->hidden += count;
		r->report.alerts += count;
	}
}

/* A message from the daemon: an alert of this run, a count of them, or the end of the cell. */
static void daemon_readable(struct run *r, int ep)
{
	json_t *doc;
	int ret = cw_api_recv(r->daemon_fd, &doc, 0);
	const char *reply;

	if (ret == -ETIMEDOUT || ret == -EBADMSG)
		return;
	if (ret || !doc) {
		/* Pinned in the kernel, the cell's kill and deny rules outlive the daemon. */
		cw_warn("lost the daemon: the kernel's rules stay in force; "
			"alerts of this run go to the daemon's log from its restart");
		if (ep >= 0)
			epoll_ctl(ep, EPOLL_CTL_DEL, r->daemon_fd, NULL);
		close(r->daemon_fd);
		r->daemon_fd = -1;
		return;
	}
	reply = json_string_value(json_object_get(doc, "reply"));
	if (reply && !strcmp(reply, "end")) {
		json_t *lost = json_object_get(doc, "events_lost");
		json_int_t bulk = json_integer_value(json_object_get(lost, "bulk"));
		json_int_t critical = json_integer_value(json_object_get(lost, "critical"));

		note_loss(r, bulk + critical, critical, false);
		r->daemon_ended = true;
	}
	else if (json_object_get(doc, "@timestamp"))
		on_daemon_alert(r, doc);
	else if (!strcmp(json_string_value(json_object_get(doc, "notice")) ?: "", "alerts"))
		note_untold_alerts(r, json_object_get(doc, "untold"));
	json_decref(doc);
}

/* The bounds the run reached, to the daemon, which logs them and echoes each back. */
static void send_bounds(struct run *r)
{
	for (int i = 0; i < r->nbounds && r->daemon_fd >= 0; i++) {
		json_t *doc = bound_to_ecs(&r->bounds[i], r->report.cell_id);
		json_t *msg = doc ? json_pack("{s:s, s:o}", "op", "event", "event", doc) : NULL;

		if (!msg || cw_api_send(r->daemon_fd, msg)) {
			cw_warn("the daemon was not told of the limit the run "
				"reached: %s", r->bounds[i].detail);
			note_bound(r, r->bounds[i].detail, r->bounds[i].layer);
		} else {
			r->bounds_unacked++;
		}
		json_decref(msg);
	}
}

/* The embedded monitor's run: the bounds go to the run's log. */
static void log_bounds(struct run *r)
{
	for (int i = 0; i < r->nbounds; i++) {
		if (r->log_fd >= 0)
			log_doc(r, bound_to_ecs(&r->bounds[i], r->report.cell_id));
		note_bound(r, r->bounds[i].detail, r->bounds[i].layer);
	}
}

/*
 * The payload is over: empty the cell, then let the daemon reap it, so
 * the alerts it still had for this run arrive before the verdict.  The
 * daemon reaps once it has read the rings past the cell's last record,
 * which a backlog of other cells' records can delay beyond an ack: the
 * wait is five times --daemon-timeout.
 */
static void daemon_finish(struct run *r)
{
	__u64 deadline;
	int empty;

	if (r->daemon_fd < 0)
		return;
	cg2_kill(r->cell.dir_fd);
	empty = cg2_wait_empty(r->cell.dir_fd, 5000);
	/* The proxy's last records go to the daemon before it reaps the cell. */
	stop_proxy(r);
	send_bounds(r);
	/* Unsent, the daemon still ends the cell on cgroup.events, only later. */
	if (!empty && r->daemon_fd >= 0 && !r->daemon_ended)
		daemon_say_empty(r->daemon_fd, r->report.cell_id);
	deadline = mono_ns() + 5ULL * r->opts.daemon_timeout_ms * 1000000;
	while (r->daemon_fd >= 0 && (!r->daemon_ended || r->bounds_unacked > 0)) {
		struct pollfd pfd = { .fd = r->daemon_fd, .events = POLLIN };

		if (mono_ns() > deadline) {
			cw_warn("the daemon did not confirm the end of the cell; "
				"its last alerts and losses may be missing here (not from its "
				"log)");
			r->report.daemon_unconfirmed = true;
			return;
		}
		if (poll(&pfd, 1, 100) > 0)
			daemon_readable(r, -1);
	}
}

/* The embedded monitor's loss report for the run's cell: counted, fatal when critical. */
static void on_cell_loss(void *ctx, __u64 cell_id, const struct cw_cell_loss *fresh,
			 const struct cw_cell_loss *total)
{
	struct run *r = ctx;

	(void)cell_id;
	if (!fresh->critical)
		cw_warn("%llu events lost (ring buffer full)", (unsigned long long)fresh->bulk);
	note_loss(r, total->bulk + total->critical, total->critical, true);
}

/*
 * The run's own losses, not the rings': the embedded monitor watches this
 * one cell.  A lost critical record ends the run (the kernel doomed the
 * cell; the monitor cgroup.kills it).
 */
static void report_loss(struct run *r)
{
	if (r->session && r->report.cell_id)
		cw_session_report_loss(r->session, r->report.cell_id);
}

static const struct cw_session_hooks run_hooks = {
	.record = on_record,
	.cell_loss = on_cell_loss,
};

static int load_monitor(struct run *r, char *err, size_t len)
{
	struct cw_session_opts so;

	cw_session_opts_init(&so);
	so.rules_path = r->opts.rules_path;
	so.mon.cell_level = r->cell.level;
	so.mon.verbose = r->opts.verbose;
	/*
	 * One run: the generic syscall hook.  Detaching ~50 per-syscall
	 * tracepoints waits for an RCU grace period each (measured: 2.5 s per
	 * run here), far more than the generic hook costs the host for the
	 * seconds a run lasts.  Long-lived monitors use the per-syscall ones.
	 */
	so.mon.generic_syscalls = true;
	so.hooks = &run_hooks;
	so.ctx = r;
	return cw_session_open(&r->session, &so, err, len);
}

/* --allow-host: the cell's listener arrives; serve it before the payload can connect. */
static int start_proxy(struct run *r)
{
	int fd = egress_recv_fd(r->sp.egress_fd);

	close(r->sp.egress_fd);
	r->sp.egress_fd = -1;
	if (fd < 0) {
		cw_warn("egress: no listener from the cell: %s", strerror(-fd));
		return fd;
	}
	r->proxy = egress_start(&r->opts, fd, r->log_fd, r->daemon_fd, r->report.cell_id,
				&r->proxy_stop);
	close(fd);
	if (r->proxy < 0) {
		cw_warn("egress proxy: %s", strerror(-r->proxy));
		return r->proxy;
	}
	return 0;
}

/* Stop the proxy once the cell is gone; its last records reach the log first. */
static void stop_proxy(struct run *r)
{
	if (r->proxy <= 0)
		return;
	close(r->proxy_stop);
	waitpid(r->proxy, NULL, 0);
	r->proxy = 0;
}

/* The cell is set up: watch it from here on, before the payload starts. */
static int watch_cell(void *ctx)
{
	struct run *r = ctx;
	char err[512];
	bool lsm;
	__u64 id;
	int ret;

	if (r->daemon_fd >= 0) {
		ret = daemon_register(r->daemon_fd, &r->opts, &r->cell, &r->report.cell_id, &lsm,
				      err, sizeof(err));
		if (ret) {
			cw_warn("%s: refusing to run", err);
			r->daemon_refused = true;
			return ret;
		}
		r->report.monitor = lsm ? "lsm+tracepoint" : "tracepoint";
		r->report.lsm_why = lsm ? NULL : "unavailable to the daemon";
		return 0;
	}
	if (!r->session)
		return 0;
	/* Defence in depth: the cell has no route out, and the kernel refuses one anyway. */
	ret = cw_monitor_add_cell(r->session->mon, r->cell.dir_fd, r->session->policies[0].id,
				  CW_NETPOL_DENY_EXTERNAL | CW_NETPOL_DENY_RAW, &id);
	if (ret)
		cw_warn("monitor: watch %s: %s", r->cell.path, strerror(-ret));
	else
		r->report.cell_id = id;
	return ret;
}

/*
 * The cell's /tmp, set up by now, held so that the run's end can tell
 * whether it was filled (the mount goes with the cell's namespace).  Not
 * worth refusing the run for: without it, a full /tmp goes unreported.
 */
static void open_cell_tmp(struct run *r)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/root/tmp", r->sp.pid);
	r->tmp_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->tmp_fd < 0)
		cw_warn("open the cell's /tmp: %m: a full /tmp will not be "
			"reported");
}

static int ready(void *ctx)
{
	struct run *r = ctx;
	int ret = watch_cell(r);

	open_cell_tmp(r);
	if (!ret && r->sp.egress_fd >= 0)
		ret = start_proxy(r);
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

/*
 * Pass what the payload wrote on, up to the cap; past it, count and
 * discard.  Returns false at EOF.
 */
static bool pump(struct stream *s, __u64 cap)
{
	char buf[65536];
	ssize_t n = read(s->in_fd, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	if (s->bytes < cap) {
		size_t keep = n < (ssize_t)(cap - s->bytes) ? (size_t)n : cap - s->bytes;

		for (size_t off = 0; off < keep;) {
			ssize_t w = write(s->out_fd, buf + off, keep - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += w;
		}
	}
	s->bytes += n;
	if (s->bytes > cap && !s->truncated) {
		s->truncated = true;
		cw_warn("%s truncated at %llu bytes", s->name,
			(unsigned long long)cap);
	}
	return true;
}

static void close_stream(int ep, struct stream *s)
{
	if (s->in_fd < 0)
		return;
	epoll_ctl(ep, EPOLL_CTL_DEL, s->in_fd, NULL);
	close(s->in_fd);
	s->in_fd = -1;
}

/* Wait for the cell's init to exit, handling events, output, the timeout and signals. */
static int supervise(struct run *r, int sig_fd)
{
	int ep, timer_fd = -1, mon_fd = r->session ? cw_monitor_fd(r->session->mon) : -1, ret = 0;
	int daemon_fd = r->daemon_fd;

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
	if (add_fd(ep, r->sp.pidfd) || add_fd(ep, sig_fd) || add_fd(ep, r->out.in_fd) ||
	    add_fd(ep, r->err.in_fd) || (mon_fd >= 0 && add_fd(ep, mon_fd)) ||
	    (daemon_fd >= 0 && add_fd(ep, daemon_fd))) {
		ret = -errno;
		goto out;
	}
	for (bool done = false; !done;) {
		struct epoll_event evs[8];
		int n = epoll_wait(ep, evs, 8, CW_MONITOR_TICK_MS);

		if (n < 0 && errno != EINTR) {
			ret = -errno;
			goto out;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == mon_fd) {
				continue;	/* read below, on every turn */
			} else if (fd == daemon_fd && daemon_fd == r->daemon_fd) {
				daemon_readable(r, ep);
			} else if (fd == r->out.in_fd || fd == r->err.in_fd) {
				struct stream *s = fd == r->out.in_fd ? &r->out : &r->err;

				if (!pump(s, r->opts.output_cap))
					close_stream(ep, s);
			} else if (fd == timer_fd) {
				r->timed_out = true;
				cg2_kill(r->cell.dir_fd);
			} else if (fd == sig_fd) {
				struct signalfd_siginfo si;

				if (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
					r->fatal_signal = si.ssi_signo;
					cg2_kill(r->cell.dir_fd);
				}
			} else if (fd == r->sp.pidfd) {
				done = true;
			}
		}
		/* Every turn, a tick at least: the bulk ring wakes nobody for a few records. */
		if (r->session)
			cw_monitor_drain(r->session->mon);
		report_loss(r);
	}
	/* Init is gone and took the cell's processes with it: the pipes hold the rest. */
	while (r->out.in_fd >= 0 && pump(&r->out, r->opts.output_cap))
		;
	while (r->err.in_fd >= 0 && pump(&r->err, r->opts.output_cap))
		;
	close_stream(ep, &r->out);
	close_stream(ep, &r->err);
out:
	if (timer_fd >= 0)
		close(timer_fd);
	close(ep);
	return ret;
}

/* The payload's wait status, from init; or init's own when init did not report. */
static int payload_status(struct run *r)
{
	siginfo_t info = {};
	int status;

	if (waitid(P_PIDFD, r->sp.pidfd, &info, WEXITED) < 0)
		return -1;
	if (read(r->sp.status_fd, &status, sizeof(status)) == sizeof(status))
		return status;
	if (info.si_code == CLD_EXITED)
		return W_EXITCODE(info.si_status, 0);
	return info.si_status & 0x7f;	/* killed: a signal number as a wait status */
}

static int conclude(struct run *r, int status)
{
	struct run_report *rep = &r->report;

	rep->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	rep->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	/*
	 * Whatever else happened (a timeout too), what the lost records showed was never
	 * judged: the run's verdict is unknown.  That comes first.
	 */
	if (r->lost_critical) {
		cw_warn("%llu security-relevant events of the run were lost: "
			"run ended", (unsigned long long)rep->events_lost_critical);
		rep->reason = "events_lost";
		rep->rule = "events-lost";
		rep->layer = "kernel";
		return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	if (r->timed_out) {
		cw_warn("timeout after %u ms: cell killed", r->opts.timeout_ms);
		rep->reason = "timeout";
		return CELLRUN_EXIT_TIMEOUT;
	}
	if (r->fatal_signal) {
		cw_warn("%s: cell killed", strsignal(r->fatal_signal));
		rep->reason = "launcher_error";
		rep->error = "cellrun was signalled";
		return 128 + r->fatal_signal;
	}
	if (limits_oom_kills(&r->cell) > 0) {
		cw_warn("out of memory: the kernel killed a process of the run");
		rep->reason = "oom";
		return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	if (WIFEXITED(status)) {
		if (r->kill_rule[0])
			cw_warn("rule '%s' killed a process of the run",
				r->kill_rule);
		rep->reason = "exited";
		return WEXITSTATUS(status);
	}
	if (r->cmd_kill_rule[0] && WTERMSIG(status) == SIGKILL) {
		cw_warn("killed by rule '%s' (layer: %s)",
			r->cmd_kill_rule, r->cmd_kill_layer);
		rep->reason = "killed_by_rule";
		rep->rule = r->cmd_kill_rule;
		rep->layer = r->cmd_kill_layer;
	} else {
		cw_warn("command killed by signal %d (%s)", WTERMSIG(status),
			strsignal(WTERMSIG(status)));
		rep->reason = "exited";
	}
	return 128 + WTERMSIG(status);
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

/*
 * The host's steps, in order, before the payload runs.  Each returns 0, or
 * the exit status its failure gives (CELLRUN_EXIT_*) with @err saying why;
 * whatever a step left behind, cellrun's one cleanup path undoes it.
 */
static int step_shells(struct run *r, char *err, size_t len)
{
	if (!shells_load_names(&r->opts))
		return 0;
	snprintf(err, len, "more than %d shell names to mask", MAX_SHELLS - 1);
	return CELLRUN_EXIT_LAUNCHER;
}

static int step_log(struct run *r, char *err, size_t len)
{
	struct stat st;

	if (!r->opts.log_path)
		return 0;
	r->log_fd = open(r->opts.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (r->log_fd < 0) {
		snprintf(err, len, "open %s: %s", r->opts.log_path, strerror(errno));
		return CELLRUN_EXIT_LAUNCHER;
	}
	r->log_start = fstat(r->log_fd, &st) ? 0 : st.st_size;
	return 0;
}

/* Signals become events of the loop, so every exit path cleans up. */
static int step_signals(struct run *r, char *err, size_t len)
{
	r->sig_fd = block_signals();
	if (r->sig_fd >= 0)
		return 0;
	snprintf(err, len, "signalfd: %s", strerror(errno));
	return CELLRUN_EXIT_LAUNCHER;
}

static int step_host_uid(struct run *r, char *err, size_t len)
{
	if (host_uid_range(&r->opts, err, len) || host_uid_claim(&r->opts, &r->cell, err, len))
		return CELLRUN_EXIT_LAUNCHER;
	return 0;
}

/* --output-size 0: the directory itself, live and unbounded, as asked. */
static int step_output(struct run *r, char *err, size_t len)
{
	if (!r->opts.output ||
	    !output_cover(&r->opts, r->cell.host_uid, &r->output_fd, &r->output_owner, err, len))
		return 0;
	return CELLRUN_EXIT_LAUNCHER;
}

/* --daemon: connected before the cell exists, which goes where the daemon takes cells. */
static int step_daemon(struct run *r, char *err, size_t len)
{
	char why[512];

	if (!r->opts.daemon)
		return 0;
	/* An absent daemon is found out at once. */
	r->daemon_fd = daemon_connect(&r->opts, r->daemon_parent, sizeof(r->daemon_parent),
				      why, sizeof(why));
	if (r->daemon_fd >= 0)
		return 0;
	snprintf(err, len, "%s: refusing to run (daemon unavailable)", why);
	return CELLRUN_EXIT_NO_ACK;
}

static int step_cgroup(struct run *r, char *err, size_t len)
{
	const char *parent = r->opts.cgroup_parent;

	if (!parent && r->daemon_parent[0])
		parent = r->daemon_parent;
	return cell_create(&r->cell, parent, err, len) ? CELLRUN_EXIT_LAUNCHER : 0;
}

static int step_limits(struct run *r, char *err, size_t len)
{
	struct run_report *rep = &r->report;

	if (limits_apply(&r->cell, &r->opts, err, len))
		return CELLRUN_EXIT_LAUNCHER;
	rep->v1 = r->cell.v1_memory[0] || r->cell.v1_pids[0] || r->cell.v1_cpu[0];
	rep->landlock_abi = landlock_abi_version();
	if (!rep->landlock_abi)
		cw_warn("Landlock unavailable in this kernel: not applied");
	return 0;
}

/* A monitor of cellrun's own, unless the daemon's (registered at spawn) or none. */
static int step_monitor(struct run *r, char *err, size_t len)
{
	struct run_report *rep = &r->report;
	char why[512];

	if (r->opts.daemon || r->opts.no_monitor)
		return 0;
	if (load_monitor(r, why, sizeof(why))) {
		snprintf(err, len, "%s: refusing to run without the monitor (--no-monitor to "
			 "override)", why);
		return CELLRUN_EXIT_NO_MONITOR;
	}
	rep->monitor = cw_monitor_lsm(r->session->mon, &rep->lsm_why) ? "lsm+tracepoint" : "tracepoint";
	if (!strcmp(rep->monitor, "lsm+tracepoint"))
		rep->lsm_why = NULL;
	return 0;
}

static int step_spawn(struct run *r, char *err, size_t len)
{
	int ret = spawn_cell(&r->cell, &r->opts, &r->sp, ready, r);

	r->out = (struct stream){ .in_fd = r->sp.out_fd, .out_fd = 1, .name = "stdout" };
	r->err = (struct stream){ .in_fd = r->sp.err_fd, .out_fd = 2, .name = "stderr" };
	if (!ret)
		return 0;
	if (r->daemon_refused) {
		snprintf(err, len, "no ack from the daemon");
		return CELLRUN_EXIT_NO_ACK;
	}
	/* The cell's init names its own failed step: "root: mkdir ...". */
	snprintf(err, len, "%s", r->sp.error);
	if (r->sp.exit_hint == CELLRUN_EXIT_NOT_FOUND ||
	    r->sp.exit_hint == CELLRUN_EXIT_CANNOT_EXEC)
		return r->sp.exit_hint;
	return CELLRUN_EXIT_LAUNCHER;
}

static const struct host_step {
	const char *name;	/* NULL: the step's message names what failed itself */
	int (*run)(struct run *r, char *err, size_t len);
} host_steps[] = {
	{ "shells", step_shells },	/* the names to mask in the cell's root */
	{ "log", step_log },
	{ "signals", step_signals },
	{ "uid", step_host_uid },	/* the cell's own host uid (hostuid.c) */
	{ "output", step_output },	/* /output's tmpfs, owned by that uid (outdir.c) */
	{ NULL, step_daemon },		/* --daemon's connection (register.c) */
	{ "cgroup", step_cgroup },	/* the cell (cell.c) */
	{ "limits", step_limits },	/* memory, pids, cpu (limits.c) */
	{ "monitor", step_monitor },	/* watched before it starts: here, or at spawn */
	{ NULL, step_spawn },		/* clone3 into the namespaces; init_steps (init.c) */
};

/* Run the host steps in order; the first that fails ends them, named. */
static int run_host_steps(struct run *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(host_steps); i++) {
		int status;

		r->step_error[0] = '\0';
		status = host_steps[i].run(r, r->step_error, sizeof(r->step_error));
		if (!status)
			continue;
		if (host_steps[i].name)
			cw_warn("%s: %s", host_steps[i].name, r->step_error);
		else
			cw_warn("%s", r->step_error);
		r->report.error = r->step_error;
		return status;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct run r = { .log_fd = -1, .cell.dir_fd = -1, .cell.uid_lock_fd = -1, .daemon_fd = -1,
			 .output_fd = -1, .tmp_fd = -1, .sig_fd = -1 };
	struct run_report *rep = &r.report;
	int status = CELLRUN_EXIT_LAUNCHER, ret;

	cw_log_program("cellrun");
	r.start_ns = mono_ns();
	rep->reason = "launcher_error";
	rep->exit_code = -1;
	rep->monitor = "none";
	parse_options(&r.opts, argc, argv);
	status = run_host_steps(&r);
	if (status)
		goto cleanup;
	status = CELLRUN_EXIT_LAUNCHER;
	ret = supervise(&r, r.sig_fd);
	if (ret) {
		cw_warn("supervise: %s", strerror(-ret));
		goto cleanup;
	}
	/* Every event of the run is in the ring by now: the cell's processes are gone. */
	if (r.session && r.report.cell_id)
		cw_session_finish(r.session, r.report.cell_id);
	r.nbounds = bounds_reached(&r.cell, &r.opts, &(struct run_ends){
		.timed_out = r.timed_out, .out_truncated = r.out.truncated,
		.err_truncated = r.err.truncated, .tmp_fd = r.tmp_fd,
		.output_tmpfs = r.output_fd >= 0 && r.opts.output_bytes ? r.opts.output : NULL,
	}, r.bounds);
	if (r.daemon_fd < 0)
		log_bounds(&r);
	daemon_finish(&r);
	report_hidden_alerts(&r);
	status = conclude(&r, payload_status(&r));

cleanup:
	stop_proxy(&r);
	rep->cpu_usec = limits_cpu_usec(&r.cell);
	rep->peak_memory = limits_peak_memory(&r.cell);
	ret = cell_destroy(&r.cell);
	if (ret) {
		cw_warn("remove cell %s: %s", r.cell.path, strerror(-ret));
		status = CELLRUN_EXIT_LAUNCHER;
	}
	ret = limits_remove(&r.cell);
	if (ret) {
		cw_warn("remove v1 limit cgroups: %s", strerror(-ret));
		status = CELLRUN_EXIT_LAUNCHER;
	}
	if (r.session && r.report.cell_id)
		cw_session_finish(r.session, r.report.cell_id);
	if (r.log_dropped)
		cw_warn("%llu events not written to %s: the run reached "
			"--log-max-bytes (%llu)", (unsigned long long)r.log_dropped,
			r.opts.log_path, (unsigned long long)r.opts.log_max_bytes);
	if (r.log_errors)
		cw_warn("%llu events could not be written to %s",
			(unsigned long long)r.log_errors, r.opts.log_path);
	if (r.output_fd >= 0) {
		char path[PATH_MAX];

		rep->left_out = json_array();
		ret = output_collect(&r.opts, r.cell.host_uid, r.output_fd, &r.output_owner, path,
				     rep->left_out);
		if (ret) {
			cw_warn("--output: copy %s: %s", path, strerror(-ret));
			rep->error = "the output could not be copied";
			status = CELLRUN_EXIT_LAUNCHER;
		}
		close(r.output_fd);
	}
	/* The cell is empty (cell_destroy()) and its output handed back: the uid is free. */
	host_uid_release(&r.cell);
	rep->status = status;
	rep->wall_ms = (mono_ns() - r.start_ns) / 1000000;
	rep->events_not_logged = r.log_dropped;
	rep->out_bytes = r.out.bytes;
	rep->err_bytes = r.err.bytes;
	rep->out_truncated = r.out.truncated;
	rep->err_truncated = r.err.truncated;
	if (r.opts.result_path && result_write(r.opts.result_path, rep, &r.cell, &r.opts)) {
		cw_warn("write %s: failed", r.opts.result_path);
		status = CELLRUN_EXIT_LAUNCHER;
	}
	json_decref(rep->left_out);
	cw_session_close(r.session);
	if (r.sp.pidfd > 0)
		close(r.sp.pidfd);
	if (r.sp.status_fd > 0)
		close(r.sp.status_fd);
	if (r.sp.sync_fd > 0)
		close(r.sp.sync_fd);
	if (r.log_fd >= 0)
		close(r.log_fd);
	if (r.daemon_fd >= 0)
		close(r.daemon_fd);
	if (r.sp.egress_fd >= 0)
		close(r.sp.egress_fd);
	if (r.tmp_fd >= 0)
		close(r.tmp_fd);
	if (r.sig_fd >= 0)
		close(r.sig_fd);
	options_free(&r.opts);
	return status;
}
