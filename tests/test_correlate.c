// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests: the "correlate" rule key -- its parsing and refusals with
 * their position, and the counting of a group's distinct signals per cell.
 */
#include <fcntl.h>
#include <stdlib.h>

#include "correlate.h"
#include "event.h"
#include "rules.h"
#include "test.h"

#define SEC 1000000000ULL

/* Two rules of the group "discovery" and one rule outside it. */
static const char group_rules[] =
	"{\"rules\": [\n"
	"{\"name\": \"tools\", \"description\": \"d\", \"event\": \"exec\",\n"
	" \"match\": {\"binary\": [\"id\", \"whoami\", \"hostname\"]},\n"
	" \"correlate\": {\"group\": \"discovery\", \"distinct\": 3, \"seconds\": 10},\n"
	" \"action\": \"alert\", \"priority\": \"warning\"},\n"
	"{\"name\": \"status\", \"description\": \"d\", \"event\": \"open\",\n"
	" \"match\": {\"glob\": [\"/proc/*/status\", \"/proc/*/mountinfo\"]},\n"
	" \"correlate\": {\"group\": \"discovery\", \"distinct\": 3, \"seconds\": 10,\n"
	"               \"signal\": \"process state\"},\n"
	" \"action\": \"alert\", \"priority\": \"warning\"},\n"
	"{\"name\": \"maps\", \"description\": \"d\", \"event\": \"open\",\n"
	" \"match\": {\"glob\": [\"/proc/*/maps\"]},\n"
	" \"action\": \"alert\", \"priority\": \"warning\"}\n"
	"]}\n";

static bool load(struct cw_ruleset *rs, const char *text)
{
	char err[512] = "";

	return ASSERT_OK(cw_rules_parse(rs, "t.json", text, strlen(text), err, sizeof(err)), err);
}

static const char *refusal(const char *text, char *err, size_t len)
{
	struct cw_ruleset rs;

	err[0] = '\0';
	if (!cw_rules_parse(&rs, "t.json", text, strlen(text), err, len)) {
		cw_rules_free(&rs);
		return "(loaded)";
	}
	return err;
}

static void exec_of(struct cw_event *ev, __u64 cell, __u64 t, const char *path)
{
	memset(ev, 0, sizeof(*ev));
	ev->hdr.type = CW_EVENT_EXEC;
	ev->hdr.cell_id = cell;
	ev->hdr.ts_boot_ns = t;
	snprintf(ev->exec.data, sizeof(ev->exec.data), "%s", path);
	ev->exec.path_len = strlen(path) + 1;
}

static void open_of(struct cw_event *ev, __u64 cell, __u64 t, const char *path)
{
	memset(ev, 0, sizeof(*ev));
	ev->hdr.type = CW_EVENT_OPEN;
	ev->hdr.cell_id = cell;
	ev->hdr.ts_boot_ns = t;
	ev->open.flags = O_RDONLY;
	snprintf(ev->open.path, sizeof(ev->open.path), "%s", path);
	ev->open.path_len = strlen(path) + 1;
}

UNIT_TEST(correlate_parses)
{
	struct cw_ruleset rs;

	if (!load(&rs, group_rules))
		return;
	ASSERT_STREQ(rs.rules[0].corr_group, "discovery", "group");
	ASSERT_EQ(rs.rules[0].corr_distinct, 3, "distinct");
	ASSERT_EQ(rs.rules[0].corr_seconds, 10, "seconds");
	ASSERT_NULL(rs.rules[0].corr_signal, "no label: each object is a signal");
	ASSERT_STREQ(rs.rules[1].corr_signal, "process state", "label");
	ASSERT_NULL(rs.rules[2].corr_group, "a rule without it");
	ASSERT_EQ(rs.rules[0].kernel, CW_KERNEL_NONE, "counted in userspace, not the kernel's");
	cw_rules_free(&rs);
}

/* Each refusal says file:line:column at the key that is wrong, and the rule. */
UNIT_TEST(correlate_refusals_have_position)
{
	static const struct {
		const char *corr, *want;
	} cases[] = {
		{ "{\"group\": \"g\", \"seconds\": 10}",
		  "t.json:4:15: rule 'r1': \"correlate\" needs \"distinct\" (2..16)" },
		{ "{\"group\": \"g\", \"distinct\": 1, \"seconds\": 10}",
		  "t.json:4:42: rule 'r1': \"distinct\" must be an integer in 2..16" },
		{ "{\"group\": \"g\", \"distinct\": 3, \"seconds\": 0}",
		  "t.json:4:56: rule 'r1': \"seconds\" must be an integer in 1..3600" },
		{ "{\"distinct\": 3, \"seconds\": 10}",
		  "t.json:4:15: rule 'r1': missing \"group\"" },
		{ "{\"group\": \"\", \"distinct\": 3, \"seconds\": 10}",
		  "t.json:4:25: rule 'r1': \"group\" must be a non-empty string" },
		{ "{\"group\": \"g\", \"distinct\": 3, \"seconds\": 10, \"window\": 5}",
		  "t.json:4:70: rule 'r1': unknown key \"window\" in \"correlate\"" },
		{ "[3, 10]",
		  "t.json:4:15: rule 'r1': \"correlate\" is {\"group\": NAME" },
	};
	char text[1024], err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"rules\": [\n"
			 "{\"name\": \"r1\", \"description\": \"d\", \"event\": \"exec\",\n"
			 " \"action\": \"alert\", \"priority\": \"warning\",\n"
			 " \"correlate\": %s}\n"
			 "]}\n", cases[i].corr);
		ASSERT_HAS(refusal(text, err, sizeof(err)), cases[i].want, cases[i].corr);
	}
}

UNIT_TEST(correlate_refused_with_rate_deny_or_another_threshold)
{
	char err[512];

	ASSERT_HAS(refusal("{\"rules\": [\n"
			   "{\"name\": \"r1\", \"description\": \"d\", \"event\": \"exec\",\n"
			   " \"action\": \"alert\", \"priority\": \"warning\",\n"
			   " \"rate\": {\"count\": 2, \"seconds\": 1},\n"
			   " \"correlate\": {\"group\": \"g\", \"distinct\": 3, \"seconds\": 10}}\n"
			   "]}\n", err, sizeof(err)),
		   "t.json:5:15: rule 'r1': a rule counts by \"rate\" or by \"correlate\", not both",
		   "rate and correlate");
	ASSERT_HAS(refusal("{\"rules\": [\n"
			   "{\"name\": \"r1\", \"description\": \"d\", \"event\": \"open\",\n"
			   " \"match\": {\"path\": [\"/etc/passwd\"]},\n"
			   " \"action\": \"deny\", \"priority\": \"warning\",\n"
			   " \"correlate\": {\"group\": \"g\", \"distinct\": 3, \"seconds\": 10}}\n"
			   "]}\n", err, sizeof(err)),
		   "t.json:5:15: rule 'r1': deny needs a rule the kernel decides: a correlation "
		   "is counted in userspace", "deny cannot wait for a sequence");
	ASSERT_HAS(refusal("{\"rules\": [\n"
			   "{\"name\": \"a\", \"description\": \"d\", \"event\": \"exec\",\n"
			   " \"action\": \"alert\", \"priority\": \"warning\",\n"
			   " \"correlate\": {\"group\": \"g\", \"distinct\": 3, \"seconds\": 10}},\n"
			   "{\"name\": \"b\", \"description\": \"d\", \"event\": \"open\",\n"
			   " \"action\": \"alert\", \"priority\": \"warning\",\n"
			   " \"correlate\": {\"group\": \"g\", \"distinct\": 3, \"seconds\": 20}}\n"
			   "]}\n", err, sizeof(err)),
		   "t.json:7:56: rule 'b': group 'g' counts \"seconds\": 10 in rule 'a'; its rules "
		   "share one threshold", "one threshold per group");
}

/* Distinct signals of several rules add up; repeats and other pids of one probe do not. */
UNIT_TEST(correlate_counts_distinct_signals_of_the_group)
{
	static struct cw_event ev;
	struct cw_corr_table *t = cw_corr_new();
	struct cw_correlation out;
	struct cw_ruleset rs;
	const struct cw_rule *tools, *status;

	if (!ASSERT_OK_PTR(t, "table") || !load(&rs, group_rules))
		goto cleanup_table;
	tools = &rs.rules[0];
	status = &rs.rules[1];

	exec_of(&ev, 7, 1 * SEC, "/usr/bin/id");
	ASSERT_FALSE(cw_corr_note(t, 1, tools, &ev, &out), "1 signal");
	exec_of(&ev, 7, 2 * SEC, "/bin/id");
	ASSERT_FALSE(cw_corr_note(t, 1, tools, &ev, &out), "id again: still 1");
	open_of(&ev, 7, 3 * SEC, "/proc/2/status");
	ASSERT_FALSE(cw_corr_note(t, 1, status, &ev, &out), "2 signals");
	open_of(&ev, 7, 4 * SEC, "/proc/9/mountinfo");
	ASSERT_FALSE(cw_corr_note(t, 1, status, &ev, &out), "the label makes it the same signal");
	exec_of(&ev, 8, 4 * SEC, "/usr/bin/whoami");
	ASSERT_FALSE(cw_corr_note(t, 1, tools, &ev, &out), "another cell counts apart");
	exec_of(&ev, 7, 5 * SEC, "/usr/bin/whoami");
	if (ASSERT_TRUE(cw_corr_note(t, 1, tools, &ev, &out), "3 distinct within 10 s")) {
		ASSERT_STREQ(out.group, "discovery", "group named");
		ASSERT_EQ(out.seconds, 10, "window");
		ASSERT_EQ(out.nsignals, 3, "signals listed");
		ASSERT_STREQ(out.signals[0], "exec id", "first seen first");
		ASSERT_STREQ(out.signals[1], "process state", "label");
		ASSERT_STREQ(out.signals[2], "exec whoami", "the one that completed it");
	}
	exec_of(&ev, 7, 6 * SEC, "/usr/bin/hostname");
	ASSERT_FALSE(cw_corr_note(t, 1, tools, &ev, &out), "once per window");
	cw_rules_free(&rs);
cleanup_table:
	cw_corr_free(t);
}

/* A signal older than the window is forgotten; after a quiet window the group counts again. */
UNIT_TEST(correlate_window_expires_and_rearms)
{
	static struct cw_event ev;
	struct cw_corr_table *t = cw_corr_new();
	struct cw_correlation out;
	struct cw_ruleset rs;
	const struct cw_rule *tools;

	if (!ASSERT_OK_PTR(t, "table") || !load(&rs, group_rules))
		goto cleanup_table;
	tools = &rs.rules[0];
	exec_of(&ev, 7, 100 * SEC, "/usr/bin/id");
	cw_corr_note(t, 1, tools, &ev, &out);
	exec_of(&ev, 7, 105 * SEC, "/usr/bin/whoami");
	cw_corr_note(t, 1, tools, &ev, &out);
	exec_of(&ev, 7, 111 * SEC, "/usr/bin/hostname");
	ASSERT_FALSE(cw_corr_note(t, 1, tools, &ev, &out), "id was 11 s ago: out of the window");
	exec_of(&ev, 7, 112 * SEC, "/usr/bin/id");
	ASSERT_TRUE(cw_corr_note(t, 1, tools, &ev, &out), "whoami, hostname, id within 10 s");
	exec_of(&ev, 7, 113 * SEC, "/usr/bin/whoami");
	cw_corr_note(t, 1, tools, &ev, &out);
	exec_of(&ev, 7, 114 * SEC, "/usr/bin/hostname");
	cw_corr_note(t, 1, tools, &ev, &out);
	exec_of(&ev, 7, 115 * SEC, "/usr/bin/id");
	ASSERT_FALSE(cw_corr_note(t, 1, tools, &ev, &out), "3 more, but quiet until 122 s");
	exec_of(&ev, 7, 123 * SEC, "/usr/bin/id");
	cw_corr_note(t, 1, tools, &ev, &out);
	exec_of(&ev, 7, 124 * SEC, "/usr/bin/whoami");
	cw_corr_note(t, 1, tools, &ev, &out);
	exec_of(&ev, 7, 125 * SEC, "/usr/bin/hostname");
	ASSERT_TRUE(cw_corr_note(t, 1, tools, &ev, &out), "a later sequence: a new alert");
	cw_corr_forget(t, 0, 7);
	exec_of(&ev, 7, 140 * SEC, "/usr/bin/id");
	cw_corr_note(t, 1, tools, &ev, &out);
	exec_of(&ev, 7, 141 * SEC, "/usr/bin/whoami");
	ASSERT_FALSE(cw_corr_note(t, 1, tools, &ev, &out), "a forgotten cell starts empty");
	cw_rules_free(&rs);
cleanup_table:
	cw_corr_free(t);
}

UNIT_TEST(correlate_signal_names)
{
	static struct cw_event ev;
	struct cw_ruleset rs;
	char buf[CW_CORR_SIGNAL_LEN];

	if (!load(&rs, group_rules))
		return;
	exec_of(&ev, 7, 0, "/usr/bin/uname");
	cw_corr_signal(&rs.rules[0], &ev, buf, sizeof(buf));
	ASSERT_STREQ(buf, "exec uname", "exec: the program's name");
	open_of(&ev, 7, 0, "/proc/123/cgroup");
	cw_corr_signal(&rs.rules[2], &ev, buf, sizeof(buf));
	ASSERT_STREQ(buf, "open /proc/<pid>/cgroup", "open: the path, any pid");
	open_of(&ev, 7, 0, "/proc/123x/cgroup");
	cw_corr_signal(&rs.rules[2], &ev, buf, sizeof(buf));
	ASSERT_STREQ(buf, "open /proc/123x/cgroup", "only a whole number is a pid");
	open_of(&ev, 7, 0, "/.dockerenv");
	cw_corr_signal(&rs.rules[2], &ev, buf, sizeof(buf));
	ASSERT_STREQ(buf, "open /.dockerenv", "open: the path");
	cw_corr_signal(&rs.rules[1], &ev, buf, sizeof(buf));
	ASSERT_STREQ(buf, "process state", "a label wins");
	cw_rules_free(&rs);
}
