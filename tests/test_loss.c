// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: when the ring buffer overflows, lost events are counted in
 * the kernel and reported by userspace, never dropped silently.
 */
#include <fcntl.h>
#include <unistd.h>

#include "test.h"

#define OPENS 3000
#define EXECS 10

TEST(loss_is_counted_and_reported)
{
	const char *log_path = test_path(1, "log.json");
	const char *file = test_path(0, "f.txt");
	struct test_cgroup tc = {};
	struct watcher w = {};
	json_t *log = NULL, *ev;
	long long opened, lost = 0;
	char script[4400];
	size_t i;

	if (!require_root() || !test_cgroup_create(&tc))
		return;
	close(open(file, O_CREAT | O_WRONLY, 0644));
	/* One page of ring buffer against a burst of opens: most cannot fit. */
	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, "--ringbuf 4096"), "cellwatch ready"))
		goto cleanup;
	/* Execs in the middle of the flood: they travel in the critical ring. */
	snprintf(script, sizeof(script),
		 "import os, subprocess\n"
		 "for i in range(%d):\n"
		 "    os.close(os.open('%s', os.O_RDONLY))\n"
		 "    if i %% %d == 0:\n"
		 "        subprocess.run(['/usr/bin/true'])\n",
		 OPENS, file, OPENS / EXECS);
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/usr/bin/python3", "-c", script, NULL }), 0,
		  "burst of opens");
	ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly");

	log = read_log(log_path);
	opened = count_events(log, "file.path", file);
	json_array_foreach(log, i, ev) {
		const char *action = jstr(ev, "event.action");

		if (action && !strcmp(action, "events-lost")) {
			ASSERT_STREQ(jstr(ev, "event.kind"), "metric", "loss is a metric line");
			lost += jint(ev, "cellwatch.lost.events");
		}
	}
	ASSERT_TRUE(opened < OPENS, "the ring buffer overflowed");
	ASSERT_TRUE(lost > 0, "the loss is reported in the log");
	/* Every open is accounted for: logged, or counted as lost (lost also covers the
	 * interpreter's own opens, hence >=). */
	ASSERT_TRUE(opened + lost >= OPENS, "logged + lost covers every open");
	ASSERT_EQ(count_events(log, "process.executable", "/usr/bin/true"), EXECS,
		  "no exec lost to the flood of opens");
cleanup:
	stop_watcher(&w);
	json_decref(log);
	test_cgroup_destroy(&tc);
}
