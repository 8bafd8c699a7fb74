/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Alerts to the system log over a unix datagram socket, one datagram per
 * record, whole or not sent: journald's native protocol (journal.h) where
 * journald runs, else RFC 5424 (rfc5424.h) for the syslog daemon on
 * /dev/log.  A record longer than a datagram may be goes out shortened
 * (shorten.h): valid JSON, marked, the full record in the daemon's log.
 */
#ifndef CW_SYSLOG_OUT_H
#define CW_SYSLOG_OUT_H

#include <stddef.h>
#include <jansson.h>

#include "journal.h"
#include "rfc5424.h"

#define CW_SYSLOG_SOCKET		"/dev/log"
/* rsyslog's default $MaxMessageSize: a longer datagram it cuts, mid-JSON. */
#define CW_SYSLOG_MAX_BYTES_DEFAULT	8192
/* Under the default socket send buffer (net.core.wmem_default), with room to spare. */
#define CW_SYSLOG_MAX_BYTES_MAX		(128 * 1024)

enum cw_syslog_proto {
	CW_SYSLOG_AUTO,		/* journald if it runs, else RFC 5424: cw_syslog_choose() */
	CW_SYSLOG_JOURNAL,
	CW_SYSLOG_RFC5424,
};

struct cw_syslog_opts {
	enum cw_syslog_proto proto;
	const char *path;	/* the socket; NULL: the protocol's own */
	size_t max_bytes;	/* of a datagram, whole; 0: CW_SYSLOG_MAX_BYTES_DEFAULT */
	const char *sd_id;	/* RFC 5424's SD-ID; NULL: CW_SYSLOG_SD_ID */
	int facility;		/* LOG_AUTHPRIV, ... */
};

/* "auto", "journal" or "rfc5424" into *@out: 0, or -EINVAL. */
int cw_syslog_proto_parse(const char *s, enum cw_syslog_proto *out);

/*
 * What @proto means here: itself unless CW_SYSLOG_AUTO.  Auto is RFC 5424
 * when a socket @path was named (most likely a syslog daemon's), else
 * journald when @journal (CW_JOURNAL_SOCKET) is a socket, else RFC 5424.
 */
enum cw_syslog_proto cw_syslog_choose(enum cw_syslog_proto proto, const char *path,
				      const char *journal);

/* Connect as @o says (auto: cw_syslog_choose()); NULL with a message in @err. */
struct cw_syslog *cw_syslog_open(const struct cw_syslog_opts *o, char *err, size_t errlen);
void cw_syslog_close(struct cw_syslog *s);

/* Where alerts go, for people: "journald (/run/systemd/journal/socket)". */
const char *cw_syslog_target(const struct cw_syslog *s);

/*
 * Send @doc with @severity (LOG_EMERG .. LOG_DEBUG), shortened on a copy
 * if it would not fit max_bytes (@doc stays as it was).  0 or negative
 * errno: -EMSGSIZE when even shortened it does not fit.
 */
int cw_syslog_send(struct cw_syslog *s, int severity, json_t *doc);

/*
 * Send record @rec: an event's as its log line under the header its fields
 * make, when RFC 5424 and it fits; else as cw_syslog_send() its document.
 */
struct cw_record;
int cw_syslog_send_record(struct cw_syslog *s, struct cw_record *rec);

#endif /* CW_SYSLOG_OUT_H */
