// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rfc5424.h"

#define SD_ID "cellwatch@32473"		/* 32473: the example enterprise number (RFC 5612) */

struct cw_syslog {
	int fd;
	int facility;
	struct sockaddr_un addr;
	char hostname[256];
};

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

struct cw_syslog *cw_syslog_open(const char *path, int facility, char *err, size_t errlen)
{
	struct cw_syslog *s = calloc(1, sizeof(*s));
	int ret;

	path = path ?: "/dev/log";
	if (!s || strlen(path) >= sizeof(s->addr.sun_path)) {
		snprintf(err, errlen, "syslog %s: %s", path, s ? "path too long" : "out of memory");
		free(s);
		return NULL;
	}
	s->fd = -1;
	s->facility = facility;
	s->addr.sun_family = AF_UNIX;
	strcpy(s->addr.sun_path, path);
	if (gethostname(s->hostname, sizeof(s->hostname) - 1) || !s->hostname[0])
		strcpy(s->hostname, "-");
	ret = reconnect(s);
	if (ret) {
		snprintf(err, errlen, "syslog %s: %s", path, strerror(-ret));
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
	free(s);
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

int cw_syslog_severity(json_t *doc)
{
	static const char *const names[] = {
		"emergency", "alert", "critical", "error", "warning", "notice", "informational",
		"debug",
	};
	const char *level = json_string_value(field(doc, "log", "level", NULL));

	for (int i = 0; level && i < 8; i++) {
		if (!strcmp(level, names[i]))
			return i;
	}
	return LOG_NOTICE;
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

/* One SD-PARAM; '"', '\' and ']' escaped as RFC 5424 section 6.3.3 asks. */
static void put_param(char *buf, size_t len, size_t *n, const char *name, json_t *v)
{
	char num[32];
	const char *s = json_string_value(v);

	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		s = num;
	}
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

int cw_syslog_format(char *buf, size_t len, int facility, int severity, const char *hostname,
		     int pid, json_t *doc)
{
	const char *ts = json_string_value(json_object_get(doc, "@timestamp"));
	const char *msgid = json_string_value(field(doc, "event", "action", NULL));
	/* ASCII only: a bidi override or zero-width character from a cell shows escaped. */
	char *msg = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
	size_t n = 0;

	if (!msg)
		return -ENOMEM;
	put(buf, len, &n, "<%d>1 %s %s cellwatch %d %.32s [" SD_ID, facility | severity,
	    ts ?: "-", hostname, pid, msgid ?: "-");
	put_param(buf, len, &n, "cell", field(doc, "cellwatch", "cell", "id"));
	put_param(buf, len, &n, "run", field(doc, "cellwatch", "run_id", NULL));
	put_param(buf, len, &n, "rule", field(doc, "rule", "name", NULL));
	put_param(buf, len, &n, "action", field(doc, "cellwatch", "action", NULL));
	put_param(buf, len, &n, "layer", field(doc, "cellwatch", "layer", NULL));
	put(buf, len, &n, "] %s", msg);
	free(msg);
	return n < len ? (int)n : -EMSGSIZE;
}

int cw_syslog_send(struct cw_syslog *s, int severity, json_t *doc)
{
	static char buf[65536];
	int n = cw_syslog_format(buf, sizeof(buf), s->facility, severity, s->hostname, getpid(),
				 doc);

	if (n < 0)
		return n;
	if (send(s->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) == n)
		return 0;
	/* The syslog daemon restarted: its socket is a new one. */
	if ((errno == ECONNREFUSED || errno == ENOTCONN) && !reconnect(s) &&
	    send(s->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) == n)
		return 0;
	return -errno;
}
