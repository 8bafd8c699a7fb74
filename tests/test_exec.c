// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: fileless and indirect execution is flagged.  Watched with
 * `cellwatch watch` on a plain cgroup, since a cellrun cell refuses to
 * execute a memfd at all.
 */
#include <fcntl.h>
#include <unistd.h>

#include "test.h"

TEST(exec_fileless_and_indirect_flagged)
{
	const char *log_path = test_path(1, "log.json");
	struct test_cgroup tc = {};
	struct watcher w = {};
	json_t *log = NULL, *ev;
	size_t i;
	bool memfd = false, fd = false, loader = false, deleted = false;

	if (!require_root() || !test_cgroup_create(&tc))
		return;
	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, NULL), "cellwatch ready"))
		goto cleanup;
	/* The O_TMPFILE goes to /dev/shm, a tmpfs: the VM's overlaid /tmp has none before 6.6. */
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/usr/bin/python3", "-c",
			"import os, shutil, subprocess\n"
			"m = os.memfd_create('implant', 0)\n"
			"os.write(m, open('/usr/bin/true', 'rb').read())\n"
			"subprocess.run(['/proc/self/fd/%d' % m], pass_fds=[m], check=True)\n"
			"subprocess.run(['/lib64/ld-linux-x86-64.so.2', '/usr/bin/true'], check=True)\n"
			"d = os.open('/dev/shm', os.O_TMPFILE | os.O_WRONLY, 0o700)\n"
			"os.write(d, open('/usr/bin/true', 'rb').read())\n"
			"x = os.open('/proc/self/fd/%d' % d, os.O_RDONLY)\n"
			"os.close(d)\n"
			"if os.fork() == 0:\n"
			"    os.execve(x, ['tmpfile'], {})\n"
			"os.wait()\n", NULL }), 0, "payload");
	ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly");
	log = read_log(log_path);
	json_array_foreach(log, i, ev) {
		json_t *how = jget(ev, "cellwatch.exec.how"), *h;
		size_t j;

		json_array_foreach(how, j, h) {
			const char *s = json_string_value(h);

			memfd |= !strcmp(s, "memfd");
			fd |= !strcmp(s, "fd");
			loader |= !strcmp(s, "loader");
			deleted |= !strcmp(s, "deleted");
		}
	}
	ASSERT_TRUE(memfd, "memfd exec flagged");
	ASSERT_TRUE(fd, "exec through /proc/self/fd flagged");
	ASSERT_TRUE(loader, "exec through the dynamic loader flagged");
	ASSERT_TRUE(deleted, "exec of an O_TMPFILE flagged");
	ASSERT_OK_PTR(find_event(log, "process.executable", "/memfd:implant"),
		      "the memfd's name is the executable");
cleanup:
	stop_watcher(&w);
	json_decref(log);
	test_cgroup_destroy(&tc);
}
