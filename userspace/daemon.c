// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The daemon's event loop, in one thread: the rings, the API socket and
 * its clients, each cell's cgroup.events (a cell is reaped when it
 * empties), signals and the metrics endpoint all wake one epoll.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.h"
#include "cgroup.h"
#include "daemon.h"
#include "files.h"
#include "keeper.h"
#include "log.h"
#include "logfile.h"
#include "prom.h"
#include "monitor.h"
#include "output.h"
#include "rules.h"
#include "syslog5424.h"

#define MAX_POLICIES	16
#define QUEUE_LEN	1024		/* messages a client may fall behind by */
#define MAX_LABELS	32
#define MAX_TEXT	128		/* run id, label keys and values, policy names */

enum source_kind { SRC_RINGS, SRC_LISTEN, SRC_SIGNAL, SRC_HTTP, SRC_CLIENT, SRC_CELL };

/* What an epoll wake-up is about: the first member of everything it points to. */
struct source {
	enum source_kind kind;
	int fd;
};

struct policy {
	char *name;
	char *path;
	struct cw_ruleset *rules;
	__u32 id;
};

struct client {
	struct source src;
	bool subscriber;
	__u64 cell;			/* the cell it registered, 0: none */
	/* Of that cell, for its cellrun's events after the cell was reaped. */
	char *run_id;
	json_t *labels;
	char *queue[QUEUE_LEN];		/* messages the socket could not take yet */
	unsigned int head, len;
	__u64 dropped;			/* not queued since the last notice */
	struct client *next;
};

struct cell {
	struct source src;		/* its cgroup.events, for "populated 0" */
	__u64 id;
	int cgroup_fd;
	char *path;
	char *run_id;
	char *policy;
	json_t *labels;
	struct client *owner;		/* the registering cellrun, while connected */
	bool emptied;			/* no task left: done once the rings pass @mark */
	bool told;			/* its owner has its end: the critical ring passed @mark */
	struct cw_ring_mark mark;
	struct cell *next;
};

struct daemon {
	/* options */
	const char *socket_path, *socket_group, *log_path, *syslog_path, *metrics_addr;
	const char *state_dir, *pin_dir;
	char parent[PATH_MAX];		/* cells are its children */
	struct cw_logfile_opts log_opts;
	bool to_stdout, to_syslog, verbose;
	size_t ringbuf_bytes, critical_ringbuf_bytes, backlog_len;
	struct policy policies[MAX_POLICIES];
	int npolicies;

	struct cw_monitor *mon;
	struct cw_logfile *log;
	struct cw_syslog *syslog;
	struct cw_metrics *metrics;
	struct cw_http *http;
	int ep;
	struct source rings, listen, signals, http_src;
	struct client *clients;
	struct cell *cells;
	char **backlog;			/* the last backlog_len event lines, a ring */
	size_t backlog_head, backlog_n;
	__u64 write_errors, subscriber_drops;
	int keeper_fd;			/* the link keeper, when links could not be pinned */
	pid_t keeper_pid;
	bool stop;
};

static int watch_fd(struct daemon *d, struct source *src, __u32 events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	return epoll_ctl(d->ep, EPOLL_CTL_ADD, src->fd, &ev) ? -errno : 0;
}

static struct policy *policy_by_name(struct daemon *d, const char *name)
{
	for (int i = 0; i < d->npolicies; i++) {
		if (!strcmp(d->policies[i].name, name))
			return &d->policies[i];
	}
	return NULL;
}

static struct cell *cell_by_id(struct daemon *d, __u64 id)
{
	for (struct cell *c = d->cells; c; c = c->next) {
		if (c->id == id)
			return c;
	}
	return NULL;
}

/* ---- clients ---- */

static int client_want_out(struct daemon *d, struct client *c, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c };

	return epoll_ctl(d->ep, EPOLL_CTL_MOD, c->src.fd, &ev);
}

static int send_text(int fd, const char *text)
{
	ssize_t n = send(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT);

	return n < 0 ? -errno : 0;
}

/* Send what waits, in order; false when the socket is full again. */
static bool client_flush(struct daemon *d, struct client *c)
{
	while (c->len) {
		if (send_text(c->src.fd, c->queue[c->head]))
			return false;
		free(c->queue[c->head]);
		c->head = (c->head + 1) % QUEUE_LEN;
		c->len--;
	}
	if (c->dropped) {
		char notice[96];

		snprintf(notice, sizeof(notice), "{\"notice\":\"dropped\",\"count\":%llu}",
			 (unsigned long long)c->dropped);
		if (send_text(c->src.fd, notice))
			return false;
		c->dropped = 0;
	}
	client_want_out(d, c, false);
	return true;
}

/*
 * Hand @text to a client: sent at once when the socket takes it, else
 * queued; past the queue it is counted, and the client told how many it
 * missed once it catches up.  Never blocks the daemon.
 */
static void client_send(struct daemon *d, struct client *c, const char *text)
{
	char *copy;

	if (!c->len && !c->dropped && !send_text(c->src.fd, text))
		return;
	if (c->len == QUEUE_LEN || !(copy = strdup(text))) {
		c->dropped++;
		d->subscriber_drops++;
		return;
	}
	c->queue[(c->head + c->len) % QUEUE_LEN] = copy;
	c->len++;
	client_want_out(d, c, true);
}

static void client_reply(struct daemon *d, struct client *c, json_t *doc)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

	if (text)
		client_send(d, c, text);
	free(text);
	json_decref(doc);
}

static void client_close(struct daemon *d, struct client *c)
{
	struct client **pp;

	for (pp = &d->clients; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	for (struct cell *cell = d->cells; cell; cell = cell->next) {
		if (cell->owner == c)
			cell->owner = NULL;
	}
	while (c->len) {
		free(c->queue[c->head]);
		c->head = (c->head + 1) % QUEUE_LEN;
		c->len--;
	}
	close(c->src.fd);
	free(c->run_id);
	json_decref(c->labels);
	free(c);
}

/* ---- outputs ---- */

static void backlog_push(struct daemon *d, const char *line)
{
	char *copy = strdup(line);
	size_t slot = (d->backlog_head + d->backlog_n) % d->backlog_len;

	if (!copy)
		return;
	if (d->backlog_n == d->backlog_len) {
		free(d->backlog[d->backlog_head]);
		d->backlog_head = (d->backlog_head + 1) % d->backlog_len;
		slot = (d->backlog_head + d->backlog_n - 1) % d->backlog_len;
	} else {
		d->backlog_n++;
	}
	d->backlog[slot] = copy;
}

static bool is_alert(json_t *doc)
{
	json_t *kind = json_object_get(json_object_get(doc, "event"), "kind");

	return json_is_string(kind) && !strcmp(json_string_value(kind), "alert");
}

/*
 * One record to every output: the log file (one whole line per write),
 * stdout, syslog for alerts, the backlog and the subscribers, and the
 * registering cellrun for its own cell's alerts.
 */
static void emit(struct daemon *d, json_t *doc, __u64 cell_id)
{
	bool alert = is_alert(doc);
	char *line;

	if (!doc) {
		d->write_errors++;
		return;
	}
	if (d->log && cw_logfile_write(d->log, doc))
		d->write_errors++;
	if (d->to_stdout && cw_write_json_line(STDOUT_FILENO, doc))
		d->write_errors++;
	if (d->syslog && alert && cw_syslog_send(d->syslog, cw_syslog_severity(doc), doc))
		d->write_errors++;
	line = json_dumps(doc, JSON_COMPACT);
	if (!line) {
		d->write_errors++;
		return;
	}
	backlog_push(d, line);
	for (struct client *c = d->clients; c; c = c->next) {
		if (c->subscriber || (alert && cell_id && c->cell == cell_id))
			client_send(d, c, line);
	}
	free(line);
}

/* A record about a cell: registered, adopted, ended. */
static void emit_cell_record(struct daemon *d, struct cell *c, const char *action,
			     const char *type)
{
	json_t *doc = cw_notice_to_ecs(cw_realtime_ns(), action, "session", type);

	if (doc) {
		cw_json_set(doc, "cellwatch.cell.id", json_integer(c->id));
		cw_json_set(doc, "cellwatch.cgroup", json_string(c->path));
		cw_json_set(doc, "cellwatch.policy", json_string(c->policy));
		if (c->run_id)
			cw_json_set(doc, "cellwatch.run_id", json_string(c->run_id));
		if (c->labels && json_object_size(c->labels))
			cw_json_set(doc, "labels", json_deep_copy(c->labels));
	}
	emit(d, doc, 0);
	json_decref(doc);
}

static void emit_notice(struct daemon *d, const char *action, const char *category,
			const char *type, const char *error)
{
	json_t *doc = cw_notice_to_ecs(cw_realtime_ns(), action, category, type);

	if (doc) {
		cw_json_set(doc, "event.outcome", json_string(error ? "failure" : "success"));
		if (error)
			cw_json_set(doc, "error.message", json_string(error));
	}
	emit(d, doc, 0);
	json_decref(doc);
}

static void on_event(void *ctx, const struct cw_event *ev)
{
	struct daemon *d = ctx;
	struct cell *c = cell_by_id(d, ev->hdr.cell_id);
	json_t *doc = cw_event_to_ecs(ev);

	if (doc && c) {
		if (c->run_id)
			cw_json_set(doc, "cellwatch.run_id", json_string(c->run_id));
		if (c->labels && json_object_size(c->labels))
			cw_json_set(doc, "labels", json_deep_copy(c->labels));
	}
	cw_metrics_event(d->metrics, cw_event_kind_name(ev->hdr.type));
	cw_metrics_eval(d->metrics, ev->eval_ns);
	if (ev->rule)
		cw_metrics_alert(d->metrics, ev->rule->name);
	if (ev->hdr.action == CW_ACTION_KILL || ev->hdr.action == CW_ACTION_KILL_RUN)
		cw_metrics_kill(d->metrics, ev->layer ? ev->layer : "kernel");
	emit(d, doc, ev->hdr.cell_id);
	json_decref(doc);
}

/*
 * One cell's losses, to every output and, when they ended its run (an
 * alert), to its cellrun at once; the end of the cell carries the totals.
 */
static void on_cell_loss(void *ctx, __u64 cell_id, const struct cw_cell_loss *fresh,
			 const struct cw_cell_loss *total)
{
	struct daemon *d = ctx;
	struct cell *c = cell_by_id(d, cell_id);
	json_t *doc = cw_cell_loss_to_ecs(cw_realtime_ns(), cell_id, fresh, total);

	if (doc && c) {
		if (c->run_id)
			cw_json_set(doc, "cellwatch.run_id", json_string(c->run_id));
		if (c->labels && json_object_size(c->labels))
			cw_json_set(doc, "labels", json_deep_copy(c->labels));
	}
	/* The first loss ends the run: said once. */
	if (fresh->critical && fresh->critical == total->critical) {
		cw_warn("cell %llu lost %llu security-relevant records: run ended",
			(unsigned long long)cell_id, (unsigned long long)total->critical);
		cw_metrics_kill(d->metrics, "kernel");
	}
	emit(d, doc, cell_id);
	json_decref(doc);
}

static void report_loss(struct daemon *d)
{
	__u64 total, lost;
	char path[PATH_MAX], text[32];
	json_t *doc;

	cw_monitor_cell_losses(d->mon, 0, on_cell_loss, d);
	lost = cw_monitor_new_drops(d->mon, &total);
	if (!lost)
		return;
	doc = cw_loss_to_ecs(cw_realtime_ns(), lost, total);
	emit(d, doc, 0);
	json_decref(doc);
	cw_warn("%llu events lost (ring buffer full)", (unsigned long long)lost);
	/* The counters are pinned: a restarted daemon must not report these again. */
	snprintf(path, sizeof(path), "%s/drops-reported", d->state_dir);
	snprintf(text, sizeof(text), "%llu\n", (unsigned long long)total);
	cw_write_file(path, text);
}

/* Losses a dead daemon reported already (the pinned counters go on counting). */
static void load_drops_reported(struct daemon *d)
{
	unsigned long long total;
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/drops-reported", d->state_dir);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fscanf(f, "%llu", &total) == 1)
		cw_monitor_drops_reported(d->mon, total);
	fclose(f);
}

/* ---- the link keeper ---- */

static void keeper_pidfile(struct daemon *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/keeper.pid", d->state_dir);
}

/* Hand a cell's hooks to the keeper when the kernel would not pin them. */
static void keeper_hold_cell(struct daemon *d, __u64 id)
{
	int fds[8], n = cw_monitor_unpinned_links(d->mon, id, fds, 8);

	if (n && d->keeper_fd >= 0 && cw_keeper_hold(d->keeper_fd, id, fds, n))
		cw_warn("cell %llu: the link keeper did not take its hooks: they end with this "
			"daemon", (unsigned long long)id);
}

/*
 * Where links cannot be pinned, a keeper holds them: a new one for this
 * daemon's links; the one an earlier daemon left (*@old_keeper) is ended
 * once this daemon's programs act (never before: no moment goes unwatched).
 */
static int arm_keeper(struct daemon *d, pid_t *old_keeper)
{
	int fds[512], n = cw_monitor_unpinned_links(d->mon, 0, fds, 512), ret;
	char path[PATH_MAX], buf[32];
	pid_t old;

	keeper_pidfile(d, path, sizeof(path));
	old = cw_keeper_of_pidfile(path);
	if (n) {
		d->keeper_fd = cw_keeper_start(&d->keeper_pid);
		if (d->keeper_fd < 0) {
			cw_warn("start the link keeper: %s", strerror(-d->keeper_fd));
			return d->keeper_fd;
		}
		ret = cw_keeper_hold(d->keeper_fd, 0, fds, n);
		for (struct cell *c = d->cells; c && !ret; c = c->next)
			keeper_hold_cell(d, c->id);
		snprintf(buf, sizeof(buf), "%d\n", d->keeper_pid);
		if (!ret)
			ret = cw_write_file(path, buf);
		if (ret) {
			cw_warn("the link keeper: %s", strerror(-ret));
			return ret;
		}
		cw_warn("the kernel does not pin tracing links here: link keeper %d holds them",
			d->keeper_pid);
	} else {
		unlink(path);
	}
	*old_keeper = old;
	return 0;
}

/* A clean stop with no cell left: nothing needs the kernel's rules any more. */
static void disarm_keeper(struct daemon *d)
{
	char path[PATH_MAX];

	if (d->keeper_pid <= 0)
		return;
	kill(d->keeper_pid, SIGTERM);
	waitpid(d->keeper_pid, NULL, 0);
	keeper_pidfile(d, path, sizeof(path));
	unlink(path);
}

/* ---- cells ---- */

static void state_path(struct daemon *d, __u64 id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/cells/%llu.json", d->state_dir, (unsigned long long)id);
}

/* What a restarted daemon needs to take the cell over: written whole (rename) before the ack. */
static int save_state(struct daemon *d, struct cell *c)
{
	json_t *doc = json_pack("{s:I, s:s, s:s, s:s?, s:O?}", "cell_id", (json_int_t)c->id,
				"cgroup", c->path, "policy", c->policy, "run_id", c->run_id,
				"labels", c->labels);
	char path[PATH_MAX], *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	int ret;

	json_decref(doc);
	if (!text)
		return -ENOMEM;
	state_path(d, c->id, path, sizeof(path));
	ret = cw_write_file(path, text);
	free(text);
	return ret;
}

static void free_cell(struct cell *c)
{
	if (c->src.fd >= 0)
		close(c->src.fd);
	if (c->cgroup_fd >= 0)
		close(c->cgroup_fd);
	free(c->path);
	free(c->run_id);
	free(c->policy);
	json_decref(c->labels);
	free(c);
}

/* 1 when the cgroup open at @events_fd (its cgroup.events) has processes, 0, or -errno. */
static int populated(int events_fd)
{
	char buf[256];
	ssize_t n = pread(events_fd, buf, sizeof(buf) - 1, 0);
	char *p;

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	p = strstr(buf, "populated ");
	return p ? p[10] == '1' : -EINVAL;
}

/* Watch @c: its hooks are in place; now follow its cgroup until it empties. */
static int track_cell(struct daemon *d, struct cell *c)
{
	int ret;

	c->src.kind = SRC_CELL;
	c->src.fd = openat(c->cgroup_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (c->src.fd < 0)
		return -errno;
	ret = watch_fd(d, &c->src, EPOLLPRI);
	if (ret)
		return ret;
	c->next = d->cells;
	d->cells = c;
	return 0;
}

/*
 * Every alert of the emptied cell has been read (only the critical ring
 * carries records a rule judges): its cellrun may write the verdict, with
 * the cell's losses, final since no task of it is left.
 */
static void tell_end(struct daemon *d, struct cell *c)
{
	struct cw_cell_loss lost;
	int ret;

	c->told = true;
	if (!c->owner)
		return;
	/* Unanswered, its cellrun says the end was never confirmed: no count made up. */
	ret = cw_monitor_cell_loss(d->mon, c->id, &lost);
	if (ret) {
		cw_warn("cell %llu: its losses: %s", (unsigned long long)c->id, strerror(-ret));
		return;
	}
	client_reply(d, c->owner, json_pack("{s:s, s:I, s:{s:I, s:I}}", "reply", "end",
					    "cell_id", (json_int_t)c->id, "events_lost",
					    "bulk", (json_int_t)lost.bulk,
					    "critical", (json_int_t)lost.critical));
}

/* Every record of the emptied cell has been read: log its end, forget it. */
static void reap_cell(struct daemon *d, struct cell *c)
{
	struct cell **pp;
	char path[PATH_MAX];
	int ret;

	if (!c->told)
		tell_end(d, c);
	/* Its losses before the kernel forgets them with the cell. */
	cw_monitor_cell_losses(d->mon, c->id, on_cell_loss, d);
	if (d->keeper_fd >= 0)
		cw_keeper_drop(d->keeper_fd, c->id);
	ret = cw_monitor_remove_cell(d->mon, c->id);
	if (ret)
		cw_warn("remove cell %llu: %s", (unsigned long long)c->id, strerror(-ret));
	state_path(d, c->id, path, sizeof(path));
	unlink(path);
	emit_cell_record(d, c, "cell-ended", "end");
	for (pp = &d->cells; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	epoll_ctl(d->ep, EPOLL_CTL_DEL, c->src.fd, NULL);
	free_cell(c);
}

/*
 * An emptied cell caused every event it will: they lie in the rings before
 * where the producers stand now.  It is reaped once the daemon has read
 * that far (reap_delivered()), never by draining the rings at once, which
 * another cell's flood would make endless.
 */
static void check_cell(struct daemon *d, struct cell *c)
{
	int ret;

	if (c->emptied)
		return;
	ret = populated(c->src.fd);
	/* ENODEV: the cgroup was removed, so empty too. */
	if (ret == 0 || ret == -ENODEV) {
		c->emptied = true;
		cw_monitor_ring_mark(d->mon, &c->mark);
	}
}

static void reap_delivered(struct daemon *d)
{
	struct cell *c = d->cells, *next;

	for (; c; c = next) {
		next = c->next;
		if (!c->emptied)
			continue;
		if (!c->told && cw_monitor_delivered(d->mon, &c->mark, CW_RING_CRITICAL))
			tell_end(d, c);
		if (cw_monitor_delivered(d->mon, &c->mark, CW_RING_BULK))
			reap_cell(d, c);
	}
}

/* The cgroup @req names, if it is a direct child of the cells' parent. */
static int resolve_cell_path(struct daemon *d, const char *req, char *real, char *err, size_t errlen)
{
	char *slash;

	if (!realpath(req, real)) {
		snprintf(err, errlen, "cgroup %.300s: %s", req, strerror(errno));
		return -errno;
	}
	slash = strrchr(real, '/');
	if (!slash || (size_t)(slash - real) != strlen(d->parent) ||
	    strncmp(real, d->parent, slash - real)) {
		snprintf(err, errlen, "cgroup %.200s: not a child of %.200s", req, d->parent);
		return -EINVAL;
	}
	return 0;
}

static int check_text(json_t *v, const char *what, char *err, size_t errlen)
{
	if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > MAX_TEXT) {
		snprintf(err, errlen, "%s: a string of 1 to %d bytes expected", what, MAX_TEXT);
		return -EINVAL;
	}
	return 0;
}

static bool present(json_t *v)
{
	return v && !json_is_null(v);
}

/* Check a register request whole before anything is created. */
static int check_register(json_t *req, char *err, size_t errlen)
{
	json_t *labels = json_object_get(req, "labels"), *v;
	const char *k;

	if (!json_is_string(json_object_get(req, "cgroup"))) {
		snprintf(err, errlen, "cgroup: a path expected");
		return -EINVAL;
	}
	if (present(json_object_get(req, "run_id")) &&
	    check_text(json_object_get(req, "run_id"), "run_id", err, errlen))
		return -EINVAL;
	if (present(json_object_get(req, "policy")) &&
	    check_text(json_object_get(req, "policy"), "policy", err, errlen))
		return -EINVAL;
	if (!present(labels))
		return 0;
	if (!json_is_object(labels) || json_object_size(labels) > MAX_LABELS) {
		snprintf(err, errlen, "labels: an object of at most %d strings expected",
			 MAX_LABELS);
		return -EINVAL;
	}
	json_object_foreach(labels, k, v) {
		if (!*k || strlen(k) > MAX_TEXT) {
			snprintf(err, errlen, "labels: key '%.32s': 1 to %d bytes", k, MAX_TEXT);
			return -EINVAL;
		}
		if (check_text(v, "labels: value", err, errlen))
			return -EINVAL;
	}
	return 0;
}

static char *dup_opt(json_t *v)
{
	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static int register_cell(struct daemon *d, struct client *cl, json_t *req, char *err,
			 size_t errlen)
{
	const char *pname = json_string_value(json_object_get(req, "policy")) ?: "default";
	struct policy *pol = policy_by_name(d, pname);
	char real[PATH_MAX];
	struct cell *c;
	int ret;

	ret = check_register(req, err, errlen);
	if (ret)
		return ret;
	if (!pol) {
		snprintf(err, errlen, "policy '%s': unknown", pname);
		return -ENOENT;
	}
	ret = resolve_cell_path(d, json_string_value(json_object_get(req, "cgroup")), real, err,
				errlen);
	if (ret)
		return ret;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->src.fd = -1;
	c->path = strdup(real);
	c->policy = strdup(pname);
	c->run_id = dup_opt(json_object_get(req, "run_id"));
	c->labels = present(json_object_get(req, "labels")) ?
		    json_incref(json_object_get(req, "labels")) : NULL;
	c->cgroup_fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->cgroup_fd < 0 || !c->path || !c->policy) {
		ret = c->cgroup_fd < 0 ? -errno : -ENOMEM;
		snprintf(err, errlen, "open %.300s: %s", real, strerror(-ret));
		free_cell(c);
		return ret;
	}
	ret = cw_monitor_add_cell(d->mon, c->cgroup_fd, pol->id,
				  CW_NETPOL_DENY_EXTERNAL | CW_NETPOL_DENY_RAW, &c->id);
	if (ret) {
		snprintf(err, errlen, "watch %.300s: %s", real, strerror(-ret));
		free_cell(c);
		return ret;
	}
	ret = save_state(d, c);
	if (!ret)
		ret = track_cell(d, c);
	if (ret) {
		snprintf(err, errlen, "cell state: %s", strerror(-ret));
		cw_monitor_remove_cell(d->mon, c->id);
		free_cell(c);
		return ret;
	}
	keeper_hold_cell(d, c->id);
	c->owner = cl;
	cl->cell = c->id;
	cl->run_id = c->run_id ? strdup(c->run_id) : NULL;
	cl->labels = c->labels ? json_incref(c->labels) : NULL;
	emit_cell_record(d, c, "cell-registered", "start");
	client_reply(d, cl, json_pack("{s:s, s:b, s:I, s:b}", "reply", "register", "ok", 1,
				      "cell_id", (json_int_t)c->id,
				      "lsm", cw_monitor_lsm(d->mon, NULL)));
	/* Registered while already empty: nothing will ever wake us for it. */
	check_cell(d, c);
	return 0;
}

static void subscribe(struct daemon *d, struct client *c, json_t *req)
{
	json_int_t since = json_integer_value(json_object_get(req, "since"));
	size_t n = since < 0 ? 0 : (size_t)since;

	if (n > d->backlog_n)
		n = d->backlog_n;
	c->subscriber = true;
	client_reply(d, c, json_pack("{s:s, s:b, s:I}", "reply", "subscribe", "ok", 1,
				     "replayed", (json_int_t)n));
	for (size_t i = d->backlog_n - n; i < d->backlog_n; i++)
		client_send(d, c, d->backlog[(d->backlog_head + i) % d->backlog_len]);
}

static bool peer_is_root(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) && cred.uid == 0;
}

/*
 * An event cellrun saw for its own cell (its egress proxy's decisions, the
 * limits the run reached): logged like the kernel's, under the cell the
 * connection registered, whatever the document claims, also once the cell
 * was reaped (cellrun learns of a limit only when its run is over).
 */
static void cell_event(struct daemon *d, struct client *c, json_t *req)
{
	json_t *doc = json_object_get(req, "event");

	if (!c->cell || !json_is_object(doc) ||
	    !json_is_string(json_object_get(doc, "@timestamp")))
		return;
	doc = json_deep_copy(doc);
	if (!doc)
		return;
	cw_json_set(doc, "cellwatch.cell.id", json_integer(c->cell));
	if (c->run_id)
		cw_json_set(doc, "cellwatch.run_id", json_string(c->run_id));
	if (c->labels && json_object_size(c->labels))
		cw_json_set(doc, "labels", json_deep_copy(c->labels));
	cw_metrics_event(d->metrics, json_string_value(json_object_get(
		json_object_get(doc, "event"), "action")) ?: "?");
	emit(d, doc, c->cell);
	json_decref(doc);
}

static void handle_request(struct daemon *d, struct client *c, json_t *req)
{
	const char *op = json_string_value(json_object_get(req, "op"));
	char err[512];

	if (op && !strcmp(op, "subscribe")) {
		subscribe(d, c, req);
		return;
	}
	if (op && !strcmp(op, "event")) {
		cell_event(d, c, req);
		return;
	}
	if (!op || strcmp(op, "register")) {
		client_reply(d, c, json_pack("{s:s, s:b, s:s}", "reply", op ?: "?", "ok", 0,
					     "error", "unknown op"));
		return;
	}
	if (c->cell) {
		snprintf(err, sizeof(err), "this connection already registered cell %llu",
			 (unsigned long long)c->cell);
	} else if (!peer_is_root(c->src.fd)) {
		snprintf(err, sizeof(err), "registering a cell needs uid 0");
	} else if (!register_cell(d, c, req, err, sizeof(err))) {
		return;
	}
	cw_warn("register refused: %s", err);
	client_reply(d, c, json_pack("{s:s, s:b, s:s}", "reply", "register", "ok", 0,
				     "error", err));
}

static void client_readable(struct daemon *d, struct client *c)
{
	json_t *req;
	int ret = cw_api_recv(c->src.fd, &req, 0);

	if (ret == -ETIMEDOUT)
		return;
	if (ret == -EBADMSG) {
		client_reply(d, c, json_pack("{s:s, s:b, s:s}", "reply", "?", "ok", 0,
					     "error", "not a JSON object"));
		return;
	}
	if (ret || !req) {
		client_close(d, c);
		return;
	}
	handle_request(d, c, req);
	json_decref(req);
}

static void accept_client(struct daemon *d)
{
	int fd = accept4(d->listen.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c;

	if (fd < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->src = (struct source){ SRC_CLIENT, fd };
	if (watch_fd(d, &c->src, EPOLLIN)) {
		close(fd);
		free(c);
		return;
	}
	c->next = d->clients;
	d->clients = c;
}

/* ---- taking over after a restart ---- */

static struct cell *load_state(const char *file, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc = json_load_file(file, 0, &jerr);
	struct cell *c = NULL;

	if (!doc) {
		snprintf(err, errlen, "%.200s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_string(json_object_get(doc, "cgroup")) ||
	    !json_is_integer(json_object_get(doc, "cell_id"))) {
		snprintf(err, errlen, "%.200s: no cgroup or cell_id", file);
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto out;
	c->src.fd = -1;
	c->id = json_integer_value(json_object_get(doc, "cell_id"));
	c->path = dup_opt(json_object_get(doc, "cgroup"));
	c->policy = dup_opt(json_object_get(doc, "policy"));
	c->run_id = dup_opt(json_object_get(doc, "run_id"));
	c->labels = json_incref(json_object_get(doc, "labels"));
	c->cgroup_fd = c->path ? open(c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (c->cgroup_fd < 0) {
		snprintf(err, errlen, "%.200s: cgroup %.200s is gone", file, c->path ?: "?");
		free_cell(c);
		c = NULL;
	}
out:
	json_decref(doc);
	return c;
}

/* Take over one cell a dead daemon registered; false when it is over. */
static bool adopt(struct daemon *d, struct cell *c)
{
	struct policy *pol = c->policy ? policy_by_name(d, c->policy) : NULL;
	__u64 id;
	int ret, fd;

	if (!pol) {
		cw_warn("cell %llu: policy '%s' no longer configured: runs \"default\"",
			(unsigned long long)c->id, c->policy ?: "?");
		pol = policy_by_name(d, "default");
		free(c->policy);
		c->policy = strdup("default");
	}
	fd = openat(c->cgroup_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	ret = fd < 0 ? -errno : populated(fd);
	if (fd >= 0)
		close(fd);
	if (ret <= 0)
		return false;
	ret = cw_monitor_adopt_cell(d->mon, c->cgroup_fd, pol->id, &id);
	if (!ret && id != c->id)
		ret = -ESTALE;	/* the path now names another cgroup */
	if (!ret)
		ret = track_cell(d, c);
	if (ret) {
		cw_warn("adopt cell %llu (%s): %s", (unsigned long long)c->id, c->path,
			strerror(-ret));
		return false;
	}
	emit_cell_record(d, c, "cell-adopted", "start");
	return true;
}

/*
 * A daemon found pins of an earlier one: take over the cells still
 * running, remove what is left of the others, then the old policies.
 */
static void adopt_cells(struct daemon *d)
{
	__u64 ids[1024];
	int n = cw_monitor_kernel_cells(d->mon, ids, 1024), adopted = 0;
	char dir[PATH_MAX], path[PATH_MAX + 300], err[512];
	struct dirent *de;
	DIR *dd;

	snprintf(dir, sizeof(dir), "%s/cells", d->state_dir);
	dd = opendir(dir);
	while (dd && (de = readdir(dd))) {
		struct cell *c;

		if (!strstr(de->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		c = load_state(path, err, sizeof(err));
		if (c && adopt(d, c)) {
			adopted++;
			continue;
		}
		if (!c)
			cw_warn("%s", err);
		else
			free_cell(c);
		unlink(path);
	}
	if (dd)
		closedir(dd);
	for (int i = 0; i < n; i++) {
		if (!cell_by_id(d, ids[i]))
			cw_monitor_remove_cell(d->mon, ids[i]);
	}
	cw_monitor_purge_old_policies(d->mon);
	if (n || adopted)
		cw_warn("took over %d running cells of %d an earlier daemon left", adopted, n);
}

/* ---- policies ---- */

static struct cw_ruleset *load_rules(const char *path, char *err, size_t errlen)
{
	struct cw_ruleset *rs = calloc(1, sizeof(*rs));

	if (!rs) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (cw_rules_load(rs, path, err, errlen)) {
		free(rs);
		return NULL;
	}
	return rs;
}

static void free_rules(struct cw_ruleset *rs)
{
	if (rs)
		cw_rules_free(rs);
	free(rs);
}

static int load_policies(struct daemon *d, char *err, size_t errlen)
{
	for (int i = 0; i < d->npolicies; i++) {
		struct policy *p = &d->policies[i];
		int ret;

		p->rules = load_rules(p->path, err, errlen);
		if (!p->rules)
			return -EINVAL;
		ret = cw_monitor_add_policy(d->mon, p->rules, &p->id, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * SIGHUP: every policy file again, all or none.  Each is compiled under a
 * new id first; only when all compiled do the cells switch, one map
 * update each.  A bad file leaves every rule in force as it was.
 */
static void reload(struct daemon *d)
{
	struct cw_ruleset *next[MAX_POLICIES] = {};
	__u32 ids[MAX_POLICIES] = {};
	char err[512] = "";
	int i, ret = 0;

	for (i = 0; i < d->npolicies && !ret; i++) {
		next[i] = load_rules(d->policies[i].path, err, sizeof(err));
		ret = next[i] ? cw_monitor_add_policy(d->mon, next[i], &ids[i], err, sizeof(err))
			      : -EINVAL;
	}
	if (ret) {
		for (i = 0; i < d->npolicies; i++) {
			if (ids[i])
				cw_monitor_drop_policy(d->mon, ids[i]);
			free_rules(next[i]);
		}
		cw_warn("reload refused, the rules in force stay: %s", err);
		emit_notice(d, "rules-reload", "configuration", "change", err);
		return;
	}
	for (i = 0; i < d->npolicies; i++) {
		struct policy *p = &d->policies[i];

		cw_monitor_switch_policy(d->mon, p->id, ids[i]);
		free_rules(p->rules);
		p->rules = next[i];
		p->id = ids[i];
	}
	cw_warn("reloaded %d policies", d->npolicies);
	emit_notice(d, "rules-reload", "configuration", "change", NULL);
}

/* ---- set-up ---- */

/* The API socket: root only, or root and one group; never a second daemon on it. */
static int open_socket(struct daemon *d)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[PATH_MAX], *slash;
	mode_t old_mask;
	int fd, ret;

	if (strlen(d->socket_path) >= sizeof(sun.sun_path)) {
		cw_warn("socket %s: path too long", d->socket_path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, d->socket_path);
	snprintf(dir, sizeof(dir), "%s", d->socket_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		cw_make_dirs(dir, 0755);
	}
	fd = cw_api_connect(d->socket_path);
	if (fd >= 0) {
		close(fd);
		cw_warn("socket %s: another daemon is serving it", d->socket_path);
		return -EADDRINUSE;
	}
	unlink(d->socket_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Born with its final mode: no moment where anyone else could connect. */
	old_mask = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ? -errno : 0;
	umask(old_mask);
	if (!ret && d->socket_group) {
		struct group *g = getgrnam(d->socket_group);

		if (!g)
			ret = -ENOENT;
		else if (chown(d->socket_path, 0, g->gr_gid) || chmod(d->socket_path, 0660))
			ret = -errno;
	}
	if (!ret && listen(fd, 128))
		ret = -errno;
	if (ret) {
		cw_warn("socket %s: %s%s", d->socket_path, strerror(-ret),
			ret == -ENOENT ? " (no such group)" : "");
		close(fd);
		return ret;
	}
	d->listen = (struct source){ SRC_LISTEN, fd };
	return 0;
}

static int open_signals(struct daemon *d)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	d->signals = (struct source){ SRC_SIGNAL, fd };
	return 0;
}

static char *render_metrics(void *ctx)
{
	struct daemon *d = ctx;
	struct cw_metrics_gauges g = {
		.write_errors = d->write_errors,
		.subscriber_drops = d->subscriber_drops,
	};
	struct cw_stats st;

	if (!cw_monitor_stats(d->mon, &st)) {
		g.drops = st.drops;
		g.drops_critical = st.drops_critical;
		g.kernel_events = st.events;
		g.folded = st.folded;
		g.decode_errors = st.decode_errors;
	}
	for (struct cell *c = d->cells; c; c = c->next)
		g.active_cells++;
	for (struct client *c = d->clients; c; c = c->next)
		g.subscribers += c->subscriber;
	cw_monitor_ring_fill(d->mon, g.ring_used, g.ring_size);
	return cw_metrics_render(d->metrics, &g);
}

static int open_outputs(struct daemon *d)
{
	char err[512];

	if (d->log_path) {
		d->log = cw_logfile_open(d->log_path, &d->log_opts);
		if (!d->log) {
			cw_warn("open %s: %s", d->log_path, strerror(errno));
			return -errno;
		}
	}
	if (d->to_syslog) {
		d->syslog = cw_syslog_open(d->syslog_path, LOG_AUTHPRIV, err, sizeof(err));
		if (!d->syslog) {
			cw_warn("%s", err);
			return -EINVAL;
		}
	}
	d->backlog = calloc(d->backlog_len, sizeof(*d->backlog));
	d->metrics = cw_metrics_new();
	if (!d->backlog || !d->metrics)
		return -ENOMEM;
	if (d->metrics_addr) {
		d->http = cw_http_start(d->metrics_addr, render_metrics, d, err, sizeof(err));
		if (!d->http) {
			cw_warn("%s", err);
			return -EINVAL;
		}
		d->http_src = (struct source){ SRC_HTTP, cw_http_fd(d->http) };
	}
	return 0;
}

static int open_monitor(struct daemon *d)
{
	struct cw_monitor_opts mo = {
		.ringbuf_bytes = d->ringbuf_bytes,
		.critical_ringbuf_bytes = d->critical_ringbuf_bytes,
		.on_event = on_event,
		.ctx = d,
		.verbose = d->verbose,
		.pin_dir = d->pin_dir,
	};
	char root[256], dir[PATH_MAX], err[512];
	int level, ret;

	if (cg2_mount_point(root, sizeof(root))) {
		cw_warn("no cgroup v2 hierarchy mounted");
		return -ENOENT;
	}
	if (!d->parent[0])
		snprintf(d->parent, sizeof(d->parent), "%s/cellwatch", root);
	if (mkdir(d->parent, 0755) && errno != EEXIST) {
		cw_warn("create %s: %s", d->parent, strerror(errno));
		return -errno;
	}
	level = realpath(d->parent, dir) ? cg2_level(root, dir) : -EINVAL;
	if (level < 0) {
		cw_warn("--cgroup-parent %s: not a cgroup under %s", d->parent, root);
		return -EINVAL;
	}
	memcpy(d->parent, dir, sizeof(d->parent));
	mo.cell_level = level + 1;
	snprintf(dir, sizeof(dir), "%s/cells", d->state_dir);
	ret = cw_make_dirs(dir, 0700);
	if (ret) {
		cw_warn("create %s: %s", dir, strerror(-ret));
		return ret;
	}
	ret = cw_monitor_open(&d->mon, &mo, err, sizeof(err));
	if (!ret)
		ret = load_policies(d, err, sizeof(err));
	if (ret) {
		cw_warn("%s", err);
		return ret;
	}
	/* Cells of an earlier daemon first: their events may wait in the rings. */
	load_drops_reported(d);
	adopt_cells(d);
	d->rings = (struct source){ SRC_RINGS, cw_monitor_fd(d->mon) };
	return 0;
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->signals.fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(d);
		else if (si.ssi_signo != SIGPIPE)
			d->stop = true;
	}
}

static int serve(struct daemon *d)
{
	while (!d->stop) {
		struct epoll_event evs[32];
		int timeout = d->http ? cw_http_timeout_ms(d->http) : -1;
		int n;

		if (timeout < 0 || timeout > 200)
			timeout = 200;
		n = epoll_wait(d->ep, evs, 32, timeout);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++) {
			struct source *src = evs[i].data.ptr;

			switch (src->kind) {
			case SRC_RINGS:
				cw_monitor_consume(d->mon);
				break;
			case SRC_LISTEN:
				accept_client(d);
				break;
			case SRC_SIGNAL:
				on_signal(d);
				break;
			case SRC_HTTP:
				break;
			case SRC_CLIENT:
				/* Events first: a closing cellrun's end must follow its alerts. */
				if (evs[i].events & EPOLLOUT)
					client_flush(d, (struct client *)src);
				if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
					client_readable(d, (struct client *)src);
				break;
			case SRC_CELL:
				check_cell(d, (struct cell *)src);
				break;
			}
		}
		reap_delivered(d);
		if (d->http)
			cw_http_run(d->http);
		report_loss(d);
	}
	return 0;
}

static void shut_down(struct daemon *d)
{
	int running = 0;

	if (d->mon) {
		cw_monitor_drain(d->mon);
		reap_delivered(d);
		report_loss(d);
	}
	for (struct cell *c = d->cells; c; c = c->next)
		running++;
	emit_notice(d, "daemon-stopped", "process", "end", NULL);
	while (d->clients) {
		client_flush(d, d->clients);
		client_close(d, d->clients);
	}
	if (d->listen.fd > 0) {
		close(d->listen.fd);
		unlink(d->socket_path);
	}
	/* Running cells keep their kernel rules, and the next daemon takes them. */
	if (d->mon && !running) {
		char path[PATH_MAX];

		cw_monitor_unpin(d->mon);
		disarm_keeper(d);
		snprintf(path, sizeof(path), "%s/drops-reported", d->state_dir);
		unlink(path);
	}
	else if (running)
		cw_warn("%d cells still running: their kernel rules stay pinned in %s", running,
			d->pin_dir);
	while (d->cells) {
		struct cell *next = d->cells->next;

		free_cell(d->cells);
		d->cells = next;
	}
	cw_monitor_close(d->mon);
	for (int i = 0; i < d->npolicies; i++)
		free_rules(d->policies[i].rules);
	for (size_t i = 0; i < d->backlog_n; i++)
		free(d->backlog[(d->backlog_head + i) % d->backlog_len]);
	free(d->backlog);
	cw_http_stop(d->http);
	cw_metrics_free(d->metrics);
	cw_syslog_close(d->syslog);
	cw_logfile_close(d->log);
	if (d->ep >= 0)
		close(d->ep);
	if (d->keeper_fd >= 0)
		close(d->keeper_fd);
	if (d->signals.fd > 0)
		close(d->signals.fd);
}

/* ---- command line ---- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: cellwatch daemon [options]\n"
"\n"
"Load the BPF monitor once and watch every cell cellrun registers through\n"
"the API socket (cellrun --daemon SOCKET).  Prints \"cellwatch: ready\" on\n"
"stderr once serving.  SIGHUP reloads every policy file, all or none;\n"
"SIGTERM stops: pins stay while cells run, and the next daemon takes them.\n"
"\n"
"  -s, --socket PATH        API socket (default %s), mode 0600\n"
"      --socket-group GROUP socket 0660 owned by GROUP (its members may tail;\n"
"                           registering a cell needs uid 0)\n"
"  -r, --rules FILE         the policy \"default\" (default %s)\n"
"  -p, --policy NAME=FILE   another named policy (repeatable)\n"
"  -o, --log FILE           JSON lines (ECS), one whole line per write(2)\n"
"      --log-max-bytes N    rotate before FILE passes N bytes (default 100M;\n"
"                           0: never)\n"
"      --log-keep K         rotated files kept (default 5)\n"
"      --fsync              fsync FILE after every line\n"
"      --stdout             JSON lines on stdout too\n"
"      --syslog             alerts to syslog, RFC 5424 over /dev/log\n"
"      --syslog-socket PATH another datagram socket than /dev/log\n"
"      --metrics ADDR:PORT  Prometheus metrics at http://ADDR:PORT/metrics\n"
"      --cgroup-parent DIR  cells are its child cgroups (default <cgroup2>/cellwatch)\n"
"      --pin-dir DIR        bpffs pins (default %s)\n"
"      --state-dir DIR      cell state for a restarted daemon (default %s)\n"
"      --backlog N          recent events kept for tail --since (default 4096)\n"
"  -b, --ringbuf BYTES      ring buffer size, a power of two (default 8 MiB)\n"
"      --critical-ringbuf BYTES  the ring of execs, verdicts and what rules judge\n"
"                           (default 2 MiB); a cell that loses a record there is ended\n"
"  -v, --verbose            libbpf's messages\n",
		CW_SOCKET_DEFAULT, CW_DEFAULT_RULES, CW_PIN_DIR_DEFAULT, CW_STATE_DIR_DEFAULT);
}

static long parse_number(const char *s, const char *what, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || v <= 0 || v > max) {
		cw_warn("%s: '%s': a number from 1 to %ld expected", what, s,
			max);
		return -1;
	}
	return v;
}

static int add_policy_opt(struct daemon *d, const char *name, size_t len, const char *path)
{
	struct policy *p;

	if (!len || len > MAX_TEXT || strspn(name, "abcdefghijklmnopqrstuvwxyz"
					     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") < len) {
		cw_warn("--policy '%.*s': a name of letters, digits, '_-.' "
			"expected", (int)len, name);
		return -1;
	}
	for (int i = 0; i < d->npolicies; i++) {
		if (strlen(d->policies[i].name) == len && !strncmp(d->policies[i].name, name, len)) {
			cw_warn("policy '%.*s' given twice", (int)len, name);
			return -1;
		}
	}
	if (d->npolicies == MAX_POLICIES) {
		cw_warn("at most %d policies", MAX_POLICIES);
		return -1;
	}
	p = &d->policies[d->npolicies++];
	p->name = strndup(name, len);
	p->path = (char *)path;
	return p->name ? 0 : -1;
}

static int parse_args(struct daemon *d, int argc, char **argv)
{
	enum { OPT_GROUP = 256, OPT_MAXB, OPT_KEEP, OPT_FSYNC, OPT_STDOUT, OPT_SYSLOG, OPT_SYSLOG_SOCK,
	       OPT_METRICS, OPT_PARENT, OPT_PIN, OPT_STATE, OPT_BACKLOG,
	       OPT_CRITICAL };
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "socket-group", required_argument, NULL, OPT_GROUP },
		{ "rules", required_argument, NULL, 'r' },
		{ "policy", required_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'o' },
		{ "log-max-bytes", required_argument, NULL, OPT_MAXB },
		{ "log-keep", required_argument, NULL, OPT_KEEP },
		{ "fsync", no_argument, NULL, OPT_FSYNC },
		{ "stdout", no_argument, NULL, OPT_STDOUT },
		{ "syslog", no_argument, NULL, OPT_SYSLOG },
		{ "syslog-socket", required_argument, NULL, OPT_SYSLOG_SOCK },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "cgroup-parent", required_argument, NULL, OPT_PARENT },
		{ "pin-dir", required_argument, NULL, OPT_PIN },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "backlog", required_argument, NULL, OPT_BACKLOG },
		{ "ringbuf", required_argument, NULL, 'b' },
		{ "critical-ringbuf", required_argument, NULL, OPT_CRITICAL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *rules = CW_DEFAULT_RULES, *eq;
	long v;
	int opt;

	while ((opt = getopt_long(argc, argv, "s:r:p:o:b:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 's': d->socket_path = optarg; break;
		case OPT_GROUP: d->socket_group = optarg; break;
		case 'r': rules = optarg; break;
		case 'p':
			eq = strchr(optarg, '=');
			if (!eq || !eq[1]) {
				cw_warn("--policy '%s': NAME=FILE expected",
					optarg);
				return 2;
			}
			if (add_policy_opt(d, optarg, eq - optarg, eq + 1))
				return 2;
			break;
		case 'o': d->log_path = optarg; break;
		case OPT_MAXB:
			if ((v = parse_number(optarg, "--log-max-bytes", LONG_MAX)) < 0)
				return 2;
			d->log_opts.max_bytes = v;
			break;
		case OPT_KEEP:
			if ((v = parse_number(optarg, "--log-keep", 1000)) < 0)
				return 2;
			d->log_opts.keep = v;
			break;
		case OPT_FSYNC: d->log_opts.fsync = true; break;
		case OPT_STDOUT: d->to_stdout = true; break;
		case OPT_SYSLOG: d->to_syslog = true; break;
		case OPT_SYSLOG_SOCK: d->to_syslog = true; d->syslog_path = optarg; break;
		case OPT_METRICS: d->metrics_addr = optarg; break;
		case OPT_PARENT: snprintf(d->parent, sizeof(d->parent), "%s", optarg); break;
		case OPT_PIN: d->pin_dir = optarg; break;
		case OPT_STATE: d->state_dir = optarg; break;
		case OPT_BACKLOG:
			if ((v = parse_number(optarg, "--backlog", 1 << 20)) < 0)
				return 2;
			d->backlog_len = v;
			break;
		case 'b':
			if ((v = parse_number(optarg, "--ringbuf", 1L << 30)) < 0)
				return 2;
			d->ringbuf_bytes = v;
			break;
		case OPT_CRITICAL:
			if ((v = parse_number(optarg, "--critical-ringbuf", 1L << 30)) < 0)
				return 2;
			d->critical_ringbuf_bytes = v;
			break;
		case 'v': d->verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		cw_warn("daemon: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (policy_by_name(d, "default")) {
		cw_warn("--policy default=...: use --rules for the default "
			"policy");
		return 2;
	}
	if (add_policy_opt(d, "default", 7, rules))
		return 2;
	return -1;
}

int cw_daemon_main(int argc, char **argv)
{
	struct daemon d = {
		.socket_path = CW_SOCKET_DEFAULT,
		.state_dir = CW_STATE_DIR_DEFAULT,
		.pin_dir = CW_PIN_DIR_DEFAULT,
		/* A flooding cell must not fill the disk before an operator configures rotation. */
		.log_opts = { .max_bytes = 100 << 20, .keep = 5, .sole_writer = true },
		.backlog_len = 4096,
		.ep = -1,
		.keeper_fd = -1,
	};
	int ret = parse_args(&d, argc, argv);
	pid_t old_keeper = 0;

	if (ret >= 0) {
		for (int i = 0; i < d.npolicies; i++)
			free(d.policies[i].name);
		return ret;
	}
	ret = 1;
	d.ep = epoll_create1(EPOLL_CLOEXEC);
	if (d.ep < 0 || open_signals(&d) || open_outputs(&d) || open_socket(&d) ||
	    open_monitor(&d) || arm_keeper(&d, &old_keeper))
		goto out;
	ret = cw_monitor_activate(d.mon);
	if (ret) {
		cw_warn("activate the programs: %s", strerror(-ret));
		ret = 1;
		goto out;
	}
	if (old_keeper)
		kill(old_keeper, SIGTERM);
	if (watch_fd(&d, &d.rings, EPOLLIN) || watch_fd(&d, &d.listen, EPOLLIN) ||
	    watch_fd(&d, &d.signals, EPOLLIN) || (d.http && watch_fd(&d, &d.http_src, EPOLLIN))) {
		cw_warn("epoll: %s", strerror(errno));
		goto out;
	}
	for (struct cell *c = d.cells; c; c = c->next)
		check_cell(&d, c);
	emit_notice(&d, "daemon-started", "process", "start", NULL);
	cw_warn("syscall hooks: %s; BPF-LSM: %s", cw_monitor_backend(d.mon),
		cw_monitor_lsm(d.mon, NULL) ? "active" : "unavailable");
	cw_warn("serving %s", d.socket_path);
	cw_warn("ready");
	ret = serve(&d) ? 1 : 0;
out:
	shut_down(&d);
	for (int i = 0; i < d.npolicies; i++)
		free(d.policies[i].name);
	return ret;
}
