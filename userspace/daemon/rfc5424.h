/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Alerts as RFC 5424 messages, for a syslog daemon on /dev/log (rsyslog,
 * syslog-ng): the header, structured data naming the cell, rule, action
 * and layer, and the ECS document as the message.  Sending is syslog_out.h's.
 */
#ifndef CW_SYSLOG5424_H
#define CW_SYSLOG5424_H

#include <stddef.h>
#include <jansson.h>

struct cw_doc;

/*
 * The SD-ID when --syslog-sd-id names none.  32473 is the example
 * enterprise number (RFC 5612): an operator with an IANA Private
 * Enterprise Number sets theirs.
 */
#define CW_SYSLOG_SD_ID		"cellwatch@32473"

/* How both syslog formats dump the document: one line, ASCII (no bidi or zero-width trick). */
#define CW_SYSLOG_JSON		(JSON_COMPACT | JSON_ENSURE_ASCII)

/*
 * Why @id is no SD-ID of the form NAME@PEN (RFC 5424 section 6.3.2: 1 to
 * 32 printable US-ASCII characters but '=', ']', '"', an '@' and the
 * private enterprise number in digits after it); NULL when it is one.
 */
const char *cw_syslog_sd_id_check(const char *id);

/*
 * Format ECS document @doc as one RFC 5424 message with SD-ID @sd_id into
 * @buf.  The length the message takes, snprintf's way (whole only when
 * less than @len), or -ENOMEM.
 */
int cw_rfc5424_format(char *buf, size_t len, const char *sd_id, int facility, int severity,
		      const char *hostname, int pid, json_t *doc);

/*
 * The same for a record the log already has as @line (@line_len bytes, no
 * newline), made of @doc: the line is the message, as cw_rfc5424_format()
 * would dump it, and nothing is parsed or written twice.
 */
int cw_rfc5424_format_line(char *buf, size_t len, const char *sd_id, int facility,
			   const char *hostname, int pid, const struct cw_doc *doc,
			   const char *line, size_t line_len);

/* The same with CW_SYSLOG_SD_ID: the length, or -EMSGSIZE when it does not fit. */
int cw_syslog_format(char *buf, size_t len, int facility, int severity, const char *hostname,
		     int pid, json_t *doc);

/* The severity for @doc's log.level, or for @level; LOG_NOTICE when it has none. */
int cw_syslog_severity(json_t *doc);
int cw_syslog_severity_of(const char *level);

#endif /* CW_SYSLOG5424_H */
