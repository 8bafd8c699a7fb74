// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "session.h"
#include "shorten.h"
#include "syslog_out.h"

struct cw_syslog {
	int fd;
	enum cw_syslog_proto proto;	/* CW_SYSLOG_JOURNAL or CW_SYSLOG_RFC5424 */
	int facility;
	size_t max_bytes;
	char *buf;			/* max_bytes, and room for snprintf's NUL */
	struct sockaddr_un addr;
	char sd_id[64];
	char hostname[256];
	char target[160];
};

int cw_syslog_proto_parse(const char *s, enum cw_syslog_proto *out)
{
	static const char *const names[] = {
		[CW_SYSLOG_AUTO] = "auto",
		[CW_SYSLOG_JOURNAL] = "journal",
		[CW_SYSLOG_RFC5424] = "rfc5424",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

enum cw_syslog_proto cw_syslog_choose(enum cw_syslog_proto proto, const char *path,
				      const char *journal)
{
	struct stat st;

	if (proto != CW_SYSLOG_AUTO)
		return proto;
	if (path)
		return CW_SYSLOG_RFC5424;
	/* Where journald owns /dev/log, it would keep an RFC 5424 line as one opaque MESSAGE. */
	return !stat(journal, &st) && S_ISSOCK(st.st_mode) ? CW_SYSLOG_JOURNAL : CW_SYSLOG_RFC5424;
}

static int reconnect(struct cw_syslog *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	if (connect(s->fd, (struct sockaddr *)&s->addr, sizeof(s->addr)))
		return -errno;
	return 0;
}

struct cw_syslog *cw_syslog_open(const struct cw_syslog_opts *o, char *err, size_t errlen)
{
	enum cw_syslog_proto proto = cw_syslog_choose(o->proto, o->path, CW_JOURNAL_SOCKET);
	bool journal = proto == CW_SYSLOG_JOURNAL;
	const char *path = o->path ?: journal ? CW_JOURNAL_SOCKET : CW_SYSLOG_SOCKET;
	const char *what = journal ? "journald" : "syslog";
	struct cw_syslog *s = calloc(1, sizeof(*s));
	int ret;

	if (!s || strlen(path) >= sizeof(s->addr.sun_path)) {
		snprintf(err, errlen, "%s %s: %s", what, path, s ? "path too long" : "out of memory");
		free(s);
		return NULL;
	}
	s->fd = -1;
	s->proto = proto;
	s->facility = o->facility;
	s->max_bytes = o->max_bytes ?: CW_SYSLOG_MAX_BYTES_DEFAULT;
	s->addr.sun_family = AF_UNIX;
	strcpy(s->addr.sun_path, path);
	snprintf(s->sd_id, sizeof(s->sd_id), "%s", o->sd_id ?: CW_SYSLOG_SD_ID);
	snprintf(s->target, sizeof(s->target), "%s (%s)", journal ? "journald" :
		 "syslog as RFC 5424", path);
	if (gethostname(s->hostname, sizeof(s->hostname) - 1) || !s->hostname[0])
		strcpy(s->hostname, "-");
	s->buf = malloc(s->max_bytes + 1);
	ret = s->buf ? reconnect(s) : -ENOMEM;
	if (ret) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(-ret));
		cw_syslog_close(s);
		return NULL;
	}
	return s;
}

void cw_syslog_close(struct cw_syslog *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	free(s);
}

const char *cw_syslog_target(const struct cw_syslog *s)
{
	return s->target;
}

/* @doc as one datagram in s->buf: the length it takes (fits when at most max_bytes), or -ENOMEM. */
static int format(struct cw_syslog *s, int severity, json_t *doc)
{
	if (s->proto == CW_SYSLOG_JOURNAL)
		return cw_journal_format(s->buf, s->max_bytes + 1, s->facility, severity, getpid(),
					 doc);
	return cw_rfc5424_format(s->buf, s->max_bytes + 1, s->sd_id, s->facility, severity,
				 s->hostname, getpid(), doc);
}

static bool too_long(const struct cw_syslog *s, int n)
{
	return n >= 0 && (size_t)n > s->max_bytes;
}

struct measure_ctx {
	struct cw_syslog *s;
	int severity;
};

/* The datagram's length for @doc: its JSON and the fields made of its values (MESSAGE...). */
static size_t datagram_size(json_t *doc, void *ctx)
{
	struct measure_ctx *m = ctx;
	int n = format(m->s, m->severity, doc);

	return n > 0 ? (size_t)n : 0;
}

/* A shortened copy of @doc formatted: the length, or -EMSGSIZE when even that is too long. */
static int format_shortened(struct cw_syslog *s, int severity, json_t *doc)
{
	struct measure_ctx m = { s, severity };
	json_t *copy = json_deep_copy(doc);
	int n;

	if (!copy)
		return -ENOMEM;
	n = cw_ecs_shorten(copy, s->max_bytes, CW_SYSLOG_JSON, "syslog", datagram_size, &m);
	if (!n)
		n = format(s, severity, copy);
	json_decref(copy);
	return too_long(s, n) ? -EMSGSIZE : n;
}

/* The @n bytes formatted in s->buf as one datagram. */
static int send_datagram(struct cw_syslog *s, int n)
{
	if (send(s->fd, s->buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) == n)
		return 0;
	/* The log daemon restarted: its socket is a new one. */
	if ((errno == ECONNREFUSED || errno == ENOTCONN) && !reconnect(s) &&
	    send(s->fd, s->buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) == n)
		return 0;
	return -errno;
}

int cw_syslog_send(struct cw_syslog *s, int severity, json_t *doc)
{
	int n = format(s, severity, doc);

	if (too_long(s, n))
		n = format_shortened(s, severity, doc);
	return n < 0 ? n : send_datagram(s, n);
}

int cw_syslog_send_record(struct cw_syslog *s, struct cw_record *rec)
{
	json_t *doc;

	if (s->proto == CW_SYSLOG_RFC5424 && rec->fields && rec->line) {
		int n = cw_rfc5424_format_line(s->buf, s->max_bytes + 1, s->sd_id, s->facility,
					       s->hostname, getpid(), rec->fields, rec->line,
					       rec->len - 1);

		if (n >= 0 && !too_long(s, n))
			return send_datagram(s, n);
	}
	doc = cw_record_doc(rec);
	return doc ? cw_syslog_send(s, cw_syslog_severity(doc), doc) : -ENOMEM;
}
