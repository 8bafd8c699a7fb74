// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests: alerts to syslog over a unix datagram socket, as a syslog
 * daemon listening on /dev/log would receive them (RFC 5424); which
 * format --syslog picks; the datagram's size limit.  journald's format:
 * test_journal.c; shortening a document: test_shorten.c.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "ecs.h"
#include "session.h"
#include "daemon/syslog_out.h"
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

/* RFC 5424 to @path, datagrams of at most @max_bytes (0: the default), SD-ID @sd_id. */
static struct cw_syslog *open_rfc5424(const char *path, size_t max_bytes, const char *sd_id,
				      char *err, size_t errlen)
{
	struct cw_syslog_opts o = {
		.proto = CW_SYSLOG_RFC5424, .path = path, .max_bytes = max_bytes, .sd_id = sd_id,
		.facility = LOG_AUTHPRIV,
	};

	return cw_syslog_open(&o, err, errlen);
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
	s = open_rfc5424(path, 0, NULL, buf, sizeof(buf));
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

/*
 * An event goes out as its log line under a header read from its fields,
 * and the datagram is byte for byte the one its document would make:
 * hostile bytes in every field the header and the message carry.  Too long
 * for the datagram, it is shortened as a document is.
 */
UNIT_TEST(syslog_event_line_is_its_document)
{
	const char *path = test_path(0, "log.sock");
	struct cw_record rec = { .alert = true };
	struct cw_syslog *s = NULL, *small = NULL;
	char got[8192], want[8192], path_name[1500] = "";
	struct cw_doc d;
	json_t *doc = NULL;
	size_t len;
	int fd, n;

	cw_doc_init(&d);
	cw_doc_str(&d, "@timestamp", "2026-12-07T10:11:12.123456Z");
	cw_doc_str(&d, "cellwatch.action", "kill");
	cw_doc_int(&d, "cellwatch.cell.id", 4242);
	cw_doc_str(&d, "cellwatch.run_id", "run \"]\\\n\x7f");
	cw_doc_str(&d, "cellwatch.layer", "kernel");
	cw_doc_str(&d, "event.action", "open");
	cw_doc_str(&d, "log.level", "warning");
	cw_doc_str(&d, "rule.name", "no [\"secrets\"]");
	memset(path_name, 'a', sizeof(path_name) - 1);
	memcpy(path_name, "/tmp/\xff\xe2\x80\xae\t\xf0\x9f\x98\x80", 13);
	cw_doc_str(&d, "file.path", path_name);
	rec.line = cw_doc_line(&d, &len);
	rec.len = len;
	rec.fields = &d;
	doc = rec.line ? json_loads(rec.line, 0, NULL) : NULL;
	fd = listen_dgram(path);
	if (fd < 0 || !ASSERT_OK_PTR(doc, "the line parses"))
		goto cleanup;
	s = open_rfc5424(path, 0, NULL, got, sizeof(got));
	if (!ASSERT_OK_PTR(s, got) || !ASSERT_OK(cw_syslog_send(s, LOG_WARNING, doc), "send") ||
	    !ASSERT_TRUE(recv_dgram(fd, want, sizeof(want)) > 0, "the document's datagram"))
		goto cleanup;
	/* A decoy document: the fields serve, nothing is parsed. */
	rec.doc = json_pack("{s:s}", "@timestamp", "decoy");
	if (!ASSERT_OK(cw_syslog_send_record(s, &rec), "send the record") ||
	    !ASSERT_TRUE(recv_dgram(fd, got, sizeof(got)) > 0, "the record's datagram"))
		goto cleanup;
	ASSERT_STREQ(got, want, "the same datagram");
	json_decref(rec.doc);
	rec.doc = NULL;

	small = open_rfc5424(path, 1024, NULL, got, sizeof(got));
	if (!ASSERT_OK_PTR(small, got) || !ASSERT_OK(cw_syslog_send(small, LOG_WARNING, doc), "send"))
		goto cleanup;
	n = recv_dgram(fd, want, sizeof(want));
	ASSERT_TRUE(n > 0 && n <= 1024, "the document, shortened");
	if (!ASSERT_OK(cw_syslog_send_record(small, &rec), "send the record, too long"))
		goto cleanup;
	recv_dgram(fd, got, sizeof(got));
	ASSERT_STREQ(got, want, "shortened the same way");
cleanup:
	json_decref(doc);
	json_decref(rec.doc);
	cw_doc_free(&d);
	cw_syslog_close(s);
	cw_syslog_close(small);
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
	s = open_rfc5424(path, 0, NULL, buf, sizeof(buf));
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

UNIT_TEST(syslog_format_refuses_a_short_buffer)
{
	json_t *doc = alert_doc();
	char tiny[64];

	ASSERT_EQ(cw_syslog_format(tiny, sizeof(tiny), LOG_AUTHPRIV, LOG_CRIT, "host", 1, doc),
		  -EMSGSIZE, "too small a buffer");
	json_decref(doc);
}

/*
 * A document longer than a datagram may be (rsyslog's 8 KiB by default)
 * goes shortened, one whole datagram of valid JSON that says so; the
 * caller's document is left whole for the log file.
 */
UNIT_TEST(syslog_shortens_what_would_not_fit)
{
	const char *path = test_path(0, "log.sock");
	static char buf[262144];
	struct cw_syslog *s = NULL;
	json_t *doc = alert_doc(), *orig = NULL, *back = NULL;
	char *big = calloc(1, 100000);
	const char *msg;
	int fd, n;

	fd = listen_dgram(path);
	if (fd < 0 || !ASSERT_OK_PTR(big, "alloc"))
		goto cleanup;
	memset(big, 'x', 99999);
	json_object_set_new(doc, "message", json_string(big));
	orig = json_deep_copy(doc);
	s = open_rfc5424(path, 0, NULL, buf, sizeof(buf));
	if (!ASSERT_OK_PTR(s, buf))
		goto cleanup;
	ASSERT_OK(cw_syslog_send(s, LOG_CRIT, doc), "sent, shortened");
	ASSERT_TRUE(json_equal(doc, orig), "the caller's document untouched");
	n = recv_dgram(fd, buf, sizeof(buf));
	ASSERT_GE(n, CW_SYSLOG_MAX_BYTES_DEFAULT - 64, "most of 8 KiB used");
	ASSERT_LE(n, CW_SYSLOG_MAX_BYTES_DEFAULT, "8 KiB at most, by default");
	msg = n > 0 ? strstr(buf, "] {") : NULL;
	back = msg ? json_loads(msg + 2, 0, NULL) : NULL;
	if (!ASSERT_OK_PTR(back, "the message is valid JSON"))
		goto cleanup;
	ASSERT_TRUE(json_is_true(jget(back, "cellwatch.truncated.syslog")), "marked shortened");
	ASSERT_GE(jint(back, "cellwatch.truncated.syslog_bytes"), 99999 - 8192, "bytes cut said");
	ASSERT_HAS(jstr(back, "message"), "xxx...", "the long value cut, with \"...\"");
	ASSERT_STREQ(jstr(back, "rule.name"), "no \"shell\" [here]", "the rest intact");
	ASSERT_EQ(recv_dgram(fd, buf, sizeof(buf)), -1, "exactly one datagram");
cleanup:
	free(big);
	json_decref(back);
	json_decref(orig);
	json_decref(doc);
	cw_syslog_close(s);
	if (fd >= 0)
		close(fd);
}

/* --syslog-max-bytes is the whole datagram's size: up to it whole, past it shortened. */
UNIT_TEST(syslog_max_bytes_is_the_datagram)
{
	const char *path = test_path(0, "log.sock");
	char buf[16384], err[256];
	struct cw_syslog *s = NULL;
	json_t *doc = alert_doc();
	int fd, whole;

	/* Something to cut, with room for the marks: a message of 300 bytes. */
	memset(buf, 'm', 300);
	buf[300] = '\0';
	json_object_set_new(doc, "message", json_string(buf));
	fd = listen_dgram(path);
	/* The message as it goes out whole: the host name is ours, so is the pid. */
	s = open_rfc5424(path, 0, NULL, err, sizeof(err));
	if (fd < 0 || !ASSERT_OK_PTR(s, err) || !ASSERT_OK(cw_syslog_send(s, LOG_CRIT, doc), "send"))
		goto cleanup;
	whole = recv_dgram(fd, buf, sizeof(buf));
	cw_syslog_close(s);

	s = open_rfc5424(path, whole, NULL, err, sizeof(err));
	if (!ASSERT_OK_PTR(s, err) || !ASSERT_OK(cw_syslog_send(s, LOG_CRIT, doc), "send"))
		goto cleanup;
	ASSERT_EQ(recv_dgram(fd, buf, sizeof(buf)), whole, "exactly max bytes: sent whole");
	ASSERT_FALSE(strstr(buf, "truncated"), "not shortened");
	cw_syslog_close(s);

	s = open_rfc5424(path, whole - 1, NULL, err, sizeof(err));
	if (!ASSERT_OK_PTR(s, err) || !ASSERT_OK(cw_syslog_send(s, LOG_CRIT, doc), "send"))
		goto cleanup;
	ASSERT_LE(recv_dgram(fd, buf, sizeof(buf)), whole - 1, "one byte less: shortened");
	ASSERT_HAS(buf, "\"truncated\":{\"syslog\":true,", "and marked");
	cw_syslog_close(s);

	/* Not even a minimal document fits: an error for the caller to count, nothing sent. */
	s = open_rfc5424(path, 100, NULL, err, sizeof(err));
	if (!ASSERT_OK_PTR(s, err))
		goto cleanup;
	ASSERT_EQ(cw_syslog_send(s, LOG_CRIT, doc), -EMSGSIZE, "100 bytes: too small");
	ASSERT_EQ(recv_dgram(fd, buf, sizeof(buf)), -1, "no partial datagram");
cleanup:
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
	s = open_rfc5424(path, 0, NULL, buf, sizeof(buf));
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

	ASSERT_NULL(open_rfc5424(path, 0, NULL, err, sizeof(err)), "no such socket");
	ASSERT_HAS(err, path, "the message names the path");
}

UNIT_TEST(syslog_sd_id_is_checked)
{
	static const char *const good[] = {
		"cellwatch@32473", "acme@1", "x@0123456789", "sec-alerts.v2@99999999",
		"a@12345678901234567890123456789",
	};
	static const struct {
		const char *id, *why;
	} bad[] = {
		{ "", "1 to 32 characters" },
		{ "acme-security-alerts-feed@1234567", "1 to 32 characters" },
		{ "cellwatch", "not NAME@PEN" },
		{ "@32473", "not NAME@PEN" },
		{ "cellwatch@", "not NAME@PEN" },
		{ "cellwatch@32a73", "not NAME@PEN" },
		{ "a@b@1", "not NAME@PEN" },
		{ "cell watch@1", "printable ASCII" },
		{ "cell=watch@1", "printable ASCII" },
		{ "cell]watch@1", "printable ASCII" },
		{ "cell\"watch@1", "printable ASCII" },
		{ "c\xc3\xa9llwatch@1", "printable ASCII" },
		{ "cell\twatch@1", "printable ASCII" },
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ASSERT_NULL(cw_syslog_sd_id_check(good[i]), good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_HAS(cw_syslog_sd_id_check(bad[i].id), bad[i].why, bad[i].id);
}

/* An operator's SD-ID, with their enterprise number, is the one in the structured data. */
UNIT_TEST(syslog_sd_id_is_used)
{
	const char *path = test_path(0, "log.sock");
	struct cw_syslog *s = NULL;
	json_t *doc = alert_doc();
	char buf[8192];
	int fd;

	fd = listen_dgram(path);
	s = open_rfc5424(path, 0, "acme@4242", buf, sizeof(buf));
	if (fd < 0 || !ASSERT_OK_PTR(s, buf) || !ASSERT_OK(cw_syslog_send(s, LOG_CRIT, doc), "send"))
		goto cleanup;
	ASSERT_TRUE(recv_dgram(fd, buf, sizeof(buf)) > 0, "a datagram");
	ASSERT_HAS(buf, " exec [acme@4242 cell=\"7\" ", "the SD-ID given");
	ASSERT_FALSE(strstr(buf, "32473"), "not the example number");
cleanup:
	json_decref(doc);
	cw_syslog_close(s);
	if (fd >= 0)
		close(fd);
}

UNIT_TEST(syslog_format_names)
{
	enum cw_syslog_proto p = CW_SYSLOG_JOURNAL;

	ASSERT_OK(cw_syslog_proto_parse("auto", &p), "auto");
	ASSERT_EQ(p, CW_SYSLOG_AUTO, "auto");
	ASSERT_OK(cw_syslog_proto_parse("rfc5424", &p), "rfc5424");
	ASSERT_EQ(p, CW_SYSLOG_RFC5424, "rfc5424");
	ASSERT_OK(cw_syslog_proto_parse("journal", &p), "journal");
	ASSERT_EQ(p, CW_SYSLOG_JOURNAL, "journal");
	ASSERT_EQ(cw_syslog_proto_parse("journald", &p), -EINVAL, "journald: not a format name");
	ASSERT_EQ(cw_syslog_proto_parse("", &p), -EINVAL, "empty");
}

/*
 * auto: journald when its socket is there (a socket, not any file), else
 * RFC 5424; a named socket is a syslog daemon's unless journal is asked.
 */
UNIT_TEST(syslog_auto_choice)
{
	const char *journal = test_path(1, "journal.sock"), *plain = test_path(2, "plain-file");
	const char *missing = test_path(3, "missing.sock");
	int fd = listen_dgram(journal);

	if (fd < 0 || !ASSERT_OK(write_text(plain, ""), "a plain file"))
		goto cleanup;
	ASSERT_EQ(cw_syslog_choose(CW_SYSLOG_AUTO, NULL, journal), CW_SYSLOG_JOURNAL,
		  "journald's socket is there");
	ASSERT_EQ(cw_syslog_choose(CW_SYSLOG_AUTO, NULL, missing), CW_SYSLOG_RFC5424,
		  "no journald: RFC 5424");
	ASSERT_EQ(cw_syslog_choose(CW_SYSLOG_AUTO, NULL, plain), CW_SYSLOG_RFC5424,
		  "a file that is no socket: RFC 5424");
	ASSERT_EQ(cw_syslog_choose(CW_SYSLOG_AUTO, "/run/rsyslog.sock", journal), CW_SYSLOG_RFC5424,
		  "--syslog-socket: RFC 5424 even beside journald");
	ASSERT_EQ(cw_syslog_choose(CW_SYSLOG_JOURNAL, "/x.sock", missing), CW_SYSLOG_JOURNAL,
		  "journal asked for");
	ASSERT_EQ(cw_syslog_choose(CW_SYSLOG_RFC5424, NULL, journal), CW_SYSLOG_RFC5424,
		  "rfc5424 asked for");
cleanup:
	if (fd >= 0)
		close(fd);
}

/* The daemon says where alerts go: the format and the socket. */
UNIT_TEST(syslog_target_says_format_and_socket)
{
	const char *path = test_path(0, "log.sock");
	struct cw_syslog_opts o = { .proto = CW_SYSLOG_JOURNAL, .path = path };
	struct cw_syslog *s = NULL;
	char want[600], err[256];
	int fd = listen_dgram(path);

	if (fd < 0)
		return;
	s = cw_syslog_open(&o, err, sizeof(err));
	snprintf(want, sizeof(want), "journald (%s)", path);
	if (ASSERT_OK_PTR(s, err))
		ASSERT_STREQ(cw_syslog_target(s), want, "journal");
	cw_syslog_close(s);
	s = open_rfc5424(path, 0, NULL, err, sizeof(err));
	snprintf(want, sizeof(want), "syslog as RFC 5424 (%s)", path);
	if (ASSERT_OK_PTR(s, err))
		ASSERT_STREQ(cw_syslog_target(s), want, "rfc5424");
	cw_syslog_close(s);
	close(fd);
}
