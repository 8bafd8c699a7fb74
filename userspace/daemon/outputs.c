// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where the daemon's records go: the log file, stdout, syslog, subscribers, the
 * backlog; and its loss reports.
 */
#include "internal.h"

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
void emit(struct daemon *d, json_t *doc, __u64 cell_id)
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
void emit_cell_record(struct daemon *d, struct cell *c, const char *action,
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

void emit_notice(struct daemon *d, const char *action, const char *category,
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

void on_event(void *ctx, const struct cw_event *ev)
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
void on_cell_loss(void *ctx, __u64 cell_id, const struct cw_cell_loss *fresh,
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

void report_loss(struct daemon *d)
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
void load_drops_reported(struct daemon *d)
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

