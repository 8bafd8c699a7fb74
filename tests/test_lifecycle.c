// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: however a run ends, nothing of it stays behind; and cellrun
 * refuses to run unwatched.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "test.h"

/* Start cellrun in the background under the observing rules (output to out.txt). */
static pid_t start_cellrun(char *const argv[])
{
	char bin[4096], rules[4096];
	char *full[32];
	int n = 0;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/cellrun", build_dir);
	full[n++] = bin;
	full[n++] = "--rules";
	full[n++] = observe_rules(rules, sizeof(rules));
	for (int i = 0; argv[i] && n < 31; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int out = open(test_path(0, "out.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(out, 1);
		dup2(out, 2);
		execv(bin, full);
		_exit(127);
	}
	return pid;
}

/* Directories named run-<pid>-* left by cellrun @pid in the v2 and v1 hierarchies. */
static int leftovers(pid_t pid)
{
	const char *parents[] = { NULL, "/sys/fs/cgroup/memory/cellwatch",
				  "/sys/fs/cgroup/pids/cellwatch", "/sys/fs/cgroup/cpu/cellwatch" };
	char root[256], v2[300], prefix[32];
	int n = 0;

	if (cg2_mount_point(root, sizeof(root)))
		return -1;
	snprintf(v2, sizeof(v2), "%s/cellwatch", root);
	parents[0] = v2;
	snprintf(prefix, sizeof(prefix), "run-%d-", pid);
	for (size_t i = 0; i < sizeof(parents) / sizeof(parents[0]); i++) {
		struct dirent *de;
		DIR *d = opendir(parents[i]);

		while (d && (de = readdir(d)))
			n += !strncmp(de->d_name, prefix, strlen(prefix));
		if (d)
			closedir(d);
	}
	return n;
}

/* cgroup v1 hierarchies cellrun puts limits in: none on pure v2 hosts. */
static int v1_hierarchies(void)
{
	static const char *const ctl[] = { "memory", "pids", "cpu" };
	char path[64];
	int n = 0;

	for (size_t i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/cgroup.procs", ctl[i]);
		n += access(path, F_OK) == 0;
	}
	return n;
}

/* Wait for the payload to signal it is running: a line in the log. */
static bool wait_running(const char *log)
{
	for (int i = 0; i < 100; i++) {
		json_t *l = read_log_so_far(log);
		bool up = count_events(l, "event.action", "exec") > 0;

		json_decref(l);
		if (up)
			return true;
		usleep(100000);
	}
	return false;
}

TEST(lifecycle_sigterm_to_cellrun_cleans_up)
{
	const char *log = test_path(1, "log.json");
	int status = -1;
	pid_t pid;

	if (!require_root())
		return;
	pid = start_cellrun((char *[]){ "--log", (char *)log, "--", "/usr/bin/python3", "-c",
					"import time\ntime.sleep(20)", NULL });
	if (!ASSERT_TRUE(wait_running(log), "payload started")) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	ASSERT_EQ(leftovers(pid), 1 + v1_hierarchies(),
		  "the cell (and its v1 limit cgroups on hybrid hosts) exist while running");
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGTERM,
		    "cellrun exits 128+SIGTERM");
	ASSERT_EQ(leftovers(pid), 0, "no cgroup left behind");
}

TEST(lifecycle_cellrun_killed_cell_dies)
{
	const char *log = test_path(1, "log.json");
	char root[256], cell[400];
	json_t *l, *ev;
	pid_t pid;
	int fd, populated = -1;
	struct cmd_result res;

	if (!require_root() || cg2_mount_point(root, sizeof(root)))
		return;
	pid = start_cellrun((char *[]){ "--log", (char *)log, "--", "/usr/bin/python3", "-c",
					"import time\ntime.sleep(20)", NULL });
	if (!ASSERT_TRUE(wait_running(log), "payload started")) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	l = read_log(log);
	ev = find_event(l, "event.action", "exec");
	kill(pid, SIGKILL);	/* only the process we started, by pid */
	waitpid(pid, NULL, 0);
	/* Find the cell by its id and wait for its processes to die with cellrun. */
	snprintf(cell, sizeof(cell), "%s/cellwatch", root);
	DIR *d = opendir(cell);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if ((long long)de->d_ino != jint(ev, "cellwatch.cell.id"))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY);
		populated = fd < 0 ? -1 : cg2_wait_empty(fd, 5000);
		if (fd >= 0)
			close(fd);
	}
	if (d)
		closedir(d);
	json_decref(l);
	ASSERT_EQ(populated, 0, "the cell emptied when cellrun died");
	/* The next run sweeps what the killed one could not remove. */
	ASSERT_OK(cellrun("log2.json", (char *[]){ "/usr/bin/true", NULL }, &res), "next run");
	ASSERT_EQ(res.status, 0, "next run");
	ASSERT_EQ(leftovers(pid), 0, "stale cgroups swept");
}

TEST(lifecycle_refuses_to_run_unwatched)
{
	const char *out = make_output_dir("out");
	struct cmd_result res;
	char marker[4200];

	if (!require_root())
		return;
	snprintf(marker, sizeof(marker), "%s/ran", out);
	/* A monitor that cannot start: its rules do not load. */
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--rules", "/nonexistent.json", "--output",
						       (char *)out, NULL },
			       (char *[]){ "/usr/bin/touch", "/output/ran", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 123, "distinct exit code");
	ASSERT_HAS(res.err, "refusing to run without the monitor", "clear message");
	ASSERT_EQ(access(marker, F_OK), -1, "the payload did not run");

	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--rules", "/nonexistent.json",
						       "--no-monitor", "--output", (char *)out,
						       NULL },
			       (char *[]){ "/usr/bin/touch", "/output/ran", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "--no-monitor runs it");
	ASSERT_OK(access(marker, F_OK), "the payload ran");
}

TEST(lifecycle_output_capped_and_env_scrubbed)
{
	const char *result = test_path(2, "result.json");
	struct cmd_result res;
	json_t *doc;

	if (!require_root())
		return;
	setenv("CELLWATCH_TEST_SECRET", "hunter2", 1);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output-cap", "1K", "--env", "FOO=bar",
						       "--result", (char *)result, NULL },
			       (char *[]){ "/usr/bin/python3", "-c",
				"import os, sys\n"
				"print(' '.join(sorted(os.environ)), file=sys.stderr)\n"
				"sys.stdout.write('y' * 5000)\n",
				NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_EQ(strlen(res.out), 1024, "stdout cut at the cap");
	ASSERT_HAS(res.err, "stdout truncated at 1024 bytes", "truncation said");
	ASSERT_HAS(res.err, "FOO HOME LANG MPLCONFIGDIR PATH PYTHONDONTWRITEBYTECODE TMPDIR\n",
		   "only the minimal environment and --env");
	ASSERT_FALSE(strstr(res.err, "CELLWATCH_TEST_SECRET"), "the host's environment stays out");
	doc = read_json(result);
	if (ASSERT_OK_PTR(doc, "result")) {
		ASSERT_TRUE(json_is_true(jget(doc, "output.stdout_truncated")), "result: truncated");
		ASSERT_EQ(jint(doc, "output.stdout_bytes"), 5000, "result: bytes written");
		json_decref(doc);
	}
}

TEST(lifecycle_profile_sets_defaults_and_is_validated)
{
	const char *good = test_path(0, "good.json"), *bad = test_path(2, "bad.json");
	struct cmd_result res;
	FILE *f;

	if (!require_root())
		return;
	f = fopen(good, "w");
	fputs("{\"timeout\": 1, \"env\": [\"FROM_PROFILE=1\"]}\n", f);
	fclose(f);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--profile", (char *)good, NULL },
			       (char *[]){ "/usr/bin/python3", "-c",
				"import os\nprint(os.environ['FROM_PROFILE'], flush=True)\n"
				"while True: pass", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 124, "the profile's timeout applies");
	ASSERT_STREQ(res.out, "1\n", "the profile's environment applies");

	f = fopen(bad, "w");
	fputs("{\n  \"memory\": \"lots\"\n}\n", f);
	fclose(f);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--profile", (char *)bad, NULL },
			       (char *[]){ "/usr/bin/true", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 125, "bad profile refused");
	ASSERT_HAS(res.err, "bad.json: \"memory\": 'lots' is not a size", "error names the key");

	f = fopen(bad, "w");
	fputs("{\n  \"memory\": \n}\n", f);
	fclose(f);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--profile", (char *)bad, NULL },
			       (char *[]){ "/usr/bin/true", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 125, "malformed profile refused");
	ASSERT_HAS(res.err, "bad.json:3:1:", "file:line:column");
}

/*
 * A cell whose setup fails says which step failed and why (here the root:
 * a --rootfs the cell's uid cannot add its mountpoints to), exits 125, and
 * the payload never runs.
 */
TEST(lifecycle_failed_step_is_named)
{
	const char *root = test_path(0, "bare-root");
	char bin[4096];
	struct cmd_result res;

	if (!require_root() || !ASSERT_OK(mkdir(root, 0755), "an empty root, root's"))
		return;
	snprintf(bin, sizeof(bin), "%s/cellrun", build_dir);
	run_cmd((char *[]){ bin, "--no-monitor", "--rootfs", (char *)root, "--", "/bin/echo",
			    "RAN", NULL }, 60, &res);
	ASSERT_EQ(res.status, 125, "a launcher error");
	ASSERT_HAS(res.err, "cellrun: root: mkdir ", "the step named, then why");
	ASSERT_FALSE(strstr(res.out, "RAN"), "the payload never ran");
}

/*
 * A host step that fails (the log, before any cell exists; the monitor,
 * after the output directory was lent) is named too, ends the run before
 * the payload, leaves nothing behind, and the result says how the run
 * ended and why.
 */
TEST(lifecycle_failed_host_step_is_named)
{
	const char *result = test_path(0, "result.json");
	const char *out = make_output_dir("out");
	char bin[4096], log[4200];
	struct cmd_result res;
	struct stat st;
	json_t *doc;

	if (!require_root())
		return;
	snprintf(bin, sizeof(bin), "%s/cellrun", build_dir);
	snprintf(log, sizeof(log), "%s/no-such-dir/events.json", test_dir);
	run_cmd((char *[]){ bin, "--no-monitor", "--log", log, "--output", (char *)out,
			    "--output-size", "0", "--result", (char *)result, "--", "/bin/echo",
			    "RAN", NULL }, 60, &res);
	ASSERT_EQ(res.status, 125, "a launcher error");
	ASSERT_HAS(res.err, "cellrun: log: open ", "the step named, then why");
	ASSERT_FALSE(strstr(res.out, "RAN"), "the payload never ran");
	doc = read_json(result);
	if (ASSERT_OK_PTR(doc, "a result")) {
		ASSERT_STREQ(jstr(doc, "reason"), "launcher_error", "how it ended");
		ASSERT_HAS(jstr(doc, "error") ?: "", "open ", "why");
		json_decref(doc);
	}
	/* Later, once the output directory was lent to the cell's uid: handed back. */
	run_cmd((char *[]){ bin, "--rules", "/nonexistent.json", "--output", (char *)out,
			    "--output-size", "0", "--", "/bin/echo", "RAN", NULL }, 60, &res);
	ASSERT_EQ(res.status, 123, "no monitor: refused to run");
	ASSERT_HAS(res.err, "cellrun: monitor: /nonexistent.json", "the step named");
	if (ASSERT_OK(stat(out, &st), "the output directory"))
		ASSERT_EQ(st.st_uid, 65534, "its owner's again");
}

/*
 * --chdir: the payload starts in the given directory of the cell (here its
 * read-only /input); one that does not exist there fails the payload's
 * step, named, before the payload runs; a relative one is refused.
 */
TEST(lifecycle_chdir_in_the_cell)
{
	const char *in = test_path(0, "chdir-input");
	struct cmd_result res;

	if (!require_root() || !ASSERT_OK(mkdir(in, 0755), "an input directory"))
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--input", (char *)in, "--chdir", "/input",
						       NULL },
			       (char *[]){ "/bin/pwd", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "the run");
	ASSERT_STREQ(res.out, "/input\n", "started in /input");
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--chdir", "/nowhere", NULL },
			       (char *[]){ "/bin/echo", "RAN", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 125, "a launcher error");
	ASSERT_HAS(res.err, "working directory: /nowhere: No such file or directory",
		   "the step named, then why");
	ASSERT_FALSE(strstr(res.out, "RAN"), "the payload never ran");
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--chdir", "input", NULL },
			       (char *[]){ "/bin/echo", "RAN", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 125, "a relative directory: refused");
	ASSERT_HAS(res.err, "--chdir: 'input' is not an absolute path in the cell", "why");
	rmdir(in);
}

/* --stdin: the payload reads what cellrun was given; without it, nothing. */
TEST(lifecycle_stdin_passed_only_when_asked)
{
	const char *input = test_path(0, "stdin.txt"), *out = test_path(1, "stdout.txt");
	char bin[4096], text[256];

	if (!require_root() || !ASSERT_OK(write_text(input, "fed to the payload\n"), "input"))
		return;
	snprintf(bin, sizeof(bin), "%s/cellrun", build_dir);
	for (int pass = 0; pass <= 1; pass++) {
		char *plain[] = { bin, "--no-monitor", "--", "/bin/cat", NULL };
		char *fed[] = { bin, "--no-monitor", "--stdin", "--", "/bin/cat", NULL };
		char **argv = pass ? fed : plain;
		int status = -1;
		pid_t pid = fork();

		if (pid == 0) {
			int in = open(input, O_RDONLY), fd = open(out, O_WRONLY | O_CREAT | O_TRUNC,
								  0644);

			if (in < 0 || fd < 0 || dup2(in, 0) < 0 || dup2(fd, 1) < 0)
				_exit(120);
			execv(bin, argv);
			_exit(127);
		}
		waitpid(pid, &status, 0);
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the run");
		ASSERT_TRUE(read_text(out, text, sizeof(text)) >= 0, "its output");
		ASSERT_STREQ(text, pass ? "fed to the payload\n" : "",
			     pass ? "--stdin: cellrun's stdin" : "no --stdin: /dev/null");
	}
}
