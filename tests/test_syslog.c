// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests: alerts to syslog over a unix datagram socket, as a syslog
 * daemon listening on /dev/log would receive them.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "ecs.h"
#include "daemon/rfc5424.h"
#include "test.h"

/* A stand-in for the syslog daemon: a datagram socket bound at @path. */
static int listen_dgram(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		close(fd);
		fd = -1;
	}
	ASSERT_TRUE(fd >= 0, "bind the daemon's socket");
	return fd;
}

/* One datagram, NUL-terminated; its length, or -1 when none is waiting. */
static int recv_dgram(int fd, char *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static json_t *alert_doc(void)
{
	return json_pack("{s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:{s:i}, s:s, s:s}}",
			 "@timestamp", "2026-11-22T10:11:12.123456Z",
			 "log", "level", "critical",
			 "event", "action", "exec",
			 "rule", "name", "no \"shell\" [here]",
			 "cellwatch", "cell", "id", 7, "action", "kill", "layer", "kernel");
}

UNIT_TEST(syslog_sends_one_rfc5424_datagram)
{
	const char *path = test_path(0, "log.sock");
	char buf[8192], host[256] = "", want[512], head[512];
	struct cw_syslog *s = NULL;
	json_t *doc = alert_doc(), *back = NULL;
	const char *msg;
	int fd, n;

	fd = listen_dgram(path);
	if (fd < 0 || !ASSERT_OK_PTR(doc, "doc"))
		goto cleanup;
	s = cw_syslog_open(path, LOG_AUTHPRIV, buf, sizeof(buf));
	if (!ASSERT_OK_PTR(s, buf))
		goto cleanup;
	if (!ASSERT_OK(cw_syslog_send(s, cw_syslog_severity(doc), doc), "send"))
		goto cleanup;
	n = recv_dgram(fd, buf, sizeof(buf));
	if (!ASSERT_TRUE(n > 0, "the daemon got a datagram"))
		goto cleanup;

	/* authpriv (10 << 3) | crit (2) = 82; the host and pid are ours. */
	gethostname(host, sizeof(host) - 1);
	snprintf(want, sizeof(want), "<82>1 2026-11-22T10:11:12.123456Z %s cellwatch %d exec "
		 "[cellwatch@32473 cell=\"7\" rule=\"no \\\"shell\\\" [here\\]\" action=\"kill\" "
		 "layer=\"kernel\"] {", host[0] ? host : "-", getpid());
	snprintf(head, sizeof(head), "%.*s", (int)strlen(want), buf);
	ASSERT_STREQ(head, want, "header and structured data");

	/* The message is the whole document, for the SIEM to parse. */
	msg = strstr(buf, "] {");
	back = msg ? json_loads(msg + 2, 0, NULL) : NULL;
	ASSERT_TRUE(back && json_equal(back, doc), "the message parses back to the document");
	ASSERT_EQ(recv_dgram(fd, buf, sizeof(buf)), -1, "exactly one datagram");
cleanup:
	json_decref(back);
	json_decref(doc);
	cw_syslog_close(s);
	if (fd >= 0)
		close(fd);
}

/* A cell's bidi override or zero-width space reaches the log escaped, the message ASCII. */
UNIT_TEST(syslog_message_is_ascii)
{
	const char *path = test_path(0, "log.sock");
	json_t *doc = alert_doc(), *back = NULL;
	struct cw_syslog *s = NULL;
	char buf[8192];
	int fd, n;

	fd = listen_dgram(path);
	if (fd < 0 || !ASSERT_OK_PTR(doc, "doc"))
		goto cleanup;
	cw_json_set(doc, "file.path", json_string("/tmp/report\xe2\x80\xaetxt.exe\xe2\x80\x8b"));
	s = cw_syslog_open(path, LOG_AUTHPRIV, buf, sizeof(buf));
	if (!ASSERT_OK_PTR(s, buf) ||
	    !ASSERT_OK(cw_syslog_send(s, cw_syslog_severity(doc), doc), "send"))
		goto cleanup;
	n = recv_dgram(fd, buf, sizeof(buf));
	if (!ASSERT_TRUE(n > 0, "the daemon got a datagram"))
		goto cleanup;
	buf[n] = '\0';
	for (int i = 0; i < n; i++)
		if (!ASSERT_TRUE((unsigned char)buf[i] < 0x80, "an ASCII byte"))
			break;
	ASSERT_HAS(buf, "/tmp/report\\u202Etxt.exe\\u200B", "escaped as JSON does");
	back = json_loads(strstr(buf, "] {") + 2, 0, NULL);
	ASSERT_TRUE(back && json_equal(back, doc), "and parses back to the document");
cleanup:
	json_decref(back);
	json_decref(doc);
	cw_syslog_close(s);
	if (fd >= 0)
		close(fd);
}

UNIT_TEST(syslog_without_fields_uses_nil_values)
{
	json_t *doc = json_pack("{s:s}", "message", "hello");
	char buf[512];
	int n;

	n = cw_syslog_format(buf, sizeof(buf), LOG_DAEMON, LOG_NOTICE, "h", 1, doc);
	ASSERT_EQ(n, (long long)strlen(buf), "the length of what was written");
	/* daemon (3 << 3) | notice (5) = 29; no SD-PARAM for absent fields. */
	ASSERT_STREQ(buf, "<29>1 - h cellwatch 1 - [cellwatch@32473] {\"message\":\"hello\"}",
		     "NILVALUE timestamp and msgid");
	json_decref(doc);
}

UNIT_TEST(syslog_severity_from_log_level)
{
	static const struct {
		const char *level;
		int severity;
	} map[] = {
		{ "emergency", LOG_EMERG }, { "alert", LOG_ALERT }, { "critical", LOG_CRIT },
		{ "error", LOG_ERR }, { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
		{ "informational", LOG_INFO }, { "debug", LOG_DEBUG },
		{ "bogus", LOG_NOTICE },
	};
	json_t *doc;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		doc = json_pack("{s:{s:s}}", "log", "level", map[i].level);
		ASSERT_EQ(cw_syslog_severity(doc), map[i].severity, map[i].level);
		json_decref(doc);
	}
	doc = json_object();
	ASSERT_EQ(cw_syslog_severity(doc), LOG_NOTICE, "no log.level: notice");
	json_decref(doc);
}

UNIT_TEST(syslog_never_cuts_a_message)
{
	const char *path = test_path(0, "log.sock");
	char tiny[64], buf[256];
	struct cw_syslog *s = NULL;
	json_t *doc = alert_doc();
	char *big;
	int fd;

	ASSERT_EQ(cw_syslog_format(tiny, sizeof(tiny), LOG_AUTHPRIV, LOG_CRIT, "host", 1, doc),
		  -EMSGSIZE, "too small a buffer");

	/* Past the largest datagram: refused whole, nothing reaches the daemon. */
	fd = listen_dgram(path);
	big = calloc(1, 100000);
	if (fd < 0 || !ASSERT_OK_PTR(big, "alloc"))
		goto cleanup;
	memset(big, 'x', 99999);
	json_object_set_new(doc, "message", json_string(big));
	s = cw_syslog_open(path, LOG_AUTHPRIV, buf, sizeof(buf));
	if (!ASSERT_OK_PTR(s, buf))
		goto cleanup;
	ASSERT_EQ(cw_syslog_send(s, LOG_CRIT, doc), -EMSGSIZE, "oversized document");
	ASSERT_EQ(recv_dgram(fd, buf, sizeof(buf)), -1, "no partial datagram");
cleanup:
	free(big);
	json_decref(doc);
	cw_syslog_close(s);
	if (fd >= 0)
		close(fd);
}

UNIT_TEST(syslog_reconnects_after_daemon_restart)
{
	const char *path = test_path(0, "log.sock");
	char buf[8192];
	struct cw_syslog *s = NULL;
	json_t *doc = alert_doc();
	int fd;

	fd = listen_dgram(path);
	if (fd < 0)
		goto cleanup;
	s = cw_syslog_open(path, LOG_AUTHPRIV, buf, sizeof(buf));
	if (!ASSERT_OK_PTR(s, buf))
		goto cleanup;
	ASSERT_OK(cw_syslog_send(s, LOG_CRIT, doc), "send before the restart");
	ASSERT_TRUE(recv_dgram(fd, buf, sizeof(buf)) > 0, "received before the restart");

	/* The daemon restarts: a new socket at the same path. */
	close(fd);
	fd = listen_dgram(path);
	if (fd < 0)
		goto cleanup;
	ASSERT_OK(cw_syslog_send(s, LOG_CRIT, doc), "send after the restart");
	ASSERT_HAS(recv_dgram(fd, buf, sizeof(buf)) > 0 ? buf : NULL, "<82>1 ",
		   "the new socket got it");

	/* The daemon is gone: an error, not a hang or a crash. */
	close(fd);
	fd = -1;
	unlink(path);
	ASSERT_TRUE(cw_syslog_send(s, LOG_CRIT, doc) < 0, "nobody listening: an error");
cleanup:
	json_decref(doc);
	cw_syslog_close(s);
	if (fd >= 0)
		close(fd);
}

UNIT_TEST(syslog_open_names_the_path)
{
	const char *path = test_path(0, "missing.sock");
	char err[256] = "";

	ASSERT_NULL(cw_syslog_open(path, LOG_AUTHPRIV, err, sizeof(err)), "no such socket");
	ASSERT_HAS(err, path, "the message names the path");
}
