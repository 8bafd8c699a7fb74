// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tenants apart: each cell's user namespace is owned by a host uid of its
 * own, so a per-user kernel quota that one cell spends to the last unit is
 * its own, and root and every other cell keep theirs.  A hoarding cell
 * takes all of one quota and holds it; meanwhile another cell and a root
 * process of the host each take one unit.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cellrun.h"
#include "test.h"

#define PYTHON "/usr/bin/python3"

/* How long a hoarder holds what it took, at most: the test ends it sooner. */
#define HOLD "30"

static const char inotify_hoard[] =
	"import ctypes, os, time\n"
	"libc = ctypes.CDLL(None, use_errno=True)\n"
	"n = 0\n"
	"while n < 1000000 and libc.inotify_init1(0) >= 0:\n"
	"    n += 1\n"
	"print('held', n, os.strerror(ctypes.get_errno()), flush=True)\n"
	"time.sleep(" HOLD ")\n";

static const char inotify_one[] =
	"import ctypes, os\n"
	"libc = ctypes.CDLL(None, use_errno=True)\n"
	"print('one' if libc.inotify_init1(0) >= 0 else os.strerror(ctypes.get_errno()))\n";

/* Queued, never delivered: the signal stays blocked. */
static const char signal_hoard[] =
	"import ctypes, os, signal, time\n"
	"signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])\n"
	"libc = ctypes.CDLL(None, use_errno=True)\n"
	"n, me, sig = 0, os.getpid(), int(signal.SIGRTMIN)\n"
	"while n < 10000000 and libc.sigqueue(me, sig, ctypes.c_void_p(0)) == 0:\n"
	"    n += 1\n"
	"print('held', n, os.strerror(ctypes.get_errno()), flush=True)\n"
	"time.sleep(" HOLD ")\n";

static const char signal_one[] =
	"import ctypes, os, signal\n"
	"signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])\n"
	"libc = ctypes.CDLL(None, use_errno=True)\n"
	"ok = libc.sigqueue(os.getpid(), int(signal.SIGRTMIN), ctypes.c_void_p(0)) == 0\n"
	"print('one' if ok else os.strerror(ctypes.get_errno()))\n";

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* `cellrun --no-monitor @opt @val -- python3 -c @payload`, not waited for, its output to @out. */
static pid_t start_cell(const char *payload, const char *opt, const char *val, const char *out)
{
	char bin[4096];
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/cellrun", build_dir);
	pid = fork();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(120);
		execl(bin, bin, "--no-monitor", "--timeout", "60", opt, val, "--", PYTHON, "-c",
		      payload, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* End the cell's run (cellrun ends its cell on SIGTERM) and reap it. */
static void stop_cell(pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (long end = now_ms() + 20000; now_ms() < end; usleep(20000)) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* The hoarder's "held N ERROR" line, once it holds all it could get; N, or -1. */
static long wait_held(const char *out, char *line, size_t len)
{
	long n = -1;

	for (long end = now_ms() + 30000; now_ms() < end && n < 0; usleep(50000)) {
		const char *held;

		read_text(out, line, len);
		held = strstr(line, "held ");
		if (held && strchr(held, '\n'))
			n = strtol(held + 5, NULL, 10);
	}
	return n;
}

/* One unit of the quota taken by a root process of the host: 0, or the errno. */
static int root_takes_one(bool inotify)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		union sigval v = {};
		sigset_t set;

		if (inotify)
			_exit(inotify_init1(IN_CLOEXEC) >= 0 ? 0 : errno);
		sigemptyset(&set);
		sigaddset(&set, SIGRTMIN);
		if (sigprocmask(SIG_BLOCK, &set, NULL))
			_exit(errno);
		_exit(sigqueue(getpid(), SIGRTMIN, v) ? errno : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void quota_apart(const char *hoard, const char *one, bool inotify, long quota)
{
	const char *out = test_path(0, "hoarder.out");
	char nofile[32], line[4096] = "", bin[4096];
	struct cmd_result res;
	long held;
	pid_t pid;

	/* Room for more descriptors than the quota: the quota stops the hoarder, not its fds. */
	snprintf(nofile, sizeof(nofile), "%ld", inotify ? quota + 64 : 256);
	pid = start_cell(hoard, "--nofile", nofile, out);
	if (!ASSERT_TRUE(pid > 0, "the hoarder started"))
		return;
	held = wait_held(out, line, sizeof(line));
	if (!ASSERT_TRUE(held >= 0, "the hoarder holds what it could take")) {
		fprintf(stderr, "its output: %s\n", line);
		goto out;
	}
	/* Its own quota, whole: nothing else runs as its uid. */
	ASSERT_EQ(held, quota, "the hoarder took its whole quota");
	snprintf(bin, sizeof(bin), "%s/cellrun", build_dir);
	run_cmd((char *[]){ bin, "--no-monitor", "--timeout", "30", "--", PYTHON, "-c",
			    (char *)one, NULL }, 60, &res);
	ASSERT_EQ(res.status, 0, "the other cell ran");
	ASSERT_STREQ(res.out, "one\n", "the other cell took one of its own");
	ASSERT_EQ(root_takes_one(inotify), 0, "root took one of its own");
out:
	stop_cell(pid);
}

static long read_long(const char *path)
{
	char buf[64] = "";

	return read_text(path, buf, sizeof(buf)) > 0 ? strtol(buf, NULL, 10) : -1;
}

TEST(tenants_inotify_quota_apart)
{
	long quota = read_long("/proc/sys/fs/inotify/max_user_instances");

	if (!require_root() || !ASSERT_TRUE(quota > 0 && quota < (1 << 20) - 64,
					    "fs.inotify.max_user_instances"))
		return;
	quota_apart(inotify_hoard, inotify_one, true, quota);
}

TEST(tenants_queued_signals_apart)
{
	struct rlimit rl;

	if (!require_root() || !ASSERT_OK(getrlimit(RLIMIT_SIGPENDING, &rl), "RLIMIT_SIGPENDING"))
		return;
	/* The cell inherits cellrun's limit, which is ours. */
	if (!ASSERT_TRUE(rl.rlim_cur < 10000000, "RLIMIT_SIGPENDING is bounded"))
		return;
	quota_apart(signal_hoard, signal_one, false, rl.rlim_cur);
}

/* Two running cells never share a host uid: a range of one runs one cell at a time. */
TEST(tenants_host_uid_one_per_running_cell)
{
	const char *out = test_path(0, "holder.out"), *result = test_path(1, "second.json");
	char line[4096] = "", bin[4096];
	struct cmd_result res;
	json_t *doc;
	pid_t pid;

	if (!require_root())
		return;
	snprintf(bin, sizeof(bin), "%s/cellrun", build_dir);
	pid = start_cell("import time\nprint('held 1', flush=True)\ntime.sleep(" HOLD ")\n",
			 "--uid-range", "2000000000:1", out);
	if (!ASSERT_TRUE(pid > 0 && wait_held(out, line, sizeof(line)) == 1, "the first cell runs"))
		goto out;
	run_cmd((char *[]){ bin, "--no-monitor", "--uid-range", "2000000000:1", "--", "/bin/true",
			    NULL }, 60, &res);
	ASSERT_EQ(res.status, 125, "the second is refused");
	ASSERT_HAS(res.err, "every uid of the range 2000000000:1 is a running cell's", "and says why");
	run_cmd((char *[]){ bin, "--no-monitor", "--uid-range", "2000000000:2", "--result",
			    (char *)result, "--", "/bin/true", NULL }, 60, &res);
	ASSERT_EQ(res.status, 0, "a wider range runs it");
	doc = read_json(result);
	ASSERT_EQ(jint(doc, "host_uid"), 2000000001, "on the uid left");
	json_decref(doc);
out:
	stop_cell(pid);
	run_cmd((char *[]){ bin, "--no-monitor", "--uid-range", "2000000000:1", "--", "/bin/true",
			    NULL }, 60, &res);
	ASSERT_EQ(res.status, 0, "the uid is free once its cell ended");
}

UNIT_TEST(tenants_uid_range_option_checked)
{
	static const char *const bad[] = { "5:10", "65536:0", "4294967290:100", "70000", "1:x",
					   "-1:5", "70000:5x" };
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "cellrun", "--uid-range", (char *)bad[i], "true", NULL };
		struct cellrun_opts o;

		err[0] = '\0';
		ASSERT_TRUE(options_parse(&o, 4, argv, err, sizeof(err)) < 0, bad[i]);
		ASSERT_HAS(err, "--uid-range: ", "the option named");
	}
	{
		char *argv[] = { "cellrun", "--uid-range", "100000:65536", "true", NULL };
		struct cellrun_opts o;

		if (ASSERT_OK(options_parse(&o, 4, argv, err, sizeof(err)), err)) {
			ASSERT_EQ(o.uid_first, 100000, "first");
			ASSERT_EQ(o.uid_count, 65536, "count");
			options_free(&o);
		}
	}
}
