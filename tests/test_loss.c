// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: when the ring buffer overflows, lost events are counted in
 * the kernel and reported by userspace, never dropped silently; per cell,
 * in that cell's own result; and a cell that loses a security-relevant
 * record is ended (fail closed).
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "cellwatch.h"
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
	/*
	 * One page of ring buffer against a burst of opens while the consumer
	 * is stopped: most cannot fit, however fast it reads once it runs.
	 * Two files in turn, so that no open repeats the one before and folds.
	 */
	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, "--ringbuf 4096"), "cellwatch ready"))
		goto cleanup;
	kill(w.pid, SIGSTOP);
	/* Execs in the middle of the flood: they travel in the critical ring. */
	snprintf(script, sizeof(script),
		 "import os, subprocess\n"
		 "for i in range(%d):\n"
		 "    os.close(os.open('%s', os.O_RDONLY))\n"
		 "    os.close(os.open('/dev/null', os.O_RDONLY))\n"
		 "    if i %% %d == 0:\n"
		 "        subprocess.run(['/usr/bin/true'])\n",
		 OPENS, file, OPENS / EXECS);
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/usr/bin/python3", "-c", script, NULL }), 0,
		  "burst of opens");
	kill(w.pid, SIGCONT);
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
	if (w.pid > 0)
		kill(w.pid, SIGCONT);
	stop_watcher(&w);
	json_decref(log);
	test_cgroup_destroy(&tc);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait up to @ms for cellrun @pid; SIGKILL it past that.  Its exit status, -1 if it hung. */
static int wait_cellrun(pid_t pid, int ms)
{
	int status = 0;

	for (long end = now_ms() + ms; now_ms() < end; usleep(20000)) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* The daemon's per-cell events-lost record of @cell with the most records lost, or NULL. */
static json_t *cell_loss_record(json_t *log, long long cell)
{
	json_t *ev, *best = NULL;
	size_t i;

	json_array_foreach(log, i, ev) {
		const char *action = jstr(ev, "event.action");

		if (!action || strcmp(action, "events-lost") || jint(ev, "cellwatch.cell.id") != cell)
			continue;
		if (!best || jint(ev, "cellwatch.lost.total") > jint(best, "cellwatch.lost.total"))
			best = ev;
	}
	return best;
}

/*
 * Plain opens, as fast as Python goes, for @seconds: records no rule of the
 * default policy judges.  /dev/null and /dev/zero in turn, so that none
 * repeats the one before and folds (n counts those of /dev/null).
 */
#define FLOOD_OPENS(seconds)							\
	"import os, time\n"							\
	"end, n = time.monotonic() + " #seconds ", 0\n"			\
	"while time.monotonic() < end:\n"					\
	"    for _ in range(1000):\n"						\
	"        os.close(os.open('/dev/null', os.O_RDONLY))\n"		\
	"        os.close(os.open('/dev/zero', os.O_RDONLY))\n"		\
	"    n += 1000\n"							\
	"print('flood-done', n, flush=True)\n"

/*
 * A cell floods the bulk ring with plain opens: its result counts its own
 * losses, none of them security-relevant, and the run is not ended for them.
 */
TEST(loss_flood_counted_in_own_result)
{
	char *extra[] = { "--ringbuf", "4096", NULL };
	const char *result = test_path(1, "result.json");
	char *opts[] = { "--result", (char *)result, NULL };
	char *argv[] = { "/usr/bin/python3", "-c", FLOOD_OPENS(1), NULL };
	struct daemon_proc d = {};
	struct cmd_result res;
	json_t *doc = NULL, *log = NULL, *rec;
	long long cell;

	if (!require_root() || !ASSERT_TRUE(start_daemon(&d, extra), "daemon starts"))
		goto cleanup;
	cellrun_daemon(&d, opts, argv, &res);
	ASSERT_EQ(res.status, 0, "the flooding run ends normally");
	ASSERT_HAS(res.out, "flood-done", "the flood ran to its end");
	stop_daemon(&d, SIGTERM);
	doc = read_json(result);
	if (!ASSERT_OK_PTR(doc, "the result"))
		goto cleanup;
	cell = jint(doc, "cell_id");
	ASSERT_STREQ(jstr(doc, "reason"), "exited", "not ended for losing plain opens");
	ASSERT_TRUE(jint(doc, "events_lost") > 0, "its losses are in its own result");
	ASSERT_EQ(jint(doc, "events_lost_critical"), 0, "none of them security-relevant");
	log = read_log(d.log);
	rec = cell_loss_record(log, cell);
	if (!ASSERT_OK_PTR(rec, "the daemon logged the cell's losses"))
		goto cleanup;
	ASSERT_STREQ(jstr(rec, "event.kind"), "metric", "a metric, not an alert");
	ASSERT_EQ(jint(rec, "cellwatch.lost.bulk"), jint(doc, "events_lost"),
		  "the result says what the daemon counted for the cell");
cleanup:
	json_decref(doc);
	json_decref(log);
	daemon_cleanup(&d);
}

/*
 * A cell loses one of its security-relevant records (a tiny critical ring,
 * filled by refused kill(2) calls, each a watched-syscall record): its run
 * ends at once, and its result and the log name the loss.
 */
TEST(loss_of_critical_record_ends_the_run)
{
	char *extra[] = { "--critical-ringbuf", "4096", NULL };
	const char *result = test_path(1, "result.json");
	char *opts[] = { "--result", (char *)result, NULL };
	char *argv[] = { "/usr/bin/python3", "-c",
			 "import os\n"
			 "for _ in range(300000):\n"
			 "    try:\n"
			 "        os.kill(-99999, 0)\n"
			 "    except OSError:\n"
			 "        pass\n"
			 "print('survived', flush=True)\n", NULL };
	struct daemon_proc d = {};
	struct cmd_result res;
	json_t *doc = NULL, *log = NULL, *rec;
	long long cell;

	if (!require_root() || !ASSERT_TRUE(start_daemon(&d, extra), "daemon starts"))
		goto cleanup;
	cellrun_daemon(&d, opts, argv, &res);
	ASSERT_EQ(res.status, 128 + SIGKILL, "the run was killed");
	ASSERT_FALSE(strstr(res.out, "survived"), "before the flood ended");
	ASSERT_HAS(res.err, "events-lost", "cellrun says why");
	stop_daemon(&d, SIGTERM);
	doc = read_json(result);
	if (!ASSERT_OK_PTR(doc, "the result"))
		goto cleanup;
	cell = jint(doc, "cell_id");
	ASSERT_STREQ(jstr(doc, "reason"), "events_lost", "the result names the loss");
	ASSERT_STREQ(jstr(doc, "rule"), "events-lost", "as the rule that ended it");
	ASSERT_TRUE(jint(doc, "events_lost_critical") > 0, "security-relevant records counted");
	/* Userspace reads losses every 200 ms: by then the loop would have lost thousands. */
	ASSERT_TRUE(jint(doc, "events_lost_critical") < 100,
		    "the kernel ended the offender at its first loss");
	ASSERT_TRUE(jint(doc, "events_lost") >= jint(doc, "events_lost_critical"),
		    "within all its losses");
	ASSERT_TRUE(jint(doc, "alerts") >= 1, "an alert");
	log = read_log(d.log);
	rec = cell_loss_record(log, cell);
	if (!ASSERT_OK_PTR(rec, "the daemon logged the cell's losses"))
		goto cleanup;
	ASSERT_STREQ(jstr(rec, "event.kind"), "alert", "an alert");
	ASSERT_STREQ(jstr(rec, "cellwatch.action"), "kill-run", "the run was ended");
	ASSERT_STREQ(jstr(rec, "rule.name"), "events-lost", "named after the loss");
	ASSERT_EQ(jint(rec, "cellwatch.lost.critical"), jint(doc, "events_lost_critical"),
		  "the result says what the daemon counted for the cell");
cleanup:
	json_decref(doc);
	json_decref(log);
	daemon_cleanup(&d);
}

/*
 * Two cells under one daemon: one floods the bulk ring with plain opens;
 * meanwhile the other opens /proc/self/environ, which a rule judges (a glob
 * of the default policy).  That open is not lost to the flood: the victim's
 * run ends by that rule's verdict, not by the flood, and its result counts
 * its own losses only (none); the flooder's, its own.
 */
TEST(loss_flood_in_one_cell_spares_another)
{
	char *extra[] = { "--ringbuf", "4096", NULL };
	const char *vres = test_path(0, "victim.json"), *fres = test_path(1, "flooder.json");
	const char *vout = test_path(2, "victim.out");
	char *vopts[] = { "--result", (char *)vres, NULL };
	char *fopts[] = { "--result", (char *)fres, NULL };
	char *vargv[] = { "/usr/bin/python3", "-c",
			  "import time\n"
			  "print('ready', flush=True)\n"
			  "time.sleep(1.0)\n"
			  "with open('/proc/self/environ', 'rb') as f:\n"
			  "    f.read()\n"
			  "time.sleep(0.5)\n"
			  "print('read-the-environment', flush=True)\n", NULL };
	char *fargv[] = { "/usr/bin/python3", "-c", FLOOD_OPENS(2.5), NULL };
	struct daemon_proc d = {};
	struct cmd_result res;
	json_t *victim = NULL, *flooder = NULL, *log = NULL;
	char buf[4096] = "";
	pid_t vpid = 0;

	if (!require_root() || !ASSERT_TRUE(start_daemon(&d, extra), "daemon starts"))
		goto cleanup;
	vpid = cellrun_daemon_start(&d, vopts, vargv, vout);
	/* The victim's start-up opens are over before the flood begins. */
	for (long end = now_ms() + 20000; now_ms() < end && !strstr(buf, "ready"); usleep(20000))
		read_text(vout, buf, sizeof(buf));
	if (!ASSERT_HAS(buf, "ready", "the victim started"))
		goto cleanup;
	cellrun_daemon(&d, fopts, fargv, &res);
	ASSERT_HAS(res.out, "flood-done", "the flood ran to its end");
	ASSERT_EQ(wait_cellrun(vpid, 30000), 128 + SIGKILL, "the victim was killed");
	vpid = 0;
	read_text(vout, buf, sizeof(buf));
	ASSERT_FALSE(strstr(buf, "read-the-environment"), "before it went on");
	stop_daemon(&d, SIGTERM);
	victim = read_json(vres);
	flooder = read_json(fres);
	if (!ASSERT_OK_PTR(victim, "the victim's result") ||
	    !ASSERT_OK_PTR(flooder, "the flooder's result"))
		goto cleanup;
	ASSERT_TRUE(jint(flooder, "events_lost") > 0, "the flood overflowed the bulk ring");
	ASSERT_STREQ(jstr(flooder, "reason"), "exited", "the flooder is not ended for it");
	ASSERT_STREQ(jstr(victim, "reason"), "killed_by_rule", "the verdict was not lost");
	ASSERT_STREQ(jstr(victim, "rule"), "credential-glob-read", "the rule that judged it");
	ASSERT_EQ(jint(victim, "events_lost"), 0, "the victim's result: its own losses, none");
	log = read_log(d.log);
	ASSERT_NULL(cell_loss_record(log, jint(victim, "cell_id")),
		    "no loss logged for the victim");
	ASSERT_OK_PTR(cell_loss_record(log, jint(flooder, "cell_id")),
		      "the flooder's losses logged for it");
cleanup:
	if (vpid > 0)
		wait_cellrun(vpid, 0);
	json_decref(victim);
	json_decref(flooder);
	json_decref(log);
	daemon_cleanup(&d);
}

/*
 * The per-cell budget of bulk records: a cell flooding plain opens gets
 * CW_BULK_PER_SEC of them a second into the log, the rest counted in its
 * result; another cell's opens meanwhile all arrive, none lost.
 */
TEST(loss_budget_bounds_a_flooding_cell)
{
	const char *vres = test_path(0, "victim.json"), *fres = test_path(1, "flooder.json");
	const char *vout = test_path(2, "victim.out");
	char *vopts[] = { "--result", (char *)vres, NULL };
	char *fopts[] = { "--result", (char *)fres, NULL };
	char *vargv[] = { "/usr/bin/python3", "-c",
			  "import os, time\n"
			  "open('/tmp/victim-file', 'w').close()\n"
			  "print('ready', flush=True)\n"
			  "time.sleep(0.5)\n"
			  "for _ in range(200):\n"
			  "    os.close(os.open('/tmp/victim-file', os.O_RDONLY))\n"
			  "    time.sleep(0.005)\n"
			  "print('victim-done', flush=True)\n", NULL };
	char *fargv[] = { "/usr/bin/python3", "-c", FLOOD_OPENS(2), NULL };
	struct daemon_proc d = {};
	struct cmd_result res;
	json_t *victim = NULL, *flooder = NULL, *log = NULL, *ev;
	long long fcell, flood_logged = 0, victim_logged = 0, opened = -1;
	char buf[4096] = "";
	pid_t vpid = 0;
	size_t i;

	if (!require_root() || !ASSERT_TRUE(start_daemon(&d, NULL), "daemon starts"))
		goto cleanup;
	vpid = cellrun_daemon_start(&d, vopts, vargv, vout);
	for (long end = now_ms() + 20000; now_ms() < end && !strstr(buf, "ready"); usleep(20000))
		read_text(vout, buf, sizeof(buf));
	if (!ASSERT_HAS(buf, "ready", "the victim started"))
		goto cleanup;
	cellrun_daemon(&d, fopts, fargv, &res);
	ASSERT_HAS(res.out, "flood-done", "the flood ran to its end");
	ASSERT_EQ(wait_cellrun(vpid, 30000), 0, "the victim ran to its end");
	vpid = 0;
	stop_daemon(&d, SIGTERM);
	victim = read_json(vres);
	flooder = read_json(fres);
	log = read_log(d.log);
	if (!ASSERT_OK_PTR(victim, "the victim's result") ||
	    !ASSERT_OK_PTR(flooder, "the flooder's result") || !ASSERT_OK_PTR(log, "the log"))
		goto cleanup;
	fcell = jint(flooder, "cell_id");
	json_array_foreach(log, i, ev) {
		const char *path = jstr(ev, "file.path");

		if (path && !strcmp(path, "/dev/null") && jint(ev, "cellwatch.cell.id") == fcell)
			flood_logged++;
		if (path && !strcmp(path, "/tmp/victim-file"))
			victim_logged += json_integer_value(jget(ev, "cellwatch.repeat.count")) ?: 1;
	}
	/* Two seconds of flood touch at most three one-second windows. */
	ASSERT_TRUE(flood_logged <= 3LL * CW_BULK_PER_SEC, "the flood is held to its budget");
	/* Every open is in the log or in the count: none lost silently. */
	ASSERT_TRUE(sscanf(strstr(res.out, "flood-done") ?: "", "flood-done %lld", &opened) == 1,
		    "the flood says how many it opened");
	ASSERT_GE(flood_logged + jint(flooder, "events_lost"), opened,
		  "each open logged or counted in its result");
	ASSERT_TRUE(json_is_true(json_object_get(flooder, "daemon_confirmed_end")),
		    "the daemon confirmed the flooder's end");
	ASSERT_STREQ(jstr(flooder, "reason"), "exited", "the flooder is not ended for it");
	ASSERT_EQ(victim_logged, 201,
		  "every open of the other cell arrived, or was counted in a repeat (and its create)");
	ASSERT_EQ(jint(victim, "events_lost"), 0, "none of them lost");
cleanup:
	if (vpid > 0)
		wait_cellrun(vpid, 0);
	json_decref(victim);
	json_decref(flooder);
	json_decref(log);
	daemon_cleanup(&d);
}
