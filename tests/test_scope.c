// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: only cells are watched.  cellwatch watches a cgroup the test
 * creates; a process outside it produces no event and may run a shell, the
 * same commands inside produce events and the shell dies.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

static int distinct_pids(json_t *log)
{
	long long pids[64];
	int n = 0;
	size_t i;
	json_t *ev;

	json_array_foreach(log, i, ev) {
		long long pid = jint(ev, "process.pid");
		int j;

		for (j = 0; j < n && pids[j] != pid; j++)
			;
		if (j == n && n < 64)
			pids[n++] = pid;
	}
	return n;
}

TEST(scope_outside_cell_produces_no_event)
{
	const char *inside = test_path(0, "inside.txt");
	const char *outside = test_path(2, "outside.txt");
	const char *log_path = test_path(1, "log.json");
	struct test_cgroup tc = {};
	struct watcher w = {};
	json_t *log = NULL;
	int fd;

	if (!require_root() || !test_cgroup_create(&tc))
		return;
	fd = open(inside, O_CREAT | O_WRONLY, 0644);
	close(fd);
	fd = open(outside, O_CREAT | O_WRONLY, 0644);
	close(fd);

	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, NULL), "cellwatch ready"))
		goto cleanup;
	/* Outside: a shell runs unharmed and nothing is logged. */
	ASSERT_EQ(run_in(NULL, (char *[]){ "/bin/sh", "-c", "exec cat \"$0\"", (char *)outside,
					   NULL }), 0, "shell outside the cell runs");
	ASSERT_EQ(run_in(NULL, (char *[]){ "/bin/cat", (char *)outside, NULL }), 0,
		  "cat outside the cell");
	/* Inside: the open is logged, the shell is killed. */
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/bin/cat", (char *)inside, NULL }), 0,
		  "cat inside the cell");
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/bin/sh", "-c", "true", NULL }), 128 + 9,
		  "shell inside the cell killed");
	ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly on SIGTERM");

	log = read_log(log_path);
	ASSERT_EQ(count_events(log, "file.path", inside), 1, "inside open logged");
	ASSERT_EQ(count_events(log, "file.path", outside), 0, "outside open not logged");
	ASSERT_EQ(count_events(log, "rule.name", "shell-spawn"), 1, "one alert: the inside shell");
	ASSERT_EQ(distinct_pids(log), 2, "only the two inside processes were seen");
cleanup:
	stop_watcher(&w);
	json_decref(log);
	test_cgroup_destroy(&tc);
}

/* The fallback for hosts without tracefs sees the same syscalls. */
TEST(scope_generic_syscall_hook_fallback)
{
	const char *inside = test_path(0, "inside.txt");
	const char *log_path = test_path(1, "log.json");
	struct test_cgroup tc = {};
	struct watcher w = {};
	json_t *log = NULL;

	if (!require_root() || !test_cgroup_create(&tc))
		return;
	close(open(inside, O_CREAT | O_WRONLY, 0644));
	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, "--generic-syscall-hook"),
			 "cellwatch ready"))
		goto cleanup;
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/usr/bin/python3", "-c",
			"import ctypes\n"
			"ctypes.CDLL(None).unshare(0x40000000)\n",
			NULL }), 0, "payload");
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/bin/cat", (char *)inside, NULL }), 0, "cat");
	ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly");
	log = read_log(log_path);
	ASSERT_EQ(count_events(log, "file.path", inside), 1, "the open is seen");
	ASSERT_OK_PTR(find_event(log, "event.action", "unshare"), "the unshare is seen");
cleanup:
	stop_watcher(&w);
	json_decref(log);
	test_cgroup_destroy(&tc);
}
