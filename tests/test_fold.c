// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: a thread's exact repeats of a plain open are folded in the
 * kernel into a counted record (struct cw_repeat_event).  A loop over one
 * file costs a few documents, every repeat is counted, and nothing that
 * differs, nor anything a rule judges, is ever folded into another.
 */
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "cellwatch.h"
#include "folds.h"
#include "test.h"

#define REPEATS 200000

/* Opens of @path the log stands for: a document each, or its repeat count. */
static long long opens_of(json_t *log, const char *path, long long *docs)
{
	long long n = 0;
	json_t *ev;
	size_t i;

	*docs = 0;
	json_array_foreach(log, i, ev) {
		const char *p = jstr(ev, "file.path");

		if (!p || strcmp(p, path))
			continue;
		(*docs)++;
		n += json_integer_value(jget(ev, "cellwatch.repeat.count")) ?: 1;
	}
	return n;
}

static bool loss_logged(json_t *log)
{
	json_t *ev;
	size_t i;

	json_array_foreach(log, i, ev) {
		const char *action = jstr(ev, "event.action");

		if (action && !strcmp(action, "events-lost"))
			return true;
	}
	return false;
}

/* Run @script in a fresh cgroup under a watcher with @rules (NULL: observe only). */
static json_t *watch_script(const char *script, const char *rules)
{
	const char *log_path = test_path(1, "log.json");
	char extra[4200] = "";
	struct test_cgroup tc = {};
	struct watcher w = {};
	json_t *log = NULL;

	if (!test_cgroup_create(&tc))
		return NULL;
	if (rules)
		snprintf(extra, sizeof(extra), "--rules %s", rules);
	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, rules ? extra : NULL),
			 "cellwatch ready"))
		goto out;
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/usr/bin/python3", "-c", (char *)script, NULL }),
		  0, "the payload");
	if (ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly"))
		log = read_log(log_path);
out:
	stop_watcher(&w);
	test_cgroup_destroy(&tc);
	return log;
}

/*
 * 200 000 opens of one file, more than ten seconds of the cell's budget:
 * a handful of documents whose counts add up to every one of them.
 */
TEST(fold_repeats_counted_not_lost)
{
	const char *file = test_path(0, "same.txt"), *other = test_path(2, "other.txt");
	struct timespec t0, t1;
	long long docs, others;
	json_t *log;
	char script[9000];

	if (!require_root())
		return;
	close(open(file, O_CREAT | O_WRONLY, 0644));
	close(open(other, O_CREAT | O_WRONLY, 0644));
	snprintf(script, sizeof(script),
		 "import os\n"
		 "for i in range(%d):\n"
		 "    os.close(os.open('%s', os.O_RDONLY))\n"
		 "os.close(os.open('%s', os.O_RDONLY))\n",
		 REPEATS, file, other);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	log = watch_script(script, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!ASSERT_OK_PTR(log, "the log"))
		return;
	ASSERT_EQ(opens_of(log, file, &docs), REPEATS, "every open counted");
	/*
	 * Two a second at most: a few seconds here, half a minute in an
	 * emulated VM.  Unfolded, the opens would be 200 000 documents.
	 */
	ASSERT_LE(docs, 2 * (t1.tv_sec - t0.tv_sec + 1), "documents for the repeated open");
	ASSERT_GE(docs, 2, "the open, then its repeats");
	ASSERT_EQ(opens_of(log, other, &others), 1, "the open after the loop is its own");
	ASSERT_FALSE(loss_logged(log), "nothing lost");
	json_decref(log);
}

/*
 * Opens that differ in path (in turn, one byte apart past the first
 * eight), in flags or that fail on different names are never folded into
 * one another: each is its own document.
 */
TEST(fold_keeps_what_differs_apart)
{
	const char *a = test_path(0, "a-long-name-0.txt"), *b = test_path(2, "a-long-name-1.txt");
	const char *m0 = test_path(3, "missing-0");
	char m1[4096];
	const struct {
		const char *path;
		long long opens;
	} want[] = { { a, 250 + 500 }, { b, 250 }, { m0, 150 }, { m1, 150 } };
	json_t *log;
	char script[9000];

	if (!require_root())
		return;
	snprintf(m1, sizeof(m1), "%.*s1", (int)strlen(m0) - 1, m0);
	close(open(a, O_CREAT | O_WRONLY, 0644));
	close(open(b, O_CREAT | O_WRONLY, 0644));
	snprintf(script, sizeof(script),
		 "import os\n"
		 "for i in range(500):\n"
		 "    os.close(os.open(('%s', '%s')[i & 1], os.O_RDONLY))\n"
		 "for i in range(500):\n"
		 "    os.close(os.open('%s', (os.O_RDONLY, os.O_WRONLY)[i & 1]))\n"
		 "for i in range(300):\n"
		 "    try:\n"
		 "        os.open(('%s', '%s')[i & 1], os.O_RDONLY)\n"
		 "    except FileNotFoundError:\n"
		 "        pass\n",
		 a, b, a, m0, m1);
	log = watch_script(script, NULL);
	if (!ASSERT_OK_PTR(log, "the log"))
		return;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		long long docs;

		ASSERT_EQ(opens_of(log, want[i].path, &docs), want[i].opens, want[i].path);
		ASSERT_EQ(docs, want[i].opens, "a document each: none folded");
	}
	ASSERT_FALSE(loss_logged(log), "nothing lost");
	json_decref(log);
}

/* Repeats of an open a rule judges are never folded: each is its own alert. */
TEST(fold_never_hides_a_judged_open)
{
	const char *rules = test_path(0, "rules.json"), *file = test_path(2, "watched.txt");
	long long docs, alerts = 0;
	json_t *log, *ev;
	char text[4096], script[4096];
	size_t i;

	if (!require_root())
		return;
	close(open(file, O_CREAT | O_WRONLY, 0644));
	snprintf(text, sizeof(text),
		 "{\"rules\": [{\"name\": \"watched-open\", \"description\": \"test\","
		 " \"event\": \"open\", \"match\": {\"path\": [\"%s\"]}, \"action\": \"alert\","
		 " \"priority\": \"warning\"}]}\n", file);
	if (!ASSERT_EQ(write_text(rules, text), 0, "rules written"))
		return;
	snprintf(script, sizeof(script),
		 "import os\n"
		 "for i in range(300):\n"
		 "    os.close(os.open('%s', os.O_RDONLY))\n", file);
	log = watch_script(script, rules);
	if (!ASSERT_OK_PTR(log, "the log"))
		return;
	json_array_foreach(log, i, ev) {
		const char *name = jstr(ev, "rule.name");

		alerts += name && !strcmp(name, "watched-open");
		ASSERT_FALSE(jget(ev, "cellwatch.repeat.count"), "no repeat record");
	}
	ASSERT_EQ(opens_of(log, file, &docs), 300, "every open");
	ASSERT_EQ(alerts, 300, "every open alerted");
	json_decref(log);
}

static void plain_open(struct cw_event *ev, __u32 tid, __u64 key, const char *path)
{
	memset(ev, 0, sizeof(*ev));
	ev->hdr.type = CW_EVENT_OPEN;
	ev->hdr.cell_id = 7;
	ev->hdr.pid = ev->hdr.tid = tid;
	ev->hdr.ts_boot_ns = 100;
	ev->open.fold_key = key;
	ev->open.ret = 3;
	snprintf(ev->open.path, sizeof(ev->open.path), "%s", path);
}

static void repeat_of(struct cw_event *ev, __u32 tid, __u64 key, __u64 count)
{
	memset(ev, 0, sizeof(*ev));
	ev->hdr.type = CW_EVENT_REPEAT;
	ev->hdr.cell_id = 7;
	ev->hdr.pid = ev->hdr.tid = tid;
	ev->rep.fold_key = key;
	ev->rep.first_ns = 200;
	ev->rep.last_ns = 300;
	ev->rep.count = count;
}

/* A repeat becomes the open it names, with its count; any other stays a bare count. */
UNIT_TEST(fold_repeat_names_its_open)
{
	static struct cw_event ev;
	struct cw_folds *f = cw_folds_new();

	if (!ASSERT_OK_PTR(f, "cw_folds_new"))
		return;
	plain_open(&ev, 41, 0xabc, "/data/in.csv");
	cw_folds_note(f, &ev);
	plain_open(&ev, 42, 0xdef, "/data/other.csv");
	cw_folds_note(f, &ev);

	repeat_of(&ev, 41, 0xabc, 9);
	ASSERT_TRUE(cw_folds_expand(f, &ev), "thread 41's open is known");
	ASSERT_EQ(ev.hdr.type, CW_EVENT_OPEN, "now an open");
	ASSERT_STREQ(ev.open.path, "/data/in.csv", "its path");
	ASSERT_EQ(ev.open.ret, 3, "its result");
	ASSERT_EQ(ev.repeats, 9, "its count");
	ASSERT_EQ(ev.hdr.ts_boot_ns, 300, "at the last repeat");
	ASSERT_EQ(ev.repeat_first_ns, 200, "first repeat kept");

	repeat_of(&ev, 42, 0xabc, 5);
	ASSERT_FALSE(cw_folds_expand(f, &ev), "another thread's key names nothing");
	ASSERT_EQ(ev.hdr.type, CW_EVENT_REPEAT, "stays a bare count");
	ASSERT_EQ(ev.repeats, 5, "with its count");

	/* A thread whose slot another took (1024 slots): the count, never the wrong path. */
	plain_open(&ev, 41 + 1024, 0x123, "/elsewhere");
	cw_folds_note(f, &ev);
	repeat_of(&ev, 41, 0xabc, 2);
	ASSERT_FALSE(cw_folds_expand(f, &ev), "crowded out: unknown");
	cw_folds_free(f);
}
