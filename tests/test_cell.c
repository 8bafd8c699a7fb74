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

TEST(cell_benign_python_runs)
{
	const char *out = test_path(0, "out.txt");
	char script[4096], buf[64] = "";
	struct cmd_result res;
	json_t *log = NULL;
	FILE *f;

	if (!require_root())
		return;
	snprintf(script, sizeof(script),
		 "import csv, io, statistics\n"
		 "rows = list(csv.reader(io.StringIO('a\\n1\\n2\\n3\\n')))[1:]\n"
		 "m = statistics.mean(int(r[0]) for r in rows)\n"
		 "open('%s', 'w').write('mean=%%s' %% m)\n"
		 "print('done')\n", out);
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c", script, NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_STREQ(res.out, "done\n", "stdout");
	f = fopen(out, "r");
	if (ASSERT_OK_PTR(f, "output file written")) {
		ASSERT_TRUE(fgets(buf, sizeof(buf), f) != NULL, "read output");
		fclose(f);
	}
	ASSERT_STREQ(buf, "mean=2", "output content");

	log = read_log(test_path(1, "log.json"));
	ASSERT_OK_PTR(find_event(log, "event.action", "exec"), "the python exec is logged");
	ASSERT_OK_PTR(find_event(log, "file.path", out), "the output open is logged");
	ASSERT_EQ(count_alerts(log), 0, "no alert for benign code");
	assert_cell_removed(log);
	json_decref(log);
}

TEST(cell_shell_killed_before_first_instruction)
{
	const char *marker = test_path(0, "marker");
	char cmd[4200];
	struct cmd_result res;
	json_t *log, *alert;

	if (!require_root())
		return;
	snprintf(cmd, sizeof(cmd), "echo x; touch %s", marker);
	ASSERT_OK(cellrun("log.json", (char *[]){ "/bin/sh", "-c", cmd, NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 128 + 9, "killed by SIGKILL");
	ASSERT_STREQ(res.out, "", "the shell printed nothing");
	ASSERT_EQ(access(marker, F_OK), -1, "the shell ran no command");
	ASSERT_HAS(res.err, "killed by rule 'shell-spawn'", "cellrun names the rule");

	log = read_log(test_path(1, "log.json"));
	alert = find_event(log, "rule.name", "shell-spawn");
	if (ASSERT_OK_PTR(alert, "alert in the log")) {
		ASSERT_STREQ(jstr(alert, "event.kind"), "alert", "event.kind");
		ASSERT_STREQ(jstr(alert, "cellwatch.action"), "kill", "action");
		ASSERT_STREQ(jstr(alert, "cellwatch.layer"), "kernel", "layer");
		ASSERT_STREQ(json_string_value(json_array_get(jget(alert, "process.args"), 2)),
			     cmd, "argv of the shell");
	}
	assert_cell_removed(log);
	json_decref(log);
}

TEST(cell_shell_from_python_killed_python_survives)
{
	const char *marker = test_path(0, "marker");
	char script[4200];
	struct cmd_result res;
	json_t *log, *alert, *py;

	if (!require_root())
		return;
	snprintf(script, sizeof(script),
		 "import os, subprocess\n"
		 "st = os.system('touch %s')\n"
		 "r = subprocess.run(['bash', '-c', 'touch %s'])\n"
		 "print('system', os.waitstatus_to_exitcode(st), 'run', r.returncode)\n",
		 marker, marker);
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c", script, NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "python itself exits normally");
	ASSERT_STREQ(res.out, "system -9 run -9\n", "both shells died of SIGKILL");
	ASSERT_EQ(access(marker, F_OK), -1, "no shell ran its command");

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
	const char *known = test_path(0, "known.txt");
	const char *link = test_path(2, "link.txt");
	struct cmd_result res;
	char script[4200];
	json_t *log;
	FILE *f;

	if (!require_root())
		return;
	f = fopen(known, "w");
	if (!ASSERT_OK_PTR(f, "create known file"))
		return;
	fputs("data\n", f);
	fclose(f);
	if (!ASSERT_OK(symlink("known.txt", link), "symlink"))
		return;
	/* Relative and symlinked names: the log must show the file really opened. */
	snprintf(script, sizeof(script),
		 "import os\nos.chdir('%s')\n"
		 "open('./known.txt').read()\nopen('link.txt').read()\nprint('read')\n",
		 test_dir);
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c", script, NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");

	log = read_log(test_path(1, "log.json"));
	ASSERT_EQ(count_events(log, "file.path", known), 2, "both opens resolved to the file");
	ASSERT_EQ(count_events(log, "file.path", link), 0, "no symlink path");
	ASSERT_EQ(count_events(log, "file.path", "./known.txt"), 0, "no relative path");
	json_decref(log);
}
