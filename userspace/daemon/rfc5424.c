// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "doc.h"
#include "rfc5424.h"

/* SD-NAME characters (RFC 5424 section 6): printable US-ASCII but these. */
#define SD_NAME_NOT	"=]\""
#define SD_NAME_MAX	32

const char *cw_syslog_sd_id_check(const char *id)
{
	const char *at = strchr(id, '@');
	size_t len = strlen(id);

	if (!len || len > SD_NAME_MAX)
		return "an SD-ID has 1 to 32 characters";
	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		if (*p <= ' ' || *p >= 0x7f || strchr(SD_NAME_NOT, *p))
			return "an SD-ID is printable ASCII without space, '=', ']' or '\"'";
	}
	/* A name not registered with IANA carries an enterprise number (RFC 5424 section 6.3.2). */
	if (!at || at == id || !at[1] || strspn(at + 1, "0123456789") != strlen(at + 1))
		return "not NAME@PEN (a name, '@', a private enterprise number in digits)";
	return NULL;
}

static json_t *field(json_t *doc, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(doc, a);

	if (b)
		v = json_object_get(v, b);
	if (c)
		v = json_object_get(v, c);
	return v;
}

int cw_syslog_severity_of(const char *level)
{
	static const char *const names[] = {
		"emergency", "alert", "critical", "error", "warning", "notice", "informational",
		"debug",
	};

	for (int i = 0; level && i < 8; i++) {
		if (!strcmp(level, names[i]))
			return i;
	}
	return LOG_NOTICE;
}

int cw_syslog_severity(json_t *doc)
{
	return cw_syslog_severity_of(json_string_value(field(doc, "log", "level", NULL)));
}

/* Append to @buf at *@n, as far as it fits; *@n counts what was wanted. */
static void put(char *buf, size_t len, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(*n < len ? buf + *n : NULL, *n < len ? len - *n : 0, fmt, ap);
	va_end(ap);
	if (w > 0)
		*n += w;
}

/* One SD-PARAM, none if @s is NULL; '"', '\' and ']' escaped as RFC 5424 section 6.3.3 asks. */
static void put_param(char *buf, size_t len, size_t *n, const char *name, const char *s)
{
	if (!s)
		return;
	put(buf, len, n, " %s=\"", name);
	for (; *s; s++) {
		/* Names, ids and labels are the operator's, yet nothing of them forges a line. */
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			put(buf, len, n, "?");
		else
			put(buf, len, n, "%s%c", strchr("\"\\]", *s) ? "\\" : "", *s);
	}
	put(buf, len, n, "\"");
}

/* What the header and the structured data are made of: NULL where the record has none. */
struct head {
	const char *timestamp, *msgid;
	const char *cell, *run, *rule, *action, *layer;
};

static int format_message(char *buf, size_t len, const char *sd_id, int pri, const char *hostname,
			  int pid, const struct head *h, const char *msg, size_t msg_len)
{
	size_t n = 0;

	if (msg_len > INT_MAX)
		return -EMSGSIZE;
	put(buf, len, &n, "<%d>1 %s %s cellwatch %d %.32s [%s", pri, h->timestamp ?: "-",
	    hostname, pid, h->msgid ?: "-", sd_id);
	put_param(buf, len, &n, "cell", h->cell);
	put_param(buf, len, &n, "run", h->run);
	put_param(buf, len, &n, "rule", h->rule);
	put_param(buf, len, &n, "action", h->action);
	put_param(buf, len, &n, "layer", h->layer);
	put(buf, len, &n, "] %.*s", (int)msg_len, msg);
	return n > INT_MAX ? -EMSGSIZE : (int)n;
}

/* @v as an SD-PARAM's value: a string, or an integer written into @num. */
static const char *json_param(json_t *v, char *num, size_t len)
{
	if (!json_is_integer(v))
		return json_string_value(v);
	snprintf(num, len, "%lld", (long long)json_integer_value(v));
	return num;
}

int cw_rfc5424_format(char *buf, size_t len, const char *sd_id, int facility, int severity,
		      const char *hostname, int pid, json_t *doc)
{
	char cell[24];
	struct head h = {
		.timestamp = json_string_value(json_object_get(doc, "@timestamp")),
		.msgid = json_string_value(field(doc, "event", "action", NULL)),
		.cell = json_param(field(doc, "cellwatch", "cell", "id"), cell, sizeof(cell)),
		.run = json_string_value(field(doc, "cellwatch", "run_id", NULL)),
		.rule = json_string_value(field(doc, "rule", "name", NULL)),
		.action = json_string_value(field(doc, "cellwatch", "action", NULL)),
		.layer = json_string_value(field(doc, "cellwatch", "layer", NULL)),
	};
	/* ASCII only: a bidi override or zero-width character from a cell shows escaped. */
	char *msg = json_dumps(doc, CW_SYSLOG_JSON);
	int n;

	if (!msg)
		return -ENOMEM;
	n = format_message(buf, len, sd_id, facility | severity, hostname, pid, &h, msg,
			   strlen(msg));
	free(msg);
	return n;
}

int cw_rfc5424_format_line(char *buf, size_t len, const char *sd_id, int facility,
			   const char *hostname, int pid, const struct cw_doc *doc,
			   const char *line, size_t line_len)
{
	char cell[24];
	long long id;
	struct head h = {
		.timestamp = cw_doc_get_str(doc, "@timestamp"),
		.msgid = cw_doc_get_str(doc, "event.action"),
		.run = cw_doc_get_str(doc, "cellwatch.run_id"),
		.rule = cw_doc_get_str(doc, "rule.name"),
		.action = cw_doc_get_str(doc, "cellwatch.action"),
		.layer = cw_doc_get_str(doc, "cellwatch.layer"),
	};
	int severity = cw_syslog_severity_of(cw_doc_get_str(doc, "log.level"));

	if (cw_doc_get_int(doc, "cellwatch.cell.id", &id)) {
		snprintf(cell, sizeof(cell), "%lld", id);
		h.cell = cell;
	}
	return format_message(buf, len, sd_id, facility | severity, hostname, pid, &h, line,
			      line_len);
}

int cw_syslog_format(char *buf, size_t len, int facility, int severity, const char *hostname,
		     int pid, json_t *doc)
{
	int n = cw_rfc5424_format(buf, len, CW_SYSLOG_SD_ID, facility, severity, hostname, pid,
				  doc);

	return n >= 0 && (size_t)n >= len ? -EMSGSIZE : n;
}
