// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Integration: a run in a cell, benign and hostile, seen through cellrun. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "test.h"

#define PYTHON "/usr/bin/python3"

static int count_alerts(json_t *log)
{
	return count_events(log, "event.kind", "alert");
}

/* No cgroup with the cell's id is left under <cgroup2>/cellwatch. */
static void assert_cell_removed(json_t *log)
{
	json_t *first = json_array_get(log, 0);
	char root[256], parent[300];
	long long id = first ? jint(first, "cellwatch.cell.id") : -1;
	struct dirent *de;
	DIR *d;

	if (!ASSERT_TRUE(id > 0, "log names the cell") || cg2_mount_point(root, sizeof(root)))
		return;
	snprintf(parent, sizeof(parent), "%s/cellwatch", root);
	d = opendir(parent);
	if (!d)
		return;
	while ((de = readdir(d)))
		ASSERT_NEQ(de->d_ino, id, "cell cgroup removed after the run");
	closedir(d);
}

static bool exists_in(const char *dir, const char *name)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

TEST(cell_benign_python_runs)
{
	const char *out = make_output_dir("out");
	char host_file[4200], buf[64] = "";
	struct cmd_result res;
	json_t *log = NULL;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)out, NULL },
			       (char *[]){ PYTHON, "-c",
				"import csv, io, statistics\n"
				"rows = list(csv.reader(io.StringIO('a\\n1\\n2\\n3\\n')))[1:]\n"
				"m = statistics.mean(int(r[0]) for r in rows)\n"
				"open('/output/out.txt', 'w').write('mean=%s' % m)\n"
				"print('done')\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_STREQ(res.out, "done\n", "stdout");
	snprintf(host_file, sizeof(host_file), "%s/out.txt", out);
	ASSERT_TRUE(read_text(host_file, buf, sizeof(buf)) >= 0, "output file written");
	ASSERT_STREQ(buf, "mean=2", "output content");

	log = read_log(test_path(1, "log.json"));
	ASSERT_OK_PTR(find_event(log, "event.action", "exec"), "the python exec is logged");
	ASSERT_OK_PTR(find_event(log, "file.path", "/output/out.txt"), "the output open is logged");
	ASSERT_EQ(count_alerts(log), 0, "no alert for benign code");
	assert_cell_removed(log);
	json_decref(log);
}

TEST(cell_payload_starts_with_default_signals)
{
	struct cmd_result res;

	if (!require_root())
		return;
	/* cellrun blocks SIGTERM for its signalfd; a pool's terminate() needs it to end workers. */
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c",
		"import multiprocessing, signal\n"
		"print('blocked', sorted(signal.pthread_sigmask(signal.SIG_BLOCK, [])))\n"
		"def spin(_):\n"
		"    while True:\n"
		"        pass\n"
		"pool = multiprocessing.Pool(2)\n"
		"pool.map_async(spin, range(2))\n"
		"pool.terminate()\n"
		"pool.join()\n"
		"print('pool ended')\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "blocked []\n", "no signal blocked");
	ASSERT_HAS(res.out, "pool ended\n", "SIGTERM ended the workers");
}

TEST(cell_shell_killed_before_first_instruction)
{
	const char *out = make_output_dir("out");
	const char *cmd = "echo x; touch /output/marker";
	struct cmd_result res;
	json_t *log, *alert;

	if (!require_root())
		return;
	/* The monitor's kill is under test: the shells stay (test_shells.c masks them). */
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)out, "--keep-shells",
						       NULL },
			       (char *[]){ "/bin/sh", "-c", (char *)cmd, NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 128 + 9, "killed by SIGKILL");
	ASSERT_STREQ(res.out, "", "the shell printed nothing");
	ASSERT_FALSE(exists_in(out, "marker"), "the shell ran no command");
	ASSERT_HAS(res.err, "killed by rule 'shell-spawn'", "cellrun names the rule");

	log = read_log(test_path(1, "log.json"));
	alert = find_event(log, "rule.name", "shell-spawn");
	if (ASSERT_OK_PTR(alert, "alert in the log")) {
		ASSERT_STREQ(jstr(alert, "event.kind"), "alert", "event.kind");
		ASSERT_STREQ(jstr(alert, "cellwatch.action"), "kill", "action");
		ASSERT_KERNEL_LAYER(jstr(alert, "cellwatch.layer"), "layer");
		ASSERT_STREQ(json_string_value(json_array_get(jget(alert, "process.args"), 2)),
			     cmd, "argv of the shell");
	}
	assert_cell_removed(log);
	json_decref(log);
}

TEST(cell_shell_from_python_killed_python_survives)
{
	const char *out = make_output_dir("out");
	struct cmd_result res;
	json_t *log, *alert, *py;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)out, "--keep-shells",
						       NULL },
			       (char *[]){ PYTHON, "-c",
				"import os, subprocess\n"
				"st = os.system('touch /output/marker')\n"
				"r = subprocess.run(['bash', '-c', 'touch /output/marker'])\n"
				"print('system', os.waitstatus_to_exitcode(st), 'run', r.returncode)\n",
				NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "python itself exits normally");
	ASSERT_STREQ(res.out, "system -9 run -9\n", "both shells died of SIGKILL");
	ASSERT_FALSE(exists_in(out, "marker"), "no shell ran its command");

	log = read_log(test_path(1, "log.json"));
	ASSERT_EQ(count_events(log, "rule.name", "shell-spawn"), 2, "two alerts");
	alert = find_event(log, "rule.name", "shell-spawn");
	py = find_event(log, "event.action", "exec");	/* the command comes first */
	if (ASSERT_OK_PTR(alert, "alert") && ASSERT_OK_PTR(py, "python exec"))
		ASSERT_EQ(jint(alert, "process.parent.pid"), jint(py, "process.pid"),
			  "the shell's parent is the python process");
	json_decref(log);
}

TEST(cell_open_path_resolved_in_kernel)
{
	const char *in = test_path(2, "in");
	char known[4200], link[4200];
	struct cmd_result res;
	json_t *log;
	FILE *f;

	if (!require_root())
		return;
	mkdir(in, 0755);
	snprintf(known, sizeof(known), "%s/known.txt", in);
	snprintf(link, sizeof(link), "%s/link.txt", in);
	f = fopen(known, "w");
	if (!ASSERT_OK_PTR(f, "create known file"))
		return;
	fputs("data\n", f);
	fclose(f);
	if (!ASSERT_OK(symlink("known.txt", link), "symlink"))
		return;
	/* Relative and symlinked names: the log must show the file really opened. */
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--input", (char *)in, NULL },
			       (char *[]){ PYTHON, "-c",
				"import os\nos.chdir('/input')\n"
				"open('./known.txt').read()\nopen('link.txt').read()\nprint('read')\n",
				NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");

	log = read_log(test_path(1, "log.json"));
	ASSERT_EQ(count_events(log, "file.path", "/input/known.txt"), 2,
		  "both opens resolved to the file, as the cell sees it");
	ASSERT_EQ(count_events(log, "file.path", "/input/link.txt"), 0, "no symlink path");
	ASSERT_EQ(count_events(log, "file.path", "./known.txt"), 0, "no relative path");
	json_decref(log);
}

TEST(cell_failed_open_logged_with_errno)
{
	struct cmd_result res;
	json_t *log, *ev;

	if (!require_root())
		return;
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c",
			PY_ERR_HELPER
			"print(err(lambda: open('/usr/planted', 'w')))\n", NULL }, &res), "cellrun");
	ASSERT_STREQ(res.out, "EROFS\n", "the write into a read-only tree failed");
	log = read_log(test_path(1, "log.json"));
	ev = find_event(log, "file.path", "/usr/planted");
	if (ASSERT_OK_PTR(ev, "the failed attempt is logged")) {
		ASSERT_STREQ(jstr(ev, "event.outcome"), "failure", "outcome");
		ASSERT_STREQ(jstr(ev, "error.code"), "EROFS", "errno name");
		ASSERT_TRUE(json_is_false(jget(ev, "cellwatch.path_resolved")),
			    "marked as the caller's string, not a resolved path");
		ASSERT_STREQ(json_string_value(json_array_get(jget(ev, "cellwatch.open.flags"), 0)),
			     "write", "flags");
	}
	json_decref(log);
}

TEST(cell_lifecycle_and_ancestry)
{
	struct cmd_result res;
	json_t *log, *open_ev, *ev;
	size_t i;
	int exits3 = 0, forks = 0;

	if (!require_root())
		return;
	/* python -> python -> python: the innermost opens a file and exits 3. */
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c",
			"import subprocess, sys\n"
			"inner = \"open('/etc/hostname').read(); raise SystemExit(3)\"\n"
			"mid = 'import subprocess, sys; '"
			"      'sys.exit(subprocess.run([sys.executable, \"-c\", %r]).returncode)' % inner\n"
			"r = subprocess.run(['/usr/bin/python3', '-c', mid])\n"
			"print('rc', r.returncode)\n", NULL }, &res), "cellrun");
	ASSERT_STREQ(res.out, "rc 3\n", "the exit code travelled up");
	log = read_log(test_path(1, "log.json"));
	open_ev = NULL;
	json_array_foreach(log, i, ev) {
		const char *p = jstr(ev, "file.path"), *a = jstr(ev, "event.action");

		if (p && !strcmp(p, "/etc/hostname") && json_array_size(jget(ev, "cellwatch.ancestry")) >= 2)
			open_ev = ev;
		forks += a && !strcmp(a, "fork");
		exits3 += a && !strcmp(a, "exit") && jint(ev, "process.exit_code") == 3;
	}
	ASSERT_TRUE(forks >= 2, "forks are events");
	ASSERT_EQ(exits3, 2, "the two inner processes' exits carry code 3");
	if (ASSERT_OK_PTR(open_ev, "the innermost open carries its ancestry")) {
		json_t *chain = jget(open_ev, "cellwatch.ancestry");

		ASSERT_HAS(jstr(open_ev, "process.parent.executable"), "/usr/bin/python3",
			   "parent executable");
		ASSERT_HAS(json_string_value(json_array_get(chain, 1)), "/usr/bin/python3",
			   "grandparent executable");
	}
	json_decref(log);
}

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/*
 * A cell raising the same alert thirty times: stderr shows the first ten
 * of that rule and says how many more there were; the log keeps them all.
 */
TEST(cell_alert_lines_bounded_per_rule)
{
	char rules[4096];
	struct cmd_result res;
	json_t *log;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--rules", default_rules(rules, sizeof(rules)),
						       NULL },
			       (char *[]){ "/usr/bin/python3", "-c",
				"import socket\n"
				"for _ in range(30):\n"
				"    try:\n"
				"        socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)\n"
				"    except OSError:\n"
				"        pass\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "alert only");
	ASSERT_EQ(count_lines_with(res.err, "cellrun: ALERT warning  socket-family:"), 10,
		  "ten lines of the rule on stderr");
	ASSERT_HAS(res.err, "cellrun: ALERT socket-family: 20 more not shown (all are in the log)",
		   "and how many more");
	log = read_log(test_path(1, "log.json"));
	ASSERT_EQ(count_events(log, "rule.name", "socket-family"), 30, "the log has every one");
	json_decref(log);
}

/*
 * --log-max-bytes: a run flooding its log is cut at the bound, alerts
 * still written up to twice it, and what was left out is counted.
 */
TEST(cell_log_bounded_per_run)
{
	const char *log_path = test_path(1, "log.json");
	const char *result = test_path(2, "result.json");
	char rules[4096];
	struct cmd_result res;
	struct stat st;
	json_t *log, *doc;

	if (!require_root())
		return;
	unlink(log_path);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--rules", default_rules(rules, sizeof(rules)),
						       "--log-max-bytes", "64K", "--result",
						       (char *)result, NULL },
			       (char *[]){ "/usr/bin/python3", "-c",
				"import socket\n"
				"for _ in range(3000):\n"
				"    open('/dev/null').close()\n"
				"    open('/dev/zero').close()\n"
				"try:\n"
				"    socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)\n"
				"except OSError:\n"
				"    pass\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_OK(stat(log_path, &st), "the log");
	ASSERT_TRUE(st.st_size <= 2 * 64 * 1024 + 8192, "bounded at twice --log-max-bytes");
	ASSERT_HAS(res.err, "events not written to", "what was left out is said");
	doc = read_json(result);
	ASSERT_TRUE(jint(doc, "events_not_logged") > 1000, "and counted in the result");
	json_decref(doc);
	log = read_log(log_path);
	ASSERT_OK_PTR(find_event(log, "rule.name", "socket-family"), "the alert past the bound");
	json_decref(log);
}
