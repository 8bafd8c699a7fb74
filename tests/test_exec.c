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

/*
 * A rule by how the binary was reached is decided at sched_process_exec:
 * the memfd's or the unlinked file's program dies before its first
 * instruction (here: the touch it holds never makes its marker), on every
 * kernel, vm.memfd_noexec or not.
 */
TEST(exec_fileless_killed_in_the_kernel)
{
	const char *log_path = test_path(1, "log.json"), *rules = test_path(2, "rules.json");
	const char *marker = test_path(0, "ran");
	struct test_cgroup tc = {};
	struct watcher w = {};
	char extra[4200], payload[2048];
	json_t *log = NULL, *ev;
	size_t i;
	int kills = 0;

	if (!require_root() || !test_cgroup_create(&tc))
		return;
	if (!ASSERT_OK(write_text(rules, "{ \"rules\": [ { \"name\": \"fileless\", "
				  "\"description\": \"d\", \"event\": \"exec\", \"match\": { \"exec_how\": [\"memfd\", "
				  "\"deleted\"] }, \"action\": \"kill\", \"priority\": \"critical\" "
				  "} ] }\n"), "rules"))
		goto cleanup;
	snprintf(extra, sizeof(extra), "--rules %s", rules);
	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, extra), "cellwatch ready"))
		goto cleanup;
	snprintf(payload, sizeof(payload),
		 "import os, subprocess, sys\n"
		 "touch = open('/usr/bin/touch', 'rb').read()\n"
		 "m = os.memfd_create('implant', 0)\n"
		 "os.write(m, touch)\n"
		 "a = subprocess.run(['/proc/self/fd/%%d' %% m, '%s'], pass_fds=[m])\n"
		 "d = os.open('/dev/shm', os.O_TMPFILE | os.O_WRONLY, 0o700)\n"
		 "os.write(d, touch)\n"
		 "x = os.open('/proc/self/fd/%%d' %% d, os.O_RDONLY)\n"
		 "os.close(d)\n"
		 "pid = os.fork()\n"
		 "if pid == 0:\n"
		 "    os.execve(x, ['tmpfile', '%s'], {})\n"
		 "_, st = os.waitpid(pid, 0)\n"
		 "sys.exit(0 if a.returncode == -9 and os.WTERMSIG(st) == 9 else 1)\n",
		 marker, marker);
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/usr/bin/python3", "-c", payload, NULL }), 0,
		  "both programs were killed");
	ASSERT_EQ(access(marker, F_OK), -1, "neither ran an instruction of its own");
	ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly");
	log = read_log(log_path);
	json_array_foreach(log, i, ev) {
		if (strcmp(jstr(ev, "rule.name") ?: "", "fileless"))
			continue;
		kills++;
		ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "decided in the kernel");
		ASSERT_EQ(jint(ev, "cellwatch.kill_latency_us"), 0, "at the exec");
	}
	ASSERT_EQ(kills, 2, "the memfd and the unlinked file");
cleanup:
	stop_watcher(&w);
	json_decref(log);
	test_cgroup_destroy(&tc);
}
