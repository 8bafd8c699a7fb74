/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A monitoring session: the core every monitor of the project runs on
 * (`cellwatch watch`, `cellwatch daemon`, cellrun's embedded monitor).
 * It owns the monitor, the named policies and their reload, the JSON-lines
 * log, and the loss reports; what differs between the three (the daemon's
 * clients and syslog, cellrun's alert lines) hangs off its hooks.
 *
 * Every record goes the same way: turned into ECS, given its cell's context
 * (hooks->cell_context), written to the log and stdout, then handed to
 * hooks->record.  An event's record is written as its line straight away
 * (struct cw_doc): a JSON document is made of it only for an output that
 * asks (cw_record_doc()).
 */
#ifndef CW_SESSION_H
#define CW_SESSION_H

#include <stdbool.h>
#include <jansson.h>
#include "buildconf.h"
#include "doc.h"
#include "logfile.h"
#include "monitor.h"

#define CW_SESSION_POLICIES	16
#define CW_POLICY_NAME_MAX	128


/* A record, as the outputs after the log get it. */
struct cw_record {
	const char *line;		/* what the log got, and its newline; NULL if unmade */
	size_t len;			/* with the newline */
	__u64 cell_id;			/* the cell it is about; 0: none */
	const struct cw_event *ev;	/* the event it was made of; NULL: the session's own */
	bool alert;			/* event.kind "alert" */
	const char *rule;		/* rule.name, or NULL */
	const char *action;		/* event.action, or NULL */
	const struct cw_doc *fields;	/* an event's fields, read without parsing the line */
	json_t *doc;			/* cw_record_doc()'s */
};

/*
 * @rec as a JSON document, for an output that reshapes it (syslog): parsed
 * from the line on the first call.  The record keeps it; NULL on error.
 */
json_t *cw_record_doc(struct cw_record *rec);

/* The context a record about a cell carries, run id and labels, in ECS. */
void cw_label_doc(json_t *doc, const char *run_id, json_t *labels);

struct cw_session_hooks {
	/* What is known of cell @cell_id: its run id and labels (either NULL); false: nothing. */
	bool (*cell_context)(void *ctx, __u64 cell_id, const char **run_id, json_t **labels);
	/* A record, after the log and stdout. */
	void (*record)(void *ctx, struct cw_record *rec);
	/* Cell @cell_id lost records: @fresh since the last report, @total ever. */
	void (*cell_loss)(void *ctx, __u64 cell_id, const struct cw_cell_loss *fresh,
			  const struct cw_cell_loss *total);
	/* Ring losses up to @total were reported (logged). */
	void (*drops_reported)(void *ctx, __u64 total);
};

struct cw_policy {
	char *name;
	const char *path;
	struct cw_ruleset *rules;
	__u32 id;			/* in the monitor */
};

/* What the options of a monitoring command set; cw_session_opts_init() gives the defaults. */
struct cw_session_opts {
	struct cw_monitor_opts mon;	/* on_event, ctx and rules are the session's */
	const char *log_path;		/* NULL: no log file */
	struct cw_logfile_opts log_opts;
	bool to_stdout;			/* JSON lines on stdout as well */
	const char *rules_path;		/* the policy "default" */
	/*
	 * Other named policies (the daemon's --policy NAME=FILE); one from a
	 * configuration file (read while reading_file) is replaced by the
	 * command line's of the same name.
	 */
	struct {
		char name[CW_POLICY_NAME_MAX];
		const char *path;
		bool from_file;
	} extra[CW_SESSION_POLICIES - 1];
	int nextra;
	bool reading_file;
	const struct cw_session_hooks *hooks;
	void *ctx;
};

struct cw_session {
	struct cw_session_opts opts;
	struct cw_monitor *mon;
	struct cw_logfile *log;
	struct cw_policy policies[CW_SESSION_POLICIES];	/* [0] is "default" */
	int npolicies;
	__u64 write_errors;		/* records not written whole */
	__u64 sequence;			/* the last record's event.sequence */
	struct cw_doc doc;		/* the record of the event under way */
};

void cw_session_opts_init(struct cw_session_opts *o);

/*
 * The options every monitoring command shares, for getopt_long():
 * --rules/-r, --log/-o, --log-max-bytes, --log-keep, --fsync, --ringbuf/-b,
 * --critical-ringbuf, --verbose/-v.  Append CW_SESSION_LONGOPTS to a
 * command's table and CW_SESSION_SHORTOPTS to its short options; hand each
 * option getopt returns to cw_session_opt() first.
 */
enum {
	CW_OPT_LOG_MAX_BYTES = 0x1000,
	CW_OPT_LOG_KEEP,
	CW_OPT_FSYNC,
	CW_OPT_CRITICAL_RINGBUF,
};

#define CW_SESSION_SHORTOPTS "r:o:b:v"
#define CW_SESSION_LONGOPTS							\
	{ "rules", required_argument, NULL, 'r' },				\
	{ "log", required_argument, NULL, 'o' },				\
	{ "log-max-bytes", required_argument, NULL, CW_OPT_LOG_MAX_BYTES },	\
	{ "log-keep", required_argument, NULL, CW_OPT_LOG_KEEP },		\
	{ "fsync", no_argument, NULL, CW_OPT_FSYNC },				\
	{ "ringbuf", required_argument, NULL, 'b' },				\
	{ "critical-ringbuf", required_argument, NULL, CW_OPT_CRITICAL_RINGBUF }, \
	{ "verbose", no_argument, NULL, 'v' }

/* The same options, for a command's --help. */
#define CW_SESSION_USAGE							\
"  -r, --rules FILE         the rule file, policy \"default\" (default " CW_DEFAULT_RULES ")\n" \
"  -o, --log FILE           append JSON lines (ECS) to FILE, one whole line per write\n" \
"      --log-max-bytes N    rotate FILE before it passes N bytes (FILE.1 ... FILE.K;\n" \
"                           default 100M; 0: never)\n"				\
"      --log-keep K         rotated files kept (default 5)\n"			\
"      --fsync              fsync FILE after every write of lines\n"			\
"  -b, --ringbuf BYTES      ring buffer size, a power of two up to 1G (default 8M);\n" \
"                           sizes take K, M or G\n"					\
"      --critical-ringbuf BYTES  the ring of execs, verdicts and what rules judge\n" \
"                           (default 2M); a cell that loses a record there is ended\n" \
"  -v, --verbose            libbpf's messages\n"

/*
 * @opt, as getopt_long() returned it with @arg: 1 when it was a session
 * option and taken, 0 when it is not one, -1 when its value is refused
 * (said on stderr).
 */
int cw_session_opt(struct cw_session_opts *o, int opt, const char *arg);

/* Another named policy (NAME=FILE), checked: 0, or -1 said on stderr. */
int cw_session_opt_policy(struct cw_session_opts *o, const char *name_eq_file);

/*
 * Open the log, load every policy and the monitor.  0, or negative errno
 * with the reason in @err; nothing stays open then.
 */
int cw_session_open(struct cw_session **out, const struct cw_session_opts *o,
		    char *err, size_t errlen);
/* Close everything (drain and report the last losses first: cw_session_finish()). */
void cw_session_close(struct cw_session *s);

struct cw_policy *cw_session_policy(struct cw_session *s, const char *name);

/*
 * SIGHUP: every policy file again, all or none; either way one
 * rules-reload record says how it went.  0, or negative errno (nothing
 * changed).
 */
int cw_session_reload(struct cw_session *s);

/* @doc (consumed; NULL counts as a write error) about cell @cell_id (0: none) to every output. */
void cw_session_emit(struct cw_session *s, json_t *doc, __u64 cell_id);

/* One of the session's own records (daemon-started ...); @error: its failure, or NULL. */
void cw_session_notice(struct cw_session *s, const char *action, const char *category,
		       const char *type, const char *error);

/*
 * Losses not reported yet: of cell @cell_id alone, or (0) of every cell and
 * of the rings.  A cell that lost a critical record is ended, and said so.
 */
void cw_session_report_loss(struct cw_session *s, __u64 cell_id);

/* Deliver what the rings still hold, then report the last losses (as cw_session_report_loss()). */
void cw_session_finish(struct cw_session *s, __u64 cell_id);

/* SIGUSR1: open the log file again (logrotate moved it); said on stderr. */
void cw_session_reopen_log(struct cw_session *s);

/* One line on stderr: events, folds, losses, kills, write errors. */
void cw_session_say_stats(struct cw_session *s);

/* "syscall hooks: ...; BPF-LSM: ..." on stderr. */
void cw_session_say_backend(struct cw_session *s);

#endif /* CW_SESSION_H */
