// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sidecar daemon: many cells under one monitor, fail-closed
 * registration, the kernel's rules outliving a crashed daemon, a restarted
 * daemon taking its cells over, and the outputs (log, syslog, tail,
 * metrics) end to end.
 */
#include <dirent.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "buildconf.h"
#include "api.h"
#include "cgroup.h"
#include "test.h"

#define NRUNS 50

/*
 * The VM (tests/vm) emulates its CPUs: 50 Python start-ups at once take
 * minutes there, so it runs fewer cells; the host runs all 50.
 */
static int concurrent_runs(void)
{
	char host[64] = "";

	gethostname(host, sizeof(host));
	return strcmp(host, "vmtest") ? NRUNS : 15;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Every line of the daemon's log and its rotated files, oldest first;
 * @so_far while the daemon may still be writing (read_log_so_far()).
 */
static json_t *read_all_logs(const char *log, bool so_far)
{
	json_t *all = json_array();
	char path[1024];

	for (int i = 1000; i >= 0; i--) {
		json_t *part;

		if (i)
			snprintf(path, sizeof(path), "%s.%d", log, i);
		else
			snprintf(path, sizeof(path), "%s", log);
		if (access(path, F_OK))
			continue;
		part = so_far ? read_log_so_far(path) : read_log(path);
		json_array_extend(all, part);
		json_decref(part);
	}
	return all;
}

static int count_where(json_t *log, const char *path, const char *value, const char *path2,
		       const char *value2)
{
	size_t i;
	json_t *ev;
	int n = 0;

	json_array_foreach(log, i, ev) {
		const char *v = jstr(ev, path), *v2 = path2 ? jstr(ev, path2) : NULL;

		n += v && !strcmp(v, value) && (!path2 || (v2 && !strcmp(v2, value2)));
	}
	return n;
}

/* Exec events of the run whose arguments include @marker. */
static int count_exec_with_arg(json_t *log, const char *run_id, const char *marker)
{
	size_t i, j;
	json_t *ev, *a;
	int n = 0;

	json_array_foreach(log, i, ev) {
		const char *r = jstr(ev, "cellwatch.run_id"), *act = jstr(ev, "event.action");

		if (!r || strcmp(r, run_id) || !act || strcmp(act, "exec"))
			continue;
		json_array_foreach(jget(ev, "process.args"), j, a) {
			if (json_is_string(a) && !strcmp(json_string_value(a), marker))
				n++;
		}
	}
	return n;
}

enum kind { BENIGN, SHELL, EXEC_SHELL, METADATA };

static enum kind kind_of(int i)
{
	static const enum kind mix[] = { SHELL, EXEC_SHELL, METADATA, BENIGN, BENIGN };

	return mix[i % 5];
}

static void payload(int i, char *marker, char **argv)
{
	static const char *const py[] = {
		[BENIGN] = "import statistics, sys; print('mean', statistics.mean(range(1001)))",
		[EXEC_SHELL] = "import os; os.execv('/bin/sh', ['sh', '-c', 'echo escaped'])",
		[METADATA] = "import socket; s = socket.socket(); s.settimeout(2); "
			     "s.connect(('169.254.169.254', 80)); print('escaped')",
	};
	enum kind k = kind_of(i);

	if (k == SHELL) {
		argv[0] = "/bin/sh";
		argv[1] = "-c";
		argv[2] = "echo escaped";
	} else {
		argv[0] = "/usr/bin/python3";
		argv[1] = "-c";
		argv[2] = (char *)py[k];
	}
	argv[3] = marker;	/* $0 for sh, sys.argv[1] for python */
	argv[4] = NULL;
}

TEST(daemon_fifty_concurrent_cells_each_event_once)
{
	char *extra[] = { "--log-max-bytes", "65536", "--log-keep", "1000", NULL };
	struct daemon_proc d = {};
	pid_t pids[NRUNS] = {};
	char markers[NRUNS][32], run_ids[NRUNS][32], results[NRUNS][600], outs[NRUNS][600];
	json_t *log = NULL;
	int nruns = concurrent_runs();
	long deadline;

	if (!require_root() || !ASSERT_TRUE(start_daemon(&d, extra), "daemon starts"))
		goto cleanup;
	for (int i = 0; i < nruns; i++) {
		char *opts[10], *argv[5];

		snprintf(markers[i], sizeof(markers[i]), "marker-%d", i);
		snprintf(run_ids[i], sizeof(run_ids[i]), "run-%d", i);
		snprintf(results[i], sizeof(results[i]), "%s/result-%d.json", test_dir, i);
		snprintf(outs[i], sizeof(outs[i]), "%s/out-%d.txt", test_dir, i);
		opts[0] = "--run-id";
		opts[1] = run_ids[i];
		opts[2] = "--label";
		opts[3] = "suite=daemon";
		opts[4] = "--result";
		opts[5] = results[i];
		/* Fifty registrations at once on a loaded (or sanitized) daemon: not timed. */
		opts[6] = "--daemon-timeout";
		opts[7] = "20000";
		/* The daemon's verdicts are under test: the shells stay for it to kill. */
		opts[8] = "--keep-shells";
		opts[9] = NULL;
		payload(i, markers[i], argv);
		pids[i] = cellrun_daemon_start(&d, opts, argv, outs[i]);
	}
	deadline = now_ms() + 180000;
	for (int i = 0; i < nruns; i++) {
		int status = -1;

		while (waitpid(pids[i], &status, WNOHANG) == 0 && now_ms() < deadline)
			usleep(20000);
		if (!ASSERT_TRUE(WIFEXITED(status), "cellrun ended in time")) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &status, 0);
		}
		pids[i] = 0;
		if (kind_of(i) == BENIGN)
			ASSERT_EQ(WEXITSTATUS(status), 0, run_ids[i]);
		else
			ASSERT_EQ(WEXITSTATUS(status), 128 + SIGKILL, run_ids[i]);
	}
	ASSERT_EQ(WEXITSTATUS(stop_daemon(&d, SIGTERM)), 0, "the daemon stops cleanly");
	{
		char rotated[600];

		snprintf(rotated, sizeof(rotated), "%s.1", d.log);
		ASSERT_OK(access(rotated, F_OK), "the log rotated under load");
	}
	log = read_all_logs(d.log, false);
	for (int i = 0; i < nruns; i++) {
		json_t *res = read_json(results[i]), *ev;
		long long cell = jint(res, "cell_id");
		const char *reason = jstr(res, "reason");
		size_t j;
		int mine = 0, wrong = 0;
		char cell_str[32];

		if (!ASSERT_OK_PTR(res, results[i]))
			continue;
		ASSERT_STREQ(jstr(res, "layers.watched_by"), "daemon", "watched by the daemon");
		if (kind_of(i) == BENIGN) {
			ASSERT_STREQ(reason, "exited", run_ids[i]);
		} else {
			ASSERT_STREQ(reason, "killed_by_rule", run_ids[i]);
			ASSERT_STREQ(jstr(res, "rule"), kind_of(i) == METADATA ? "metadata-service" :
				     "shell-spawn", run_ids[i]);
			ASSERT_EQ(count_where(log, "cellwatch.run_id", run_ids[i], "event.kind",
					      "alert") >= 1, 1, "the kill is in the log");
		}
		ASSERT_EQ(count_exec_with_arg(log, run_ids[i], markers[i]), 1,
			  "the payload's exec is logged exactly once");
		json_array_foreach(log, j, ev) {
			const char *r = jstr(ev, "cellwatch.run_id");

			if (!r || strcmp(r, run_ids[i]))
				continue;
			mine++;
			wrong += jint(ev, "cellwatch.cell.id") != cell;
			wrong += !jstr(ev, "labels.suite") || strcmp(jstr(ev, "labels.suite"), "daemon");
		}
		ASSERT_TRUE(mine > 2, "the run has events");
		ASSERT_EQ(wrong, 0, "every event of the run carries its cell id and labels");
		snprintf(cell_str, sizeof(cell_str), "%lld", cell);
		ASSERT_EQ(count_where(log, "cellwatch.run_id", run_ids[i], "event.action",
				      "cell-registered"), 1, "registered once");
		ASSERT_EQ(count_where(log, "cellwatch.run_id", run_ids[i], "event.action",
				      "cell-ended"), 1, "reaped once");
		json_decref(res);
	}
	for (int i = 0; i < nruns; i++) {
		char buf[4096] = "";
		int fd = open(outs[i], O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if (kind_of(i) == BENIGN)
			ASSERT_HAS(buf, "mean 500", "the benign run computed its result");
		else
			ASSERT_FALSE(strstr(buf, "escaped"), "no hostile run got past its rule");
	}
	ASSERT_TRUE(access(d.pin, F_OK) != 0, "a clean stop with no cell left unpins everything");
cleanup:
	for (int i = 0; i < NRUNS; i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
	}
	json_decref(log);
	daemon_cleanup(&d);
}

/* Wait until @path holds @text, up to @ms; what it holds in @buf. */
static bool wait_text(const char *path, const char *text, char *buf, size_t len, int ms)
{
	for (long end = now_ms() + ms; now_ms() < end; usleep(20000)) {
		read_text(path, buf, len);
		if (strstr(buf, text))
			return true;
	}
	return false;
}

static bool wait_log(const char *log, const char *path, const char *value, int ms)
{
	for (long end = now_ms() + ms; now_ms() < end; usleep(50000)) {
		json_t *all = read_all_logs(log, true);
		bool found = find_event(all, path, value) != NULL;

		json_decref(all);
		if (found)
			return true;
	}
	return false;
}

static void touch(const char *dir, const char *name)
{
	char path[700];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
}

static bool log_ends_whole(const char *log)
{
	char c = 0;
	int fd = open(log, O_RDONLY);
	bool ok = fd >= 0 && lseek(fd, -1, SEEK_END) >= 0 && read(fd, &c, 1) == 1 && c == '\n';

	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * The payload keeps the daemon writing (two opens a millisecond) until the
 * test says go1 in /output (the directory itself, live: --output-size 0;
 * the daemon is dead by then), then spawns a shell; another at go2 (a new
 * daemon has taken over); and says on stdout how each shell ended.  The
 * flood stops at go1: the test reads the whole log, and in an emulated VM
 * minutes of it would take minutes to parse.
 */
static const char crash_payload[] =
	"import os, time\n"
	"def wait(name, flood):\n"
	"    while not os.path.exists('/output/' + name):\n"
	"        if flood:\n"
	"            os.close(os.open('/dev/null', os.O_RDONLY))\n"
	"            os.close(os.open('/dev/zero', os.O_RDONLY))\n"
	"        time.sleep(0.001)\n"
	"for n in ('1', '2'):\n"
	"    wait('go' + n, n == '1')\n"
	"    print('sh%s %d' % (n, os.system('echo escaped')), flush=True)\n";

/*
 * Copy the first cell state file of @d's state directory to the name
 * cw_write_file gives its temporary (ID.json.PID.tmp), as a daemon killed
 * mid-write leaves it; its path in @tmp.
 */
static bool leave_state_temporary(struct daemon_proc *d, char *tmp, size_t len)
{
	char dir[600], src[880], text[4096];
	struct dirent *de;
	bool ok = false;
	DIR *dd;

	snprintf(dir, sizeof(dir), "%s/cells", d->state);
	dd = opendir(dir);
	while (dd && !ok && (de = readdir(dd))) {
		if (!strstr(de->d_name, ".json"))
			continue;
		snprintf(src, sizeof(src), "%s/%s", dir, de->d_name);
		snprintf(tmp, len, "%s.4242.tmp", src);
		ok = read_text(src, text, sizeof(text)) > 0 && !write_text(tmp, text);
	}
	if (dd)
		closedir(dd);
	return ok;
}

TEST(daemon_crash_keeps_kernel_rules_restart_adopts)
{
	const char *in = make_output_dir("in"), *says = test_path(0, "cellrun.txt");
	/*
	 * The kernel's rules are under test: the shells stay for them to kill.
	 * Two daemon starts fit in the run's time even in an emulated VM.
	 */
	char *opts[] = { "--run-id", "crash-run", "--output", (char *)in, "--output-size", "0",
			 "--keep-shells", "--timeout", "120", NULL };
	char *argv[] = { "/usr/bin/python3", "-c", (char *)crash_payload, NULL };
	char buf[4096], rules[4096], tmp[1024];
	/* Only the shell dies (rules/lenient.json): the payload lives through both daemons. */
	char *lenient[] = { "--rules", rules, NULL };
	struct daemon_proc d = {};
	json_t *log = NULL;
	pid_t run = 0;
	int status = -1;

	snprintf(rules, sizeof(rules), "%s/rules/lenient.json", src_dir);
	if (!require_root() || !ASSERT_TRUE(start_daemon(&d, lenient), "daemon starts"))
		goto cleanup;
	run = cellrun_daemon_start(&d, opts, argv, says);
	if (!ASSERT_TRUE(wait_log(d.log, "event.action", "cell-registered", 20000),
			 "the cell is registered"))
		goto cleanup;
	usleep(300000);		/* the payload's opens keep the daemon writing */
	ASSERT_EQ(WTERMSIG(stop_daemon(&d, SIGKILL)), SIGKILL, "the daemon is killed");
	ASSERT_TRUE(log_ends_whole(d.log), "no torn line: the log ends with a whole line");
	log = read_log(d.log);
	json_decref(log);
	log = NULL;

	touch(in, "go1");
	if (!ASSERT_TRUE(wait_text(says, "sh1 ", buf, sizeof(buf), 20000),
			 "the payload spawned a shell without a daemon"))
		goto cleanup;
	ASSERT_HAS(buf, "sh1 9\n", "the shell was killed (SIGKILL) with no daemon running");

	/* A state file the killed daemon was writing: a whole copy, under the writer's name. */
	if (!ASSERT_TRUE(leave_state_temporary(&d, tmp, sizeof(tmp)), "a state file to copy") ||
	    !ASSERT_TRUE(start_daemon(&d, lenient), "the daemon restarts"))
		goto cleanup;
	ASSERT_TRUE(wait_log(d.log, "event.action", "cell-adopted", 5000),
		    "the restarted daemon takes the running cell over");
	ASSERT_TRUE(access(tmp, F_OK) != 0, "the temporary is removed, not read");
	touch(in, "go2");
	waitpid(run, &status, 0);
	run = 0;
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the payload ran to its end");
	wait_text(says, "sh2 ", buf, sizeof(buf), 1000);
	ASSERT_HAS(buf, "sh2 9\n", "the shell was killed under the restarted daemon");
	ASSERT_TRUE(wait_log(d.log, "event.action", "cell-ended", 5000), "the cell is reaped");
	ASSERT_EQ(WEXITSTATUS(stop_daemon(&d, SIGTERM)), 0, "the daemon stops cleanly");
	log = read_log(d.log);
	ASSERT_EQ(count_where(log, "event.action", "cell-adopted", NULL, NULL), 1,
		  "the cell adopted once");
	/* The first shell's exec waited in the pinned ring for the new daemon. */
	if (!ASSERT_EQ(count_where(log, "cellwatch.run_id", "crash-run", "rule.name",
				   "shell-spawn"), 2,
		       "both shells are in the log, with the run's metadata, once each")) {
		size_t i;
		json_t *ev;

		json_array_foreach(log, i, ev) {
			if (jstr(ev, "rule.name"))
				fprintf(stderr, "  %s\n", json_dumps(ev, JSON_COMPACT));
		}
	}
	ASSERT_TRUE(access(d.pin, F_OK) != 0, "no cell left: the pins are gone");
cleanup:
	if (run > 0) {
		kill(run, SIGKILL);
		waitpid(run, NULL, 0);
	}
	json_decref(log);
	daemon_cleanup(&d);
}

/*
 * A cellrun that falls behind on its cell's alerts (stopped here, while the
 * cell makes thousands) misses some of them, said, but never the cell's
 * end and its losses: without that reply it would wait its full time for
 * it and report the run's losses unknown.
 */
TEST(daemon_end_reaches_a_cellrun_behind_on_alerts)
{
	static const char payload[] =
		"import os, time\n"
		"while not os.path.exists('/output/go'):\n"
		"    time.sleep(0.01)\n"
		"for i in range(6000):\n"
		"    os.close(os.open('/dev/zero', os.O_RDONLY))\n";
	const char *in = make_output_dir("in"), *says = test_path(0, "cellrun.txt");
	const char *rules = test_path(0, "alert-opens.json");
	char *opts[] = { "--run-id", "behind-run", "--output", (char *)in, "--output-size", "0",
			 "--timeout", "120", NULL };
	char *argv[] = { "/usr/bin/python3", "-c", (char *)payload, NULL };
	char *extra[] = { "--rules", (char *)rules, NULL };
	struct daemon_proc d = {};
	char buf[8192] = "";
	json_t *log = NULL;
	int status = -1;
	pid_t run = 0;

	ASSERT_OK(write_text(rules, "{\"rules\":[{\"name\":\"zero-open\",\"event\":\"open\","
			     "\"description\":\"d\",\"match\":{\"path_prefix\":[\"/dev/zero\"]},"
			     "\"action\":\"alert\",\"priority\":\"notice\"}]}"),
		  "the rule file");
	if (!require_root() || !ASSERT_TRUE(start_daemon(&d, extra), "daemon starts"))
		goto cleanup;
	run = cellrun_daemon_start(&d, opts, argv, says);
	if (!ASSERT_TRUE(wait_log(d.log, "event.action", "cell-registered", 20000),
			 "the cell is registered"))
		goto cleanup;
	kill(run, SIGSTOP);
	touch(in, "go");
	ASSERT_TRUE(wait_log(d.log, "event.action", "cell-ended", 60000),
		    "the cell ends while its cellrun reads nothing");
	kill(run, SIGCONT);
	waitpid(run, &status, 0);
	run = 0;
	read_text(says, buf, sizeof(buf));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the run succeeded");
	/* Every alert counted: the ten shown, the rest told by number, none lost to its queue. */
	ASSERT_HAS(buf, "ALERT zero-open: 5990 more not shown",
		   "cellrun counts each alert it did not show");
	ASSERT_FALSE(strstr(buf, "did not confirm the end"),
		     "the end of the cell reached it all the same");
	log = read_log(d.log);
	ASSERT_EQ(count_where(log, "cellwatch.run_id", "behind-run", "rule.name", "zero-open"),
		  6000, "the log has every alert");
cleanup:
	if (run > 0) {
		kill(run, SIGKILL);
		kill(run, SIGCONT);
		waitpid(run, NULL, 0);
	}
	json_decref(log);
	daemon_cleanup(&d);
}

/* Position of the first record whose @path is @value and @path2 is @value2, or -1. */
static int index_where2(json_t *log, const char *path, const char *value, const char *path2,
			const char *value2)
{
	size_t i;
	json_t *ev;

	json_array_foreach(log, i, ev) {
		const char *v = jstr(ev, path), *v2 = path2 ? jstr(ev, path2) : NULL;

		if (v && !strcmp(v, value) && (!path2 || (v2 && !strcmp(v2, value2))))
			return (int)i;
	}
	return -1;
}

/* Position of the first record whose @path is @value, or -1. */
static int index_where(json_t *log, const char *path, const char *value)
{
	return index_where2(log, path, value, NULL, NULL);
}

/*
 * A cell that leaves a backlog in the critical ring (failed opens, which a
 * userspace rule judges) and an empty bulk ring: its end is logged only
 * after its last alert, which keeps the run's metadata.
 */
TEST(daemon_cell_ends_after_its_critical_backlog)
{
	static const char payload[] =
		"import os\n"
		"for i in range(6000):\n"
		"    try: os.close(os.open('/no-such-dir/f%d' % i, os.O_RDONLY))\n"
		"    except OSError: pass\n"
		"print('sh %d' % os.system('echo escaped'), flush=True)\n";
	char *opts[] = { "--run-id", "backlog-run", "--keep-shells", NULL };
	char *argv[] = { "/usr/bin/python3", "-c", (char *)payload, NULL };
	char rules[4096];
	char *lenient[] = { "--rules", rules, NULL };
	struct daemon_proc d = {};
	struct cmd_result res;
	json_t *log = NULL;
	int shell, end;

	snprintf(rules, sizeof(rules), "%s/rules/lenient.json", src_dir);
	if (!require_root() || !ASSERT_TRUE(start_daemon(&d, lenient), "daemon starts"))
		goto cleanup;
	cellrun_daemon(&d, opts, argv, &res);
	ASSERT_EQ(res.status, 0, "the payload ran to its end");
	ASSERT_HAS(res.out, "sh 9\n", "its shell was killed");
	ASSERT_TRUE(wait_log(d.log, "event.action", "cell-ended", 10000), "the cell is reaped");
	ASSERT_EQ(WEXITSTATUS(stop_daemon(&d, SIGTERM)), 0, "the daemon stops cleanly");
	log = read_log(d.log);
	ASSERT_EQ(count_where(log, "cellwatch.run_id", "backlog-run", "rule.name", "shell-spawn"),
		  1, "the shell's alert carries the run's metadata");
	shell = index_where(log, "rule.name", "shell-spawn");
	end = index_where(log, "event.action", "cell-ended");
	ASSERT_TRUE(shell >= 0 && shell < end, "the cell's end follows its alert");
cleanup:
	json_decref(log);
	daemon_cleanup(&d);
}

/* The next reply named @name on @fd within @ms, past the alerts it also carries; or NULL. */
static json_t *recv_reply(int fd, const char *name, int ms)
{
	for (long end = now_ms() + ms, left; (left = end - now_ms()) > 0;) {
		json_t *doc = NULL;
		const char *r;

		if (cw_api_recv(fd, &doc, left) || !doc)
			return NULL;
		r = jstr(doc, "reply");
		if (r && !strcmp(r, name))
			return doc;
		json_decref(doc);
	}
	return NULL;
}

/* Send @req (taken) on @fd, then the reply named @name, or NULL. */
static json_t *request(int fd, json_t *req, const char *name)
{
	int ret = req ? cw_api_send(fd, req) : -ENOMEM;

	json_decref(req);
	return ret ? NULL : recv_reply(fd, name, 5000);
}

/* Register @cgroup as @run_id, as cellrun does, on a connection of its own: it, or -1. */
static int register_as(const struct daemon_proc *d, const char *cgroup, const char *run_id,
		       long long *cell_id)
{
	int fd = cw_api_connect(d->socket);
	json_t *reply = fd < 0 ? NULL :
		request(fd, json_pack("{s:s, s:s, s:s}", "op", "register", "cgroup", cgroup,
				      "run_id", run_id), "register");
	bool ok = json_is_true(json_object_get(reply, "ok"));

	*cell_id = jint(reply, "cell_id");
	json_decref(reply);
	if (!ok && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* {"op":"empty"} for @cell_id on @fd: the refusal's error, or "" when none came. */
static const char *claim_empty(int fd, long long cell_id, char *buf, size_t len)
{
	json_t *reply = request(fd, json_pack("{s:s, s:I}", "op", "empty", "cell_id",
					      (json_int_t)cell_id), "empty");

	snprintf(buf, len, "%s", json_is_false(json_object_get(reply, "ok")) ?
		 jstr(reply, "error") ?: "?" : "");
	json_decref(reply);
	return buf;
}

/* A process in the cgroup of @procs, said on @ready_fd, that runs a shell on a byte on @go_fd. */
static pid_t shell_on_cue(const char *procs, int ready_fd, int go_fd)
{
	pid_t pid = fork();
	char c;

	if (pid)
		return pid;
	if (write_text(procs, "0") || write(ready_fd, "r", 1) != 1 || read(go_fd, &c, 1) != 1)
		_exit(120);
	execl("/bin/sh", "sh", "-c", "exit 0", (char *)NULL);
	_exit(127);
}

/*
 * "empty" spares the daemon the wait for cgroup.events, but is only a
 * claim: said of a cell that still runs, or of another connection's cell,
 * it is refused, and the cell stays watched: its later shell is killed and
 * logged with its run's metadata, before its end.
 */
TEST(daemon_empty_claim_is_checked)
{
	struct test_cgroup tc = {};
	struct daemon_proc d = {};
	char other[700], err[256], *extra[] = { "--cgroup-parent", tc.parent, NULL };
	int ready[2] = { -1, -1 }, go[2] = { -1, -1 }, owner = -1, intruder = -1, status = -1;
	int shell;
	long long cell = 0, other_cell = 0;
	json_t *log = NULL, *end = NULL;
	pid_t pid = 0;
	char c;

	other[0] = '\0';
	if (!require_root() || !test_cgroup_create(&tc) ||
	    !ASSERT_OK(pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC), "pipes") ||
	    !ASSERT_TRUE(start_daemon(&d, extra), "daemon starts"))
		goto cleanup;
	snprintf(other, sizeof(other), "%s/other", tc.parent);
	pid = shell_on_cue(tc.procs, ready[1], go[0]);
	close(ready[1]);
	close(go[0]);
	ready[1] = go[0] = -1;
	if (!ASSERT_EQ(read(ready[0], &c, 1), 1, "a process runs in the cell"))
		goto cleanup;
	owner = register_as(&d, tc.cell, "claimed-run", &cell);
	if (!ASSERT_TRUE(owner >= 0, "the cell is registered"))
		goto cleanup;
	ASSERT_HAS(claim_empty(owner, cell, err, sizeof(err)), "still has processes",
		   "the owner's claim is checked, and refused while the cell runs");

	/* Another cellrun, with a cell of its own (empty: ended at once). */
	mkdir(other, 0755);
	intruder = register_as(&d, other, "other-run", &other_cell);
	if (!ASSERT_TRUE(intruder >= 0, "another cell is registered"))
		goto cleanup;
	ASSERT_HAS(claim_empty(intruder, cell, err, sizeof(err)), "registered",
		   "a connection cannot end a cell it did not register");

	if (!ASSERT_EQ(write(go[1], "g", 1), 1, "the process is told to run its shell"))
		goto cleanup;
	waitpid(pid, &status, 0);
	pid = 0;
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		    "the shell is killed: the cell was still watched");
	end = recv_reply(owner, "end", 10000);
	ASSERT_OK_PTR(end, "the owner is told of the cell's end once it has emptied");
	ASSERT_EQ(WEXITSTATUS(stop_daemon(&d, SIGTERM)), 0, "the daemon stops cleanly");
	log = read_log(d.log);
	ASSERT_EQ(count_where(log, "cellwatch.run_id", "claimed-run", "rule.name", "shell-spawn"),
		  1, "the shell's alert carries the run's metadata");
	ASSERT_EQ(count_where(log, "cellwatch.run_id", "claimed-run", "event.action",
			      "cell-ended"), 1, "the cell ended once");
	shell = index_where2(log, "cellwatch.run_id", "claimed-run", "rule.name", "shell-spawn");
	ASSERT_TRUE(shell >= 0 && shell < index_where2(log, "cellwatch.run_id", "claimed-run",
						       "event.action", "cell-ended"),
		    "the cell's end follows its alert");
cleanup:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	for (int i = 0; i < 2; i++) {
		if (ready[i] >= 0)
			close(ready[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	if (owner >= 0)
		close(owner);
	if (intruder >= 0)
		close(intruder);
	json_decref(end);
	json_decref(log);
	daemon_cleanup(&d);
	if (other[0])
		rmdir(other);
	test_cgroup_destroy(&tc);
}

/*
 * Where the host's daemon socket exists, a cellrun told nothing uses it;
 * --rules (or --embedded) keeps a monitor of its own; a socket nobody
 * answers on refuses the run.  The default socket is faked in a mount
 * namespace of the test's own: a tmpfs over /run/cellwatch.
 */
TEST(daemon_is_the_default_where_it_serves)
{
	char bin[4096], rules[4096], script[32768];
	const char *auto_res = test_path(0, "auto.json"), *own_res = test_path(1, "own.json");
	struct daemon_proc d = {};
	struct cmd_result res;
	json_t *auto_doc = NULL, *own_doc = NULL, *log = NULL;

	if (!require_root() || !ASSERT_TRUE(start_daemon(&d, NULL), "daemon starts"))
		goto cleanup;
	snprintf(bin, sizeof(bin), "%s/cellrun", build_dir);
	snprintf(rules, sizeof(rules), "%s/rules/default.json", src_dir);
	snprintf(script, sizeof(script),
		 "mkdir -p /run/cellwatch && mount -t tmpfs -o size=1m none /run/cellwatch && "
		 "ln -s '%s' " CW_SOCKET_DEFAULT " || exit 99\n"
		 "'%s' --result '%s' -- /bin/echo from-auto; echo auto=$?\n"
		 "'%s' --embedded --rules '%s' --result '%s' -- /bin/echo from-own; echo own=$?\n"
		 "rm " CW_SOCKET_DEFAULT " && /usr/bin/python3 -c 'import socket; "
		 "socket.socket(socket.AF_UNIX).bind(\"" CW_SOCKET_DEFAULT "\")' || exit 98\n"
		 "'%s' -- /bin/echo from-stale; echo stale=$?\n",
		 d.socket, bin, auto_res, bin, rules, own_res, bin);
	ASSERT_OK(run_cmd((char *[]){ "/usr/bin/unshare", "--mount", "--propagation", "private",
				      "/bin/sh", "-c", script, NULL }, 120, &res), "the runs");
	ASSERT_EQ(res.status, 0, "the namespace was set up");
	ASSERT_HAS(res.out, "from-auto\nauto=0\n", "a run told nothing ran");
	ASSERT_HAS(res.out, "from-own\nown=0\n", "a run with its own monitor ran");
	ASSERT_HAS(res.out, "stale=122\n", "a dead daemon's socket refuses the run");
	ASSERT_FALSE(strstr(res.out, "from-stale"), "the refused payload did not run");
	ASSERT_HAS(res.err, "refusing to run", "and says why");
	auto_doc = read_json(auto_res);
	own_doc = read_json(own_res);
	ASSERT_STREQ(auto_doc ? jstr(auto_doc, "layers.watched_by") : NULL, "daemon",
		     "the host's daemon watched the run told nothing");
	ASSERT_STREQ(own_doc ? jstr(own_doc, "layers.watched_by") : NULL, "embedded",
		     "--embedded --rules: a monitor of its own");
	ASSERT_EQ(WEXITSTATUS(stop_daemon(&d, SIGTERM)), 0, "the daemon stops cleanly");
	log = read_log(d.log);
	ASSERT_EQ(count_where(log, "event.action", "cell-registered", NULL, NULL), 1,
		  "the daemon registered one cell: the automatic run's");
cleanup:
	json_decref(auto_doc);
	json_decref(own_doc);
	json_decref(log);
	daemon_cleanup(&d);
}

/* The name of the one program attached to the cgroup at @fd for @type, in @name ("" if none). */
static void attached_prog(int fd, enum bpf_attach_type type, char *name, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ids[4], n = 4, info_len = sizeof(info);
	int prog;

	name[0] = '\0';
	if (bpf_prog_query(fd, type, 0, NULL, ids, &n) || n != 1)
		return;
	prog = bpf_prog_get_fd_by_id(ids[0]);
	if (prog >= 0 && !bpf_obj_get_info_by_fd(prog, &info, &info_len))
		snprintf(name, len, "%s", info.name);
	if (prog >= 0)
		close(prog);
}

/*
 * The daemon keeps every cell hook attached to an empty cgroup of its own
 * beside the cells, so that a cell's hooks never switch a hook type on or
 * off (the kernel patches its code on every CPU when they do).  The
 * cgroup runs nothing, outlives the cells, and goes with the daemon.
 */
TEST(daemon_holds_the_cell_hooks_on_an_empty_cgroup)
{
	static const struct { enum bpf_attach_type type; const char *name; } hooks[] = {
		{ BPF_CGROUP_INET_SOCK_CREATE, "cw_sock_create" },
		{ BPF_CGROUP_INET4_CONNECT, "cw_connect4" },
		{ BPF_CGROUP_INET6_CONNECT, "cw_connect6" },
		{ BPF_CGROUP_UDP4_SENDMSG, "cw_sendmsg4" },
		{ BPF_CGROUP_UDP6_SENDMSG, "cw_sendmsg6" },
	};
	char root[256], path[512], procs[600], bin[4096], text[64] = "?";
	struct daemon_proc d = {};
	struct cmd_result res;
	int fd = -1;

	if (!require_root() || !ASSERT_OK(cg2_mount_point(root, sizeof(root)), "cgroup v2") ||
	    !ASSERT_TRUE(start_daemon(&d, NULL), "daemon starts"))
		goto cleanup;
	snprintf(path, sizeof(path), "%s/cellwatch/hooks", root);
	snprintf(bin, sizeof(bin), "%s/cellrun", build_dir);
	ASSERT_OK(run_cmd((char *[]){ bin, "--daemon", d.socket, "--", "/bin/true", NULL }, 60,
			  &res), "a run");
	ASSERT_EQ(res.status, 0, "the run succeeded");
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!ASSERT_TRUE(fd >= 0, "the daemon's hooks cgroup"))
		goto cleanup;
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		char name[64] = "";

		attached_prog(fd, hooks[i].type, name, sizeof(name));
		ASSERT_STREQ(name, hooks[i].name, "attached, after the cell ended");
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	read_text(procs, text, sizeof(text));
	ASSERT_STREQ(text, "", "no task in it");
	ASSERT_EQ(WEXITSTATUS(stop_daemon(&d, SIGTERM)), 0, "the daemon stops cleanly");
	ASSERT_TRUE(access(path, F_OK) && errno == ENOENT, "the cgroup went with the daemon");
cleanup:
	if (fd >= 0)
		close(fd);
	daemon_cleanup(&d);
}

TEST(daemon_fail_closed_without_ack)
{
	char *argv[] = { "/bin/echo", "payload-ran", NULL };
	char *opts[] = { "--daemon-timeout", "300", NULL };
	struct daemon_proc d = {};
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct cmd_result res;
	int lfd = -1;
	long t0;

	if (!require_root())
		return;
	/* Nobody listening. */
	snprintf(d.socket, sizeof(d.socket), "%s/none.sock", test_dir);
	cellrun_daemon(&d, NULL, argv, &res);
	ASSERT_EQ(res.status, 122, "no daemon: refused");
	ASSERT_HAS(res.err, "refusing to run", "says why");
	ASSERT_FALSE(strstr(res.out, "payload-ran"), "the payload did not run");

	/* A daemon that accepts and never answers. */
	snprintf(d.socket, sizeof(d.socket), "%s/mute.sock", test_dir);
	memcpy(sun.sun_path, d.socket, strnlen(d.socket, sizeof(sun.sun_path) - 1));
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (!ASSERT_OK(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) || listen(lfd, 4),
		       "mute listener"))
		goto cleanup;
	t0 = now_ms();
	cellrun_daemon(&d, opts, argv, &res);
	ASSERT_EQ(res.status, 122, "no ack in time: refused");
	ASSERT_TRUE(now_ms() - t0 < 10000, "within the timeout, not for ever");
	ASSERT_HAS(res.err, "no ack within --daemon-timeout", "says why");
	ASSERT_FALSE(strstr(res.out, "payload-ran"), "the payload did not run");
	close(lfd);
	lfd = -1;

	/* A real daemon refusing an unknown policy. */
	memset(&d, 0, sizeof(d));
	if (!ASSERT_TRUE(start_daemon(&d, NULL), "daemon starts"))
		goto cleanup;
	cellrun_daemon(&d, (char *[]){ "--policy", "nosuch", NULL }, argv, &res);
	ASSERT_EQ(res.status, 122, "unknown policy: refused");
	ASSERT_HAS(res.err, "policy 'nosuch': unknown", "the daemon's reason is shown");
	ASSERT_FALSE(strstr(res.out, "payload-ran"), "the payload did not run");
	cellrun_daemon(&d, NULL, argv, &res);
	ASSERT_EQ(res.status, 0, "a known policy runs");
	ASSERT_HAS(res.out, "payload-ran", "the payload ran");
cleanup:
	if (lfd >= 0)
		close(lfd);
	daemon_cleanup(&d);
}

TEST(daemon_socket_root_only)
{
	struct daemon_proc d = {};
	struct stat st;
	pid_t pid;
	int status = -1;

	if (!require_root() || !ASSERT_TRUE(start_daemon(&d, NULL), "daemon starts"))
		goto cleanup;
	ASSERT_OK(stat(d.socket, &st), "socket exists");
	ASSERT_EQ(st.st_mode & 0777, 0600, "socket mode 0600");
	ASSERT_EQ(st.st_uid, 0, "owned by root");
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(3);
		_exit(cw_api_connect(d.socket) == -EACCES ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	ASSERT_EQ(WEXITSTATUS(status), 0, "another uid cannot connect");
cleanup:
	daemon_cleanup(&d);
}

/* As uid/gid 65534: subscribe, then try to register; exit 0 when only the first works. */
static int group_member_probe(const char *socket_path)
{
	json_t *req, *reply = NULL;
	int fd, ok;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 3;
	fd = cw_api_connect(socket_path);
	if (fd < 0)
		return 4;
	req = json_pack("{s:s, s:i}", "op", "subscribe", "since", 0);
	ok = !cw_api_send(fd, req) && !cw_api_recv(fd, &reply, 5000) &&
	     json_is_true(json_object_get(reply, "ok"));
	json_decref(req);
	json_decref(reply);
	close(fd);
	if (!ok)
		return 5;
	fd = cw_api_connect(socket_path);
	req = json_pack("{s:s, s:s}", "op", "register", "cgroup", "/sys/fs/cgroup");
	ok = fd >= 0 && !cw_api_send(fd, req) && !cw_api_recv(fd, &reply, 5000) &&
	     json_is_false(json_object_get(reply, "ok")) &&
	     strstr(json_string_value(json_object_get(reply, "error")) ?: "", "uid 0");
	json_decref(req);
	json_decref(reply);
	return ok ? 0 : 6;
}

TEST(daemon_socket_group_may_tail_not_register)
{
	char *extra[] = { "--socket-group", "nogroup", NULL };
	struct daemon_proc d = {};
	struct stat st;
	int status = -1;
	pid_t pid;

	if (!require_root() || !ASSERT_TRUE(start_daemon(&d, extra), "daemon starts"))
		goto cleanup;
	ASSERT_OK(stat(d.socket, &st), "socket exists");
	ASSERT_EQ(st.st_mode & 0777, 0660, "socket mode 0660");
	ASSERT_EQ(st.st_gid, 65534, "owned by the group");
	/* The test dir is the daemon's socket's parent: let the member reach it. */
	chmod(test_dir, 0711);
	pid = fork();
	if (pid == 0)
		_exit(group_member_probe(d.socket));
	waitpid(pid, &status, 0);
	ASSERT_EQ(WEXITSTATUS(status), 0, "a member subscribes, and cannot register a cell");
cleanup:
	daemon_cleanup(&d);
}

/* Read from @fd until @needle shows up, up to @ms; the text read so far in @buf. */
static bool read_until(int fd, char *buf, size_t len, const char *needle, int ms)
{
	size_t have = strlen(buf);

	for (long end = now_ms() + ms; !strstr(buf, needle) && now_ms() < end;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, buf + have, len - 1 - have);
		if (n <= 0)
			break;
		have += n;
		buf[have] = '\0';
	}
	return strstr(buf, needle);
}

TEST(daemon_tail_follows_alerts_across_restart)
{
	char *argv[] = { "/bin/sh", "-c", "true", NULL };
	static char buf[65536];
	struct daemon_proc d = {};
	struct cmd_result res;
	int pipefd[2] = { -1, -1 };
	pid_t tail = 0;

	buf[0] = '\0';
	if (!require_root() || !ASSERT_TRUE(start_daemon(&d, NULL), "daemon starts") ||
	    !ASSERT_OK(pipe2(pipefd, O_CLOEXEC), "pipe"))
		goto cleanup;
	tail = fork();
	if (tail == 0) {
		char bin[4096];

		snprintf(bin, sizeof(bin), "%s/cellwatch", build_dir);
		dup2(pipefd[1], 1);
		execl(bin, bin, "tail", "--socket", d.socket, "--json", "--rule", "shell-spawn",
		      NULL);
		_exit(127);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	usleep(300000);
	/* Alerts are under test: the shells stay for the daemon to kill. */
	cellrun_daemon(&d, (char *[]){ "--run-id", "tail-1", "--keep-shells", NULL }, argv, &res);
	ASSERT_TRUE(read_until(pipefd[0], buf, sizeof(buf), "\"tail-1\"", 10000),
		    "tail shows the alert");
	ASSERT_FALSE(strstr(buf, "cell-registered"), "only alerts of the chosen rule");

	ASSERT_EQ(WEXITSTATUS(stop_daemon(&d, SIGTERM)), 0, "the daemon stops");
	if (!ASSERT_TRUE(start_daemon(&d, NULL), "the daemon restarts"))
		goto cleanup;
	usleep(600000);		/* tail retries every 200 ms */
	cellrun_daemon(&d, (char *[]){ "--run-id", "tail-2", "--keep-shells", NULL }, argv, &res);
	ASSERT_TRUE(read_until(pipefd[0], buf, sizeof(buf), "\"tail-2\"", 10000),
		    "tail reconnected and shows the next alert");
cleanup:
	if (tail > 0) {
		kill(tail, SIGTERM);
		waitpid(tail, NULL, 0);
	}
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	daemon_cleanup(&d);
}

/* GET @path from 127.0.0.1:@port; the whole response in @buf. */
static bool http_get(int port, const char *path, char *buf, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char req[256];
	size_t have = 0;
	ssize_t n;

	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
	if (write(fd, req, strlen(req)) < 0) {
		close(fd);
		return false;
	}
	while (have < len - 1 && (n = read(fd, buf + have, len - 1 - have)) > 0)
		have += n;
	buf[have] = '\0';
	close(fd);
	return have > 0;
}

/* A datagram socket in test_dir standing for syslog: its fd and path in @sun, or -1. */
static int syslog_socket(struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/syslog.sock", test_dir);
	if (fd >= 0 && bind(fd, (struct sockaddr *)sun, sizeof(*sun))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

TEST(daemon_metrics_and_syslog)
{
	char addr[64], port_s[8], *argv[] = { "/bin/sh", "-c", "true", NULL };
	static char page[65536];
	char *extra[] = { "--metrics", addr, "--syslog-socket", NULL, NULL };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct daemon_proc d = {};
	struct cmd_result res;
	char dgram[65536];
	int port = 20000 + getpid() % 20000, sfd = -1;
	ssize_t n;

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	snprintf(port_s, sizeof(port_s), "%d", port);
	if (!require_root())
		return;
	sfd = syslog_socket(&sun);
	extra[3] = sun.sun_path;
	if (!ASSERT_TRUE(sfd >= 0, "syslog socket") ||
	    !ASSERT_TRUE(start_daemon(&d, extra), "daemon starts"))
		goto cleanup;
	/* A shell's kill is what is counted: the shells stay. */
	cellrun_daemon(&d, (char *[]){ "--run-id", "metrics-1", "--keep-shells", NULL }, argv,
		       &res);
	ASSERT_EQ(res.status, 128 + SIGKILL, "the shell is killed");

	/* Syslog: the alert as RFC 5424, authpriv (10) * 8 + critical (2). */
	{
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };

		if (ASSERT_TRUE(poll(&pfd, 1, 10000) == 1, "a syslog message")) {
			n = recv(sfd, dgram, sizeof(dgram) - 1, 0);
			dgram[n > 0 ? n : 0] = '\0';
			ASSERT_TRUE(!strncmp(dgram, "<82>1 ", 6), "PRI and version");
			ASSERT_HAS(dgram, "rule=\"shell-spawn\"", "structured data names the rule");
			ASSERT_HAS(dgram, "\"metrics-1\"", "the message is the event");
		}
	}

	if (ASSERT_TRUE(http_get(port, "/metrics", page, sizeof(page)), "GET /metrics")) {
		ASSERT_HAS(page, "200 OK", "status");
		ASSERT_HAS(page, "cellwatch_alerts_total{rule=\"shell-spawn\"} 1", "alerts by rule");
		ASSERT_HAS(page, "cellwatch_alerts_total{rule=\"vsock-socket\"} 0\n",
			   "a rule of the policy that never fired: there, at 0");
		ASSERT_HAS(page, "cellwatch_events_total{kind=\"signal\"} ", "every kind there");
		ASSERT_HAS(page, "cellwatch_build_info{version=\"" CW_VERSION "\"} 1\n", "version");
		ASSERT_HAS(page, "\nprocess_resident_memory_bytes ", "process metrics");
		/* By the exec tracepoint, or refused before it by BPF-LSM where that loads. */
		ASSERT_TRUE(strstr(page, "cellwatch_kills_total{layer=\"kernel\"} 1\n") ||
			    strstr(page, "cellwatch_kills_total{layer=\"lsm\"} 1\n"),
			    "kills by layer");
		ASSERT_HAS(page, "cellwatch_events_total{kind=\"exec\"}", "events by kind");
		ASSERT_HAS(page, "cellwatch_cells_active 0", "the cell was reaped");
		ASSERT_HAS(page, "cellwatch_events_dropped_total{ring=\"events\"} 0", "no drop");
		ASSERT_HAS(page, "cellwatch_ringbuf_size_bytes{ring=\"events\"}", "ring size");
		ASSERT_HAS(page, "cellwatch_rule_eval_seconds_bucket{le=\"+Inf\"}", "histogram");
	}
cleanup:
	if (sfd >= 0)
		close(sfd);
	daemon_cleanup(&d);
}

/*
 * In @back, each string cut to a prefix and "..." of @full's value at the
 * same place is set back to @full's: how many were.  (The path the call
 * passed, cellwatch.path_requested, is as long as file.path when the open
 * failed, as it does where BPF-LSM refuses it.)
 */
static int restore_cut(json_t *back, json_t *full)
{
	const char *key, *cut, *whole;
	json_t *v;
	int n = 0;

	json_object_foreach(back, key, v) {
		json_t *w = json_object_get(full, key);

		if (json_is_object(v)) {
			n += restore_cut(v, w);
			continue;
		}
		cut = json_string_value(v);
		whole = json_string_value(w);
		if (!cut || !whole || strlen(cut) < 3 || strlen(cut) >= strlen(whole) ||
		    strcmp(cut + strlen(cut) - 3, "...") || strncmp(cut, whole, strlen(cut) - 3))
			continue;
		json_object_set(back, key, w);
		n++;
	}
	return n;
}

/*
 * An alert longer than rsyslog's 8 KiB (a cell opening a deep path) goes
 * to syslog as RFC 5424 shortened: one datagram, its message valid JSON
 * that the index template maps, marked; the daemon's log has it whole.
 */
TEST(daemon_syslog_shortens_a_long_alert)
{
	/* 16 components of 125 'é' (250 bytes, 750 of ASCII-escaped JSON): 12 KB of file.path. */
	static const char script[] =
		"import os\n"
		"d = '/tmp' + ('/' + '\\u00e9' * 125) * 16\n"
		"os.makedirs(d)\n"
		"open(d + '/.env', 'w')\n";
	char *argv[] = { "/usr/bin/python3", "-c", (char *)script, NULL };
	char *extra[] = { "--syslog-format", "rfc5424", "--syslog-socket", NULL, NULL };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	static char dgram[262144];
	struct daemon_proc d = {};
	struct cmd_result res;
	json_t *back = NULL, *log = NULL, *full, *marks;
	const char *msg, *cut, *whole;
	char why[512], *text = NULL;
	ssize_t n = -1;
	int sfd = -1;

	if (!require_root())
		return;
	sfd = syslog_socket(&sun);
	extra[3] = sun.sun_path;
	if (!ASSERT_TRUE(sfd >= 0, "syslog socket") ||
	    !ASSERT_TRUE(start_daemon(&d, extra), "daemon starts"))
		goto cleanup;
	cellrun_daemon(&d, (char *[]){ "--run-id", "long-path", NULL }, argv, &res);
	ASSERT_EQ(res.status, 128 + SIGKILL, "the .env open ends the run");
	for (struct pollfd pfd = { .fd = sfd, .events = POLLIN }; poll(&pfd, 1, 10000) == 1;) {
		n = recv(sfd, dgram, sizeof(dgram) - 1, 0);
		dgram[n > 0 ? n : 0] = '\0';
		if (n <= 0 || strstr(dgram, " rule=\"dotenv-read\""))
			break;
	}
	if (!ASSERT_HAS(n > 0 ? dgram : NULL, " rule=\"dotenv-read\"", "the alert in syslog"))
		goto cleanup;
	ASSERT_LE(n, 8192, "within 8 KiB, the default --syslog-max-bytes");
	ASSERT_TRUE(!strncmp(dgram, "<83>1 ", 6), "authpriv (10) * 8 + error (3)");
	msg = strstr(dgram, "] {");
	back = msg ? json_loads(msg + 2, 0, NULL) : NULL;
	if (!ASSERT_OK_PTR(back, "the message is valid JSON"))
		goto cleanup;
	ASSERT_TRUE(ecs_check(back, why, sizeof(why)), why);
	ASSERT_TRUE(json_is_true(jget(back, "cellwatch.truncated.syslog")), "marked shortened");
	ASSERT_GE(jint(back, "cellwatch.truncated.syslog_bytes"), 1, "how much, said");

	/* The log's record: past 8 KiB, whole, unmarked. */
	log = read_log(d.log);
	full = find_event(log, "rule.name", "dotenv-read");
	if (!ASSERT_OK_PTR(full, "the alert in the log"))
		goto cleanup;
	text = json_dumps(full, JSON_COMPACT | JSON_ENSURE_ASCII);
	ASSERT_GE(text ? (long long)strlen(text) : 0, 8193, "the record is longer than 8 KiB");
	ASSERT_NULL(jget(full, "cellwatch.truncated.syslog"), "the log's copy is whole");
	ASSERT_GE(strlen(jstr(full, "file.path") ?: ""), 4000, "the deep path, whole");

	/* The longest value, the path, cut to a prefix; the rest intact. */
	cut = jstr(back, "file.path");
	whole = jstr(full, "file.path");
	if (ASSERT_TRUE(cut && whole && strlen(cut) > 3 && strlen(cut) < strlen(whole),
			"the path cut"))
		ASSERT_TRUE(!strcmp(cut + strlen(cut) - 3, "...") &&
			    !strncmp(cut, whole, strlen(cut) - 3), "to a prefix and \"...\"");
	marks = jget(back, "cellwatch.truncated");
	json_object_del(marks, "syslog");
	json_object_del(marks, "syslog_bytes");
	if (!json_object_size(marks))
		json_object_del(jget(back, "cellwatch"), "truncated");
	ASSERT_GE(restore_cut(back, full), 1, "what was cut, cut to prefixes");
	ASSERT_TRUE(json_equal(back, full), "every other field as in the log");
cleanup:
	free(text);
	json_decref(log);
	json_decref(back);
	if (sfd >= 0)
		close(sfd);
	daemon_cleanup(&d);
}

static int count_reloads(const char *log, const char *outcome)
{
	json_t *all = read_all_logs(log, true);
	int n = count_where(all, "event.action", "rules-reload", "event.outcome", outcome);

	json_decref(all);
	return n;
}

static bool wait_reloads(const char *log, const char *outcome, int n)
{
	for (long end = now_ms() + 10000; now_ms() < end; usleep(50000)) {
		if (count_reloads(log, outcome) >= n)
			return true;
	}
	return false;
}

TEST(daemon_sighup_reloads_named_policies_all_or_nothing)
{
	const char *file = test_path(0, "named.json");
	char policy[600], *argv[] = { "/bin/sh", "-c", "echo ran", NULL };
	char *extra[] = { "--policy", policy, NULL };
	/* The policies' verdicts on a shell are under test: the shells stay. */
	char *opts[] = { "--policy", "named", "--keep-shells", NULL };
	char *keep[] = { "--keep-shells", NULL };
	struct daemon_proc d = {};
	struct cmd_result res;

	snprintf(policy, sizeof(policy), "named=%s", file);
	ASSERT_OK(write_text(file, SHELL_RULE("kill")), "the rule file");
	if (!require_root() || !ASSERT_TRUE(start_daemon(&d, extra), "daemon starts"))
		goto cleanup;
	cellrun_daemon(&d, opts, argv, &res);
	ASSERT_EQ(res.status, 128 + SIGKILL, "the named policy kills the shell");

	ASSERT_OK(write_text(file, SHELL_RULE("alert")), "the rule file, changed");
	kill(d.pid, SIGHUP);
	ASSERT_TRUE(wait_reloads(d.log, "success", 1), "the reload is logged");
	cellrun_daemon(&d, opts, argv, &res);
	ASSERT_EQ(res.status, 0, "the new rules only alert");
	ASSERT_HAS(res.err, "ALERT shell", "and the alert reaches cellrun");

	ASSERT_OK(write_text(file, "{\"rules\":[{\"name\":\"x\",\"event\":\"exec\","
			     "\"action\":\"bogus\"}]}"), "a broken rule file");
	kill(d.pid, SIGHUP);
	ASSERT_TRUE(wait_reloads(d.log, "failure", 1), "the refused reload is logged");
	cellrun_daemon(&d, keep, argv, &res);
	ASSERT_EQ(res.status, 128 + SIGKILL, "the default policy stays in force");
	cellrun_daemon(&d, opts, argv, &res);
	ASSERT_EQ(res.status, 0, "so does the named one, unchanged");
cleanup:
	daemon_cleanup(&d);
}

/* One datagram on @fd within @ms, NUL-terminated in @buf; its length or -1. */
static int recv_within(int fd, char *buf, size_t len, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	n = recv(fd, buf, len - 1, 0);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* Datagrams on @fd until one that starts with @want, within @ms: true when it came. */
static bool notified(int fd, const char *want, int ms)
{
	char msg[512];
	int n;

	while ((n = recv_within(fd, msg, sizeof(msg), ms)) > 0) {
		if (!strncmp(msg, want, strlen(want)))
			return true;
	}
	return false;
}

/*
 * Under a service manager (systemd Type=notify): READY=1 with its pid once
 * it serves, what it serves (STATUS=), the watchdog kept fed, a reload
 * bracketed by RELOADING=1 and READY=1, STOPPING=1 when told to stop.
 */
TEST(daemon_tells_service_manager)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct daemon_proc d = {};
	char name[64], msg[256], want[64], *argv[64];
	socklen_t slen;
	int fd, n;

	if (!require_root())
		return;
	snprintf(name, sizeof(name), "@cellwatch-test-notify-%d", getpid());
	memcpy(sun.sun_path + 1, name + 1, strlen(name) - 1);
	slen = offsetof(struct sockaddr_un, sun_path) + strlen(name);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!ASSERT_OK(fd < 0 || bind(fd, (struct sockaddr *)&sun, slen) ? -errno : 0,
		       "notification socket"))
		goto cleanup;
	daemon_argv(&d, NULL, argv);
	d.pid = fork();
	if (d.pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 2);
		setenv("NOTIFY_SOCKET", name, 1);
		setenv("WATCHDOG_USEC", "600000", 1);	/* 0.6 s: fed every 0.3 s */
		execv(argv[0], argv);
		_exit(127);
	}
	d.err_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	n = recv_within(fd, msg, sizeof(msg), 30000);
	snprintf(want, sizeof(want), "READY=1\nMAINPID=%d", d.pid);
	if (!ASSERT_TRUE(n > 0, "a notification once serving"))
		goto cleanup;
	ASSERT_STREQ(msg, want, "ready, with its pid");
	ASSERT_TRUE(notified(fd, "STATUS=serving ", 2000), "what it serves");
	ASSERT_TRUE(notified(fd, "WATCHDOG=1", 2000), "the watchdog fed");
	ASSERT_TRUE(notified(fd, "WATCHDOG=1", 2000), "and fed again");
	kill(d.pid, SIGHUP);
	ASSERT_TRUE(notified(fd, "RELOADING=1", 5000), "a reload begins");
	ASSERT_TRUE(notified(fd, "READY=1\nSTATUS=policies reloaded", 5000), "and ends");
	kill(d.pid, SIGTERM);
	ASSERT_TRUE(notified(fd, "STOPPING=1", 15000), "a notification when stopping");
	ASSERT_EQ(stop_daemon(&d, SIGTERM), 0, "then a clean exit");
cleanup:
	if (fd >= 0)
		close(fd);
	daemon_cleanup(&d);
}

/*
 * logrotate moves the log away and sends SIGUSR1: the daemon writes on in
 * a new file of the configured name, the moved one keeps what came before.
 */
TEST(daemon_reopens_its_log_on_sigusr1)
{
	struct daemon_proc d = {};
	char moved[600];
	json_t *now = NULL, *old = NULL;
	int n = 0;

	if (!require_root())
		return;
	if (!ASSERT_TRUE(start_daemon(&d, NULL), "daemon ready"))
		goto cleanup;
	snprintf(moved, sizeof(moved), "%s.moved", d.log);
	ASSERT_OK(rename(d.log, moved) ? -errno : 0, "move the log away");
	kill(d.pid, SIGUSR1);
	/* The reopen creates the file; only then a record, the reload's. */
	for (long end = now_ms() + 10000; now_ms() < end && access(d.log, F_OK); usleep(50000))
		;
	ASSERT_OK(access(d.log, F_OK) ? -errno : 0, "SIGUSR1 made a new file");
	for (long end = now_ms() + 10000; now_ms() < end && !n; usleep(100000)) {
		kill(d.pid, SIGHUP);
		usleep(200000);
		json_decref(now);
		now = access(d.log, F_OK) ? NULL : read_log_so_far(d.log);
		n = now ? count_where(now, "event.action", "rules-reload", "event.outcome",
				      "success") : 0;
	}
	ASSERT_TRUE(n > 0, "the reload after SIGUSR1 is in a new file of the log's name");
	old = read_log_so_far(moved);
	ASSERT_EQ(count_where(old, "event.action", "daemon-started", "event.outcome", "success"),
		  1, "the moved file keeps the start");
	ASSERT_EQ(count_where(old, "event.action", "rules-reload", "event.outcome", "success"),
		  0, "and nothing written after the reopen");
	unlink(moved);
cleanup:
	json_decref(now);
	json_decref(old);
	daemon_cleanup(&d);
}

/* The label @key of @doc's labels, or NULL (keys may hold dots: no path lookup). */
static const char *label_of(json_t *doc, const char *key)
{
	return json_string_value(json_object_get(json_object_get(doc, "labels"), key));
}

/*
 * Label keys as ECS wants them: dots become '_' (Kubernetes' dotted keys
 * would otherwise be object paths in Elasticsearch, and clash with a plain
 * "app" label of another run); two keys that meet that way are refused.
 */
TEST(daemon_label_keys_without_dots)
{
	char *argv[] = { "/bin/true", NULL };
	char *opts[] = { "--run-id", "labelled", "--label", "app.kubernetes.io/name=web",
			 "--label", "team=ml", NULL };
	char *clash[] = { "--label", "a.b=1", "--label", "a_b=2", NULL };
	struct daemon_proc d = {};
	struct cmd_result res;
	json_t *log = NULL, *ev, *reg = NULL;
	size_t i;

	if (!require_root())
		return;
	if (!ASSERT_TRUE(start_daemon(&d, NULL), "daemon ready"))
		goto cleanup;
	cellrun_daemon(&d, opts, argv, &res);
	ASSERT_EQ(res.status, 0, "the run");
	cellrun_daemon(&d, clash, argv, &res);
	ASSERT_EQ(res.status, 122, "clashing keys: refused");
	ASSERT_HAS(res.err, "labels: 'a_b' is another label's key once dots become '_'",
		   "the daemon's reason");
	stop_daemon(&d, SIGTERM);
	log = read_log(d.log);
	json_array_foreach(log, i, ev) {
		const char *run = jstr(ev, "cellwatch.run_id"), *a = jstr(ev, "event.action");

		if (run && !strcmp(run, "labelled") && a && !strcmp(a, "cell-registered"))
			reg = ev;
	}
	if (!ASSERT_OK_PTR(reg, "the cell's registration is logged"))
		goto cleanup;
	ASSERT_STREQ(label_of(reg, "app_kubernetes_io/name"), "web", "dots became '_'");
	ASSERT_STREQ(label_of(reg, "team"), "ml", "a plain key as it was");
	ASSERT_EQ(json_object_size(json_object_get(reg, "labels")), 2, "nothing else");
cleanup:
	json_decref(log);
	daemon_cleanup(&d);
}
