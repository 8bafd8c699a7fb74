/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Alerts to syslog as RFC 5424 messages over a unix datagram socket
 * (/dev/log): one datagram per record, whole or not sent.
 */
#ifndef CW_SYSLOG5424_H
#define CW_SYSLOG5424_H

#include <stddef.h>
#include <jansson.h>

struct cw_syslog;

/* Connect to @path (NULL: /dev/log); @facility a LOG_* value.  NULL with a message in @err. */
struct cw_syslog *cw_syslog_open(const char *path, int facility, char *err, size_t errlen);
void cw_syslog_close(struct cw_syslog *s);

/*
 * Format ECS document @doc as one RFC 5424 message into @buf: the header,
 * structured data naming the cell, rule, action and layer, and the
 * document as the message.  The length, or -EMSGSIZE when it does not fit.
 */
int cw_syslog_format(char *buf, size_t len, int facility, int severity, const char *hostname,
		     int pid, json_t *doc);

/* Send @doc with @severity (LOG_EMERG .. LOG_DEBUG); 0 or negative errno. */
int cw_syslog_send(struct cw_syslog *s, int severity, json_t *doc);

/* The severity for @doc's log.level; LOG_NOTICE when it has none. */
int cw_syslog_severity(json_t *doc);

#endif /* CW_SYSLOG5424_H */
