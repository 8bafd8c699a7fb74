// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Alerts in journald's native protocol: the datagram parsed back as
 * journald parses it (both framings), the fields a record has and only
 * those, the size limit; and a daemon's alert from a real cell, as
 * journal fields on a socket standing in for journald's.
 */
#include <endian.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "ecs.h"
#include "daemon/syslog_out.h"
#include "test.h"

#define MAX_FIELDS	32

struct field {
	char name[64];
	const char *value;	/* into the datagram, not NUL-terminated */
	size_t len;
	bool binary;		/* sent as NAME\n, 64-bit length, value */
};

/*
 * The fields of native-protocol datagram @buf (@n bytes), in order, as
 * journald reads them: how many, or -1 (and a failure) when malformed.
 */
static int parse(const char *buf, size_t n, struct field *f, int max)
{
	size_t i = 0;
	int count = 0;

	while (i < n && count < max) {
		const char *start = buf + i, *nl = memchr(start, '\n', n - i), *eq;
		size_t name_len;

		if (!ASSERT_OK_PTR(nl, "every field ends with a newline"))
			return -1;
		eq = memchr(start, '=', nl - start);
		name_len = (eq ?: nl) - start;
		if (!ASSERT_TRUE(name_len && name_len < sizeof(f->name), "a field name"))
			return -1;
		memcpy(f[count].name, start, name_len);
		f[count].name[name_len] = '\0';
		f[count].binary = !eq;
		if (eq) {
			f[count].value = eq + 1;
			f[count].len = nl - (eq + 1);
			i = nl + 1 - buf;
		} else {
			size_t at = nl + 1 - buf;
			uint64_t le;

			if (!ASSERT_TRUE(n - at >= sizeof(le), "a binary field's length"))
				return -1;
			memcpy(&le, buf + at, sizeof(le));
			at += sizeof(le);
			f[count].value = buf + at;
			f[count].len = le64toh(le);
			if (!ASSERT_TRUE(f[count].len < n - at && buf[at + f[count].len] == '\n',
					 "a binary field's value, then a newline"))
				return -1;
			i = at + f[count].len + 1;
		}
		count++;
	}
	return ASSERT_EQ(i, n, "nothing after the last field") ? count : -1;
}

/* Field @name's value, NUL-terminated in a static buffer (one per call slot 0..3), or NULL. */
static const char *value(const struct field *f, int n, const char *name, int slot)
{
	static char buf[4][131072];

	for (int i = 0; i < n; i++) {
		if (strcmp(f[i].name, name))
			continue;
		snprintf(buf[slot], sizeof(buf[slot]), "%.*s", (int)f[i].len, f[i].value);
		return buf[slot];
	}
	return NULL;
}

static const struct field *find(const struct field *f, int n, const char *name)
{
	for (int i = 0; i < n; i++) {
		if (!strcmp(f[i].name, name))
			return &f[i];
	}
	return NULL;
}

static json_t *alert_doc(void)
{
	return json_pack("{s:s, s:{s:s}, s:{s:s, s:s}, s:{s:s}, s:s, s:{s:{s:i}, s:s, s:s, s:s}}",
			 "@timestamp", "2026-11-22T10:11:12.123456Z",
			 "log", "level", "critical",
			 "event", "kind", "alert", "action", "exec",
			 "rule", "name", "shell-spawn",
			 "message", "shell-spawn: exec /usr/bin/dash (kill, kernel)",
			 "cellwatch", "cell", "id", 7, "action", "kill", "layer", "kernel",
			 "run_id", "job-42");
}

/* @doc formatted: the datagram's length in @buf, or -1 (and a failure). */
static int format(char *buf, size_t len, json_t *doc)
{
	int n = doc ? cw_journal_format(buf, len, LOG_AUTHPRIV, LOG_CRIT, 4242, doc) : -1;

	if (!ASSERT_TRUE(n > 0 && (size_t)n < len, "formatted whole"))
		return -1;
	return n;
}

UNIT_TEST(journal_datagram_parses_back)
{
	static const char *const names[] = {
		"MESSAGE", "PRIORITY", "SYSLOG_FACILITY", "SYSLOG_IDENTIFIER", "SYSLOG_PID",
		"CELLWATCH_RULE", "CELLWATCH_CELL", "CELLWATCH_RUN", "CELLWATCH_ACTION",
		"CELLWATCH_LAYER", "CELLWATCH_ECS",
	};
	struct field f[MAX_FIELDS];
	json_t *doc = alert_doc(), *back = NULL;
	char buf[8192];
	int n;

	n = format(buf, sizeof(buf), doc);
	n = n > 0 ? parse(buf, n, f, MAX_FIELDS) : -1;
	if (!ASSERT_EQ(n, 11, "fields"))
		goto cleanup;
	for (int i = 0; i < n; i++)
		ASSERT_STREQ(f[i].name, names[i], "in this order");
	ASSERT_STREQ(value(f, n, "MESSAGE", 0), "shell-spawn: exec /usr/bin/dash (kill, kernel)",
		     "the record's message");
	ASSERT_STREQ(value(f, n, "PRIORITY", 0), "2", "critical");
	ASSERT_STREQ(value(f, n, "SYSLOG_FACILITY", 0), "10", "authpriv");
	ASSERT_STREQ(value(f, n, "SYSLOG_IDENTIFIER", 0), "cellwatch", "identifier");
	ASSERT_STREQ(value(f, n, "SYSLOG_PID", 0), "4242", "pid");
	ASSERT_STREQ(value(f, n, "CELLWATCH_RULE", 0), "shell-spawn", "rule");
	ASSERT_STREQ(value(f, n, "CELLWATCH_CELL", 0), "7", "cell id, an integer");
	ASSERT_STREQ(value(f, n, "CELLWATCH_RUN", 0), "job-42", "run id");
	ASSERT_STREQ(value(f, n, "CELLWATCH_ACTION", 0), "kill", "action");
	ASSERT_STREQ(value(f, n, "CELLWATCH_LAYER", 0), "kernel", "layer");
	back = json_loads(value(f, n, "CELLWATCH_ECS", 0), 0, NULL);
	ASSERT_TRUE(back && json_equal(back, doc), "CELLWATCH_ECS parses back to the document");
	for (int i = 0; i < n; i++)
		ASSERT_FALSE(f[i].binary, "no newline anywhere: every field NAME=value");
cleanup:
	json_decref(back);
	json_decref(doc);
}

/*
 * A value with a newline goes in the binary framing and comes back whole;
 * the message stays one line (escaped), and CELLWATCH_ECS carries the
 * newline escaped, as JSON does, in a plain field.
 */
UNIT_TEST(journal_binary_framing_keeps_a_newline)
{
	static const char rule[] = "line one\nline two";
	struct field f[MAX_FIELDS];
	const struct field *r;
	json_t *doc = alert_doc(), *back = NULL;
	char buf[8192], head[64];
	const char *at;
	uint64_t le;
	int n;

	cw_json_set(doc, "rule.name", json_string(rule));
	cw_json_set(doc, "message", json_string("exec /tmp/a\nb\xe2\x80\xae"));
	n = format(buf, sizeof(buf), doc);
	if (n < 0)
		goto cleanup;

	/* On the wire: the name, a newline, 17 as 8 bytes little-endian, the value, a newline. */
	snprintf(head, sizeof(head), "\nCELLWATCH_RULE\n");
	at = memmem(buf, n, head, strlen(head));
	if (!ASSERT_OK_PTR(at, "CELLWATCH_RULE in the binary framing"))
		goto cleanup;
	at += strlen(head);
	memcpy(&le, at, sizeof(le));
	ASSERT_EQ(le64toh(le), strlen(rule), "its length, 64-bit little-endian");
	ASSERT_TRUE(!memcmp(at + 8, rule, strlen(rule)) && at[8 + strlen(rule)] == '\n',
		    "the value, then a newline");

	n = parse(buf, n, f, MAX_FIELDS);
	r = n > 0 ? find(f, n, "CELLWATCH_RULE") : NULL;
	if (!ASSERT_OK_PTR(r, "parsed"))
		goto cleanup;
	ASSERT_TRUE(r->binary, "binary");
	ASSERT_STREQ(value(f, n, "CELLWATCH_RULE", 0), rule, "whole, newline and all");
	ASSERT_STREQ(value(f, n, "MESSAGE", 0), "exec /tmp/a\\nb\\u202E",
		     "the message on one ASCII line");
	ASSERT_FALSE(find(f, n, "MESSAGE")->binary, "so a plain field");
	ASSERT_FALSE(find(f, n, "CELLWATCH_ECS")->binary, "the JSON escapes its newlines");
	ASSERT_HAS(value(f, n, "CELLWATCH_ECS", 0), "line one\\nline two", "escaped");
	back = json_loads(value(f, n, "CELLWATCH_ECS", 0), 0, NULL);
	ASSERT_TRUE(back && json_equal(back, doc), "and parses back to the document");
cleanup:
	json_decref(back);
	json_decref(doc);
}

/* Only fields with a value; MESSAGE falls back to the action. */
UNIT_TEST(journal_omits_what_the_record_lacks)
{
	json_t *doc = json_pack("{s:{s:s}, s:{s:s}}", "event", "action", "events-lost",
				"rule", "name", "");
	struct field f[MAX_FIELDS];
	char buf[4096];
	int n;

	n = format(buf, sizeof(buf), doc);
	n = n > 0 ? parse(buf, n, f, MAX_FIELDS) : -1;
	if (ASSERT_EQ(n, 6, "MESSAGE, PRIORITY, SYSLOG_FACILITY, _IDENTIFIER, _PID, ECS")) {
		ASSERT_STREQ(value(f, n, "MESSAGE", 0), "events-lost", "no message: the action");
		ASSERT_NULL(find(f, n, "CELLWATCH_RULE"), "an empty rule name: no field");
		ASSERT_NULL(find(f, n, "CELLWATCH_CELL"), "no cell: no field");
	}
	json_decref(doc);

	doc = json_object();
	n = format(buf, sizeof(buf), doc);
	n = n > 0 ? parse(buf, n, f, MAX_FIELDS) : -1;
	if (ASSERT_EQ(n, 5, "fields of an empty document"))
		ASSERT_NULL(find(f, n, "MESSAGE"), "nothing to say: no MESSAGE");
	json_decref(doc);
}

/* Short of room: the length it would take, and not a byte past the buffer. */
UNIT_TEST(journal_format_stays_in_its_buffer)
{
	json_t *doc = alert_doc();
	char buf[128 + 16];
	int n;

	memset(buf, '#', sizeof(buf));
	n = cw_journal_format(buf, 128, LOG_AUTHPRIV, LOG_CRIT, 1, doc);
	ASSERT_GE(n, 128, "the length it would take");
	for (size_t i = 128; i < sizeof(buf); i++)
		if (!ASSERT_EQ(buf[i], '#', "nothing written past the buffer"))
			break;
	json_decref(doc);
}

static int listen_dgram(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		close(fd);
		fd = -1;
	}
	ASSERT_TRUE(fd >= 0, "bind the journal's socket");
	return fd;
}

/* A 70 KB record to journald: one datagram within the limit, its fields whole but the cut. */
UNIT_TEST(journal_sends_a_long_record_shortened)
{
	const char *path = test_path(0, "journal.sock");
	struct cw_syslog_opts o = { .proto = CW_SYSLOG_JOURNAL, .path = path,
				    .facility = LOG_AUTHPRIV };
	static char buf[262144];
	struct field f[MAX_FIELDS];
	struct cw_syslog *s = NULL;
	json_t *doc = alert_doc(), *back = NULL;
	char *big = malloc(70000);
	const char *msg;
	ssize_t n;
	int fd;

	fd = listen_dgram(path);
	if (fd < 0 || !ASSERT_OK_PTR(big, "alloc"))
		goto cleanup;
	memset(big, 'p', 69999);
	big[0] = '/';
	big[69999] = '\0';
	cw_json_set(doc, "file.path", json_string(big));
	cw_json_set(doc, "message", json_string(big));
	s = cw_syslog_open(&o, buf, sizeof(buf));
	if (!ASSERT_OK_PTR(s, buf) || !ASSERT_OK(cw_syslog_send(s, LOG_CRIT, doc), "sent"))
		goto cleanup;
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	ASSERT_LE(n, CW_SYSLOG_MAX_BYTES_DEFAULT, "within 8 KiB, the default");
	n = n > 0 ? parse(buf, n, f, MAX_FIELDS) : -1;
	if (!ASSERT_EQ(n, 11, "every field there"))
		goto cleanup;
	msg = value(f, n, "MESSAGE", 0);
	ASSERT_TRUE(msg && strlen(msg) < 8192 && !strcmp(msg + strlen(msg) - 3, "..."),
		    "MESSAGE, the cut message");
	ASSERT_STREQ(value(f, n, "CELLWATCH_RULE", 1), "shell-spawn", "the rule intact");
	back = json_loads(value(f, n, "CELLWATCH_ECS", 2), 0, NULL);
	if (!ASSERT_OK_PTR(back, "CELLWATCH_ECS is valid JSON"))
		goto cleanup;
	ASSERT_TRUE(json_is_true(jget(back, "cellwatch.truncated.syslog")), "marked shortened");
	ASSERT_STREQ(jstr(back, "cellwatch.run_id"), "job-42", "the run id intact");
	ASSERT_STREQ(jstr(back, "@timestamp"), "2026-11-22T10:11:12.123456Z", "the time intact");
cleanup:
	free(big);
	json_decref(back);
	json_decref(doc);
	cw_syslog_close(s);
	if (fd >= 0)
		close(fd);
}

/* What the daemon said on stderr before it was ready. */
static void said_before_ready(struct daemon_proc *d, char *buf, size_t len)
{
	ssize_t n;

	fcntl(d->err_fd, F_SETFL, O_NONBLOCK);
	n = read(d->err_fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/*
 * A daemon told to speak journald's protocol to a socket (this test's
 * stand-in for /run/systemd/journal/socket) sends a real cell's alert
 * as journal fields, and says where alerts go.
 */
TEST(daemon_alerts_as_journal_fields)
{
	char *argv[] = { "/bin/sh", "-c", "true", NULL };
	char *extra[] = { "--syslog-format", "journal", "--syslog-socket", NULL, NULL };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	static char dgram[262144];
	struct field f[MAX_FIELDS];
	struct daemon_proc d = {};
	struct cmd_result res;
	char said[4096], want[700], pid[16];
	json_t *back = NULL;
	int sfd = -1, n = -1;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/journal.sock", test_dir);
	extra[3] = sun.sun_path;
	if (!require_root())
		return;
	sfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!ASSERT_OK(bind(sfd, (struct sockaddr *)&sun, sizeof(sun)), "journal socket") ||
	    !ASSERT_TRUE(start_daemon(&d, extra), "daemon starts"))
		goto cleanup;
	said_before_ready(&d, said, sizeof(said));
	snprintf(want, sizeof(want), "cellwatch: alerts to journald (%s)\n", sun.sun_path);
	ASSERT_HAS(said, want, "the daemon says where alerts go");

	/* A shell's kill is the alert: the shells stay. */
	cellrun_daemon(&d, (char *[]){ "--run-id", "journal-1", "--keep-shells", NULL }, argv,
		       &res);
	ASSERT_EQ(res.status, 128 + SIGKILL, "the shell is killed");
	for (struct pollfd pfd = { .fd = sfd, .events = POLLIN }; poll(&pfd, 1, 10000) == 1;) {
		ssize_t len = recv(sfd, dgram, sizeof(dgram), 0);

		n = len > 0 ? parse(dgram, len, f, MAX_FIELDS) : -1;
		if (n < 0 || !strcmp(value(f, n, "CELLWATCH_RULE", 0) ?: "", "shell-spawn"))
			break;
	}
	if (!ASSERT_TRUE(n > 0 && find(f, n, "CELLWATCH_RULE"), "the alert, as journal fields"))
		goto cleanup;
	snprintf(pid, sizeof(pid), "%d", d.pid);
	ASSERT_HAS(value(f, n, "MESSAGE", 0), "shell-spawn: exec ", "MESSAGE: the record's");
	ASSERT_STREQ(value(f, n, "PRIORITY", 0), "2", "critical");
	ASSERT_STREQ(value(f, n, "SYSLOG_FACILITY", 0), "10", "authpriv");
	ASSERT_STREQ(value(f, n, "SYSLOG_IDENTIFIER", 0), "cellwatch", "identifier");
	ASSERT_STREQ(value(f, n, "SYSLOG_PID", 0), pid, "the daemon's pid");
	ASSERT_STREQ(value(f, n, "CELLWATCH_RUN", 0), "journal-1", "the run id");
	ASSERT_KERNEL_LAYER(value(f, n, "CELLWATCH_LAYER", 0), "the layer");
	ASSERT_TRUE(atoll(value(f, n, "CELLWATCH_CELL", 0) ?: "0") > 0, "the cell id");
	back = json_loads(value(f, n, "CELLWATCH_ECS", 0) ?: "", 0, NULL);
	if (ASSERT_OK_PTR(back, "CELLWATCH_ECS is the document")) {
		ASSERT_STREQ(value(f, n, "CELLWATCH_ACTION", 0), jstr(back, "cellwatch.action"),
			     "the verdict");
		ASSERT_STREQ(jstr(back, "message"), value(f, n, "MESSAGE", 0), "its message");
		ASSERT_STREQ(jstr(back, "rule.name"), "shell-spawn", "its rule");
		ASSERT_STREQ(jstr(back, "event.kind"), "alert", "an alert");
		ASSERT_STREQ(jstr(back, "cellwatch.run_id"), "journal-1", "its run");
		ASSERT_EQ(jint(back, "cellwatch.cell.id"),
			  atoll(value(f, n, "CELLWATCH_CELL", 0) ?: "0"), "the same cell");
	}
cleanup:
	json_decref(back);
	if (sfd >= 0)
		close(sfd);
	daemon_cleanup(&d);
}
