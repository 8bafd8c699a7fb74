/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Alerts in journald's native protocol (systemd's "Native Journal
 * Protocol"): one datagram to /run/systemd/journal/socket per record,
 * each field "NAME=value\n", or, for a value holding a newline, "NAME\n",
 * the value's length as 64-bit little-endian, the value and "\n".  journald
 * keeps each field, so `journalctl CELLWATCH_RULE=shell-spawn` finds an
 * alert and CELLWATCH_ECS holds its whole document.
 */
#ifndef CW_JOURNAL_H
#define CW_JOURNAL_H

#include <stddef.h>
#include <jansson.h>

#define CW_JOURNAL_SOCKET	"/run/systemd/journal/socket"

/*
 * Format ECS document @doc as one native-protocol datagram into @buf:
 * MESSAGE (its message, else event.action, escaped to one ASCII line as
 * JSON escapes a string), PRIORITY @severity, SYSLOG_FACILITY of
 * @facility (a LOG_* value), SYSLOG_IDENTIFIER, SYSLOG_PID @pid, the
 * CELLWATCH_ fields the document has a value for, and CELLWATCH_ECS, the
 * document as compact ASCII JSON.  The length the datagram takes,
 * snprintf's way (whole only when less than @len), or -ENOMEM.
 */
int cw_journal_format(char *buf, size_t len, int facility, int severity, int pid, json_t *doc);

#endif /* CW_JOURNAL_H */
