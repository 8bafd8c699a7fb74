// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: escape attempts are events, refused or not, with their
 * result; ordinary threads and forks are not reported as attempts.
 */
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

TEST(escape_attempts_are_events)
{
	static const struct {
		const char *action, *outcome;
	} want[] = {
		{ "unshare", "failure" }, { "mount", "failure" }, { "ptrace", "failure" },
		{ "bpf", "failure" }, { "setuid", "failure" }, { "chroot", "failure" },
		{ "keyctl", "failure" },
		{ "personality", "failure" }, { "memfd_create", "success" },
		{ "clone", "failure" }, { "kill", "failure" },
	};
	struct cmd_result res;
	json_t *log, *ev;

	if (!require_root())
		return;
	ASSERT_OK(cellrun("log.json", (char *[]){ "/usr/bin/python3", "-c",
			"import ctypes, os, threading\n"
			"libc = ctypes.CDLL(None, use_errno=True)\n"
			"libc.unshare(0x10000000)\n"
			"libc.mount(b'none', b'/tmp', b'tmpfs', 0, None)\n"
			"libc.ptrace(0, 0, None, None)\n"
			"libc.syscall(321, 0, None, 0)\n"
			"libc.setuid(0)\n"
			"libc.chroot(b'/tmp')\n"
			"libc.syscall(250, 0, 0, 0, 0, 0)\n"	/* keyctl */
			"libc.personality(0x0040000)\n"		/* ADDR_NO_RANDOMIZE */
			"os.memfd_create('payload')\n"
			"try:\n"
			"    os.kill(-1, 0)\n"		/* probe every process it may signal */
			"except OSError:\n"
			"    pass\n"
			"libc.syscall(56, 0x40000000 | 17, 0, 0, 0, 0)\n"  /* clone(CLONE_NEWNET) */
			"t = threading.Thread(target=lambda: None); t.start(); t.join()\n"
			"if os.fork() == 0: os._exit(0)\n"
			"os.wait()\n"
			"print('done')\n", NULL }, &res), "cellrun");
	ASSERT_STREQ(res.out, "done\n", "the payload survived its attempts");
	log = read_log(test_path(1, "log.json"));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char tp[128];

		/* A kernel built without a syscall (no modules here) has no tracepoint for it. */
		snprintf(tp, sizeof(tp), "/sys/kernel/tracing/events/syscalls/sys_exit_%s",
			 want[i].action);
		if (access(tp, F_OK) && errno == ENOENT &&
		    !access("/sys/kernel/tracing/events/syscalls", F_OK)) {
			fprintf(stderr, "note: this kernel has no %s syscall\n", want[i].action);
			continue;
		}
		ev = find_event(log, "event.action", want[i].action);
		if (!ASSERT_OK_PTR(ev, want[i].action))
			continue;
		ASSERT_STREQ(jstr(ev, "event.outcome"), want[i].outcome, want[i].action);
		if (!strcmp(want[i].outcome, "failure"))
			ASSERT_TRUE(jstr(ev, "error.code") != NULL, "errno named");
	}
	ev = find_event(log, "event.action", "unshare");
	ASSERT_STREQ(json_string_value(json_array_get(jget(ev, "cellwatch.syscall.namespaces"), 0)),
		     "user", "unshare names the namespace");
	ev = find_event(log, "event.action", "clone");
	ASSERT_STREQ(json_string_value(json_array_get(jget(ev, "cellwatch.syscall.namespaces"), 0)),
		     "net", "clone names the namespace");
	ASSERT_EQ(count_events(log, "event.action", "clone") +
		  count_events(log, "event.action", "clone3"), 1,
		  "the thread and the fork are not escape attempts");
	json_decref(log);
}

TEST(escape_signal_out_of_the_cell)
{
	const char *log_path = test_path(1, "log.json");
	struct test_cgroup tc = {};
	struct watcher w = {};
	json_t *log = NULL, *ev;
	char pidbuf[16], script[256];
	int status = -1;
	pid_t victim;

	if (!require_root() || !test_cgroup_create(&tc))
		return;
	/* A process outside the cell, bounded in time, ended by us if it survives. */
	victim = fork();
	if (victim == 0) {
		execl("/usr/bin/sleep", "sleep", "30", NULL);
		_exit(127);
	}
	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, NULL), "cellwatch ready"))
		goto cleanup;
	snprintf(pidbuf, sizeof(pidbuf), "%d", victim);
	snprintf(script, sizeof(script), "import os, signal\nos.kill(%d, signal.SIGTERM)\n", victim);
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/usr/bin/python3", "-c", script, NULL }), 0,
		  "the cell's process signals outside");
	ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly");
	log = read_log(log_path);
	ev = find_event(log, "event.action", "signal");
	if (ASSERT_OK_PTR(ev, "the signal is an event")) {
		ASSERT_EQ(jint(ev, "cellwatch.signal.target.pid"), victim, "its target");
		ASSERT_STREQ(jstr(ev, "cellwatch.signal.name"), "TERM", "its signal");
		ASSERT_EQ(jint(ev, "cellwatch.signal.target.cell"), 0, "the target is in no cell");
	}
cleanup:
	stop_watcher(&w);
	kill(victim, SIGKILL);
	waitpid(victim, &status, 0);
	json_decref(log);
	test_cgroup_destroy(&tc);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * A host process whose interval timer fires every 100 us, for at most 30 s;
 * it sleeps in between, so the timer often expires while a cell task runs.
 */
static pid_t start_timer_noise(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct itimerval it = { .it_interval = { 0, 100 }, .it_value = { 0, 100 } };

		signal(SIGALRM, on_alarm);
		setitimer(ITIMER_REAL, &it, NULL);
		for (time_t end = time(NULL) + 30; time(NULL) < end;)
			pause();
		_exit(0);
	}
	return pid;
}

TEST(escape_host_timer_signals_not_blamed_on_the_cell)
{
	const char *log_path = test_path(1, "log.json");
	struct test_cgroup tc = {};
	struct watcher w = {};
	json_t *log = NULL;
	int status = -1;
	pid_t noise;

	if (!require_root() || !test_cgroup_create(&tc))
		return;
	/* Its SIGALRMs are generated in whatever task is on the CPU: often the cell's. */
	noise = start_timer_noise();
	if (!ASSERT_TRUE(noise > 0, "fork") ||
	    !ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, NULL), "cellwatch ready"))
		goto cleanup;
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/usr/bin/python3", "-c",
			 "import time\nend = time.time() + 1.5\nwhile time.time() < end:\n    pass\n",
			 NULL }), 0, "the busy cell process ran to its end");
	ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly");
	log = read_log(log_path);
	ASSERT_NULL(find_event(log, "event.action", "signal"), "no signal event for the cell");
cleanup:
	stop_watcher(&w);
	if (noise > 0) {
		kill(noise, SIGKILL);
		waitpid(noise, &status, 0);
	}
	json_decref(log);
	test_cgroup_destroy(&tc);
}

/*
 * The id changes are judged by what they did, with each syscall hook the
 * monitor has (per-syscall tracepoints; the generic pair cellrun's embedded
 * monitor uses).  Run as root in a watched cgroup, where a change succeeds
 * (CAP_SETUID): a call to the ids the caller has goes on unreported, a
 * successful change to another uid ends the run at the call.
 */
TEST(escape_setid_judged_by_what_changed)
{
	static const char *const hooks[] = { NULL, "--generic-syscall-hook" };
	const char *log_path = test_path(1, "log.json");
	char rules[4096], extra[4200];

	if (!require_root())
		return;
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		struct test_cgroup tc = {};
		struct watcher w = {};
		json_t *log = NULL, *ev;

		if (!test_cgroup_create(&tc))
			return;
		unlink(log_path);
		snprintf(extra, sizeof(extra), "--rules %s%s%s", default_rules(rules, sizeof(rules)),
			 hooks[i] ? " " : "", hooks[i] ?: "");
		if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, extra), "cellwatch ready"))
			goto next;
		ASSERT_EQ(run_in(tc.procs, (char *[]){ "/usr/bin/python3", "-c",
				 "import ctypes, os\nlibc = ctypes.CDLL(None)\n"
				 "os.setresuid(-1, 0, -1)\nos.setresgid(0, -1, 0)\nos.setuid(0)\n"
				 "os.setreuid(-1, -1)\nlibc.setfsuid(0)\nlibc.setfsgid(-1)\n", NULL }),
			  0, hooks[i] ?: "no-ops go on");
		ASSERT_EQ(run_in(tc.procs, (char *[]){ "/usr/bin/python3", "-c",
				 "import os, sys\nos.setresuid(-1, 65534, -1)\nsys.exit(3)\n", NULL }),
			  128 + 9, hooks[i] ?: "a change is killed at the call");
		ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly");
		log = read_log(log_path);
		ASSERT_EQ(count_events(log, "rule.name", "escape-syscall"), 1, "one alert");
		ev = find_event(log, "rule.name", "escape-syscall");
		if (ASSERT_OK_PTR(ev, "the change alerted")) {
			ASSERT_STREQ(jstr(ev, "event.action"), "setresuid", "the call");
			ASSERT_STREQ(jstr(ev, "event.outcome"), "success", "it had changed the euid");
		}
next:
		stop_watcher(&w);
		json_decref(log);
		test_cgroup_destroy(&tc);
	}
}
