/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Outputs: events as JSON lines with Elastic Common Schema field names, and
 * one-line human alerts.  A line is written with a single write(2), whole or
 * not at all.
 */
#ifndef CW_OUTPUT_H
#define CW_OUTPUT_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>
#include "doc.h"
#include "event.h"

#define CW_SCHEMA_VERSION "1"
#define CW_ECS_VERSION "8.11.0"

/*
 * The ECS record of @ev, added to @doc (cw_doc_line() writes it).  0,
 * -EINVAL for an event of no known kind, or -ENOMEM.
 */
int cw_event_to_doc(struct cw_doc *doc, const struct cw_event *ev);

/* The same as a document, for what reads it as one.  NULL on error. */
json_t *cw_event_to_ecs(const struct cw_event *ev);

/* The ECS document reporting @lost events dropped by the kernel side (@total so far). */
json_t *cw_loss_to_ecs(__u64 realtime_ns, __u64 lost, __u64 total);
/*
 * The ECS document reporting one cell's losses: @fresh since its previous
 * report, @total since it was registered.  An alert (kill-run, rule
 * "events-lost") once a critical record was lost, else a metric.
 */
json_t *cw_cell_loss_to_ecs(__u64 realtime_ns, __u64 cell_id, const struct cw_cell_loss *fresh,
			    const struct cw_cell_loss *total);

/*
 * A record of cellwatch's own (event.kind "event"): a cell registered or
 * ended, a rules reload, the daemon starting.  NULL on allocation failure.
 */
json_t *cw_notice_to_ecs(__u64 realtime_ns, const char *action, const char *category,
			 const char *type);

/* event.kind of @doc is "alert". */
bool cw_ecs_is_alert(json_t *doc);

/* Set the dotted @path ("cellwatch.run_id") of @doc to @val (taken); 0 or -ENOMEM. */
int cw_json_set(json_t *doc, const char *path, json_t *val);

/*
 * A label key as ECS keeps it, in place: its dots become '_', or
 * Elasticsearch reads "app.kubernetes.io/name" as an object path.  The
 * daemon writes keys so, and tail looks them up so.
 */
void cw_ecs_label_key(char *key);

/*
 * @doc as one line of compact ASCII JSON and its newline, NUL-terminated,
 * for every output of a record to share: *@len counts the newline.  NULL
 * on error.  The caller frees it.
 */
char *cw_json_line(json_t *doc, size_t *len);

/*
 * Write @len bytes of @line to @fd, whole or not at all: on a short write
 * to a regular file the partial line is cut off again.  0 or negative errno.
 */
int cw_write_line(int fd, const char *line, size_t len);

/* cw_json_line() then cw_write_line(). */
int cw_write_json_line(int fd, json_t *doc);

/* Format "2026-11-22T10:11:12.123456Z" into @buf (at least 32 bytes). */
void cw_format_time(__u64 realtime_ns, char *buf, size_t len);

/* One human-readable line describing an alert, no newline. */
void cw_format_alert(const struct cw_event *ev, char *buf, size_t len);

#endif /* CW_OUTPUT_H */
