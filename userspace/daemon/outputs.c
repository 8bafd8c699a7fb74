// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where the daemon's records go past the session's log: syslog, the
 * subscribers, the backlog; and the metrics they feed.
 */
#include "internal.h"

/* The backlog takes @text. */
static void backlog_push(struct daemon *d, char *text)
{
	size_t slot = (d->backlog_head + d->backlog_n) % d->backlog_len;

	if (d->backlog_n == d->backlog_len) {
		free(d->backlog[d->backlog_head]);
		d->backlog_head = (d->backlog_head + 1) % d->backlog_len;
		slot = (d->backlog_head + d->backlog_n - 1) % d->backlog_len;
	} else {
		d->backlog_n++;
	}
	d->backlog[slot] = text;
}

static bool cell_context(void *ctx, __u64 cell_id, const char **run_id, json_t **labels)
{
	struct cell *c = cell_by_id(ctx, cell_id);

	if (!c)
		return false;
	*run_id = c->run_id;
	*labels = c->labels;
	return true;
}

static void count_event(struct daemon *d, const struct cw_event *ev)
{
	cw_metrics_event(d->metrics, cw_event_kind_name(ev->hdr.type));
	cw_metrics_eval(d->metrics, ev->eval_ns);
	if (ev->hdr.action == CW_ACTION_KILL || ev->hdr.action == CW_ACTION_KILL_RUN)
		cw_metrics_kill(d->metrics, ev->layer ? ev->layer : "kernel");
}

/*
 * Every alert once, whatever raised it: a rule (by its name), a cell's
 * policy with no rule (a refused connect), or cellwatch's own records (a
 * lost record, an egress refusal, a limit: by their action).
 */
static void count_alert(struct daemon *d, const struct cw_record *rec)
{
	const char *rule = rec->rule ?: (rec->ev ? CELL_POLICY : rec->action);

	cw_metrics_alert(d->metrics, rule ?: CELL_POLICY);
}

void declare_metrics(struct daemon *d)
{
	static const char *const layers[] = { "kernel", "lsm", "userspace" };
	const char *kind;

	for (__u32 type = 1; strcmp(kind = cw_event_kind_name(type), "?"); type++)
		cw_metrics_declare(d->metrics, CW_METRIC_EVENTS, kind);
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++)
		cw_metrics_declare(d->metrics, CW_METRIC_KILLS, layers[i]);
	cw_metrics_declare(d->metrics, CW_METRIC_ALERTS, CELL_POLICY);
	for (int i = 0; i < d->s->npolicies; i++) {
		const struct cw_ruleset *rs = d->s->policies[i].rules;

		for (size_t r = 0; r < rs->nrules; r++)
			cw_metrics_declare(d->metrics, CW_METRIC_ALERTS, rs->rules[r].name);
	}
}

/*
 * The daemon's outputs after the session's log and stdout: syslog for
 * alerts, the backlog, the subscribers, and the registering cellrun for
 * its own cell's alerts.
 */
static void record(void *ctx, struct cw_record *rec)
{
	struct daemon *d = ctx;
	char *text;

	if (rec->ev)
		count_event(d, rec->ev);
	if (rec->alert)
		count_alert(d, rec);
	if (d->syslog && rec->alert && cw_syslog_send_record(d->syslog, rec))
		d->write_errors++;
	/* The log's line without its newline: one message to each client. */
	text = rec->line ? strndup(rec->line, rec->len - 1) : NULL;
	if (!text) {
		d->write_errors++;
		return;
	}
	for (struct client *c = d->clients; c; c = c->next) {
		if (c->subscriber)
			client_send(d, c, text);
		else if (rec->alert && rec->cell_id && c->cell == rec->cell_id)
			client_alert(d, c, rec, text);
	}
	backlog_push(d, text);
}

/* A run ended for its losses is a kill by the kernel. */
static void count_loss(void *ctx, __u64 cell_id, const struct cw_cell_loss *fresh,
		       const struct cw_cell_loss *total)
{
	struct daemon *d = ctx;

	(void)cell_id;
	if (fresh->critical && fresh->critical == total->critical)
		cw_metrics_kill(d->metrics, "kernel");
}

/* The counters are pinned: a restarted daemon must not report these again. */
static void save_drops_reported(void *ctx, __u64 total)
{
	struct daemon *d = ctx;
	char path[PATH_MAX], text[32];

	snprintf(path, sizeof(path), "%s/drops-reported", d->state_dir);
	snprintf(text, sizeof(text), "%llu\n", (unsigned long long)total);
	cw_write_file(path, text);
}

const struct cw_session_hooks daemon_hooks = {
	.cell_context = cell_context,
	.record = record,
	.cell_loss = count_loss,
	.drops_reported = save_drops_reported,
};

/* A record about a cell: registered, adopted, ended. */
void emit_cell_record(struct daemon *d, struct cell *c, const char *action,
		      const char *type)
{
	json_t *doc = cw_notice_to_ecs(cw_realtime_ns(), action, "session", type);

	if (doc) {
		cw_json_set(doc, "cellwatch.cell.id", json_integer(c->id));
		cw_json_set(doc, "cellwatch.cgroup", json_string(c->path));
		cw_json_set(doc, "cellwatch.policy", json_string(c->policy));
		cw_label_doc(doc, c->run_id, c->labels);
	}
	cw_session_emit(d->s, doc, 0);
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
