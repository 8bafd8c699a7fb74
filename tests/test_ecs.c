// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests: record decoding and the ECS JSON encoding of each event kind. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buildconf.h"
#include "event.h"
#include "ecs.h"
#include "fuzz/samples.h"
#include "rules.h"
#include "test.h"

static size_t make_exec(struct cw_exec_event *e, const char *path, const char *args,
			size_t args_len)
{
	memset(e, 0, sizeof(*e));
	e->hdr.type = CW_EVENT_EXEC;
	e->hdr.cell_id = 42;
	e->hdr.pid = 100;
	e->hdr.tid = 101;
	e->hdr.ppid = 99;
	e->hdr.uid = 65534;
	e->hdr.gid = 65534;
	e->hdr.euid = 0;
	e->hdr.start_ticks = 4242;
	strcpy(e->hdr.comm, "python3");
	e->dev = (8ULL << 20) | 1;
	e->ino = 1234;
	e->path_len = strlen(path) + 1;
	memcpy(e->data, path, e->path_len);
	e->args_len = args_len;
	memcpy(e->data + e->path_len, args, args_len);
	return offsetof(struct cw_exec_event, data) + e->path_len + e->args_len;
}

UNIT_TEST(ecs_exec_fields)
{
	static struct cw_exec_event raw;
	static struct cw_event ev;
	struct cw_rule rule = {
		.id = 1, .name = "shell-spawn", .description = "why",
		.priority = CW_PRIO_CRITICAL,
	};
	size_t size = make_exec(&raw, "/usr/bin/dash", "sh\0-c\0echo x", 13);
	json_t *doc = NULL, *args;
	char entity[64];

	if (!ASSERT_OK(cw_event_decode(&ev, &raw, size), "decode"))
		return;
	ev.realtime_ns = 1700000000123456789ULL;
	ev.rule = &rule;
	ev.hdr.action = CW_ACTION_KILL;
	doc = cw_event_to_ecs(&ev);
	if (!ASSERT_OK_PTR(doc, "encode"))
		return;
	ASSERT_STREQ(jstr(doc, "@timestamp"), "2023-11-14T22:13:20.123456Z", "@timestamp");
	ASSERT_STREQ(jstr(doc, "event.kind"), "alert", "event.kind");
	ASSERT_STREQ(jstr(doc, "event.action"), "exec", "event.action");
	ASSERT_STREQ(json_string_value(json_array_get(jget(doc, "event.category"), 0)),
		     "process", "event.category");
	ASSERT_STREQ(jstr(doc, "process.executable"), "/usr/bin/dash", "process.executable");
	ASSERT_STREQ(jstr(doc, "process.name"), "dash", "process.name");
	ASSERT_EQ(jint(doc, "process.pid"), 100, "process.pid");
	ASSERT_EQ(jint(doc, "process.parent.pid"), 99, "process.parent.pid");
	/* This boot, its start and its pid: no other process's, even with the pid reused. */
	ASSERT_EQ(read_text("/proc/sys/kernel/random/boot_id", entity, sizeof(entity)), 37,
		  "this boot's id and a newline");
	snprintf(entity + 36, sizeof(entity) - 36, ":4242:100");
	ASSERT_STREQ(jstr(doc, "process.entity_id"), entity, "process.entity_id");
	ASSERT_STREQ(jstr(doc, "user.id"), "65534", "user.id");
	ASSERT_STREQ(jstr(doc, "user.effective.id"), "0", "user.effective.id");
	ASSERT_EQ(jint(doc, "cellwatch.cell.id"), 42, "cell id");
	ASSERT_STREQ(jstr(doc, "rule.name"), "shell-spawn", "rule.name");
	ASSERT_STREQ(jstr(doc, "rule.id"), "1", "rule.id: an ECS keyword, a string");
	ASSERT_STREQ(jstr(doc, "message"), "shell-spawn: exec /usr/bin/dash (kill, kernel)",
		     "message: the one-line summary");
	ASSERT_STREQ(jstr(doc, "log.level"), "critical", "log.level");
	/* Who wrote it, on which host: every record says. */
	ASSERT_STREQ(jstr(doc, "agent.type"), "cellwatch", "agent.type");
	ASSERT_STREQ(jstr(doc, "agent.version"), CW_VERSION, "agent.version");
	ASSERT_TRUE(jstr(doc, "host.name") && *jstr(doc, "host.name"), "host.name");
	ASSERT_STREQ(jstr(doc, "cellwatch.action"), "kill", "cellwatch.action");
	ASSERT_STREQ(jstr(doc, "cellwatch.layer"), "kernel", "cellwatch.layer");
	ASSERT_STREQ(jstr(doc, "cellwatch.executable.device"), "8:1", "device");
	args = jget(doc, "process.args");
	ASSERT_EQ(json_array_size(args), 3, "argc");
	ASSERT_STREQ(json_string_value(json_array_get(args, 2)), "echo x", "argv[2]");
	ASSERT_NULL(jget(doc, "cellwatch.truncated"), "not truncated");
	json_decref(doc);
}

/* A payload cannot hide an event behind bytes that are not UTF-8. */
UNIT_TEST(ecs_non_utf8_is_escaped_not_lost)
{
	static struct cw_exec_event raw;
	static struct cw_event ev;
	size_t size = make_exec(&raw, "/tmp/\xff\xfe\xc3\xa9vil", "sh\0\xc0\xaf\xed\xa0\x80", 9);
	json_t *doc = NULL;

	if (!ASSERT_OK(cw_event_decode(&ev, &raw, size), "decode"))
		return;
	doc = cw_event_to_ecs(&ev);
	if (!ASSERT_OK_PTR(doc, "encoded, not dropped"))
		return;
	ASSERT_STREQ(jstr(doc, "process.executable"), "/tmp/\\xff\\xfe\xc3\xa9vil",
		     "invalid bytes escaped, valid UTF-8 kept");
	ASSERT_STREQ(json_string_value(json_array_get(jget(doc, "process.args"), 1)),
		     "\\xc0\\xaf\\xed\\xa0\\x80", "overlong and surrogate forms escaped");
	json_decref(doc);
}

/*
 * A long path is cut in the one-line summary, at a character's start, and
 * the cut said; the field has it whole.
 */
UNIT_TEST(ecs_message_cuts_a_long_path_and_says_so)
{
	static struct cw_exec_event raw;
	static struct cw_event ev;
	struct cw_rule rule = { .id = 1, .name = "shell-spawn", .description = "why" };
	char path[1024] = "/tmp/";
	const char *msg;
	json_t *doc;

	for (int i = 0; i < 300; i++)
		strcat(path, "\xc3\xa9");	/* é, two bytes each */
	if (!ASSERT_OK(cw_event_decode(&ev, &raw, make_exec(&raw, path, "x", 2)), "decode"))
		return;
	ev.rule = &rule;
	ev.hdr.action = CW_ACTION_KILL;
	doc = cw_event_to_ecs(&ev);
	if (!ASSERT_OK_PTR(doc, "encode"))
		return;
	msg = jstr(doc, "message");
	ASSERT_STREQ(jstr(doc, "process.executable"), path, "the field holds it whole");
	ASSERT_TRUE(msg && strlen(msg) < 400, "the summary stays one short line");
	ASSERT_HAS(msg, "\xc3\xa9... (kill, kernel)", "cut after a whole character, and said");
	ASSERT_FALSE(msg && strstr(msg, "\\x"), "no byte of a cut character escaped");
	json_decref(doc);
}

UNIT_TEST(ecs_exec_truncated_args)
{
	static struct cw_exec_event raw;
	static struct cw_event ev;
	char args[CW_ARGS_MAX];
	size_t size;
	json_t *doc;

	/* A full args buffer that ends mid-argument, as the kernel sends it. */
	memset(args, 'a', sizeof(args));
	args[10] = '\0';
	size = make_exec(&raw, "/usr/bin/python3", args, sizeof(args));
	raw.hdr.flags = CW_F_ARGS_TRUNCATED;
	raw.args_total = CW_ARGS_MAX + 500;	/* the kernel's copy was this long */
	if (!ASSERT_OK(cw_event_decode(&ev, &raw, size), "decode"))
		return;
	doc = cw_event_to_ecs(&ev);
	if (!ASSERT_OK_PTR(doc, "encode"))
		return;
	ASSERT_EQ(json_array_size(jget(doc, "process.args")), 2, "argc");
	ASSERT_EQ(strlen(json_string_value(json_array_get(jget(doc, "process.args"), 1))),
		  CW_ARGS_MAX - 11, "last argument cut at the buffer's end");
	ASSERT_TRUE(json_is_true(jget(doc, "cellwatch.truncated.args")), "truncation flagged");
	ASSERT_EQ(jint(doc, "cellwatch.truncated.args_bytes"), 500, "and how much was cut");
	ASSERT_STREQ(jstr(doc, "event.kind"), "event", "no rule: plain event");
	json_decref(doc);
}

UNIT_TEST(ecs_decode_rejects_malformed)
{
	static struct cw_exec_event raw;
	static struct cw_open_event op;
	static struct cw_event ev;
	size_t size = make_exec(&raw, "/bin/true", "true", 5);

	ASSERT_EQ(cw_event_decode(&ev, &raw, 8), -EINVAL, "shorter than a header");
	ASSERT_EQ(cw_event_decode(&ev, &raw, size - 1), -EINVAL, "size disagrees with lengths");
	raw.data[3] = '\0';
	ASSERT_EQ(cw_event_decode(&ev, &raw, size), -EINVAL, "NUL inside the path");
	raw.data[3] = 'n';
	raw.data[raw.path_len - 1] = 'x';
	ASSERT_EQ(cw_event_decode(&ev, &raw, size), -EINVAL, "path without its NUL");
	raw.hdr.type = 99;
	ASSERT_EQ(cw_event_decode(&ev, &raw, size), -EINVAL, "unknown type");

	memset(&op, 0, sizeof(op));
	op.hdr.type = CW_EVENT_OPEN;
	op.path_len = CW_PATH_MAX + 1;
	ASSERT_EQ(cw_event_decode(&ev, &op, sizeof(op)), -EINVAL, "path_len beyond the buffer");
}

UNIT_TEST(ecs_open_flags)
{
	static struct cw_open_event raw;
	static struct cw_event ev;
	const char *path = "/output/result.csv";
	json_t *doc, *flags;

	memset(&raw, 0, sizeof(raw));
	raw.hdr.type = CW_EVENT_OPEN;
	raw.flags = O_WRONLY | O_CREAT | O_TRUNC;
	raw.ret = 3;
	raw.path_len = strlen(path) + 1;
	strcpy(raw.path, path);
	if (!ASSERT_OK(cw_event_decode(&ev, &raw, offsetof(struct cw_open_event, path) +
				       raw.path_len), "decode"))
		return;
	doc = cw_event_to_ecs(&ev);
	if (!ASSERT_OK_PTR(doc, "encode"))
		return;
	ASSERT_STREQ(jstr(doc, "file.path"), path, "file.path");
	ASSERT_STREQ(json_string_value(json_array_get(jget(doc, "event.type"), 0)), "creation",
		     "event.type");
	flags = jget(doc, "cellwatch.open.flags");
	ASSERT_EQ(json_array_size(flags), 3, "write, create, truncate");
	ASSERT_STREQ(json_string_value(json_array_get(flags, 0)), "write", "flags[0]");
	ASSERT_STREQ(json_string_value(json_array_get(flags, 2)), "truncate", "flags[2]");
	json_decref(doc);
}

UNIT_TEST(ecs_connect_v4_v6)
{
	static struct cw_net_event raw;
	static struct cw_event ev;
	json_t *doc;

	memset(&raw, 0, sizeof(raw));
	raw.hdr.type = CW_EVENT_NET;
	raw.op = CW_NET_CONNECT;
	raw.family = AF_INET;
	raw.port = 443;
	raw.protocol = IPPROTO_TCP;
	inet_pton(AF_INET, "169.254.169.254", raw.addr);
	if (!ASSERT_OK(cw_event_decode(&ev, &raw, sizeof(raw)), "decode v4"))
		return;
	doc = cw_event_to_ecs(&ev);
	ASSERT_STREQ(jstr(doc, "destination.ip"), "169.254.169.254", "destination.ip");
	ASSERT_EQ(jint(doc, "destination.port"), 443, "destination.port");
	ASSERT_STREQ(jstr(doc, "network.transport"), "tcp", "network.transport");
	ASSERT_STREQ(jstr(doc, "network.type"), "ipv4", "network.type");
	json_decref(doc);

	raw.family = AF_INET6;
	raw.protocol = IPPROTO_UDP;
	inet_pton(AF_INET6, "fd00:ec2::254", raw.addr);
	if (!ASSERT_OK(cw_event_decode(&ev, &raw, sizeof(raw)), "decode v6"))
		return;
	doc = cw_event_to_ecs(&ev);
	ASSERT_STREQ(jstr(doc, "destination.ip"), "fd00:ec2::254", "destination.ip v6");
	ASSERT_STREQ(jstr(doc, "network.type"), "ipv6", "network.type v6");
	ASSERT_STREQ(jstr(doc, "network.transport"), "udp", "network.transport v6");
	json_decref(doc);
}

UNIT_TEST(ecs_json_line_written_whole)
{
	const char *path = test_path(0, "log.json");
	json_t *doc = json_pack("{s:s, s:s}", "a", "line\nbreak", "b", "\xc3\xa9");
	char buf[256] = "";
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (!ASSERT_TRUE(fd >= 0, "open log"))
		return;
	ASSERT_OK(cw_write_json_line(fd, doc), "first line");
	ASSERT_OK(cw_write_json_line(fd, doc), "second line");
	close(fd);
	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_TRUE(n > 0, "read back");
	/* Escaped newlines and non-ASCII: exactly one '\n' per record. */
	ASSERT_STREQ(buf, "{\"a\":\"line\\nbreak\",\"b\":\"\\u00E9\"}\n"
			  "{\"a\":\"line\\nbreak\",\"b\":\"\\u00E9\"}\n", "two whole lines");
	json_decref(doc);
}

/* The line every output shares: whole past its first buffer, one newline, the same JSON. */
UNIT_TEST(ecs_json_line_grows_and_round_trips)
{
	char big[9000];
	json_t *doc, *back = NULL;
	size_t len = 0;
	char *line;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	doc = json_pack("{s:s, s:s, s:i}", "path", big, "name", "\xc3\xa9t\xc3\xa9", "n", 7);
	line = cw_json_line(doc, &len);
	if (!ASSERT_OK_PTR(line, "a line"))
		goto cleanup;
	ASSERT_EQ(len, strlen(line), "its length, newline counted");
	ASSERT_TRUE(len > sizeof(big) && line[len - 1] == '\n' && !memchr(line, '\n', len - 1),
		    "one record, one newline, at the end");
	ASSERT_FALSE(strstr(line, "\xc3"), "ASCII only");
	back = json_loadb(line, len, 0, NULL);
	ASSERT_TRUE(back && json_equal(back, doc), "the same document back");
cleanup:
	json_decref(back);
	json_decref(doc);
	free(line);
}

UNIT_TEST(ecs_json_line_full_disk)
{
	json_t *doc = json_pack("{s:s}", "k", "v");
	int fd = open("/dev/full", O_WRONLY);

	if (!ASSERT_TRUE(fd >= 0, "open /dev/full")) {
		json_decref(doc);
		return;
	}
	ASSERT_EQ(cw_write_json_line(fd, doc), -ENOSPC, "a full device is reported");
	close(fd);
	json_decref(doc);
}

/*
 * ECS 8.11's event.category values and the event.type values each expects
 * (the "expected_event_types" of ecs/schemas/event.yml): a pair outside
 * this table is one Elastic's detection rules and dashboards never match.
 */
static const struct {
	const char *category;
	const char *types;
} ecs_allowed[] = {
	{ "authentication", " start end info " },
	{ "configuration", " access change creation deletion info " },
	{ "database", " access change info error " },
	{ "driver", " change end info start " },
	{ "email", " info " },
	{ "file", " change creation deletion info access " },
	{ "host", " access change end info start " },
	{ "iam", " admin change creation deletion group info user " },
	{ "intrusion_detection", " allowed denied info " },
	{ "library", " start " },
	{ "malware", " info " },
	{ "network", " access allowed connection denied end info protocol start " },
	{ "package", " access change deletion info installation start " },
	{ "process", " access change end info start " },
	{ "registry", " access change creation deletion " },
	{ "session", " start end info " },
	{ "threat", " indicator " },
	{ "vulnerability", " info " },
	{ "web", " access error info " },
};

static bool ecs_pair_allowed(const char *category, const char *type)
{
	char word[64];

	snprintf(word, sizeof(word), " %s ", type);
	for (size_t i = 0; i < sizeof(ecs_allowed) / sizeof(ecs_allowed[0]); i++) {
		if (!strcmp(ecs_allowed[i].category, category))
			return strstr(ecs_allowed[i].types, word);
	}
	return false;
}

/* Every kind of kernel record, encoded: each category/type pair is one ECS allows. */
UNIT_TEST(ecs_category_type_pairs_allowed)
{
	static struct cw_event rec, ev;
	size_t size, n = 0;

	for (size_t i = 0; (size = cw_fuzz_sample(i, &rec)); i++) {
		json_t *doc, *cats, *types;
		char what[160];

		if (!ASSERT_OK(cw_event_decode(&ev, &rec, size), "decode a sample"))
			continue;
		doc = cw_event_to_ecs(&ev);
		if (!ASSERT_OK_PTR(doc, "encode"))
			continue;
		cats = jget(doc, "event.category");
		types = jget(doc, "event.type");
		for (size_t c = 0; c < json_array_size(cats); c++) {
			for (size_t t = 0; t < json_array_size(types); t++) {
				const char *cat = json_string_value(json_array_get(cats, c));
				const char *type = json_string_value(json_array_get(types, t));

				snprintf(what, sizeof(what), "%s: %s/%s", jstr(doc, "event.action"),
					 cat ?: "-", type ?: "-");
				ASSERT_TRUE(cat && type && ecs_pair_allowed(cat, type), what);
				n++;
			}
		}
		json_decref(doc);
	}
	ASSERT_TRUE(n >= 10, "the samples cover the kinds");
}

/*
 * process.entity_id in a real cell: a process's exec and its opens share
 * one, its child has another; both of this boot.
 */
TEST(ecs_entity_id_follows_one_process)
{
	char boot[64], log_path[4200];
	struct cmd_result res;
	json_t *log, *exec, *open_ev, *child;
	const char *mine, *theirs;

	if (!require_root())
		return;
	ASSERT_OK(cellrun("log.json", (char *[]){ "/usr/bin/python3", "-c",
			"import subprocess\n"
			"open('/tmp/entity-mark', 'w').close()\n"
			"subprocess.run(['/usr/bin/true'])\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "the run");
	snprintf(log_path, sizeof(log_path), "%s/log.json", test_dir);
	log = read_log(log_path);
	if (!ASSERT_OK_PTR(log, "the log"))
		return;
	exec = find_event(log, "process.executable", "/usr/bin/python3.11");
	if (!exec)
		exec = find_event(log, "process.executable", "/usr/bin/python3");
	open_ev = find_event(log, "file.path", "/tmp/entity-mark");
	child = find_event(log, "process.executable", "/usr/bin/true");
	if (!ASSERT_OK_PTR(exec, "python's exec") || !ASSERT_OK_PTR(open_ev, "its open") ||
	    !ASSERT_OK_PTR(child, "the child's exec"))
		goto out;
	mine = jstr(exec, "process.entity_id");
	theirs = jstr(child, "process.entity_id");
	ASSERT_STREQ(jstr(open_ev, "process.entity_id"), mine, "one process, one entity id");
	ASSERT_TRUE(mine && theirs && strcmp(mine, theirs), "its child has another");
	ASSERT_EQ(read_text("/proc/sys/kernel/random/boot_id", boot, sizeof(boot)), 37, "boot id");
	boot[36] = '\0';
	ASSERT_TRUE(mine && !strncmp(mine, boot, 36), "of this boot");
out:
	json_decref(log);
}

UNIT_TEST(ecs_time_microseconds_zero_padded)
{
	char buf[40], small[20] = "x";

	cw_format_time(1700000000000007999ULL, buf, sizeof(buf));
	ASSERT_STREQ(buf, "2023-11-14T22:13:20.000007Z", "microseconds, cut, zero-padded");
	cw_format_time(1700000001999999000ULL, buf, sizeof(buf));
	ASSERT_STREQ(buf, "2023-11-14T22:13:21.999999Z", "the next second, its last microsecond");
	cw_format_time(1700000000000007999ULL, small, sizeof(small));
	ASSERT_STREQ(small, "", "a buffer too small gets nothing, never half a time");
}
