// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * journald's native protocol, written from its documented wire format
 * (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/), without libsystemd: the
 * daemon needs one datagram format, not a library and its dependencies.
 */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "rfc5424.h"

/* Append @plen bytes to @buf at *@n, as far as they fit; *@n counts what was wanted. */
static void put(char *buf, size_t len, size_t *n, const void *p, size_t plen)
{
	if (*n < len)
		memcpy(buf + *n, p, plen < len - *n ? plen : len - *n);
	*n += plen;
}

/*
 * One field.  "NAME=value\n" ends at the first newline, so a value with
 * one goes in the binary framing, which keeps it whole: "NAME\n", its
 * length (64 bits, little-endian), the value, "\n".
 */
static void put_field(char *buf, size_t len, size_t *n, const char *name, const char *v,
		      size_t vlen)
{
	put(buf, len, n, name, strlen(name));
	if (memchr(v, '\n', vlen)) {
		uint64_t le = htole64(vlen);

		put(buf, len, n, "\n", 1);
		put(buf, len, n, &le, sizeof(le));
	} else {
		put(buf, len, n, "=", 1);
	}
	put(buf, len, n, v, vlen);
	put(buf, len, n, "\n", 1);
}

static void put_number(char *buf, size_t len, size_t *n, const char *name, long long v)
{
	char num[32];

	put_field(buf, len, n, name, num, snprintf(num, sizeof(num), "%lld", v));
}

/* A string's bytes or an integer's digits; nothing for an absent field or an empty string. */
static void put_value(char *buf, size_t len, size_t *n, const char *name, json_t *v)
{
	if (json_is_integer(v))
		put_number(buf, len, n, name, json_integer_value(v));
	else if (json_is_string(v) && json_string_length(v))
		put_field(buf, len, n, name, json_string_value(v), json_string_length(v));
}

static json_t *get(json_t *doc, const char *const path[3])
{
	for (int i = 0; i < 3 && path[i]; i++)
		doc = json_object_get(doc, path[i]);
	return doc;
}

/*
 * MESSAGE as one ASCII line, escaped as the document's JSON escapes it: a
 * newline, a bidi override or a zero-width character from a cell cannot
 * forge or hide anything in `journalctl`.  NULL when @doc has no text.
 */
static char *message(json_t *doc, size_t *len)
{
	static const char *const message_path[3] = { "message" };
	static const char *const action_path[3] = { "event", "action" };
	json_t *v = get(doc, message_path);
	char *s;

	if (!json_is_string(v) || !json_string_length(v))
		v = get(doc, action_path);
	if (!json_is_string(v) || !json_string_length(v))
		return NULL;
	s = json_dumps(v, CW_SYSLOG_JSON | JSON_ENCODE_ANY);
	if (!s)
		return NULL;
	/* Without the quotes. */
	*len = strlen(s) - 2;
	memmove(s, s + 1, *len);
	s[*len] = '\0';
	return s;
}

int cw_journal_format(char *buf, size_t len, int facility, int severity, int pid, json_t *doc)
{
	static const struct {
		const char *name, *path[3];
	} fields[] = {
		{ "CELLWATCH_RULE", { "rule", "name" } },
		{ "CELLWATCH_CELL", { "cellwatch", "cell", "id" } },
		{ "CELLWATCH_RUN", { "cellwatch", "run_id" } },
		{ "CELLWATCH_ACTION", { "cellwatch", "action" } },
		{ "CELLWATCH_LAYER", { "cellwatch", "layer" } },
	};
	char *ecs = json_dumps(doc, CW_SYSLOG_JSON), *msg;
	size_t n = 0, msg_len;

	if (!ecs)
		return -ENOMEM;
	msg = message(doc, &msg_len);
	if (msg)
		put_field(buf, len, &n, "MESSAGE", msg, msg_len);
	put_number(buf, len, &n, "PRIORITY", severity);
	put_number(buf, len, &n, "SYSLOG_FACILITY", facility >> 3);
	put_field(buf, len, &n, "SYSLOG_IDENTIFIER", "cellwatch", strlen("cellwatch"));
	put_number(buf, len, &n, "SYSLOG_PID", pid);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		put_value(buf, len, &n, fields[i].name, get(doc, fields[i].path));
	put_field(buf, len, &n, "CELLWATCH_ECS", ecs, strlen(ecs));
	free(msg);
	free(ecs);
	return n > INT_MAX ? -EMSGSIZE : (int)n;
}
