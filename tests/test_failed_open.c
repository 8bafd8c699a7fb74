// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: a failed open is judged on its canonical path, from inside
 * the cell.  The cell has no /etc/shadow, so every spelling of it fails;
 * each must still end the run with the secret alert, naming the file and
 * keeping the string the payload passed.
 */
#include "test.h"

#define PYTHON "/usr/bin/python3"

/* Python prelude: openat2(2) through ctypes, for the RESOLVE_* cases. */
#define PY_OPENAT2								\
	"import ctypes, os, struct\n"						\
	"libc = ctypes.CDLL(None, use_errno=True)\n"				\
	"def openat2(dirfd, name, resolve):\n"					\
	"    how = struct.pack('QQQ', os.O_RDONLY, 0, resolve)\n"		\
	"    return libc.syscall(437, dirfd, name.encode(), how, len(how))\n"	\
	"RESOLVE_BENEATH, RESOLVE_IN_ROOT = 0x08, 0x10\n"

static const struct {
	const char *what;	/* the payload's attempt, Python */
	const char *requested;	/* the string it passes to the kernel */
} forms[] = {
	{ "open('/etc//shadow')", "/etc//shadow" },
	{ "open('/etc/./shadow')", "/etc/./shadow" },
	{ "open('/tmp/../etc/shadow')", "/tmp/../etc/shadow" },
	{ "os.chdir('/tmp'); open('../../etc/shadow')", "../../etc/shadow" },
	{ "os.open('shadow', os.O_RDONLY, dir_fd=os.open('/etc', os.O_RDONLY))", "shadow" },
	{ "open('/proc/self/root/etc/shadow')", "/proc/self/root/etc/shadow" },
	{ "open('/proc/thread-self/root/etc/shadow')", "/proc/thread-self/root/etc/shadow" },
	{ "open('/proc/1/root/etc/shadow')", "/proc/1/root/etc/shadow" },
	{ "os.chdir('/proc/self'); open('root/etc/shadow')", "root/etc/shadow" },
	{ "openat2(os.open('/etc', os.O_RDONLY), 'shadow', RESOLVE_BENEATH)", "shadow" },
	{ "openat2(os.open('/', os.O_PATH), '/../etc/shadow', RESOLVE_IN_ROOT)",
	  "/../etc/shadow" },
};

TEST(failed_open_every_spelling_of_a_secret_ends_the_run)
{
	char rules[4096], script[1024], what[256], log_name[32];
	struct cmd_result res;
	json_t *log, *ev;

	if (!require_root())
		return;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(script, sizeof(script), PY_OPENAT2
			 "try:\n"
			 "    %s\n"
			 "except OSError:\n"
			 "    pass\n"
			 /* A verdict judged in userspace lands a moment after the open. */
			 "import time; time.sleep(5)\n"
			 "print('ALIVE')\n", forms[i].what);
		snprintf(what, sizeof(what), "%s", forms[i].what);
		snprintf(log_name, sizeof(log_name), "log-%zu.json", i);
		ASSERT_OK(cellrun_with(log_name, (char *[]){ "--rules",
							       default_rules(rules, sizeof(rules)),
							       NULL },
				       (char *[]){ PYTHON, "-c", script, NULL }, &res), what);
		ASSERT_EQ(res.status, 128 + 9, what);
		ASSERT_FALSE(strstr(res.out, "ALIVE"), what);
		log = read_log(test_path(1, log_name));
		ev = find_event(log, "rule.name", "secret-file-read");
		if (ASSERT_OK_PTR(ev, what)) {
			ASSERT_STREQ(jstr(ev, "file.path"), "/etc/shadow", what);
			ASSERT_STREQ(jstr(ev, "cellwatch.path_requested"), forms[i].requested, what);
			ASSERT_STREQ(jstr(ev, "event.outcome"), "failure", what);
			ASSERT_STREQ(jstr(ev, "cellwatch.layer"), "userspace", what);
		}
		json_decref(log);
	}
}

/* Canonical, not merely alarmed: relative names land where the kernel looked. */
TEST(failed_open_relative_to_cwd_and_dirfd)
{
	struct cmd_result res;
	json_t *log, *ev;

	if (!require_root())
		return;
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c",
			PY_OPENAT2
			"os.makedirs('/tmp/w/sub')\n"
			"os.chdir('/tmp/w/sub')\n"
			"for attempt in [lambda: open('a/../../missing-1'),\n"
			"                lambda: os.open('missing-2', os.O_RDONLY,\n"
			"                                dir_fd=os.open('/tmp/w', os.O_RDONLY)),\n"
			"                lambda: os.open('missing-3', os.O_RDONLY, dir_fd=999),\n"
			"                lambda: os.open('x', os.O_RDONLY,\n"
			"                                dir_fd=os.open('/etc/passwd', os.O_RDONLY))]:\n"
			"    try:\n"
			"        attempt()\n"
			"    except OSError:\n"
			"        pass\n"
			"r = openat2(os.open('/tmp/w', os.O_RDONLY), '/../etc/shadow', RESOLVE_IN_ROOT)\n"
			"print('done', r)\n", NULL }, &res), "cellrun");
	ASSERT_STREQ(res.out, "done -1\n", "every attempt failed, nothing killed");
	log = read_log(test_path(1, "log.json"));
	ev = find_event(log, "cellwatch.path_requested", "a/../../missing-1");
	if (ASSERT_OK_PTR(ev, "relative to the cwd"))
		ASSERT_STREQ(jstr(ev, "file.path"), "/tmp/w/missing-1", "joined to the cwd");
	ev = find_event(log, "cellwatch.path_requested", "missing-2");
	if (ASSERT_OK_PTR(ev, "relative to a dirfd"))
		ASSERT_STREQ(jstr(ev, "file.path"), "/tmp/w/missing-2", "joined to the dirfd");
	ev = find_event(log, "cellwatch.path_requested", "missing-3");
	if (ASSERT_OK_PTR(ev, "a bad dirfd")) {
		ASSERT_STREQ(jstr(ev, "file.path"), "missing-3", "no base to join: as given");
		ASSERT_STREQ(jstr(ev, "error.code"), "EBADF", "the kernel's answer");
	}
	ev = find_event(log, "cellwatch.path_requested", "x");
	if (ASSERT_OK_PTR(ev, "a dirfd that is no directory")) {
		ASSERT_STREQ(jstr(ev, "file.path"), "x", "no base to join: as given");
		ASSERT_STREQ(jstr(ev, "error.code"), "ENOTDIR", "the kernel's answer");
	}
	/* RESOLVE_IN_ROOT: "/" and ".." are the dirfd's; no secret was asked for. */
	ev = find_event(log, "cellwatch.path_requested", "/../etc/shadow");
	if (ASSERT_OK_PTR(ev, "RESOLVE_IN_ROOT"))
		ASSERT_STREQ(jstr(ev, "file.path"), "/tmp/w/etc/shadow", "beneath the dirfd");
	json_decref(log);
}

/* /proc/self is the caller as its own /proc names it; thread-self a thread, not the process. */
TEST(failed_open_proc_self_is_the_callers_pid)
{
	char want[64], want_task[96];
	struct cmd_result res;
	json_t *log;
	int pid = 0, tid = 0;

	if (!require_root())
		return;
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c",
			"import os, threading\n"
			"def attempt():\n"
			"    global tid\n"
			"    tid = threading.get_native_id()\n"
			"    for p in ['/proc/self/missing', '/proc/thread-self/missing']:\n"
			"        try:\n"
			"            open(p)\n"
			"        except OSError:\n"
			"            pass\n"
			"t = threading.Thread(target=attempt)\n"
			"t.start(); t.join()\n"
			"print(os.getpid(), tid)\n", NULL }, &res), "cellrun");
	if (!ASSERT_EQ(sscanf(res.out, "%d %d", &pid, &tid), 2, "pid and tid printed") ||
	    !ASSERT_NEQ(pid, tid, "the attempt ran in a thread"))
		return;
	snprintf(want, sizeof(want), "/proc/%d/missing", pid);
	snprintf(want_task, sizeof(want_task), "/proc/%d/task/%d/missing", pid, tid);
	log = read_log(test_path(1, "log.json"));
	ASSERT_OK_PTR(find_event(log, "file.path", want), want);
	ASSERT_OK_PTR(find_event(log, "file.path", want_task), want_task);
	json_decref(log);
}
