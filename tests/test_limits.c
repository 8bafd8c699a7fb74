// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: resource abuse is held by the cell's limits, and the result
 * says what happened.  Every payload bounds itself too (count, time, size).
 */
#include "test.h"

#define PYTHON "/usr/bin/python3"

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
		json_decref(doc);
	}
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
		ASSERT_TRUE(jint(doc, "wall_ms") >= 1000 && jint(doc, "wall_ms") < 5000,
			    "ended about a second in");
		ASSERT_TRUE(jint(doc, "cpu_ms") > 300, "the loop burnt CPU until the kill");
		json_decref(doc);
	}
}
