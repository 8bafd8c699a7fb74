// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests: cellwatch tail against a test playing the daemon.  The test
 * listens on a SEQPACKET socket, answers the subscribe request and sends
 * documents; tail runs in a child (cw_tail_main() itself, no BPF) with its
 * stdout and stderr on pipes.  Every wait is bounded.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "ecs.h"
#include "cli/tail.h"
#include "test.h"

#define WAIT_MS 5000

struct tail_child {
	pid_t pid;
	int out;		/* its stdout, or -1 */
	int err;		/* its stderr */
	char outbuf[65536];
	size_t outlen;
	char errbuf[16384];
	size_t errlen;
};

/*
 * One per test process, not on the heap: the tail child is a fork that
 * runs cw_tail_main() and _exits, and must not carry a block of ours that a
 * leak checker would report as its own.
 */
static struct tail_child the_tail = { .pid = -1, .out = -1, .err = -1 };

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Read @fd into @buf until it holds @needle (NULL: end of file) or @timeout_ms pass. */
static bool read_until(int fd, char *buf, size_t cap, size_t *len, const char *needle,
		       int timeout_ms)
{
	long long deadline = mono_ms() + timeout_ms;

	buf[*len] = '\0';
	while (!needle || !strstr(buf, needle)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - mono_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return false;
		n = read(fd, buf + *len, cap - 1 - *len);
		if (n < 0 && errno == EIO)
			n = 0;	/* a pty whose other side closed */
		if (n <= 0)
			return !needle;
		*len += n;
		buf[*len] = '\0';
	}
	return true;
}

static bool out_until(struct tail_child *tc, const char *needle)
{
	return read_until(tc->out, tc->outbuf, sizeof(tc->outbuf), &tc->outlen, needle, WAIT_MS);
}

static bool err_until(struct tail_child *tc, const char *needle)
{
	return read_until(tc->err, tc->errbuf, sizeof(tc->errbuf), &tc->errlen, needle, WAIT_MS);
}

/*
 * Fork a child running `tail -s SOCK @extra...`.  Its stdout goes to
 * @stdout_fd when >= 0 (a pty), else to a pipe read as tc->out.
 */
static bool start_tail(struct tail_child *tc, char *const extra[], int stdout_fd)
{
	int out[2] = { -1, -1 }, err[2];

	memset(tc, 0, sizeof(*tc));
	tc->pid = -1;
	tc->out = tc->err = -1;
	if (!ASSERT_OK(pipe2(err, O_CLOEXEC), "pipe") ||
	    (stdout_fd < 0 && !ASSERT_OK(pipe2(out, O_CLOEXEC), "pipe")))
		return false;
	fflush(NULL);
	tc->pid = fork();
	if (tc->pid == 0) {
		char *argv[32] = { "tail", "-s", (char *)test_path(0, "d.sock") };
		int argc = 3;

		while (extra && *extra && argc < 31)
			argv[argc++] = *extra++;
		dup2(stdout_fd >= 0 ? stdout_fd : out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		/* Not the test's sockets: closing them must be seen by tail. */
		close_range(3, ~0U, 0);
		unsetenv("NO_COLOR");
		_exit(cw_tail_main(argc, argv));
	}
	close(err[1]);
	tc->err = err[0];
	if (out[1] >= 0)
		close(out[1]);
	tc->out = out[0];
	return ASSERT_TRUE(tc->pid > 0, "fork");
}

/* Send @sig (by pid), reap within the time limit (else SIGKILL); the wait status. */
static int stop_tail(struct tail_child *tc, int sig)
{
	long long deadline = mono_ms() + WAIT_MS;
	int status = -1;

	if (tc->pid <= 0)
		return -1;
	if (sig)
		kill(tc->pid, sig);
	while (waitpid(tc->pid, &status, WNOHANG) == 0) {
		if (mono_ms() > deadline) {
			ASSERT_TRUE(false, "tail ends in time");
			kill(tc->pid, SIGKILL);
			waitpid(tc->pid, &status, 0);
			break;
		}
		usleep(10000);
	}
	tc->pid = -1;
	return status;
}

static void tail_cleanup(struct tail_child *tc)
{
	stop_tail(tc, SIGKILL);
	if (tc->out >= 0)
		close(tc->out);
	if (tc->err >= 0)
		close(tc->err);
	tc->out = tc->err = -1;
}

/* ---- the fake daemon ---- */

static int fake_listen(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", test_path(0, "d.sock"));
	unlink(sun.sun_path);
	if (fd >= 0 && (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 4))) {
		close(fd);
		fd = -1;
	}
	ASSERT_TRUE(fd >= 0, "listen");
	return fd;
}

/* Accept tail and read its request, which must be a subscribe; the connection or -1. */
static int fake_accept(int lfd, long long *since)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	json_t *req = NULL;
	int fd;

	if (!ASSERT_EQ(poll(&pfd, 1, WAIT_MS), 1, "tail connects"))
		return -1;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (!ASSERT_TRUE(fd >= 0, "accept"))
		return -1;
	if (!ASSERT_OK(cw_api_recv(fd, &req, WAIT_MS), "a request") ||
	    !ASSERT_STREQ(json_string_value(json_object_get(req, "op")), "subscribe", "op") ||
	    !ASSERT_TRUE(json_is_integer(json_object_get(req, "since")), "since given")) {
		json_decref(req);
		close(fd);
		return -1;
	}
	*since = json_integer_value(json_object_get(req, "since"));
	json_decref(req);
	return fd;
}

static bool send_json(int fd, json_t *doc)
{
	bool ok = ASSERT_OK(cw_api_send(fd, doc), "send");

	json_decref(doc);
	return ok;
}

static bool fake_reply(int fd)
{
	return send_json(fd, json_pack("{s:s, s:b, s:i}", "reply", "subscribe", "ok", 1,
				       "replayed", 0));
}

/* The documents every test sends, told apart by cellwatch.run_id. */
struct fake_doc {
	const char *tag, *kind, *action, *category, *rule, *level, *verdict;
	int cell;
};

static const struct fake_doc docs[] = {
	{ "d1", "event", "exec", "process", NULL, NULL, NULL, 3 },
	{ "d2", "alert", "exec", "process", "shell-spawn", "critical", "kill", 3 },
	{ "d3", "alert", "open", "file", "read-secrets", "warning", "alert", 4 },
	{ "d4", "alert", "connect", "network", "metadata", "error", "deny", 5 },
	{ "d5", "alert", "exec", "process", "miner", "notice", "alert", 4 },
	/* A policy's verdict: no rule, no level. */
	{ "d6", "alert", "open", "file", NULL, NULL, "deny", 5 },
	{ "d7", "event", "cell-registered", "session", NULL, NULL, NULL, 4 },
};

static void set_args(json_t *doc, const char *exe, const char *const args[])
{
	json_t *a = json_array();

	for (; *args; args++)
		json_array_append_new(a, json_string(*args));
	cw_json_set(doc, "process.executable", json_string(exe));
	cw_json_set(doc, "process.args", a);
}

static json_t *make_doc(int i)
{
	const struct fake_doc *d = &docs[i];
	json_t *doc = json_pack("{s:s}", "@timestamp", "2026-11-22T10:11:12.123456Z");

	cw_json_set(doc, "event.kind", json_string(d->kind));
	cw_json_set(doc, "event.action", json_string(d->action));
	cw_json_set(doc, "event.category", json_pack("[s]", d->category));
	cw_json_set(doc, "cellwatch.cell.id", json_integer(d->cell));
	cw_json_set(doc, "cellwatch.run_id", json_string(d->tag));
	if (strcmp(d->action, "cell-registered"))
		cw_json_set(doc, "process.pid", json_integer(100 + i));
	if (d->rule)
		cw_json_set(doc, "rule.name", json_string(d->rule));
	if (d->level)
		cw_json_set(doc, "log.level", json_string(d->level));
	/* Labels as the daemon writes them: dots of a key became '_'. */
	if (i == 2)
		cw_json_set(doc, "labels", json_pack("{s:s}", "app_kubernetes_io/name", "web"));
	if (i == 3)
		cw_json_set(doc, "labels", json_pack("{s:s}", "team", "ml"));
	if (d->verdict) {
		cw_json_set(doc, "cellwatch.action", json_string(d->verdict));
		cw_json_set(doc, "cellwatch.layer", json_string("kernel"));
	}
	if (i == 0)
		set_args(doc, "/usr/bin/python3", (const char *[]){ "python3", "a.py", NULL });
	else if (i == 1)
		set_args(doc, "/bin/sh", (const char *[]){ "sh", "-c", "echo hi", NULL });
	else if (i == 4)
		/*
		 * A payload trying to forge a line and colour the terminal, to
		 * turn "exe.txt" around (U+202E) and to hide a space (U+200B).
		 */
		set_args(doc, "/tmp/x", (const char *[]){ "x", "a\nb\033[31m",
			 "report\xe2\x80\xaetxt.exe", "rm\xe2\x80\x8b-rf", NULL });
	else if (!strcmp(d->action, "open"))
		cw_json_set(doc, "file.path", json_string(i == 2 ? "/etc/shadow" : "/etc/passwd"));
	else if (!strcmp(d->action, "connect"))
		cw_json_set(doc, "destination.ip", json_string("169.254.169.254")),
		cw_json_set(doc, "destination.port", json_integer(80));
	return doc;
}

/*
 * Play one daemon connection for a started tail: check since, reply, send
 * every document (and a dropped notice), then hang up; tail's stderr saying
 * so means it has handled all of them.
 */
static bool serve_docs(struct tail_child *tc, int lfd, long long want_since)
{
	long long since = -1;
	int fd = fake_accept(lfd, &since);
	bool ok = fd >= 0 && ASSERT_EQ(since, want_since, "since") && fake_reply(fd);

	for (size_t i = 0; ok && i < sizeof(docs) / sizeof(docs[0]); i++)
		ok = send_json(fd, make_doc(i));
	ok = ok && send_json(fd, json_pack("{s:s, s:i}", "notice", "dropped", "count", 7));
	if (fd >= 0)
		close(fd);
	return ok && ASSERT_TRUE(err_until(tc, "daemon unavailable"), "tail sees the hang-up");
}

/* The run_id tags in tail's output, in order: "d2 d3". */
static void output_tags(const char *out, bool json, char *tags, size_t len)
{
	char line[4096];

	tags[0] = '\0';
	for (const char *p = out, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		const char *tag = NULL, *r;
		json_t *doc = NULL;

		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (json) {
			doc = json_loads(line, 0, NULL);
			tag = jstr(doc, "cellwatch.run_id");
		} else if ((r = strstr(line, " run="))) {
			tag = r + 5;
		}
		snprintf(tags + strlen(tags), len - strlen(tags), "%s%s", tags[0] ? " " : "",
			 tag ? tag : "?");
		json_decref(doc);
	}
}

/* ---- tests ---- */

UNIT_TEST(tail_filters)
{
	static const struct {
		char *args[6];
		const char *want;
	} cases[] = {
		{ {}, "d2 d3 d4 d5 d6" },
		{ { "--all" }, "d1 d2 d3 d4 d5 d6 d7" },
		{ { "--rule", "shell-spawn" }, "d2" },
		{ { "--rule", "shell-spawn", "--rule", "miner" }, "d2 d5" },
		{ { "--priority", "error" }, "d2 d4" },
		/* The policy's verdict counts as a warning. */
		{ { "--priority", "warning" }, "d2 d3 d4 d6" },
		{ { "--all", "--priority", "critical" }, "d2" },
		{ { "--cell", "4" }, "d3 d5" },
		{ { "--cell", "4", "--all" }, "d3 d5 d7" },
		{ { "--cell", "3", "--cell", "5" }, "d2 d4 d6" },
		{ { "--event", "exec" }, "d2 d5" },
		{ { "--event", "network" }, "d4" },
		{ { "--event", "file", "--all" }, "d3 d6" },
		{ { "--event", "process", "--all" }, "d1 d2 d5" },
		{ { "--event", "open", "--priority", "warning" }, "d3 d6" },
		{ { "--rule", "miner", "--cell", "3" }, "" },
		{ { "--run", "d3" }, "d3" },
		{ { "--run", "d2", "--run", "d7", "--all" }, "d2 d7" },
		{ { "--label", "app.kubernetes.io/name=web" }, "d3" },
		{ { "--label", "team=ml", "--label", "app_kubernetes_io/name=web" }, "d3 d4" },
		{ { "--label", "team=other" }, "" },
	};
	struct tail_child *tc = &the_tail;
	char tags[256], what[256];
	int lfd = -1;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int json = 0; json <= 1; json++) {
			char *args[8] = {};
			int n = 0, status;

			for (; cases[i].args[n]; n++)
				args[n] = cases[i].args[n];
			if (json)
				args[n] = "--json";
			snprintf(what, sizeof(what), "case %zu (%s%s %s)", i,
				 json ? "--json " : "", args[0] ?: "", args[1] ?: "");
			lfd = fake_listen();
			if (lfd < 0 || !start_tail(tc, args, -1) || !serve_docs(tc, lfd, 0))
				goto cleanup;
			status = stop_tail(tc, SIGTERM);
			ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
				    "SIGTERM: exit 0");
			ASSERT_TRUE(out_until(tc, NULL), "stdout ends");
			output_tags(tc->outbuf, json, tags, sizeof(tags));
			if (!ASSERT_STREQ(tags, cases[i].want, what))
				fprintf(stderr, "output:\n%s", tc->outbuf);
			ASSERT_HAS(tc->errbuf, "7 events missed", "the dropped notice on stderr");
			tail_cleanup(tc);
			close(lfd);
			lfd = -1;
		}
	}
cleanup:
	tail_cleanup(tc);
	if (lfd >= 0)
		close(lfd);
}

UNIT_TEST(tail_human_lines)
{
	struct tail_child *tc = &the_tail;
	char *lines[8] = {};
	int lfd = -1, n = 0;

	lfd = fake_listen();
	if (lfd < 0 || !start_tail(tc, (char *[]){ "--all", NULL }, -1) || !serve_docs(tc, lfd, 0))
		goto cleanup;
	stop_tail(tc, SIGINT);
	ASSERT_TRUE(out_until(tc, NULL), "stdout ends");
	ASSERT_NULL(strchr(tc->outbuf, '\033'), "plain when stdout is a pipe");
	for (char *p = tc->outbuf, *nl; n < 8 && (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		lines[n++] = p;
	}
	/* The payload's newline did not make a line of its own. */
	if (!ASSERT_EQ(n, 7, "one line per document"))
		goto cleanup;
	ASSERT_STREQ(lines[1], "10:11:12.123 critical  cell=3   shell-spawn          "
			       "kill/kernel     pid=101     exec /bin/sh -c 'echo hi' run=d2",
		     "an exec alert");
	ASSERT_HAS(lines[0], "-         cell=3", "an event: no level");
	ASSERT_HAS(lines[0], "exec /usr/bin/python3 a.py run=d1", "exec: executable and args");
	ASSERT_HAS(lines[2], "warning   cell=4", "level and cell");
	ASSERT_HAS(lines[2], "alert/kernel", "action and layer");
	ASSERT_HAS(lines[2], "open /etc/shadow run=d3", "open: the path");
	ASSERT_HAS(lines[3], "connect 169.254.169.254:80 run=d4", "connect: the destination");
	ASSERT_HAS(lines[4], "exec /tmp/x 'a\\x0ab\\x1b[31m' report\\u202etxt.exe rm\\u200b-rf "
		   "run=d5", "control and invisible characters escaped");
	ASSERT_HAS(lines[5], "warning   cell=5   -  ", "a policy's verdict: warning, no rule");
	ASSERT_HAS(lines[6], "cell-registered run=d7", "other events: the action");
	ASSERT_HAS(lines[6], "pid=-", "no pid");
cleanup:
	tail_cleanup(tc);
	if (lfd >= 0)
		close(lfd);
}

/*
 * --json prints the daemon's message as it came, the log's line: ASCII,
 * a cell's bidi override still escaped, never dumped again as raw UTF-8.
 * A burst longer than tail reads at once comes out whole and in order.
 */
UNIT_TEST(tail_json_prints_the_daemons_line)
{
	static const char line[] = "{\"@timestamp\":\"2026-12-07T10:11:12.123456Z\","
		"\"event\":{\"kind\":\"alert\",\"action\":\"exec\"},\"process\":{\"args\":"
		"[\"report\\u202Etxt.exe\"]},\"cellwatch\":{\"run_id\":\"first\"}}";
	struct tail_child *tc = &the_tail;
	long long since = -1;
	int lfd, fd = -1, n = 0;
	bool ok;

	lfd = fake_listen();
	if (lfd < 0 || !start_tail(tc, (char *[]){ "--all", "--json", NULL }, -1))
		goto cleanup;
	fd = fake_accept(lfd, &since);
	ok = fd >= 0 && fake_reply(fd) &&
	     ASSERT_EQ(send(fd, line, strlen(line), 0), (ssize_t)strlen(line), "the line");
	for (int i = 0; ok && i < 600; i++) {
		json_t *doc = json_pack("{s:s, s:{s:s}, s:{s:i}}", "@timestamp", "x", "event",
					"kind", "event", "cellwatch", "n", i);

		ok = send_json(fd, doc);
	}
	close(fd);
	fd = -1;
	if (!ok || !ASSERT_TRUE(err_until(tc, "daemon unavailable"), "tail sees the hang-up"))
		goto cleanup;
	stop_tail(tc, SIGINT);
	ASSERT_TRUE(out_until(tc, NULL), "stdout ends");
	ASSERT_TRUE(!strncmp(tc->outbuf, line, strlen(line)) && tc->outbuf[strlen(line)] == '\n',
		    "the first line is the message, byte for byte");
	for (char *p = tc->outbuf, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		char want[64];

		snprintf(want, sizeof(want), "\"n\":%d}", n - 1);
		if (n > 0 && !ASSERT_TRUE(strstr(p, want) && strstr(p, want) < nl, want))
			break;
		n++;
	}
	ASSERT_EQ(n, 601, "every message a line");
cleanup:
	if (fd >= 0)
		close(fd);
	tail_cleanup(tc);
	if (lfd >= 0)
		close(lfd);
}

/* Colours only on a terminal: a pty as tail's stdout. */
UNIT_TEST(tail_colors_on_a_terminal)
{
	struct tail_child *tc = &the_tail;
	int lfd = -1, master = -1, slave = -1;

	for (int plain = 0; plain <= 1; plain++) {
		master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (!ASSERT_TRUE(master >= 0 && !grantpt(master) && !unlockpt(master), "a pty"))
			goto cleanup;
		slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
		lfd = fake_listen();
		if (!ASSERT_TRUE(slave >= 0, "pty slave") || lfd < 0 ||
		    !start_tail(tc, (char *[]){ plain ? "--no-color" : NULL, NULL }, slave))
			goto cleanup;
		close(slave);
		slave = -1;
		tc->out = master;
		master = -1;
		if (!serve_docs(tc, lfd, 0) ||
		    !ASSERT_TRUE(out_until(tc, "run=d6"), "alerts on the terminal"))
			goto cleanup;
		if (plain) {
			ASSERT_NULL(strchr(tc->outbuf, '\033'), "--no-color: no escape at all");
		} else {
			ASSERT_HAS(tc->outbuf, "\033[1;31m10:11:12.123 critical", "bold red");
			ASSERT_HAS(tc->outbuf, "\033[33m10:11:12.123 warning", "warning: yellow");
			ASSERT_HAS(tc->outbuf, "\033[31m10:11:12.123 error", "error: red");
			ASSERT_HAS(tc->outbuf, "\033[36m10:11:12.123 notice", "notice: cyan");
			ASSERT_HAS(tc->outbuf, "run=d2\033[0m", "reset at the end of the line");
			ASSERT_HAS(tc->outbuf, "'a\\x0ab\\x1b[31m'", "the payload's ESC escaped");
		}
		tail_cleanup(tc);
		close(lfd);
		lfd = -1;
	}
cleanup:
	tail_cleanup(tc);
	if (lfd >= 0)
		close(lfd);
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
}

static int count(const char *haystack, const char *needle)
{
	int n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/*
 * Started before the daemon, tail waits for it and replays --since once;
 * after the daemon goes and comes back it subscribes again with since 0
 * and goes on printing, having said once that the daemon was away.
 */
UNIT_TEST(tail_reconnects)
{
	struct tail_child *tc = &the_tail;
	long long since = -1;
	int lfd = -1, fd = -1, status;

	if (!start_tail(tc, (char *[]){ "--json", "--since", "3", NULL }, -1) ||
	    !ASSERT_TRUE(err_until(tc, "reconnecting\n"), "no daemon yet: said"))
		goto cleanup;
	ASSERT_HAS(tc->errbuf, "cellwatch tail: daemon unavailable (", "the first failure");
	usleep(300000);
	lfd = fake_listen();
	fd = lfd >= 0 ? fake_accept(lfd, &since) : -1;
	if (fd < 0 || !ASSERT_EQ(since, 1LL << 40, "--since: the whole backlog, first time") ||
	    !fake_reply(fd) ||
	    !ASSERT_TRUE(err_until(tc, "cellwatch tail: connected\n"), "connected"))
		goto cleanup;
	ASSERT_EQ(count(tc->errbuf, "daemon unavailable"), 1, "said once while waiting");
	if (!send_json(fd, make_doc(1)) || !ASSERT_TRUE(out_until(tc, "\"d2\""), "first alert"))
		goto cleanup;

	/* The daemon goes: hang up and stop listening. */
	tc->errlen = 0;
	close(lfd);
	close(fd);
	lfd = fd = -1;
	unlink(test_path(0, "d.sock"));
	if (!ASSERT_TRUE(err_until(tc, "reconnecting\n"), "the hang-up said"))
		goto cleanup;
	ASSERT_HAS(tc->errbuf, "cellwatch tail: daemon unavailable (connection closed), "
			       "reconnecting", "why");
	usleep(700000);		/* a few failed retries */
	lfd = fake_listen();
	fd = lfd >= 0 ? fake_accept(lfd, &since) : -1;
	if (fd < 0 || !ASSERT_EQ(since, 0, "no replay on a reconnect") || !fake_reply(fd) ||
	    !ASSERT_TRUE(err_until(tc, "cellwatch tail: connected\n"), "connected again"))
		goto cleanup;
	ASSERT_EQ(count(tc->errbuf, "daemon unavailable"), 1, "said once per outage");
	if (!send_json(fd, make_doc(2)) ||
	    !ASSERT_TRUE(out_until(tc, "\"d3\""), "an alert after the reconnect"))
		goto cleanup;
	ASSERT_EQ(count(tc->outbuf, "\n"), 2, "nothing printed twice");
	status = stop_tail(tc, SIGTERM);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "SIGTERM: exit 0");
cleanup:
	tail_cleanup(tc);
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
}

/*
 * --since N: the last N of the backlog's documents that the filters let
 * through (the daemon replays its whole backlog; tail keeps what matches),
 * then the live ones.
 */
UNIT_TEST(tail_since_counts_matching_lines)
{
	static const struct {
		char *args[6];
		int live;		/* the document sent after the backlog */
		const char *want;
	} cases[] = {
		{ { "--since", "2" }, 1, "d5 d6 d2" },
		{ { "--since", "2", "--rule", "shell-spawn" }, 1, "d2 d2" },
		{ { "--since", "100", "--cell", "4", "--all" }, 4, "d3 d5 d7 d5" },
	};
	struct tail_child *tc = &the_tail;
	char tags[256];
	long long since;
	int lfd = -1, fd = -1;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = sizeof(docs) / sizeof(docs[0]);
		bool ok;

		lfd = fake_listen();
		if (lfd < 0 || !start_tail(tc, (char **)cases[i].args, -1))
			goto cleanup;
		fd = fake_accept(lfd, &since);
		ok = fd >= 0 && send_json(fd, json_pack("{s:s, s:b, s:i}", "reply", "subscribe",
							"ok", 1, "replayed", (int)n));
		for (size_t j = 0; ok && j < n; j++)
			ok = send_json(fd, make_doc(j));
		ok = ok && send_json(fd, make_doc(cases[i].live));
		close(fd);
		fd = -1;
		if (!ok || !ASSERT_TRUE(err_until(tc, "daemon unavailable"), "all handled"))
			goto cleanup;
		stop_tail(tc, SIGTERM);
		ASSERT_TRUE(out_until(tc, NULL), "stdout ends");
		output_tags(tc->outbuf, false, tags, sizeof(tags));
		ASSERT_STREQ(tags, cases[i].want, cases[i].args[1]);
		tail_cleanup(tc);
		close(lfd);
		lfd = -1;
	}
cleanup:
	tail_cleanup(tc);
	if (lfd >= 0)
		close(lfd);
}

UNIT_TEST(tail_subscribe_refused)
{
	struct tail_child *tc = &the_tail;
	long long since;
	int lfd = -1, fd = -1, status;

	lfd = fake_listen();
	if (lfd < 0 || !start_tail(tc, NULL, -1) || (fd = fake_accept(lfd, &since)) < 0 ||
	    !send_json(fd, json_pack("{s:s, s:b, s:s}", "reply", "subscribe", "ok", 0,
				     "error", "subscribers are off")))
		goto cleanup;
	status = stop_tail(tc, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1, "exit 1");
	err_until(tc, NULL);
	ASSERT_HAS(tc->errbuf, "refused to subscribe: subscribers are off", "the daemon's reason");
cleanup:
	tail_cleanup(tc);
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
}

UNIT_TEST(tail_bad_options)
{
	static const struct {
		char *args[3];
		int status;
		const char *err, *out;
	} cases[] = {
		{ { "--priority", "loud" }, 2,
		  "--priority: unknown level 'loud' (one of emergency, alert, critical, error, "
		  "warning, notice, informational, debug)", "" },
		{ { "--bogus" }, 2, "unknown option '--bogus'", "" },
		{ { "--since", "-1" }, 2, "--since: not a number >= 0: '-1'", "" },
		{ { "--cell", "x" }, 2, "--cell: not a number >= 0: 'x'", "" },
		{ { "--rule" }, 2, "option '--rule' needs a value", "" },
		{ { "extra" }, 2, "unexpected argument 'extra'", "" },
		{ { "--help" }, 0, "", "Usage: cellwatch tail [options]" },
	};
	struct tail_child *tc = &the_tail;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status;

		if (!start_tail(tc, cases[i].args, -1))
			break;
		status = stop_tail(tc, 0);
		ASSERT_TRUE(WIFEXITED(status), "exits");
		ASSERT_EQ(WEXITSTATUS(status), cases[i].status, cases[i].args[0]);
		err_until(tc, NULL);
		out_until(tc, NULL);
		ASSERT_HAS(tc->errbuf, cases[i].err, cases[i].args[0]);
		ASSERT_HAS(tc->outbuf, cases[i].out, cases[i].args[0]);
		if (cases[i].status)
			ASSERT_HAS(tc->errbuf, "Try 'cellwatch tail --help'", "the way to help");
		tail_cleanup(tc);
	}
	tail_cleanup(tc);
}

/* The reader leaving (`cellwatch tail | head -1`) ends tail: exit 0, no signal. */
UNIT_TEST(tail_exits_when_stdout_closes)
{
	struct tail_child *tc = &the_tail;
	long long since;
	int lfd = -1, fd = -1, status;

	lfd = fake_listen();
	if (lfd < 0 || !start_tail(tc, NULL, -1) || (fd = fake_accept(lfd, &since)) < 0 ||
	    !fake_reply(fd) || !send_json(fd, make_doc(1)) ||
	    !ASSERT_TRUE(out_until(tc, "run=d2"), "an alert"))
		goto cleanup;
	close(tc->out);
	tc->out = -1;
	status = stop_tail(tc, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit 0");
cleanup:
	tail_cleanup(tc);
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
}
