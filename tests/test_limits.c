// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: resource abuse is held by the cell's limits, the result says
 * what happened, and each bound reached is an alert in the run's log
 * (rule "resource-limit").  Every payload bounds itself too (count, time,
 * size).
 */
#include "test.h"

#define PYTHON "/usr/bin/python3"

/* The run's log (@log, a test_path) holds the alert for bound @limit, held by @layer. */
static void assert_bound_alert(const char *log_path, const char *limit, const char *layer)
{
	json_t *log = read_log(log_path);
	json_t *ev = find_event(log, "cellwatch.limit", limit);

	if (ASSERT_OK_PTR(ev, limit)) {
		ASSERT_STREQ(jstr(ev, "event.kind"), "alert", "an alert");
		ASSERT_STREQ(jstr(ev, "rule.name"), "resource-limit", "its rule");
		ASSERT_STREQ(jstr(ev, "cellwatch.layer"), layer, "the layer that held it");
		ASSERT_STREQ(jstr(ev, "cellwatch.action"), "alert", "alert only: the bound held");
		ASSERT_TRUE(jstr(ev, "event.reason") && *jstr(ev, "event.reason"), "says what");
	}
	json_decref(log);
}

TEST(limits_fork_bomb_held_by_pids)
{
	const char *result = test_path(2, "result.json");
	struct cmd_result res;
	json_t *doc;
	int forked;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--pids", "16", "--result",
						       (char *)result, NULL },
			       (char *[]){ PYTHON, "-c",
				"import os, time\n"
				"n = 0\n"
				"for _ in range(500):\n"
				"    try:\n"
				"        if os.fork() == 0:\n"
				"            time.sleep(3); os._exit(0)\n"
				"        n += 1\n"
				"    except OSError as e:\n"
				"        print('fork', e.strerror)\n"
				"        break\n"
				"print('forked', n, flush=True)\n"
				"os._exit(0)\n",
				NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "the bomb's parent exits normally");
	ASSERT_HAS(res.out, "fork Resource temporarily unavailable\n", "fork failed with EAGAIN");
	forked = atoi(strstr(res.out, "forked ") ? strstr(res.out, "forked ") + 7 : "999");
	ASSERT_TRUE(forked < 16, "fewer children than the pids limit");
	doc = read_json(result);
	if (ASSERT_OK_PTR(doc, "result")) {
		ASSERT_EQ(jint(doc, "limits.pids"), 16, "limit reported");
		ASSERT_TRUE(strcmp(jstr(doc, "limits.pids_via") ?: "none", "none"),
			    "a pids controller applied it");
		ASSERT_TRUE(jint(doc, "alerts") >= 1, "the alert is counted");
		json_decref(doc);
	}
	assert_bound_alert(test_path(1, "log.json"), "pids", "cgroup");
}

TEST(limits_memory_balloon_oom)
{
	const char *result = test_path(2, "result.json");
	struct cmd_result res;
	json_t *doc;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--memory", "64M", "--result",
						       (char *)result, NULL },
			       (char *[]){ PYTHON, "-c",
				"chunks = []\n"
				"for i in range(1024):\n"
				"    chunks.append(bytearray(1 << 20))\n"
				"print('allocated 1 GiB')\n",
				NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 128 + 9, "the balloon was killed");
	ASSERT_FALSE(strstr(res.out, "allocated"), "it never got its gigabyte");
	doc = read_json(result);
	if (ASSERT_OK_PTR(doc, "cellrun survived and wrote its result")) {
		ASSERT_STREQ(jstr(doc, "reason"), "oom", "reason");
		ASSERT_EQ(jint(doc, "signal"), 9, "signal");
		ASSERT_TRUE(jint(doc, "peak_memory_bytes") <= (64 << 20) + (1 << 20),
			    "peak memory within the limit");
		json_decref(doc);
	}
	assert_bound_alert(test_path(1, "log.json"), "memory", "cgroup");
}

TEST(limits_infinite_loop_timeout)
{
	const char *result = test_path(2, "result.json");
	struct cmd_result res;
	json_t *doc;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--timeout", "1", "--result",
						       (char *)result, NULL },
			       (char *[]){ PYTHON, "-c", "while True: pass", NULL }, &res),
		  "cellrun");
	ASSERT_EQ(res.status, 124, "timeout exit status");
	ASSERT_HAS(res.err, "timeout after 1000 ms", "cellrun says so");
	doc = read_json(result);
	if (ASSERT_OK_PTR(doc, "result")) {
		ASSERT_STREQ(jstr(doc, "reason"), "timeout", "reason");
		ASSERT_TRUE(jint(doc, "wall_ms") >= 1000 &&
			    jint(doc, "wall_ms") < 5000 * test_time_scale(),
			    "ended about a second in");
		ASSERT_TRUE(jint(doc, "cpu_ms") > 300, "the loop burnt CPU until the kill");
		json_decref(doc);
	}
	assert_bound_alert(test_path(1, "log.json"), "timeout", "timeout");
}

#define FILL(dir) \
	"import errno\n" \
	"n = 0\n" \
	"try:\n" \
	"    with open('" dir "/fill', 'wb') as f:\n" \
	"        while n < 64 << 20:\n" \
	"            f.write(b'x' * 65536); f.flush(); n += 65536\n" \
	"except OSError as e:\n" \
	"    print('" dir "', errno.errorcode[e.errno])\n"

/* A run that fills its bounded /tmp and /output: held by the tmpfs sizes, and alerted. */
TEST(limits_filled_mounts_alerted)
{
	const char *out = make_output_dir("out");
	struct cmd_result res;

	if (!require_root() || !ASSERT_OK_PTR(out, "output dir"))
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--tmp-size", "2M", "--output",
						       (char *)out, "--output-size", "2M", NULL },
			       (char *[]){ PYTHON, "-c", FILL("/tmp") FILL("/output"), NULL },
			       &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "/tmp ENOSPC\n", "/tmp is bounded");
	ASSERT_HAS(res.out, "/output ENOSPC\n", "/output is bounded");
	assert_bound_alert(test_path(1, "log.json"), "tmp", "mount");
	assert_bound_alert(test_path(1, "log.json"), "output", "mount");
}

/* Two processes spinning in a one-CPU cell: held back by the quota most of the run. */
TEST(limits_cpu_hog_alerted)
{
	struct cmd_result res;

	if (!require_root())
		return;
	/*
	 * Two spinners against a quarter of a CPU: throttled even when the
	 * host is busy with other work (with 1 CPU they were not, on two
	 * loaded cores, and no bound was reached).
	 */
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--cpus", "0.25", NULL },
			       (char *[]){ PYTHON, "-c",
				"import os, time\n"
				"child = os.fork()\n"
				"end = time.time() + 2\n"
				"while time.time() < end:\n"
				"    pass\n"
				"if child == 0:\n"
				"    os._exit(0)\n"
				"os.wait()\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	assert_bound_alert(test_path(1, "log.json"), "cpu", "cgroup");
}

/* A run within every bound raises none. */
TEST(limits_within_bounds_no_alert)
{
	const char *out = make_output_dir("out");
	struct cmd_result res;
	json_t *log;

	if (!require_root() || !ASSERT_OK_PTR(out, "output dir"))
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--tmp-size", "2M", "--output",
						       (char *)out, "--output-size", "2M", NULL },
			       (char *[]){ PYTHON, "-c",
				"import os, time\n"
				"end = time.time() + 1.5\n"	/* one CPU, busy: never throttled */
				"while time.time() < end:\n"
				"    pass\n"
				"open('/tmp/a', 'wb').write(b'x' * (1 << 20))\n"
				"open('/output/a', 'wb').write(b'x' * (1 << 20))\n"
				"for _ in range(8):\n"
				"    if os.fork() == 0: os._exit(0)\n"
				"    os.wait()\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	log = read_log(test_path(1, "log.json"));
	ASSERT_EQ(count_events(log, "rule.name", "resource-limit"), 0, "no limit alert");
	json_decref(log);
}

/* Under the daemon: the limit alerts are in its log, under the run, when cellrun exits. */
TEST(limits_reached_under_the_daemon)
{
	struct daemon_proc d = {};
	struct cmd_result res;
	json_t *log, *ev;

	if (!require_root() || !ASSERT_TRUE(start_daemon(&d, NULL), "daemon starts"))
		goto cleanup;
	ASSERT_OK(cellrun_daemon(&d, (char *[]){ "--pids", "8", "--tmp-size", "1M", "--run-id",
						 "limits-run", NULL },
				 (char *[]){ PYTHON, "-c",
				  "import os, time\n"
				  "for _ in range(20):\n"
				  "    try:\n"
				  "        if os.fork() == 0: time.sleep(2); os._exit(0)\n"
				  "    except OSError:\n"
				  "        break\n" FILL("/tmp"), NULL }, &res),
		  "cellrun --daemon");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.err, "ALERT resource-limit: the cell reached its 8 tasks",
		   "cellrun names the pids bound");
	ASSERT_HAS(res.err, "ALERT resource-limit: /tmp full", "and the filled /tmp");
	/* Read at once: the daemon logged them before cellrun exited. */
	log = read_log_so_far(d.log);
	ev = find_event(log, "cellwatch.limit", "pids");
	if (ASSERT_OK_PTR(ev, "pids alert in the daemon's log")) {
		ASSERT_STREQ(jstr(ev, "cellwatch.run_id"), "limits-run", "under the run");
		ASSERT_STREQ(jstr(ev, "rule.name"), "resource-limit", "its rule");
	}
	ASSERT_OK_PTR(find_event(log, "cellwatch.limit", "tmp"), "tmp alert in the daemon's log");
	json_decref(log);
cleanup:
	daemon_cleanup(&d);
}
