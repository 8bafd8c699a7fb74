// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: the default policy (rules/default.json) against hostile
 * payloads, each proved from inside the cell; per-cell policies; reload.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "monitor.h"
#include "test.h"

#define PYTHON "/usr/bin/python3"

static json_t *alert_of(json_t *log, const char *rule)
{
	return find_event(log, "rule.name", rule);
}

/* cellrun under the default policy, with --result; returns the parsed result. */
static json_t *run_default(char *const argv[], struct cmd_result *res)
{
	char rules[4096];
	json_t *result;

	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--rules", default_rules(rules, sizeof(rules)),
						       "--result", (char *)test_path(2, "r.json"),
						       NULL }, argv, res), "cellrun");
	result = read_json(test_path(2, "r.json"));
	ASSERT_OK_PTR(result, "result written");
	return result;
}

TEST(policy_metadata_kills_the_run_in_the_kernel)
{
	struct cmd_result res;
	json_t *result, *log, *ev;

	if (!require_root())
		return;
	result = run_default((char *[]){ PYTHON, "-c",
		"import socket, time\n"
		"print('probing', flush=True)\n"
		"socket.socket().connect(('169.254.169.254', 80))\n"
		"print('REACHED')\n", NULL }, &res);
	ASSERT_EQ(res.status, 128 + 9, "the run was killed");
	ASSERT_STREQ(res.out, "probing\n", "nothing after the connect ran");
	ASSERT_STREQ(jstr(result, "reason"), "killed_by_rule", "result: reason");
	ASSERT_STREQ(jstr(result, "rule"), "metadata-service", "result: rule");
	log = read_log(test_path(1, "log.json"));
	ev = alert_of(log, "metadata-service");
	if (ASSERT_OK_PTR(ev, "alert")) {
		ASSERT_STREQ(jstr(ev, "cellwatch.action"), "kill-run", "action");
		ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "decided in the kernel");
		ASSERT_STREQ(jstr(ev, "error.code"), "EPERM", "the connect itself was refused");
	}
	json_decref(log);
	json_decref(result);
}

TEST(policy_egress_denied_the_run_goes_on)
{
	struct cmd_result res;
	json_t *result, *log, *ev;

	if (!require_root())
		return;
	result = run_default((char *[]){ PYTHON, "-c",
		"import socket\n"
		"try:\n"
		"    socket.socket().connect(('192.0.2.1', 443))\n"
		"except OSError as e:\n"
		"    print('refused', e.errno)\n", NULL }, &res);
	ASSERT_EQ(res.status, 0, "the run goes on");
	ASSERT_STREQ(res.out, "refused 1\n", "EPERM");
	log = read_log(test_path(1, "log.json"));
	ev = alert_of(log, "egress");
	if (ASSERT_OK_PTR(ev, "alert"))
		ASSERT_STREQ(jstr(ev, "cellwatch.action"), "deny", "denied");
	json_decref(log);
	json_decref(result);
}

TEST(policy_escape_syscall_and_raw_socket_killed)
{
	static const char *const payloads[][2] = {
		{ "import ctypes\nctypes.CDLL(None).ptrace(0, 0, None, None)\nprint('ALIVE')\n",
		  "escape-syscall" },
		{ "import socket\ntry:\n    socket.socket(socket.AF_INET, socket.SOCK_RAW, 1)\n"
		  "except OSError:\n    pass\nprint('ALIVE')\n", "raw-socket" },
		{ "import socket\ntry:\n    socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n"
		  "except OSError:\n    pass\nprint('ALIVE')\n", "packet-socket" },
		{ "import socket\ntry:\n    socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)\n"
		  "except OSError:\n    pass\nprint('ALIVE')\n", "vsock-socket" },
		/* Refused by the seccomp filter, seen all the same. */
		{ "import ctypes\nctypes.CDLL(None).acct(None)\nprint('ALIVE')\n", "escape-syscall" },
		/* sendmmsg, whose first message goes to the metadata service. */
		{ "import ctypes, socket, struct\n"
		  "class iovec(ctypes.Structure):\n"
		  "    _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]\n"
		  "class mmsghdr(ctypes.Structure):\n"
		  "    _fields_ = [('name', ctypes.c_void_p), ('namelen', ctypes.c_uint32),\n"
		  "                ('iov', ctypes.POINTER(iovec)), ('iovlen', ctypes.c_size_t),\n"
		  "                ('control', ctypes.c_void_p), ('controllen', ctypes.c_size_t),\n"
		  "                ('flags', ctypes.c_int), ('len', ctypes.c_uint)]\n"
		  "sin = struct.pack('=H', socket.AF_INET) + struct.pack('!H', 80) + \\\n"
		  "      socket.inet_aton('169.254.169.254') + bytes(8)\n"
		  "addr = ctypes.create_string_buffer(sin, len(sin))\n"
		  "data = ctypes.create_string_buffer(b'GET')\n"
		  "iov = iovec(ctypes.cast(data, ctypes.c_void_p), 3)\n"
		  "m = mmsghdr(ctypes.cast(addr, ctypes.c_void_p), len(sin), ctypes.pointer(iov), 1)\n"
		  "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
		  "ctypes.CDLL(None).sendmmsg(s.fileno(), ctypes.byref(m), 1, 0)\n"
		  "print('ALIVE')\n", "metadata-service" },
	};

	if (!require_root())
		return;
	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		struct cmd_result res;
		json_t *result, *log, *ev;

		result = run_default((char *[]){ PYTHON, "-c", (char *)payloads[i][0], NULL }, &res);
		ASSERT_EQ(res.status, 128 + 9, payloads[i][1]);
		ASSERT_FALSE(strstr(res.out, "ALIVE"), "killed before going on");
		log = read_log(test_path(1, "log.json"));
		ev = alert_of(log, payloads[i][1]);
		if (ASSERT_OK_PTR(ev, payloads[i][1])) {
			ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "in the kernel");
			ASSERT_EQ(jint(ev, "cellwatch.kill_latency_us"), 0, "in the same syscall");
		}
		json_decref(log);
		json_decref(result);
	}
}

TEST(policy_userspace_rules_kill_and_say_when)
{
	struct cmd_result res;
	json_t *result, *log, *ev;

	if (!require_root())
		return;
	/*
	 * A failed open: no file for the kernel's glob matcher, so the rule
	 * engine decides on the path asked for, then kills the run.
	 */
	result = run_default((char *[]){ PYTHON, "-c",
		"import time\n"
		"try:\n"
		"    open('/home/nobody/.ssh/id_rsa').read()\n"
		"except OSError:\n"
		"    pass\n"
		"time.sleep(5)\n"
		"print('ALIVE')\n", NULL }, &res);
	ASSERT_EQ(res.status, 128 + 9, "the run was killed");
	ASSERT_FALSE(strstr(res.out, "ALIVE"), "before it went on");
	log = read_log(test_path(1, "log.json"));
	ev = alert_of(log, "credential-glob-read");
	if (ASSERT_OK_PTR(ev, "alert")) {
		ASSERT_STREQ(jstr(ev, "cellwatch.layer"), "userspace", "judged in userspace");
		ASSERT_TRUE(jint(ev, "cellwatch.kill_latency_us") > 0, "kill latency reported");
	}
	json_decref(log);
	json_decref(result);
}

/* Exec sees the loader, never the shell it would map: the loader itself must not run. */
static const char loader_payload[] =
	"import subprocess\n"
	"for i in range(20):\n"
	"    r = subprocess.run(['/lib64/ld-linux-x86-64.so.2', '/bin/dash', '-c', 'echo SHELL'])\n"
	"print('loader', r.returncode)\n";

TEST(policy_loader_exec_ends_the_run_in_the_kernel)
{
	struct cmd_result res;
	json_t *result, *log, *ev;

	if (!require_root())
		return;
	result = run_default((char *[]){ PYTHON, "-c", (char *)loader_payload, NULL }, &res);
	ASSERT_EQ(res.status, 128 + 9, "the run was ended");
	ASSERT_STREQ(res.out, "", "neither the shell nor the parent printed");
	ASSERT_STREQ(jstr(result, "reason"), "killed_by_rule", "result: reason");
	ASSERT_STREQ(jstr(result, "rule"), "loader-exec", "result: rule");
	ASSERT_KERNEL_LAYER(jstr(result, "layer"), "result: layer");
	log = read_log(test_path(1, "log.json"));
	ev = alert_of(log, "loader-exec");
	if (ASSERT_OK_PTR(ev, "alert")) {
		ASSERT_STREQ(jstr(ev, "cellwatch.action"), "kill-run", "action");
		ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "in the kernel");
		ASSERT_EQ(jint(ev, "cellwatch.kill_latency_us"), 0, "in the same syscall");
	}
	json_decref(log);
	json_decref(result);
}

/*
 * A shell however the payload asks for one: the shell runs no command, and
 * the parent, woken by its death in wait(), dies there before it can go on.
 */
TEST(policy_shell_ends_the_run)
{
	static const char *const payloads[] = {
		"import os\nos.system('echo SHELL')\nprint('AFTER')\n",
		"import subprocess\nsubprocess.run('echo SHELL', shell=True)\nprint('AFTER')\n",
		"import subprocess\nsubprocess.run(['/bin/bash', '-c', 'echo SHELL'])\nprint('AFTER')\n",
	};

	if (!require_root())
		return;
	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		struct cmd_result res;
		json_t *result, *log, *ev;

		result = run_default((char *[]){ PYTHON, "-c", (char *)payloads[i], NULL }, &res);
		ASSERT_EQ(res.status, 128 + 9, payloads[i]);
		ASSERT_STREQ(res.out, "", "no command ran and the parent did not go on");
		ASSERT_STREQ(jstr(result, "reason"), "killed_by_rule", "result: reason");
		ASSERT_STREQ(jstr(result, "rule"), "shell-spawn", "result: rule");
		log = read_log(test_path(1, "log.json"));
		ev = alert_of(log, "shell-spawn");
		if (ASSERT_OK_PTR(ev, "alert"))
			ASSERT_STREQ(jstr(ev, "cellwatch.action"), "kill-run", "action");
		json_decref(log);
		json_decref(result);
	}
}

/*
 * An exec the kernel refuses is an attempt all the same: a shell by a name
 * the cell does not have, a file the payload wrote (noexec /tmp), a memfd
 * (vm.memfd_noexec=2 refuses it).  Each is seen with its errno and ends the
 * run in the kernel, at the execve's exit, before the payload can handle
 * the error.  Before Linux 6.3 nothing refuses the memfd: the exec succeeds
 * and fileless-exec ends the run instead.
 */
TEST(policy_refused_exec_ends_the_run)
{
	bool memfd_refused = access("/proc/sys/vm/memfd_noexec", F_OK) == 0;
	const char *const cases[][3] = {
		{ "import os\nos.execv('/nonexistent/bash', ['bash', '-c', 'echo SHELL'])\n",
		  "shell-spawn", "ENOENT" },
		{ "import os, shutil\nshutil.copy('/usr/bin/true', '/tmp/tool')\n"
		  "os.chmod('/tmp/tool', 0o755)\nos.execv('/tmp/tool', ['tool'])\n",
		  "exec-refused", "EACCES" },
		{ "import os\nfd = os.memfd_create('x')\n"
		  "os.write(fd, open('/usr/bin/true', 'rb').read())\n"
		  "os.execv('/proc/self/fd/%d' % fd, ['x'])\n",
		  memfd_refused ? "exec-refused" : "fileless-exec",
		  memfd_refused ? "EACCES" : NULL },
	};

	if (!require_root())
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char payload[1024];
		struct cmd_result res;
		json_t *result, *log, *ev;

		snprintf(payload, sizeof(payload), "%sprint('AFTER')\n", cases[i][0]);
		result = run_default((char *[]){ PYTHON, "-c", payload, NULL }, &res);
		ASSERT_EQ(res.status, 128 + 9, cases[i][1]);
		ASSERT_STREQ(res.out, "", "the payload went no further");
		ASSERT_STREQ(jstr(result, "rule"), cases[i][1], "result: rule");
		log = read_log(test_path(1, "log.json"));
		ev = alert_of(log, cases[i][1]);
		if (ASSERT_OK_PTR(ev, cases[i][1])) {
			ASSERT_STREQ(jstr(ev, "event.outcome"), cases[i][2] ? "failure" : "success",
				     "a refused exec fails");
			if (cases[i][2])
				ASSERT_STREQ(jstr(ev, "error.code"), cases[i][2], "its errno");
			ASSERT_STREQ(jstr(ev, "cellwatch.action"), "kill-run", "action");
			ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "in the kernel");
			ASSERT_EQ(jint(ev, "cellwatch.kill_latency_us"), 0, "in the same syscall");
		}
		json_decref(log);
		json_decref(result);
	}
}

/*
 * Attempts a static layer stops (the read-only mounts, the seccomp filter,
 * the cell's empty network) are seen all the same: each ends the run with
 * the rule that names it.
 */
TEST(policy_statically_refused_attempts_end_the_run)
{
	static const char *const cases[][2] = {
		{ "open('/proc/sys/kernel/core_pattern', 'w').write('|/tmp/x')\n",
		  "host-control-write" },
		{ "open('/sys/fs/cgroup/release_agent')\n", "release-agent" },
		{ "import ctypes\nctypes.CDLL(None).syscall(56, 0x400 | 17, 0, 0, 0, 0)\n",
		  "escape-syscall" },
		{ "import os, stat\nos.mknod('/tmp/sda', 0o600 | stat.S_IFBLK, os.makedev(8, 0))\n",
		  "escape-syscall" },
		{ "import socket\nfor port in range(1, 9):\n"
		  "    try:\n        socket.socket().connect(('127.0.0.1', port))\n"
		  "    except OSError:\n        pass\n", "local-port-scan" },
	};

	if (!require_root())
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char payload[1024];
		struct cmd_result res;
		json_t *result, *log;

		snprintf(payload, sizeof(payload), "import time\ntry:\n    exec(%s%s%s)\n"
			 "except OSError:\n    pass\ntime.sleep(5)\n", "\"\"\"", cases[i][0],
			 "\"\"\"");
		/* Judged in userspace, a moment after the call failed: the run ends later. */
		result = run_default((char *[]){ PYTHON, "-c", payload, NULL }, &res);
		ASSERT_EQ(res.status, 128 + 9, cases[i][0]);
		ASSERT_STREQ(jstr(result, "rule"), cases[i][1], "result: rule");
		log = read_log(test_path(1, "log.json"));
		ASSERT_OK_PTR(alert_of(log, cases[i][1]), cases[i][1]);
		json_decref(log);
		json_decref(result);
	}
}

/* A FIFO, a socket file, a refused connect to one port: ordinary, no alert that ends a run. */
TEST(policy_ordinary_refusals_go_on)
{
	struct cmd_result res;
	json_t *result, *log;

	if (!require_root())
		return;
	result = run_default((char *[]){ PYTHON, "-c",
		"import os, socket\n"
		"os.mkfifo('/tmp/fifo')\n"
		"try:\n    socket.socket().connect(('127.0.0.1', 9))\n"
		"except OSError as e:\n    print('refused', e.errno)\n", NULL }, &res);
	ASSERT_EQ(res.status, 0, "the run goes on");
	ASSERT_STREQ(res.out, "refused 111\n", "ECONNREFUSED");
	log = read_log(test_path(1, "log.json"));
	ASSERT_OK_PTR(alert_of(log, "local-service-probe"), "the refused connect is alerted");
	ASSERT_NULL(alert_of(log, "escape-syscall"), "a FIFO is no device node");
	json_decref(log);
	json_decref(result);
}

/*
 * Build tools "drop" to the ids they already have (make -j2 called
 * setresuid(-1, 65534, -1) in a cell): a set*id call that changes no id is
 * no escape, in a threaded process too (glibc makes every thread repeat
 * the call).
 */
TEST(policy_setid_to_own_ids_goes_on)
{
	static const char *const actions[] = {
		"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
		"setfsgid",
	};
	struct cmd_result res;
	json_t *result, *log;

	if (!require_root())
		return;
	result = run_default((char *[]){ PYTHON, "-c",
		"import ctypes, os, threading, time\n"
		"libc = ctypes.CDLL(None, use_errno=True)\n"
		"t = threading.Thread(target=time.sleep, args=(1,)); t.start()\n"
		"u, g = os.getuid(), os.getgid()\n"
		"calls = [('setresuid', libc.setresuid(-1, u, -1)),\n"
		"         ('setresgid', libc.setresgid(-1, g, -1)),\n"
		"         ('setresuid all', libc.setresuid(u, u, u)),\n"
		"         ('setresgid none', libc.setresgid(-1, -1, -1)),\n"
		"         ('setuid', libc.setuid(u)), ('setgid', libc.setgid(g)),\n"
		"         ('setreuid', libc.setreuid(-1, u)), ('setregid', libc.setregid(g, g))]\n"
		"print('failed:', [n for n, r in calls if r != 0])\n"
		"print('fs:', libc.setfsuid(-1) == u, libc.setfsuid(u) == u,\n"
		"      libc.setfsgid(g) == g)\n"
		"t.join()\n"
		"print('ALIVE', os.getresuid() == (u, u, u), os.getresgid() == (g, g, g))\n",
		NULL }, &res);
	ASSERT_EQ(res.status, 0, "the run goes on");
	ASSERT_STREQ(res.out, "failed: []\nfs: True True True\nALIVE True True\n",
		     "every call succeeded and changed nothing");
	ASSERT_STREQ(jstr(result, "reason"), "exited", "result: reason");
	log = read_log(test_path(1, "log.json"));
	ASSERT_NULL(alert_of(log, "escape-syscall"), "no escape alert");
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		ASSERT_EQ(count_events(log, "event.action", actions[i]), 0, actions[i]);
	json_decref(log);
	json_decref(result);
}

/*
 * Any id change is still an escape attempt, refused or not: each ends the
 * run in the kernel at the call's exit.
 */
TEST(policy_setid_changes_end_the_run)
{
	static const char *const cases[][2] = {
		{ "libc.setresuid(-1, 0, -1)", "setresuid" },
		{ "libc.setuid(0)", "setuid" },
		{ "libc.setresgid(-1, 0, -1)", "setresgid" },
		/* mixed: two own ids, one other */
		{ "libc.setresuid(os.getuid(), os.getuid(), 0)", "setresuid" },
		{ "libc.setreuid(-1, 65533)", "setreuid" },
		/* never fails, returns the old id: asking for another is the attempt */
		{ "libc.setfsuid(0)", "setfsuid" },
		{ "libc.setfsgid(0)", "setfsgid" },
		{ "libc.setgroups(0, None)", "setgroups" },
	};

	if (!require_root())
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char payload[512];
		struct cmd_result res;
		json_t *result, *log, *ev;

		snprintf(payload, sizeof(payload),
			 "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
			 "print('BEFORE', flush=True)\n%s\nprint('ALIVE')\n", cases[i][0]);
		/* cellrun appends: each case's log alone */
		unlink(test_path(1, "log.json"));
		result = run_default((char *[]){ PYTHON, "-c", payload, NULL }, &res);
		ASSERT_EQ(res.status, 128 + 9, cases[i][0]);
		ASSERT_STREQ(res.out, "BEFORE\n", "killed at the call");
		ASSERT_STREQ(jstr(result, "rule"), "escape-syscall", "result: rule");
		log = read_log(test_path(1, "log.json"));
		ev = alert_of(log, "escape-syscall");
		if (ASSERT_OK_PTR(ev, cases[i][0])) {
			ASSERT_STREQ(jstr(ev, "event.action"), cases[i][1], "the call");
			ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "in the kernel");
		}
		json_decref(log);
		json_decref(result);
	}
}

/* rules/lenient.json: the offender dies, the run goes on (the policy before kill-run). */
TEST(policy_lenient_kills_only_the_offender)
{
	char rules[4096];
	struct cmd_result res;
	json_t *log, *ev;

	if (!require_root())
		return;
	snprintf(rules, sizeof(rules), "%s/rules/lenient.json", src_dir);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--rules", rules, NULL },
			       (char *[]){ PYTHON, "-c", (char *)loader_payload, NULL }, &res),
		  "cellrun");
	ASSERT_EQ(res.status, 0, "the parent goes on");
	ASSERT_STREQ(res.out, "loader -9\n", "every loader run was killed, no shell printed");
	log = read_log(test_path(1, "log.json"));
	ev = alert_of(log, "loader-exec");
	if (ASSERT_OK_PTR(ev, "alert")) {
		ASSERT_STREQ(jstr(ev, "cellwatch.action"), "kill", "action");
		ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "in the kernel");
	}
	json_decref(log);
}

/*
 * Run @script (its argv[1] names a file to write "AFTER" to) in a watched
 * cgroup with the monitor's userspace stopped, so that no
 * cgroup.kill can come and only the kernel's verdicts act; expect @rule to
 * end the run.  What the file holds afterwards goes to @after.
 */
static void run_kernel_only(const char *script, const char *rule, char *after, size_t len)
{
	const char *log_path = test_path(1, "log.json"), *file = test_path(2, "after");
	char extra[4200], rules[4096];
	struct test_cgroup tc = {};
	struct watcher w = {};
	json_t *log = NULL;
	int fd;

	after[0] = '\0';
	if (!test_cgroup_create(&tc))
		return;
	snprintf(extra, sizeof(extra), "--rules %s", default_rules(rules, sizeof(rules)));
	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, extra), "cellwatch ready"))
		goto cleanup;
	kill(w.pid, SIGSTOP);
	ASSERT_EQ(run_in(tc.procs, (char *[]){ PYTHON, "-c", (char *)script, (char *)file, NULL }),
		  128 + SIGKILL,
		  "the payload was killed");
	fd = open(tc.cell, O_RDONLY | O_DIRECTORY);
	ASSERT_EQ(cg2_wait_empty(fd, 5000), 0, "the whole run is gone");
	close(fd);
	kill(w.pid, SIGCONT);
	read_text(file, after, len);
	ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly");
	log = read_log(log_path);
	ASSERT_OK_PTR(alert_of(log, rule), rule);
cleanup:
	if (w.pid > 0)
		kill(w.pid, SIGCONT);
	stop_watcher(&w);
	json_decref(log);
	test_cgroup_destroy(&tc);
}

/*
 * The rest of an ended run acts no more, even before cgroup.kill reaches
 * it: a sibling woken by the offender's death (its pipe closes) opens a
 * file to write to it, but the open is a hook, and the cell is doomed.
 */
TEST(policy_ended_run_siblings_stopped_in_the_kernel)
{
	char after[64];

	if (!require_root())
		return;
	run_kernel_only("import ctypes, os, sys\n"
			"r, w = os.pipe()\n"
			"if os.fork() == 0:\n"
			"    os.close(w)\n"
			"    os.read(r, 1)\n"
			"    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)\n"
			"    os.write(fd, b'AFTER')\n"
			"    os._exit(0)\n"
			"os.close(r)\n"
			"ctypes.CDLL(None).ptrace(0, 0, None, None)\n",
			"escape-syscall", after, sizeof(after));
	ASSERT_STREQ(after, "", "the sibling wrote nothing");
}

/*
 * The parent of a killed shell learns of it in wait(), and dies there: its
 * file is open already, so its write would pass no other hook.
 */
TEST(policy_ended_run_parent_stopped_in_wait)
{
	char after[64];

	if (!require_root())
		return;
	run_kernel_only("import os, sys\n"
			"fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)\n"
			"pid = os.fork()\n"
			"if pid == 0:\n"
			"    os.execv('/bin/sh', ['sh', '-c', 'echo SHELL'])\n"
			"os.waitpid(pid, 0)\n"
			"os.write(fd, b'AFTER')\n",
			"shell-spawn", after, sizeof(after));
	ASSERT_STREQ(after, "", "the parent went no further");
}

TEST(policy_failed_secret_read_kills_the_run)
{
	struct cmd_result res;
	json_t *result, *log, *ev;

	if (!require_root())
		return;
	/* The cell has no /etc/shadow: the attempt alone ends the run. */
	result = run_default((char *[]){ PYTHON, "-c",
		"import subprocess, sys\n"
		"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(20)'])\n"
		"try:\n"
		"    open('/etc/shadow')\n"
		"except OSError:\n"
		"    pass\n"
		"child.wait()\n"
		"print('ALIVE')\n", NULL }, &res);
	ASSERT_EQ(res.status, 128 + 9, "the run was killed");
	ASSERT_FALSE(strstr(res.out, "ALIVE"), "nothing went on");
	ASSERT_STREQ(jstr(result, "reason"), "killed_by_rule", "result: reason");
	ASSERT_TRUE(jint(result, "wall_ms") < 10000, "the sleeping child died with the run");
	log = read_log(test_path(1, "log.json"));
	ev = alert_of(log, "secret-file-read");
	if (ASSERT_OK_PTR(ev, "alert")) {
		ASSERT_STREQ(jstr(ev, "cellwatch.action"), "kill-run", "action");
		ASSERT_STREQ(jstr(ev, "error.code"), "ENOENT", "the attempt failed, and counts");
	}
	json_decref(log);
	json_decref(result);
}

TEST(policy_dns_burst_rate)
{
	struct cmd_result res;
	json_t *result, *log, *ev;

	if (!require_root())
		return;
	result = run_default((char *[]){ PYTHON, "-c",
		"import socket\n"
		"s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
		"for i in range(30):\n"
		"    s.sendto(b'q%d' % i, ('127.0.0.53', 53))\n"
		"print('sent')\n", NULL }, &res);
	ASSERT_EQ(res.status, 0, "alert only");
	log = read_log(test_path(1, "log.json"));
	ev = alert_of(log, "dns-burst");
	ASSERT_OK_PTR(ev, "the burst is alerted");
	ASSERT_EQ(count_events(log, "rule.name", "dns-burst"), 30 - 20, "from the 21st on");
	json_decref(log);
	json_decref(result);
}

/* The signals of the alert that names correlation group @group, joined by ", ". */
static const char *signals_of(json_t *ev, char *buf, size_t len)
{
	json_t *list = jget(ev, "cellwatch.correlation.signals"), *v;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach(list, i, v)
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s", i ? ", " : "",
			      json_string_value(v));
	return buf;
}

/*
 * A survey of the cell from Python -- two identity programs, the mount
 * layout, the process's security state -- is one discovery alert that
 * lists what was done; the run is not killed and finishes its work.
 */
TEST(policy_discovery_sequence_alerts_once)
{
	struct cmd_result res;
	json_t *result, *log, *ev;
	char signals[512];

	if (!require_root())
		return;
	result = run_default((char *[]){ PYTHON, "-c",
		"import subprocess\n"
		"subprocess.run(['id'], capture_output=True, check=True)\n"
		"subprocess.run(['whoami'], capture_output=True, check=True)\n"
		"open('/proc/self/mountinfo').read()\n"
		"open('/proc/self/status').read()\n"
		"print('survey done')\n", NULL }, &res);
	ASSERT_EQ(res.status, 0, "an alert, not a kill");
	ASSERT_HAS(res.out, "survey done", "the run went on to its end");
	ASSERT_STREQ(jstr(result, "reason"), "exited", "the result says it exited");
	log = read_log(test_path(1, "log.json"));
	ASSERT_EQ(count_events(log, "cellwatch.correlation.group", "discovery"), 1,
		  "one alert for the sequence");
	ev = find_event(log, "cellwatch.correlation.group", "discovery");
	if (ASSERT_OK_PTR(ev, "the discovery alert")) {
		ASSERT_STREQ(jstr(ev, "cellwatch.action"), "alert", "alert only");
		ASSERT_STREQ(jstr(ev, "event.kind"), "alert", "an alert document");
		ASSERT_EQ(jint(ev, "cellwatch.correlation.seconds"), 10, "its window");
		signals_of(ev, signals, sizeof(signals));
		ASSERT_HAS(signals, "exec id", "names id");
		ASSERT_HAS(signals, "exec whoami", "names whoami");
		ASSERT_HAS(signals, "mount and cgroup layout", "names the mountinfo read");
	}
	ASSERT_HAS(res.err, "group=discovery signals=exec id,exec whoami", "cellrun says it too");
	json_decref(log);
	json_decref(result);
}

/*
 * One look is ordinary: platform.processor() (which runs uname -p), the user's
 * name (an NSS read of /etc/passwd) and the job's memory use from
 * /proc/self/status raise nothing.
 */
TEST(policy_discovery_single_look_silent)
{
	struct cmd_result res;
	json_t *result, *log;

	if (!require_root())
		return;
	result = run_default((char *[]){ PYTHON, "-c",
		"import getpass, platform\n"
		"print(platform.uname(), platform.processor(), getpass.getuser())\n"
		"rss = [l for l in open('/proc/self/status') if l.startswith('VmRSS')]\n"
		"print('info', rss)\n", NULL }, &res);
	ASSERT_EQ(res.status, 0, "ran");
	ASSERT_HAS(res.out, "info", "done");
	log = read_log(test_path(1, "log.json"));
	ASSERT_OK_PTR(find_event(log, "process.name", "uname"), "uname ran: the look was made");
	ASSERT_EQ(count_events(log, "event.kind", "alert"), 0, "no alert");
	json_decref(log);
	json_decref(result);
}

TEST(policy_dotenv_read_killed_in_the_kernel)
{
	struct cmd_result res;
	json_t *result, *log, *ev;

	if (!require_root())
		return;
	/* A rule by basename: the kernel knows ".env" wherever it lies, before the read. */
	result = run_default((char *[]){ PYTHON, "-c",
		"import os\n"
		"open('/tmp/settings', 'w').write('API_KEY=secret')\n"
		"os.rename('/tmp/settings', '/tmp/.env')\n"
		"print('READ', open('/tmp/.env').read())\n", NULL }, &res);
	ASSERT_EQ(res.status, 128 + 9, "the run was killed");
	ASSERT_FALSE(strstr(res.out, "READ"), "before the read returned");
	log = read_log(test_path(1, "log.json"));
	ev = alert_of(log, "dotenv-read");
	if (ASSERT_OK_PTR(ev, "alert")) {
		ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "decided in the kernel");
		ASSERT_STREQ(jstr(ev, "file.path"), "/tmp/.env", "the file");
	}
	json_decref(log);
	json_decref(result);
}

/* The kernel kills at the open of a host secret; the rest of the cell follows. */
TEST(policy_secret_open_killed_in_the_kernel)
{
	const char *log_path = test_path(1, "log.json");
	struct test_cgroup tc = {};
	struct watcher w = {};
	char extra[4200], rules[4096];
	json_t *log = NULL, *ev;
	int fd;

	if (!require_root() || !test_cgroup_create(&tc))
		return;
	if (!ASSERT_OK(access("/etc/shadow", R_OK), "/etc/shadow (from Debian's passwd package)"))
		goto cleanup;
	snprintf(extra, sizeof(extra), "--rules %s", default_rules(rules, sizeof(rules)));
	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, extra), "cellwatch ready"))
		goto cleanup;
	ASSERT_EQ(run_in(tc.procs, (char *[]){ PYTHON, "-c",
			"import os, time\n"
			"if os.fork() == 0:\n"
			"    time.sleep(20); os._exit(0)\n"
			"open('/etc/shadow').read()\n"
			"print('READ')\n", NULL }), 128 + 9, "killed at the open");
	fd = open(tc.cell, O_RDONLY | O_DIRECTORY);
	ASSERT_EQ(cg2_wait_empty(fd, 5000), 0, "the whole cell was killed");
	close(fd);
	ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly");
	log = read_log(log_path);
	ev = alert_of(log, "secret-file-read");
	if (ASSERT_OK_PTR(ev, "alert")) {
		ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "decided in the kernel");
		ASSERT_STREQ(jstr(ev, "file.path"), "/etc/shadow", "the file");
	}
cleanup:
	stop_watcher(&w);
	json_decref(log);
	test_cgroup_destroy(&tc);
}

/*
 * A shell under another name: a hardlink of dash is dash's inode, which the
 * kernel's exec rules key on, so shell-spawn kills it at the exec though no
 * shell is called "report".  Watched on a plain cgroup: a cell's writable
 * directories are tmpfs, where no hardlink of an installed binary can be.
 */
TEST(policy_hardlinked_shell_killed_in_the_kernel)
{
	const char *log_path = test_path(1, "log.json"), *report = test_path(2, "report");
	struct test_cgroup tc = {};
	struct watcher w = {};
	char extra[4200], rules[4096];
	json_t *log = NULL, *ev;
	struct statfs fs;

	if (!require_root() || !test_cgroup_create(&tc))
		return;
	if (!statfs("/usr/bin/dash", &fs) && fs.f_type == OVERLAYFS_SUPER_MAGIC) {
		test__skip("/usr is on overlayfs: its inodes are not the ones stat() reports, "
			   "so exec rules know binaries by name only (rules/README.md)");
		goto cleanup;
	}
	if (link("/usr/bin/dash", report)) {
		test__skip("link /usr/bin/dash %s: %s (the test directory is on another "
			   "filesystem than /usr)", report, strerror(errno));
		goto cleanup;
	}
	snprintf(extra, sizeof(extra), "--rules %s", default_rules(rules, sizeof(rules)));
	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, extra), "cellwatch ready"))
		goto cleanup;
	ASSERT_EQ(run_in(tc.procs, (char *[]){ (char *)report, "-c", "echo ran", NULL }),
		  128 + SIGKILL, "killed at the exec");
	ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly");
	log = read_log(log_path);
	ev = alert_of(log, "shell-spawn");
	if (ASSERT_OK_PTR(ev, "alert")) {
		ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "decided in the kernel");
		ASSERT_STREQ(jstr(ev, "process.executable"), report, "by the name it was run as");
	}
cleanup:
	stop_watcher(&w);
	json_decref(log);
	test_cgroup_destroy(&tc);
}

static void write_rules(const char *path, const char *binary, const char *action)
{
	FILE *f = fopen(path, "w");

	fprintf(f, "{\"rules\": [{\"name\": \"no-%s\", \"description\": \"d\", \"event\": \"exec\","
		   " \"match\": {\"binary\": [\"%s\"]}, \"action\": \"%s\", \"priority\": \"error\"}]}\n",
		binary, binary, action);
	fclose(f);
}

TEST(policy_reload_is_atomic)
{
	const char *log_path = test_path(1, "log.json"), *rules = test_path(0, "rules.json");
	struct test_cgroup tc = {};
	struct watcher w = {};
	char extra[4200];
	json_t *log = NULL;
	size_t i;
	json_t *ev;
	int failures = 0, successes = 0;

	if (!require_root() || !test_cgroup_create(&tc))
		return;
	write_rules(rules, "cat", "kill");
	snprintf(extra, sizeof(extra), "--rules %s", rules);
	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, extra), "cellwatch ready"))
		goto cleanup;
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/bin/cat", "/dev/null", NULL }), 128 + 9,
		  "cat killed by the first rules");
	/* A bad file: refused, the old rules stay. */
	FILE *f = fopen(rules, "w");

	fputs("{\"rules\": [{\"name\": \"x\"\n", f);
	fclose(f);
	kill(w.pid, SIGHUP);
	usleep(500000);
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/bin/cat", "/dev/null", NULL }), 128 + 9,
		  "still killed after a bad reload");
	/* A good file: in force at once. */
	write_rules(rules, "head", "kill");
	kill(w.pid, SIGHUP);
	usleep(500000);
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/bin/cat", "/dev/null", NULL }), 0,
		  "cat runs under the new rules");
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/usr/bin/head", "-c0", "/dev/null", NULL }),
		  128 + 9, "head is killed under the new rules");
	ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly");
	log = read_log(log_path);
	json_array_foreach(log, i, ev) {
		const char *a = jstr(ev, "event.action"), *o = jstr(ev, "event.outcome");

		ASSERT_EQ(jint(ev, "event.sequence"), (long long)i + 1, "numbered in order");
		if (!a || strcmp(a, "rules-reload"))
			continue;
		failures += o && !strcmp(o, "failure");
		successes += o && !strcmp(o, "success");
		/* The daemon's shape (one session core writes both): a count on success only. */
		ASSERT_EQ(json_object_get(json_object_get(ev, "cellwatch"), "count") != NULL,
			  o && !strcmp(o, "success"), "cellwatch.count on success only");
		if (o && !strcmp(o, "success"))
			ASSERT_EQ(jint(ev, "cellwatch.count"), 1, "the rules now in force");
		ASSERT_EQ(json_object_get(json_object_get(ev, "cellwatch"), "rules") != NULL, 0,
			  "no per-command extra field");
	}
	ASSERT_EQ(failures, 1, "the refused reload is logged");
	ASSERT_EQ(successes, 1, "the good reload is logged");
cleanup:
	stop_watcher(&w);
	json_decref(log);
	test_cgroup_destroy(&tc);
}

/*
 * A reload whose file has a deny the kernel would not enforce is refused
 * whole: its valid rules do not take effect either, the old ones stay, and
 * the log says where and why.
 */
TEST(policy_reload_refuses_unenforceable_deny)
{
	const char *log_path = test_path(1, "log.json"), *rules = test_path(0, "rules.json");
	struct test_cgroup tc = {};
	struct watcher w = {};
	char extra[4200];
	json_t *log = NULL, *ev;
	const char *why = NULL;
	size_t i;

	if (!require_root() || !test_cgroup_create(&tc))
		return;
	write_rules(rules, "cat", "kill");
	snprintf(extra, sizeof(extra), "--rules %s", rules);
	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, extra), "cellwatch ready"))
		goto cleanup;
	ASSERT_OK(write_text(rules,
		"{\"rules\": [{\"name\": \"no-head\", \"description\": \"d\", \"event\": \"exec\","
		" \"match\": {\"binary\": [\"head\"]}, \"action\": \"kill\","
		" \"priority\": \"error\"},\n"
		"{\"name\": \"ports\", \"description\": \"d\", \"event\": \"network\", \"match\":"
		" {\"cidr\": [\"10.0.0.0/8\"], \"port\": [1, 2, 3, 4, 5]}, \"action\": \"deny\","
		" \"priority\": \"error\"}]}\n"), "write the new rules");
	kill(w.pid, SIGHUP);
	usleep(500000);
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/bin/cat", "/dev/null", NULL }), 128 + 9,
		  "the old rules stay in force");
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/usr/bin/head", "-c0", "/dev/null", NULL }), 0,
		  "nothing of the refused file applies");
	ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly");
	log = read_log(log_path);
	json_array_foreach(log, i, ev) {
		const char *a = jstr(ev, "event.action"), *o = jstr(ev, "event.outcome");

		if (a && !strcmp(a, "rules-reload") && o && !strcmp(o, "failure"))
			why = jstr(ev, "error.message");
	}
	if (ASSERT_OK_PTR(why, "the refused reload is logged"))
		ASSERT_HAS(why, ":2:101: rule 'ports': deny needs a rule the kernel decides: "
			   "5 port ranges, at most 4", "where and why");
cleanup:
	stop_watcher(&w);
	json_decref(log);
	test_cgroup_destroy(&tc);
}

/* Two cells, two policies, one monitor: each cell gets its own verdicts. */
TEST(policy_per_cell)
{
	const char *a_rules = test_path(0, "a.json");
	struct cw_ruleset ra = {}, rb = {};
	struct test_cgroup ta = {}, tb = {};
	struct cw_monitor_opts opts = {};
	struct cw_monitor *m = NULL;
	char err[512], root[256], procs_b[700], bdir[600];
	__u32 pa, pb;
	__u64 id;
	int fa = -1, fb = -1, level;

	if (!require_root() || !test_cgroup_create(&ta))
		return;
	/* A second cell beside the first, at the same depth. */
	snprintf(bdir, sizeof(bdir), "%s/cellb", ta.parent);
	snprintf(procs_b, sizeof(procs_b), "%s/cgroup.procs", bdir);
	if (!ASSERT_OK(mkdir(bdir, 0755), "second cell"))
		goto cleanup;
	write_rules(a_rules, "cat", "kill");
	write_rules(test_path(2, "b.json"), "head", "kill");
	if (!ASSERT_OK(cw_rules_load(&ra, a_rules, err, sizeof(err)), err) ||
	    !ASSERT_OK(cw_rules_load(&rb, test_path(2, "b.json"), err, sizeof(err)), err))
		goto cleanup;
	cg2_mount_point(root, sizeof(root));
	level = cg2_level(root, ta.cell);
	opts.cell_level = level;
	opts.generic_syscalls = true;
	if (!ASSERT_OK(cw_monitor_open(&m, &opts, err, sizeof(err)), err))
		goto cleanup;
	ASSERT_OK(cw_monitor_add_policy(m, &ra, &pa, err, sizeof(err)), "policy a");
	ASSERT_OK(cw_monitor_add_policy(m, &rb, &pb, err, sizeof(err)), "policy b");
	fa = open(ta.cell, O_RDONLY | O_DIRECTORY);
	fb = open(bdir, O_RDONLY | O_DIRECTORY);
	ASSERT_OK(cw_monitor_add_cell(m, fa, pa, 0, &id), "cell a");
	ASSERT_OK(cw_monitor_add_cell(m, fb, pb, 0, &id), "cell b");
	ASSERT_EQ(run_in(ta.procs, (char *[]){ "/bin/cat", "/dev/null", NULL }), 128 + 9,
		  "cat dies in cell a");
	ASSERT_EQ(run_in(procs_b, (char *[]){ "/bin/cat", "/dev/null", NULL }), 0,
		  "cat runs in cell b");
	ASSERT_EQ(run_in(ta.procs, (char *[]){ "/usr/bin/head", "-c0", "/dev/null", NULL }), 0,
		  "head runs in cell a");
	ASSERT_EQ(run_in(procs_b, (char *[]){ "/usr/bin/head", "-c0", "/dev/null", NULL }),
		  128 + 9, "head dies in cell b");
cleanup:
	cw_monitor_close(m);
	cw_rules_free(&ra);
	cw_rules_free(&rb);
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	rmdir(bdir);
	test_cgroup_destroy(&ta);
	(void)tb;
}

/*
 * An i386 syscall (int 0x80) from an x86-64 process: the seccomp filter
 * kills the caller (SIGSYS), or a kernel without IA32 emulation faults it
 * (SIGSEGV).  Either way no syscall tracepoint sees it; the kernel's signal
 * does, names the call in its own table, and the run ends.
 */
TEST(policy_foreign_abi_syscall_ends_the_run)
{
	struct cmd_result res;
	json_t *result, *log, *ev;

	if (!require_root())
		return;
	result = run_default((char *[]){ PYTHON, "-c",
		"import ctypes, mmap, os\n"
		/* mov eax, 20 (i386 getpid); int 0x80; ret */
		"code = b'\\xb8\\x14\\x00\\x00\\x00\\xcd\\x80\\xc3'\n"
		"mem = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
		"mem.write(code)\n"
		"f = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(mem)))\n"
		"if os.fork() == 0:\n"
		"    f()\n"
		"    os._exit(0)\n"
		"os.wait()\n"
		"print('AFTER')\n", NULL }, &res);
	ASSERT_EQ(res.status, 128 + 9, "the run was killed");
	ASSERT_STREQ(res.out, "", "the parent went no further");
	ASSERT_STREQ(jstr(result, "rule"), "foreign-abi-syscall", "result: rule");
	log = read_log(test_path(1, "log.json"));
	ev = alert_of(log, "foreign-abi-syscall");
	if (ASSERT_OK_PTR(ev, "alert")) {
		const char *by = jstr(ev, "cellwatch.syscall.killed_by") ?: "?";

		ASSERT_STREQ(jstr(ev, "event.action"), "getpid", "named in the i386 table");
		ASSERT_STREQ(jstr(ev, "cellwatch.syscall.abi"), "i386", "its ABI");
		ASSERT_EQ(jint(ev, "cellwatch.syscall.nr"), 20, "its number");
		ASSERT_STREQ(jstr(ev, "event.outcome"), "failure", "it never returned");
		ASSERT_STREQ(jstr(ev, "cellwatch.syscall.signal"),
			     !strcmp(by, "seccomp") ? "SYS" : "SEGV", "the signal that killed it");
		ASSERT_TRUE(!strcmp(by, "seccomp") || !strcmp(by, "kernel"), "killed by");
		ASSERT_STREQ(jstr(ev, "cellwatch.action"), "kill-run", "action");
		ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "decided in the kernel");
	}
	json_decref(log);
	json_decref(result);
}

/*
 * Loading a kernel module: the filter kills the caller at the call (SIGSYS),
 * so it is seen also on a kernel built without modules, which has no
 * tracepoint for the syscall, and seen once where it has one.
 */
TEST(policy_module_load_dies_at_the_call)
{
	struct cmd_result res;
	json_t *result, *log, *ev;

	if (!require_root())
		return;
	result = run_default((char *[]){ PYTHON, "-c",
		"import ctypes, os\n"
		"open('/tmp/evil.ko', 'wb').write(b'\\x7fELF' + bytes(60))\n"
		"fd = os.open('/tmp/evil.ko', os.O_RDONLY)\n"
		"if os.fork() == 0:\n"
		"    ctypes.CDLL(None).syscall(313, fd, b'', 0)\n"	/* finit_module */
		"    print('LOADED', flush=True)\n"
		"    os._exit(0)\n"
		"os.wait()\n"
		"print('AFTER')\n", NULL }, &res);
	ASSERT_EQ(res.status, 128 + 9, "the run was killed");
	ASSERT_STREQ(res.out, "", "neither the caller nor its parent went on");
	ASSERT_STREQ(jstr(result, "rule"), "escape-syscall", "result: rule");
	log = read_log(test_path(1, "log.json"));
	ev = alert_of(log, "escape-syscall");
	if (ASSERT_OK_PTR(ev, "alert")) {
		ASSERT_STREQ(jstr(ev, "event.action"), "finit_module", "the call");
		ASSERT_STREQ(jstr(ev, "cellwatch.syscall.killed_by"), "seccomp", "killed by");
		ASSERT_STREQ(jstr(ev, "cellwatch.syscall.signal"), "SYS", "with");
		ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "decided in the kernel");
	}
	ASSERT_EQ(count_events(log, "event.action", "finit_module"), 1, "one event for one call");
	json_decref(log);
	json_decref(result);
}

/* kill(-1): every process the caller may signal; a probe with signal 0 is enough. */
TEST(policy_signal_to_everything_ends_the_run)
{
	struct cmd_result res;
	json_t *result, *log, *ev;

	if (!require_root())
		return;
	result = run_default((char *[]){ PYTHON, "-c",
		"import os\n"
		"try:\n"
		"    os.kill(-1, 0)\n"
		"except OSError:\n"
		"    pass\n"
		"print('AFTER')\n", NULL }, &res);
	ASSERT_EQ(res.status, 128 + 9, "the run was killed");
	ASSERT_STREQ(res.out, "", "the caller went no further");
	ASSERT_STREQ(jstr(result, "rule"), "signal-outside-cell", "result: rule");
	log = read_log(test_path(1, "log.json"));
	ev = alert_of(log, "signal-outside-cell");
	if (ASSERT_OK_PTR(ev, "alert")) {
		ASSERT_STREQ(jstr(ev, "event.action"), "kill", "the call");
		ASSERT_STREQ(json_string_value(json_array_get(jget(ev, "cellwatch.syscall.args"), 0)),
			     "0xffffffff", "pid -1");
		ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "decided in the kernel");
	}
	json_decref(log);
	json_decref(result);
}

/*
 * A non-blocking connect returns EINPROGRESS; on loopback the refusal is
 * already known at the call's exit, and is the event's result.
 */
TEST(policy_nonblocking_refused_connect_alerted)
{
	struct cmd_result res;
	json_t *result, *log, *ev;

	if (!require_root())
		return;
	result = run_default((char *[]){ PYTHON, "-c",
		"import errno, socket\n"
		"s = socket.socket()\n"
		"s.setblocking(False)\n"
		"print(errno.errorcode[s.connect_ex(('127.0.0.1', 9))])\n", NULL }, &res);
	ASSERT_EQ(res.status, 0, "alert only");
	ASSERT_STREQ(res.out, "EINPROGRESS\n", "the call said nothing yet");
	log = read_log(test_path(1, "log.json"));
	ev = alert_of(log, "local-service-probe");
	if (ASSERT_OK_PTR(ev, "alert")) {
		ASSERT_STREQ(jstr(ev, "error.code"), "ECONNREFUSED", "the refusal");
		ASSERT_EQ(jint(ev, "destination.port"), 9, "the port");
	}
	json_decref(log);
	json_decref(result);
}

/*
 * A name lookup: the cell's resolver is an address nothing routes to, so
 * the C library's query is refused at once by the egress rule, and seen.
 */
TEST(policy_name_lookup_refused_and_alerted)
{
	struct cmd_result res;
	json_t *result, *log, *ev;

	if (!require_root())
		return;
	result = run_default((char *[]){ PYTHON, "-c",
		"import socket, time\n"
		"start = time.monotonic()\n"
		"try:\n"
		"    socket.getaddrinfo('example.com', 443)\n"
		"except socket.gaierror as e:\n"
		"    print('gaierror', e.errno == socket.EAI_AGAIN)\n"
		"print('at once', time.monotonic() - start < 0.5)\n", NULL }, &res);
	ASSERT_EQ(res.status, 0, "deny only");
	ASSERT_STREQ(res.out, "gaierror True\nat once True\n",
		     "the lookup failed as a resolver failure, with no resolver timeout");
	log = read_log(test_path(1, "log.json"));
	ev = alert_of(log, "egress");
	if (ASSERT_OK_PTR(ev, "alert")) {
		ASSERT_EQ(jint(ev, "destination.port"), 53, "a DNS query");
		ASSERT_STREQ(jstr(ev, "error.code"), "EPERM", "refused by the cgroup hook");
	}
	json_decref(log);
	json_decref(result);
}

/*
 * Every socket family but unix, IPv4 and IPv6 is refused by the filter
 * (EAFNOSUPPORT), seen, and alerted; the run goes on.
 */
TEST(policy_socket_families_refused_and_alerted)
{
	static const char *const families[] = { "netlink", "alg", "tipc", "xdp" };
	struct cmd_result res;
	json_t *result, *log, *ev;
	size_t i;

	if (!require_root())
		return;
	result = run_default((char *[]){ PYTHON, "-c",
		"import errno, socket\n"
		"for family, kind in ((16, 3), (38, 5), (30, 4), (44, 3)):\n"
		"    try:\n"
		"        socket.socket(family, kind, 0)\n"
		"        print(family, 'OPENED')\n"
		"    except OSError as e:\n"
		"        print(family, errno.errorcode[e.errno])\n"
		"a, b = socket.socketpair()\n"
		"print('unix pair', a.family == socket.AF_UNIX)\n", NULL }, &res);
	ASSERT_EQ(res.status, 0, "alert only: the run went on");
	ASSERT_STREQ(res.out, "16 EAFNOSUPPORT\n38 EAFNOSUPPORT\n30 EAFNOSUPPORT\n"
		     "44 EAFNOSUPPORT\nunix pair True\n", "refused by the filter, unix kept");
	log = read_log(test_path(1, "log.json"));
	ASSERT_EQ(count_events(log, "rule.name", "socket-family"), 4, "one alert per family");
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		ev = find_event(log, "network.type", families[i]);
		if (ASSERT_OK_PTR(ev, families[i]))
			ASSERT_STREQ(jstr(ev, "error.code"), "EAFNOSUPPORT", families[i]);
	}
	json_decref(log);
	json_decref(result);
}

/*
 * A kill judged in userspace reaches the process that acted, checked by
 * its start time through a pidfd (a reused pid would be spared): under
 * rules/lenient.json the ping socket's child dies, its parent goes on.
 */
TEST(policy_userspace_kill_reaches_the_offender)
{
	char rules[4096];
	struct cmd_result res;

	if (!require_root())
		return;
	snprintf(rules, sizeof(rules), "%s/rules/lenient.json", src_dir);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--rules", rules, NULL },
			       (char *[]){ PYTHON, "-c",
		"import os, socket, time\n"
		"pid = os.fork()\n"
		"if pid == 0:\n"
		"    try:\n"
		"        socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)\n"
		"    except OSError:\n"
		"        pass\n"
		"    time.sleep(3)\n"
		"    print('child survived')\n"
		"    os._exit(0)\n"
		"print('child', os.waitpid(pid, 0)[1])\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "the parent went on");
	ASSERT_STREQ(res.out, "child 9\n", "the child was killed, by its own pid");
	ASSERT_HAS(res.err, "icmp-socket", "the rule");
}

/*
 * The unprivileged ping socket (SOCK_DGRAM, IPPROTO_ICMP): refused or not
 * by ping_group_range, asking for one ends the run at the call (socket_rules
 * key by protocol too), before the payload's next line.
 */
TEST(policy_icmp_socket_ends_the_run)
{
	static const char *const payloads[] = {
		"import socket\n"
		"try:\n"
		"    socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)\n"
		"except OSError:\n"
		"    pass\n"
		"print('AFTER')\n",
		"import socket\n"
		"try:\n"
		"    socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_ICMPV6)\n"
		"except OSError:\n"
		"    pass\n"
		"print('AFTER')\n",
	};

	if (!require_root())
		return;
	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		struct cmd_result res;
		json_t *result, *log, *ev;

		unlink(test_path(1, "log.json"));	/* cellrun appends */
		result = run_default((char *[]){ PYTHON, "-c", (char *)payloads[i], NULL }, &res);
		ASSERT_EQ(res.status, 128 + 9, "the run was killed");
		ASSERT_FALSE(strstr(res.out, "AFTER"), "before its next line");
		ASSERT_STREQ(jstr(result, "reason"), "killed_by_rule", "result: reason");
		ASSERT_STREQ(jstr(result, "rule"), "icmp-socket", "result: rule");
		log = read_log(test_path(1, "log.json"));
		ev = alert_of(log, "icmp-socket");
		if (ASSERT_OK_PTR(ev, "alert")) {
			ASSERT_STREQ(jstr(ev, "event.action"), "socket", "a socket() event");
			ASSERT_EQ(jint(ev, "cellwatch.net.protocol"), i ? 58 : 1, "its protocol");
			ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "in the kernel");
			ASSERT_EQ(jint(ev, "cellwatch.kill_latency_us"), 0, "in the same syscall");
		}
		json_decref(log);
		json_decref(result);
	}
}
