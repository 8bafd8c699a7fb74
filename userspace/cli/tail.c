// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cellwatch tail: subscribe to the daemon and print its alerts as they
 * come, one line each, written whole with one write(2) so a reader never
 * waits on a buffer.  Follows the daemon across restarts.
 *
 * SIGINT and SIGTERM are blocked except while waiting (ppoll) and while
 * writing a line, so a signal never slips in between checking the stop
 * flag and going to sleep, and a write stuck on a full pipe still ends.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "api.h"
#include "ecs.h"
#include "parse.h"
#include "rules.h"
#include "tail.h"

#define TAIL_MAX_FILTERS	32
#define TAIL_LABEL_MAX		128	/* a label key's bytes, as the daemon takes them */
/* Asked of the daemon for --since: its whole backlog, from which tail keeps what matches. */
#define TAIL_REPLAY_ALL		(1LL << 40)
#define TAIL_RETRY_MS		200
#define TAIL_REPLY_TIMEOUT_MS	5000
/* Messages read while more are waiting before their lines are written; and the lines' bytes. */
#define TAIL_BURST		256
#define TAIL_PENDING_MAX	(256 << 10)

#define ANSI_RED_BOLD	"\033[1;31m"
#define ANSI_RED	"\033[31m"
#define ANSI_YELLOW	"\033[33m"
#define ANSI_CYAN	"\033[36m"
#define ANSI_RESET	"\033[0m"

struct strset {
	const char *v[TAIL_MAX_FILTERS];
	int n;
};

/* --label KEY=VALUE, the key as the daemon writes it (dots become '_'). */
struct label {
	char key[TAIL_LABEL_MAX + 1];
	const char *value;
};

struct tail {
	const char *socket;
	struct strset rules;		/* --rule: rule.name is one of these */
	struct strset events;		/* --event: event.action or a category is one */
	struct strset runs;		/* --run: cellwatch.run_id is one */
	struct label labels[TAIL_MAX_FILTERS];	/* --label: one of them is in labels */
	int nlabels;
	long long cells[TAIL_MAX_FILTERS];
	int ncells;
	int max_level;			/* --priority as a rank, -1: any */
	bool all, json, color;
	long long since;		/* --since: matching lines replayed; 0 once subscribed */
	long long replay_left;		/* backlog documents still to come */
	json_t **held;			/* the last @since matching ones among them, a ring */
	long long nheld, held_head;
	char *pending;			/* lines of a burst of messages, written at its end */
	size_t pending_len, pending_cap;
	bool down;			/* "unavailable" said, "connected" not yet */
	bool done;			/* stop with @status */
	int status;
	sigset_t open_mask;		/* the mask while waiting or writing */
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: cellwatch tail [options]\n"
"\n"
"Print the daemon's alerts live, one line each.  Follows the daemon across\n"
"restarts: while it is away, says so once on stderr and reconnects every\n"
"200 ms.  Runs until SIGINT or SIGTERM, or until stdout is closed.\n"
"\n"
"  -s, --socket PATH     daemon socket (default %s)\n"
"      --cell ID         only events of this cell (repeatable)\n"
"      --rule NAME       only alerts of this rule (repeatable)\n"
"      --priority LEVEL  only alerts at least this severe: emergency, alert,\n"
"                        critical, error, warning, notice, informational,\n"
"                        debug (\"warning\" shows emergency to warning)\n"
"      --event KIND      only events whose action or category is KIND: exec,\n"
"                        open, connect, network, process, file... (repeatable)\n"
"      --all             every event, not only alerts\n"
"      --json            each event as the daemon's JSON document, one a line\n"
"      --run ID          only events of this run (cellrun --run-id; repeatable)\n"
"      --label KEY=VALUE only events of runs with this label (repeatable)\n"
"      --since N         first show the last N of the daemon's recent events\n"
"                        that these filters let through\n"
"      --no-color        no colours (also when stdout is not a terminal, or\n"
"                        NO_COLOR is set)\n"
"  -h, --help            this text\n"
"\n"
"A line: time (UTC, as in @timestamp), level, cell, rule, action/layer, pid,\n"
"then what happened (exec with the executable and its arguments, open with\n"
"the path, connect with the destination).  Filters of different options\n"
"must all hold; a repeated option matches any of its values.\n"
"\n"
"Example: cellwatch tail --priority critical --event exec\n",
		CW_SOCKET_DEFAULT);
}

/* ---- documents ---- */

/* Value at dotted @path: nested objects, or a flat dotted key at any level. */
static json_t *get(json_t *obj, const char *path)
{
	const char *dot;
	json_t *v = json_object_get(obj, path);
	char key[64];

	if (v || !(dot = strchr(path, '.')) || (size_t)(dot - path) >= sizeof(key))
		return v;
	memcpy(key, path, dot - path);
	key[dot - path] = '\0';
	return get(json_object_get(obj, key), dot + 1);
}

static const char *str(json_t *doc, const char *path)
{
	return json_string_value(get(doc, path));
}

/* Rank of a level name (0: emergency ... 7: debug), or -1. */
static int level_rank(const char *name)
{
	for (int i = CW_PRIO_EMERGENCY; name && i <= CW_PRIO_DEBUG; i++) {
		if (!strcmp(name, cw_priority_name(i)))
			return i;
	}
	return -1;
}

/*
 * An alert without a rule (a policy's verdict) has no log.level; it counts
 * as a warning, as the watcher's own alert lines show it.
 */
static int doc_level(json_t *doc)
{
	const char *level = str(doc, "log.level");

	if (!level && cw_ecs_is_alert(doc))
		return CW_PRIO_WARNING;
	return level_rank(level);
}

static bool in_set(const struct strset *s, const char *v)
{
	for (int i = 0; v && i < s->n; i++) {
		if (!strcmp(s->v[i], v))
			return true;
	}
	return false;
}

static bool cell_wanted(const struct tail *t, json_t *doc)
{
	json_t *id = get(doc, "cellwatch.cell.id");

	for (int i = 0; json_is_integer(id) && i < t->ncells; i++) {
		if (json_integer_value(id) == t->cells[i])
			return true;
	}
	return false;
}

static bool event_wanted(const struct tail *t, json_t *doc)
{
	json_t *cats = get(doc, "event.category"), *c;
	size_t i;

	if (in_set(&t->events, str(doc, "event.action")))
		return true;
	json_array_foreach(cats, i, c) {
		if (in_set(&t->events, json_string_value(c)))
			return true;
	}
	return false;
}

static bool label_wanted(const struct tail *t, json_t *doc)
{
	json_t *labels = json_object_get(doc, "labels");

	for (int i = 0; i < t->nlabels; i++) {
		const char *v = json_string_value(json_object_get(labels, t->labels[i].key));

		if (v && !strcmp(v, t->labels[i].value))
			return true;
	}
	return false;
}

static bool wanted(const struct tail *t, json_t *doc)
{
	int level;

	if (!t->all && !cw_ecs_is_alert(doc))
		return false;
	if (t->ncells && !cell_wanted(t, doc))
		return false;
	if (t->rules.n && !in_set(&t->rules, str(doc, "rule.name")))
		return false;
	if (t->events.n && !event_wanted(t, doc))
		return false;
	if (t->runs.n && !in_set(&t->runs, str(doc, "cellwatch.run_id")))
		return false;
	if (t->nlabels && !label_wanted(t, doc))
		return false;
	level = doc_level(doc);
	return t->max_level < 0 || (level >= 0 && level <= t->max_level);
}

/* ---- human lines ---- */

/*
 * Characters that change how the rest of a line shows without showing
 * themselves: bidirectional overrides and isolates (U+202E turns
 * "exe.txt" into "txt.exe"), zero-width ones, the BOM, soft hyphen.
 */
static bool invisible(unsigned int cp)
{
	return cp == 0x00ad || cp == 0x061c || cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
	       cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

/* The code point of the UTF-8 sequence at @p (@len bytes), or -1 if malformed. */
static int utf8_decode(const unsigned char *p, int *len)
{
	int n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
	unsigned int cp = n == 1 ? *p : *p & (0x7f >> n);

	if (*p >= 0x80 && n == 1)
		return -1;	/* a continuation byte out of place */
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*len = n;
	return cp;
}

/*
 * Paths and arguments come from the cell: a control character in them
 * must not reach the terminal (it could forge or hide lines), nor a C1
 * control in its UTF-8 form, nor a character that reorders or hides what
 * follows it.  Returns the columns written.
 */
static int put_clean(FILE *f, const char *s, bool quoted)
{
	const unsigned char *p = (const unsigned char *)s;
	int n = 0, len, cp;

	for (; *p; p += len) {
		len = 1;
		cp = utf8_decode(p, &len);
		if (cp < 0) {
			n += fprintf(f, "\\x%02x", *p);
			len = 1;
		} else if (cp < 0x20 || cp == 0x7f) {
			n += fprintf(f, "\\x%02x", cp);
		} else if ((cp >= 0x80 && cp <= 0x9f) || invisible(cp)) {
			n += fprintf(f, "\\u%04x", cp);
		} else if (cp == '\\' || (quoted && cp == '\'')) {
			n += fprintf(f, "\\%c", cp);
		} else {
			fwrite(p, 1, len, f);
			n++;
		}
	}
	return n;
}

/* @s in a column of @width, "-" when missing. */
static void put_col(FILE *f, const char *s, int width)
{
	int n = put_clean(f, s ? s : "-", false);

	fprintf(f, "%*s", n < width ? width - n : 0, "");
}

/* One word of a command line, quoted when it would not read as one word. */
static void put_word(FILE *f, const char *s)
{
	bool plain = *s;

	for (const unsigned char *p = (const unsigned char *)s; *p && plain; p++)
		plain = *p > ' ' && *p != '\'' && *p != '"' && *p != 0x7f;
	fputc(' ', f);
	if (plain) {
		put_clean(f, s, false);
	} else {
		fputc('\'', f);
		put_clean(f, s, true);
		fputc('\'', f);
	}
}

/* What happened: the action, then what it was done to. */
static void put_what(FILE *f, json_t *doc)
{
	const char *action = str(doc, "event.action");
	const char *exe = str(doc, "process.executable");
	const char *path = str(doc, "file.path");
	const char *ip = str(doc, "destination.ip");
	const char *addr = str(doc, "destination.address");
	json_t *args = get(doc, "process.args"), *a;
	size_t i;

	put_clean(f, action ? action : "-", false);
	if (action && !strcmp(action, "exec") && exe) {
		put_word(f, exe);
		/* args[0] is the name it was run by, mostly the executable again. */
		json_array_foreach(args, i, a) {
			if (i && json_is_string(a))
				put_word(f, json_string_value(a));
		}
	} else if (path) {
		put_word(f, path);
	} else if (ip) {
		bool v6 = strchr(ip, ':');

		fputs(v6 ? " [" : " ", f);
		put_clean(f, ip, false);
		fprintf(f, "%s:%lld", v6 ? "]" : "",
			json_integer_value(get(doc, "destination.port")));
	} else if (addr) {
		put_word(f, addr);
	}
}

static const char *level_color(int level)
{
	switch (level) {
	case CW_PRIO_EMERGENCY:
	case CW_PRIO_ALERT:
	case CW_PRIO_CRITICAL:
		return ANSI_RED_BOLD;
	case CW_PRIO_ERROR:
		return ANSI_RED;
	case CW_PRIO_WARNING:
		return ANSI_YELLOW;
	case CW_PRIO_NOTICE:
		return ANSI_CYAN;
	default:
		return NULL;
	}
}

/* "10:11:12.123" of "2026-11-22T10:11:12.123456Z": UTC, as the log has it. */
static void put_time(FILE *f, json_t *doc)
{
	const char *ts = str(doc, "@timestamp");

	if (ts && strlen(ts) >= 23 && ts[10] == 'T')
		fprintf(f, "%.12s", ts + 11);
	else
		put_col(f, ts, 12);
}

static void put_int_col(FILE *f, const char *prefix, json_t *v, int width)
{
	int n = json_is_integer(v) ? fprintf(f, "%s%lld", prefix, json_integer_value(v)) :
				     fprintf(f, "%s-", prefix);

	fprintf(f, "%*s", n < width ? width - n : 0, "");
}

/*
 * 10:11:12.123 critical  cell=3   shell-spawn          kill/kernel     pid=4242    exec /bin/sh
 *
 * Coloured whole, so the escapes never count in a column's width.
 */
static void format_line(const struct tail *t, json_t *doc, FILE *f)
{
	int level = doc_level(doc);
	const char *color = t->color ? level_color(level) : NULL;
	const char *action = str(doc, "cellwatch.action");
	const char *layer = str(doc, "cellwatch.layer");
	const char *run = str(doc, "cellwatch.run_id");
	char verdict[64];

	if (color)
		fputs(color, f);
	put_time(f, doc);
	fputc(' ', f);
	put_col(f, level >= 0 ? cw_priority_name(level) : str(doc, "log.level"), 9);
	fputc(' ', f);
	put_int_col(f, "cell=", get(doc, "cellwatch.cell.id"), 8);
	fputc(' ', f);
	put_col(f, str(doc, "rule.name"), 20);
	fputc(' ', f);
	if (action && layer)
		snprintf(verdict, sizeof(verdict), "%s/%s", action, layer);
	put_col(f, action && layer ? verdict : action, 15);
	fputc(' ', f);
	put_int_col(f, "pid=", get(doc, "process.pid"), 11);
	fputc(' ', f);
	put_what(f, doc);
	if (run) {
		fputs(" run=", f);
		put_clean(f, run, false);
	}
	if (color)
		fputs(ANSI_RESET, f);
	fputc('\n', f);
}

/* ---- the connection ---- */

/*
 * Write all of @buf to stdout, signals let in.  0, -EINTR when told to
 * stop (a partial line is then left: the reader has stopped reading),
 * or negative errno (-EPIPE: stdout closed).
 */
static int out(const struct tail *t, const char *buf, size_t len)
{
	sigset_t old;
	int err = 0;

	sigprocmask(SIG_SETMASK, &t->open_mask, &old);
	while (len && !err) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0) {
			err = errno == EINTR && !stop ? 0 : -errno;
			continue;
		}
		buf += n;
		len -= n;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return stop ? -EINTR : err;
}

/* Write the burst's lines; a reader gone or a signal ends tail. */
static void flush_lines(struct tail *t)
{
	int err = t->pending_len ? out(t, t->pending, t->pending_len) : 0;

	t->pending_len = 0;
	if (err == -EINTR || err == -EPIPE) {
		t->done = true;
	} else if (err) {
		fprintf(stderr, "cellwatch tail: stdout: %s\n", strerror(-err));
		t->status = 1;
		t->done = true;
	}
}

static void add_line(struct tail *t, const char *text, size_t len)
{
	if (t->pending_len + len > t->pending_cap) {
		size_t cap = t->pending_len + len > 2 * t->pending_cap ? t->pending_len + len :
			     2 * t->pending_cap;
		char *p = realloc(t->pending, cap);

		if (!p) {
			fprintf(stderr, "cellwatch tail: out of memory\n");
			t->status = 1;
			t->done = true;
			return;
		}
		t->pending = p;
		t->pending_cap = cap;
	}
	memcpy(t->pending + t->pending_len, text, len);
	t->pending_len += len;
	if (t->pending_len >= TAIL_PENDING_MAX)
		flush_lines(t);
}

/*
 * @doc's line, to be written at the end of the burst.  With --json it is
 * @text, the daemon's message (compact ASCII JSON, as its log has it),
 * when the caller has it; else the document dumped again.
 */
static void print_doc(struct tail *t, json_t *doc, const char *text, size_t len)
{
	char *made = NULL;
	size_t made_len = 0;
	FILE *f;

	if (t->json && text && !memchr(text, '\n', len)) {
		add_line(t, text, len);
		add_line(t, "\n", 1);
		return;
	}
	if (t->json) {
		/* A held document of --since: dumped as the daemon wrote it, ASCII. */
		made = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
		made_len = made ? strlen(made) : 0;
		/* The newline over the terminating NUL: @made_len is what is written. */
		if (made)
			made[made_len++] = '\n';
	} else if ((f = open_memstream(&made, &made_len))) {
		format_line(t, doc, f);
		if (fclose(f)) {
			free(made);
			made = NULL;
		}
	}
	if (made)
		add_line(t, made, made_len);
	else
		fprintf(stderr, "cellwatch tail: out of memory: a line not shown\n");
	free(made);
}

/* A backlog document: the last --since that match are kept, shown once the backlog is over. */
static void hold(struct tail *t, json_t *doc)
{
	if (!t->held) {
		long long n = t->since < t->replay_left + 1 ? t->since : t->replay_left + 1;

		t->held = calloc(n, sizeof(*t->held));
		if (!t->held)
			return;
		t->since = n;
	}
	if (t->nheld == t->since) {
		json_decref(t->held[t->held_head]);
		t->held[t->held_head] = json_incref(doc);
		t->held_head = (t->held_head + 1) % t->since;
	} else {
		t->held[(t->held_head + t->nheld++) % t->since] = json_incref(doc);
	}
}

static void drop_held(struct tail *t)
{
	for (long long i = 0; i < t->nheld; i++)
		json_decref(t->held[(t->held_head + i) % t->since]);
	free(t->held);
	t->held = NULL;
	t->nheld = t->held_head = 0;
}

static void show_held(struct tail *t)
{
	for (long long i = 0; i < t->nheld && !t->done; i++)
		print_doc(t, t->held[(t->held_head + i) % t->since], NULL, 0);
	drop_held(t);
}

static void handle_reply(struct tail *t, json_t *msg)
{
	const char *error = str(msg, "error");

	if (!json_is_true(json_object_get(msg, "ok"))) {
		fprintf(stderr, "cellwatch tail: the daemon refused to subscribe: %s\n",
			error ? error : "no reason given");
		t->status = 1;
		t->done = true;
		return;
	}
	/* Replay once: a reconnect would print the backlog a second time. */
	drop_held(t);	/* of a connection lost during its replay */
	t->replay_left = t->since ? json_integer_value(json_object_get(msg, "replayed")) : 0;
	if (!t->replay_left)
		t->since = 0;
	if (t->down)
		fprintf(stderr, "cellwatch tail: connected\n");
	t->down = false;
}

/* One message from the daemon, @text; sets @subscribed on the subscribe reply. */
static void handle(struct tail *t, json_t *msg, const char *text, size_t len, bool *subscribed)
{
	const char *reply = str(msg, "reply");
	const char *notice = str(msg, "notice");

	if (reply) {
		if (!strcmp(reply, "subscribe")) {
			handle_reply(t, msg);
			*subscribed = true;
		}
	} else if (notice) {
		if (!strcmp(notice, "dropped"))
			fprintf(stderr, "cellwatch tail: %lld events missed (tail too slow)\n",
				json_integer_value(json_object_get(msg, "count")));
	} else if (t->replay_left > 0) {
		if (wanted(t, msg))
			hold(t, msg);
		if (!--t->replay_left) {
			show_held(t);
			t->since = 0;
		}
	} else if (wanted(t, msg)) {
		print_doc(t, msg, text, len);
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Wait up to @timeout_ms (-1: for ever) for @fd (-1: none) to be readable.
 * Watches stdout too, so a closed pipe ends tail even when nothing comes.
 * 1 readable, 0 not yet, -EINTR told to stop, -EPIPE stdout closed, or
 * negative errno.
 */
static int wait_in(const struct tail *t, int fd, int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = STDOUT_FILENO, .events = 0 },
		{ .fd = fd, .events = POLLIN },
	};
	struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };
	int n = ppoll(pfd, fd >= 0 ? 2 : 1, timeout_ms < 0 ? NULL : &ts, &t->open_mask);

	if (stop)
		return -EINTR;
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL))
		return -EPIPE;
	return n > 0 && pfd[1].revents ? 1 : 0;
}

/*
 * The messages waiting, TAIL_BURST at most, their lines kept for one
 * write: a flood costs a write per burst, not per line.  0, or negative
 * errno when the connection ended, with @why saying how.
 */
static int read_burst(struct tail *t, int fd, bool *subscribed, char *why, size_t why_len)
{
	for (int i = 0; i < TAIL_BURST && !t->done; i++) {
		const char *text;
		json_t *msg;
		size_t len;
		int ret = cw_api_recv_text(fd, &msg, &text, &len, 0);

		if (ret == -ETIMEDOUT)
			break;
		if (ret == -EBADMSG) {
			fprintf(stderr, "cellwatch tail: skipped a message, not a JSON object\n");
			continue;
		}
		if (ret || !msg) {
			snprintf(why, why_len, "%s", ret ? strerror(-ret) : "connection closed");
			return ret ? ret : -ECONNRESET;
		}
		handle(t, msg, text, len, subscribed);
		json_decref(msg);
	}
	return 0;
}

/*
 * One connection: subscribe, then print what comes until it ends.  0 when
 * tail is done (t->status says how), or negative errno when the daemon
 * went away, with @why saying how.
 */
static int session(struct tail *t, int fd, char *why, size_t len)
{
	json_t *req = json_pack("{s:s, s:I}", "op", "subscribe", "since",
				(json_int_t)(t->since ? TAIL_REPLAY_ALL : 0));
	long long deadline = now_ms() + TAIL_REPLY_TIMEOUT_MS;
	bool subscribed = false;
	int ret = req ? cw_api_send(fd, req) : -ENOMEM;

	json_decref(req);
	if (ret) {
		snprintf(why, len, "subscribe: %s", strerror(-ret));
		return ret;
	}
	while (!t->done) {
		long long left = deadline - now_ms();

		if (!subscribed && left <= 0) {
			snprintf(why, len, "no reply to subscribe");
			return -ETIMEDOUT;
		}
		ret = wait_in(t, fd, subscribed ? -1 : (int)left);
		if (ret == -EINTR || ret == -EPIPE)
			break;
		if (ret < 0) {
			snprintf(why, len, "%s", strerror(-ret));
			return ret;
		}
		if (!ret)
			continue;
		ret = read_burst(t, fd, &subscribed, why, len);
		flush_lines(t);
		if (ret)
			return ret;
	}
	return 0;
}

/* Connect, follow, and when the daemon goes, say so once and retry. */
static int follow(struct tail *t)
{
	char why[256];

	while (!t->done) {
		int fd = cw_api_connect(t->socket);
		int ret;

		if (fd >= 0) {
			ret = session(t, fd, why, sizeof(why));
			close(fd);
			if (!ret)
				break;
		} else {
			snprintf(why, sizeof(why), "%s", strerror(-fd));
		}
		if (!t->down)
			fprintf(stderr, "cellwatch tail: daemon unavailable (%s), reconnecting\n",
				why);
		t->down = true;
		ret = wait_in(t, -1, TAIL_RETRY_MS);
		if (ret == -EINTR || ret == -EPIPE)
			break;
	}
	return t->status;
}

/* ---- options ---- */

__attribute__((format(printf, 1, 2)))
static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cellwatch tail: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'cellwatch tail --help'.\n");
	return 2;
}

static int add(struct strset *s, const char *v, const char *opt)
{
	if (s->n == TAIL_MAX_FILTERS)
		return bad_usage("%s: at most 32 values", opt);
	s->v[s->n++] = v;
	return 0;
}

static int add_label(struct tail *t, const char *kv)
{
	const char *eq = strchr(kv, '=');
	struct label *l = &t->labels[t->nlabels];

	if (t->nlabels == TAIL_MAX_FILTERS)
		return bad_usage("%s: at most 32 values", "--label");
	if (!eq || eq == kv || eq - kv > TAIL_LABEL_MAX)
		return bad_usage("--label: KEY=VALUE expected, a key of 1 to %d bytes: '%s'",
				 TAIL_LABEL_MAX, kv);
	snprintf(l->key, sizeof(l->key), "%.*s", (int)(eq - kv), kv);
	cw_ecs_label_key(l->key);
	l->value = eq + 1;
	t->nlabels++;
	return 0;
}

static int parse_count(const char *s, long long *v, const char *opt)
{
	unsigned long long n;

	if (cw_parse_count(s, 0, LLONG_MAX, &n))
		return bad_usage("%s: not a number >= 0: '%s'", opt, s);
	*v = n;
	return 0;
}

static int parse_priority(struct tail *t, const char *s)
{
	t->max_level = level_rank(s);
	if (t->max_level < 0)
		return bad_usage("--priority: unknown level '%s' (one of emergency, alert, "
				 "critical, error, warning, notice, informational, debug)", s);
	return 0;
}

/* 0, CW_ARGS_HELPED or the exit status (parse.h). */
static int parse_args(struct tail *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "cell", required_argument, NULL, 'C' },
		{ "rule", required_argument, NULL, 'R' },
		{ "priority", required_argument, NULL, 'P' },
		{ "event", required_argument, NULL, 'E' },
		{ "all", no_argument, NULL, 'A' },
		{ "json", no_argument, NULL, 'J' },
		{ "since", required_argument, NULL, 'S' },
		{ "run", required_argument, NULL, 'U' },
		{ "label", required_argument, NULL, 'L' },
		{ "no-color", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *nocolor = getenv("NO_COLOR");
	bool color = !(nocolor && *nocolor);
	int c, ret = 0;

	/* Our own messages; and start over, whoever parsed options before. */
	opterr = 0;
	optind = 0;
	while (!ret && (c = getopt_long(argc, argv, ":s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			t->socket = optarg;
			if (strlen(optarg) >= sizeof(((struct sockaddr_un *)0)->sun_path))
				ret = bad_usage("--socket: path too long: '%s'", optarg);
			break;
		case 'C':
			if (t->ncells == TAIL_MAX_FILTERS)
				ret = bad_usage("%s: at most 32 values", "--cell");
			else
				ret = parse_count(optarg, &t->cells[t->ncells++], "--cell");
			break;
		case 'R':
			ret = add(&t->rules, optarg, "--rule");
			break;
		case 'P':
			ret = parse_priority(t, optarg);
			break;
		case 'E':
			ret = add(&t->events, optarg, "--event");
			break;
		case 'U':
			ret = add(&t->runs, optarg, "--run");
			break;
		case 'L':
			ret = add_label(t, optarg);
			break;
		case 'A':
			t->all = true;
			break;
		case 'J':
			t->json = true;
			break;
		case 'S':
			ret = parse_count(optarg, &t->since, "--since");
			break;
		case 'N':
			color = false;
			break;
		case 'h':
			usage(stdout);
			return CW_ARGS_HELPED;
		case ':':
			ret = bad_usage("option '%s' needs a value", argv[optind - 1]);
			break;
		default:
			ret = bad_usage("unknown option '%s'", argv[optind - 1]);
			break;
		}
	}
	if (!ret && optind < argc)
		ret = bad_usage("unexpected argument '%s'", argv[optind]);
	t->color = color && isatty(STDOUT_FILENO);
	return ret;
}

int cw_tail_main(int argc, char **argv)
{
	struct tail t = { .socket = CW_SOCKET_DEFAULT, .max_level = -1 };
	struct sigaction sa = { .sa_handler = on_stop }, old_int, old_term, old_pipe;
	sigset_t block, old_mask;
	int ret;

	ret = parse_args(&t, argc, argv);
	if (ret)
		return ret == CW_ARGS_HELPED ? 0 : ret;

	/* No SA_RESTART: a signal must end a write stuck on a full pipe. */
	stop = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* A closed stdout is the reader leaving: EPIPE from write, exit 0. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	t.open_mask = old_mask;
	sigdelset(&t.open_mask, SIGINT);
	sigdelset(&t.open_mask, SIGTERM);

	ret = follow(&t);
	drop_held(&t);
	free(t.pending);

	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	return ret;
}
