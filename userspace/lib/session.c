// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The monitoring session every monitor runs on: see session.h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecs.h"
#include "log.h"
#include "parse.h"
#include "session.h"

void cw_session_opts_init(struct cw_session_opts *o)
{
	*o = (struct cw_session_opts){
		.rules_path = CW_DEFAULT_RULES,
		/* A flooding cell must not fill the disk before an operator configures rotation. */
		.log_opts = { .max_bytes = 100 << 20, .keep = 5, .sole_writer = true },
	};
}

int cw_session_opt(struct cw_session_opts *o, int opt, const char *arg)
{
	unsigned long long v;

	switch (opt) {
	case 'r':
		o->rules_path = arg;
		return 1;
	case 'o':
		o->log_path = arg;
		return 1;
	case CW_OPT_LOG_MAX_BYTES:
		/* 0 turns rotation off: a count, not a size. */
		if (!strcmp(arg, "0")) {
			o->log_opts.max_bytes = 0;
			return 1;
		}
		if (!cw_opt_size("--log-max-bytes", arg, SIZE_MAX, &v))
			return -1;
		o->log_opts.max_bytes = v;
		return 1;
	case CW_OPT_LOG_KEEP:
		if (!cw_opt_count("--log-keep", arg, 1, CW_LOG_KEEP_MAX, &v))
			return -1;
		o->log_opts.keep = v;
		return 1;
	case CW_OPT_FSYNC:
		o->log_opts.fsync = true;
		return 1;
	case 'b':
		if (!cw_opt_size("--ringbuf", arg, CW_RINGBUF_MAX, &v))
			return -1;
		o->mon.ringbuf_bytes = v;
		return 1;
	case CW_OPT_CRITICAL_RINGBUF:
		if (!cw_opt_size("--critical-ringbuf", arg, CW_RINGBUF_MAX, &v))
			return -1;
		o->mon.critical_ringbuf_bytes = v;
		return 1;
	case 'v':
		o->mon.verbose = true;
		return 1;
	}
	return 0;
}

/* The index of extra policy @name (@len bytes) in @o, or -1. */
static int extra_policy(const struct cw_session_opts *o, const char *name, size_t len)
{
	for (int i = 0; i < o->nextra; i++) {
		if (strlen(o->extra[i].name) == len && !strncmp(o->extra[i].name, name, len))
			return i;
	}
	return -1;
}

int cw_session_opt_policy(struct cw_session_opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : 0;
	int i;

	if (!eq || !eq[1]) {
		cw_warn("--policy '%s': NAME=FILE expected", arg);
		return -1;
	}
	if (!len || len >= CW_POLICY_NAME_MAX ||
	    strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") < len) {
		cw_warn("--policy '%.*s': a name of letters, digits, '_-.' expected", (int)len, arg);
		return -1;
	}
	if (len == 7 && !strncmp(arg, "default", 7)) {
		cw_warn("--policy default=...: use --rules for the default policy");
		return -1;
	}
	i = extra_policy(o, arg, len);
	if (i >= 0 && o->extra[i].from_file && !o->reading_file) {
		o->extra[i].path = eq + 1;
		o->extra[i].from_file = false;
		return 0;
	}
	if (i >= 0) {
		cw_warn("policy '%.*s' given twice", (int)len, arg);
		return -1;
	}
	if (o->nextra == CW_SESSION_POLICIES - 1) {
		cw_warn("at most %d policies", CW_SESSION_POLICIES);
		return -1;
	}
	memcpy(o->extra[o->nextra].name, arg, len);
	o->extra[o->nextra].name[len] = '\0';
	o->extra[o->nextra].from_file = o->reading_file;
	o->extra[o->nextra++].path = eq + 1;
	return 0;
}

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

struct cw_policy *cw_session_policy(struct cw_session *s, const char *name)
{
	for (int i = 0; i < s->npolicies; i++) {
		if (!strcmp(s->policies[i].name, name))
			return &s->policies[i];
	}
	return NULL;
}

json_t *cw_record_doc(struct cw_record *rec)
{
	if (!rec->doc && rec->line)
		rec->doc = json_loadb(rec->line, rec->len, 0, NULL);
	return rec->doc;
}

void cw_label_doc(json_t *doc, const char *run_id, json_t *labels)
{
	if (run_id)
		cw_json_set(doc, "cellwatch.run_id", json_string(run_id));
	if (labels && json_object_size(labels))
		cw_json_set(doc, "labels", json_deep_copy(labels));
}

/* The same for an event's record. */
static void label_event(struct cw_doc *doc, const char *run_id, json_t *labels)
{
	const char *key;
	json_t *v;

	if (run_id)
		cw_doc_str(doc, "cellwatch.run_id", run_id);
	/* Strings, as registration checked them: anything else is left out, not the record. */
	json_object_foreach(labels, key, v) {
		if (json_is_string(v))
			cw_doc_str2(doc, "labels", key, json_string_value(v));
	}
}

/* Cell @cell_id's context (0: none), from the hook; false if none. */
static bool cell_context(struct cw_session *s, __u64 cell_id, const char **run_id,
			 json_t **labels)
{
	const struct cw_session_hooks *h = s->opts.hooks;

	*run_id = NULL;
	*labels = NULL;
	return cell_id && h && h->cell_context && h->cell_context(s->opts.ctx, cell_id, run_id,
								    labels);
}

/* What the log holds, written: no record waits past the slice or the notice it came in. */
static void flush_log(struct cw_session *s)
{
	if (s->log)
		s->write_errors += cw_logfile_flush(s->log);
}

static void on_slice_end(void *ctx)
{
	flush_log(ctx);
}

/* A record's line to the log and stdout, then @rec to the hook. */
static void deliver(struct cw_session *s, struct cw_record *rec)
{
	const struct cw_session_hooks *h = s->opts.hooks;

	if (!rec->line)
		s->write_errors++;
	if (rec->line && s->log)
		s->write_errors += cw_logfile_write_line(s->log, rec->line, rec->len);
	if (rec->line && s->opts.to_stdout && cw_write_line(STDOUT_FILENO, rec->line, rec->len))
		s->write_errors++;
	if (h && h->record)
		h->record(s->opts.ctx, rec);
}

void cw_session_emit(struct cw_session *s, json_t *doc, __u64 cell_id)
{
	struct cw_record rec = { .cell_id = cell_id, .doc = doc };
	json_t *labels;
	const char *run_id;
	char *line;

	if (!doc) {
		s->write_errors++;
		return;
	}
	if (cell_context(s, cell_id, &run_id, &labels))
		cw_label_doc(doc, run_id, labels);
	/* The order this monitor wrote its records in, which @timestamp does not give. */
	cw_json_set(doc, "event.sequence", json_integer(++s->sequence));
	rec.line = line = cw_json_line(doc, &rec.len);
	rec.alert = cw_ecs_is_alert(doc);
	rec.rule = json_string_value(json_object_get(json_object_get(doc, "rule"), "name"));
	rec.action = json_string_value(json_object_get(json_object_get(doc, "event"), "action"));
	deliver(s, &rec);
	flush_log(s);
	free(line);
	json_decref(rec.doc);
}

/* An event's record: written as its line, a document made of it only if an output asks. */
static void on_event(void *ctx, const struct cw_event *ev)
{
	struct cw_session *s = ctx;
	struct cw_doc *doc = &s->doc;
	struct cw_record rec = { .cell_id = ev->hdr.cell_id, .ev = ev, .fields = &s->doc };
	const char *run_id, *kind;
	json_t *labels;

	cw_doc_reset(doc);
	if (cw_event_to_doc(doc, ev)) {
		s->write_errors++;
		return;
	}
	if (cell_context(s, rec.cell_id, &run_id, &labels))
		label_event(doc, run_id, labels);
	cw_doc_int(doc, "event.sequence", ++s->sequence);
	rec.line = cw_doc_line(doc, &rec.len);
	kind = cw_doc_get_str(doc, "event.kind");
	rec.alert = kind && !strcmp(kind, "alert");
	rec.rule = cw_doc_get_str(doc, "rule.name");
	rec.action = cw_doc_get_str(doc, "event.action");
	deliver(s, &rec);
	json_decref(rec.doc);
}

void cw_session_notice(struct cw_session *s, const char *action, const char *category,
		       const char *type, const char *error)
{
	json_t *doc = cw_notice_to_ecs(cw_realtime_ns(), action, category, type);

	if (doc) {
		cw_json_set(doc, "event.outcome", json_string(error ? "failure" : "success"));
		if (error)
			cw_json_set(doc, "error.message", json_string(error));
	}
	cw_session_emit(s, doc, 0);
}

static size_t rules_in_force(const struct cw_session *s)
{
	size_t n = 0;

	for (int i = 0; i < s->npolicies; i++)
		n += s->policies[i].rules->nrules;
	return n;
}

static void log_reload(struct cw_session *s, const char *error)
{
	json_t *doc = cw_notice_to_ecs(cw_realtime_ns(), "rules-reload", "configuration",
				       "change");

	if (doc) {
		cw_json_set(doc, "event.outcome", json_string(error ? "failure" : "success"));
		if (error)
			cw_json_set(doc, "error.message", json_string(error));
		else
			cw_json_set(doc, "cellwatch.count", json_integer(rules_in_force(s)));
	}
	cw_session_emit(s, doc, 0);
}

/*
 * Each file is compiled under a new id first; only when all compiled do
 * the cells switch, one map update each.  A bad file leaves every rule in
 * force as it was.
 */
int cw_session_reload(struct cw_session *s)
{
	struct cw_ruleset *next[CW_SESSION_POLICIES] = {};
	__u32 ids[CW_SESSION_POLICIES] = {};
	char err[512] = "";
	int i, ret = 0;

	for (i = 0; i < s->npolicies && !ret; i++) {
		next[i] = load_rules(s->policies[i].path, err, sizeof(err));
		ret = next[i] ? cw_monitor_add_policy(s->mon, next[i], &ids[i], err, sizeof(err))
			      : -EINVAL;
	}
	if (ret) {
		for (i = 0; i < s->npolicies; i++) {
			if (ids[i])
				cw_monitor_drop_policy(s->mon, ids[i]);
			free_rules(next[i]);
		}
		cw_warn("reload refused, the rules in force stay: %s", err);
		log_reload(s, err);
		return ret;
	}
	for (i = 0; i < s->npolicies; i++) {
		struct cw_policy *p = &s->policies[i];

		cw_monitor_switch_policy(s->mon, p->id, ids[i]);
		free_rules(p->rules);
		p->rules = next[i];
		p->id = ids[i];
	}
	cw_warn("reloaded %d %s: %zu rules", s->npolicies,
		s->npolicies == 1 ? "policy" : "policies", rules_in_force(s));
	log_reload(s, NULL);
	return 0;
}

/* One cell's losses, to every output; the first critical one ended its run. */
static void on_cell_loss(void *ctx, __u64 cell_id, const struct cw_cell_loss *fresh,
			 const struct cw_cell_loss *total)
{
	struct cw_session *s = ctx;
	const struct cw_session_hooks *h = s->opts.hooks;

	/* Said once; the ring's own losses are said by cw_session_report_loss(). */
	if (fresh->critical && fresh->critical == total->critical)
		cw_warn("ALERT events-lost: cell %llu lost %llu security-relevant records "
			"(ring buffer full): run ended", (unsigned long long)cell_id,
			(unsigned long long)total->critical);
	if (h && h->cell_loss)
		h->cell_loss(s->opts.ctx, cell_id, fresh, total);
	cw_session_emit(s, cw_cell_loss_to_ecs(cw_realtime_ns(), cell_id, fresh, total), cell_id);
}

void cw_session_report_loss(struct cw_session *s, __u64 cell_id)
{
	const struct cw_session_hooks *h = s->opts.hooks;
	__u64 total, lost;

	cw_monitor_cell_losses(s->mon, cell_id, on_cell_loss, s);
	if (cell_id)
		return;
	lost = cw_monitor_new_drops(s->mon, &total);
	if (!lost)
		return;
	cw_warn("%llu events lost (ring buffer full)", (unsigned long long)lost);
	cw_session_emit(s, cw_loss_to_ecs(cw_realtime_ns(), lost, total), 0);
	if (h && h->drops_reported)
		h->drops_reported(s->opts.ctx, total);
}

void cw_session_finish(struct cw_session *s, __u64 cell_id)
{
	cw_monitor_drain(s->mon);
	cw_session_report_loss(s, cell_id);
}

/* Rule files are read before the monitor loads: a bad one costs no BPF load. */
static int load_policy(struct cw_session *s, const char *name, const char *path, char *err,
		       size_t errlen)
{
	struct cw_policy *p = &s->policies[s->npolicies];

	p->name = strdup(name);
	p->path = path;
	if (!p->name) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->npolicies++;
	p->rules = load_rules(path, err, errlen);
	return p->rules ? 0 : -EINVAL;
}

int cw_session_open(struct cw_session **out, const struct cw_session_opts *o,
		    char *err, size_t errlen)
{
	struct cw_session *s = calloc(1, sizeof(*s));
	int ret;

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	cw_doc_init(&s->doc);
	s->opts = *o;
	s->opts.mon.on_event = on_event;
	s->opts.mon.on_slice_end = on_slice_end;
	s->opts.mon.ctx = s;
	s->opts.mon.rules = NULL;
	ret = load_policy(s, "default", o->rules_path, err, errlen);
	for (int i = 0; i < o->nextra && !ret; i++)
		ret = load_policy(s, o->extra[i].name, o->extra[i].path, err, errlen);
	if (ret)
		goto fail;
	if (o->log_path) {
		s->log = cw_logfile_open(o->log_path, &o->log_opts);
		if (!s->log) {
			ret = -errno;
			snprintf(err, errlen, "open %s: %s", o->log_path, strerror(errno));
			goto fail;
		}
	}
	ret = cw_monitor_open(&s->mon, &s->opts.mon, err, errlen);
	for (int i = 0; i < s->npolicies && !ret; i++)
		ret = cw_monitor_add_policy(s->mon, s->policies[i].rules, &s->policies[i].id, err,
					    errlen);
	if (ret)
		goto fail;
	*out = s;
	return 0;
fail:
	cw_session_close(s);
	return ret;
}

void cw_session_close(struct cw_session *s)
{
	if (!s)
		return;
	cw_monitor_close(s->mon);
	for (int i = 0; i < s->npolicies; i++) {
		free_rules(s->policies[i].rules);
		free(s->policies[i].name);
	}
	cw_logfile_close(s->log);
	cw_doc_free(&s->doc);
	free(s);
}

void cw_session_reopen_log(struct cw_session *s)
{
	int ret;

	if (!s->log)
		return;
	ret = cw_logfile_reopen(s->log);
	if (ret)
		cw_warn("reopen %s: %s: still writing to the file open before", s->opts.log_path,
			strerror(-ret));
	else
		cw_warn("reopened %s", s->opts.log_path);
}

void cw_session_say_stats(struct cw_session *s)
{
	struct cw_stats st;

	if (cw_monitor_stats(s->mon, &st))
		return;
	cw_warn("%llu events, %llu repeats folded, %llu lost (%llu critical), %llu kills, "
		"%llu malformed, %llu unwritten", (unsigned long long)st.events,
		(unsigned long long)st.folded, (unsigned long long)st.drops,
		(unsigned long long)st.drops_critical, (unsigned long long)st.kills,
		(unsigned long long)st.decode_errors, (unsigned long long)s->write_errors);
}

void cw_session_say_backend(struct cw_session *s)
{
	const char *why;

	if (cw_monitor_lsm(s->mon, &why))
		cw_warn("syscall hooks: %s; BPF-LSM: active (denies before the operation)",
			cw_monitor_backend(s->mon));
	else
		cw_warn("syscall hooks: %s; BPF-LSM: unavailable (%s): tracepoint kills and "
			"cgroup hooks enforce", cw_monitor_backend(s->mon), why);
}
