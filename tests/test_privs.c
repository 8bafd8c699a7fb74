// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Integration: who the payload is and what it may no longer do. */
#include <dirent.h>
#include <seccomp.h>
#include <stdlib.h>

#include "../launcher/seccomp_lists.h"
#include "test.h"

#define PYTHON "/usr/bin/python3"

TEST(privs_nobody_without_capabilities)
{
	struct cmd_result res;

	if (!require_root())
		return;
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c",
			"import os, subprocess\n"
			"print(subprocess.run(['id'], capture_output=True, text=True).stdout.strip())\n"
			"for line in open('/proc/self/status'):\n"
			"    k = line.split(':')[0]\n"
			"    if k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs',\n"
			"             'Seccomp'):\n"
			"        print(k, line.split()[1])\n",
			NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n", "id");
	ASSERT_HAS(res.out, "CapInh 0000000000000000\n", "CapInh");
	ASSERT_HAS(res.out, "CapPrm 0000000000000000\n", "CapPrm");
	ASSERT_HAS(res.out, "CapEff 0000000000000000\n", "CapEff");
	ASSERT_HAS(res.out, "CapBnd 0000000000000000\n", "CapBnd");
	ASSERT_HAS(res.out, "CapAmb 0000000000000000\n", "CapAmb");
	ASSERT_HAS(res.out, "NoNewPrivs 1\n", "no_new_privs");
	ASSERT_HAS(res.out, "Seccomp 2\n", "seccomp filter");
}

TEST(privs_escape_syscalls_fail)
{
	struct cmd_result res;

	if (!require_root())
		return;
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c",
			"import ctypes, errno\n"
			"libc = ctypes.CDLL(None, use_errno=True)\n"
			"def call(name, f, *args):\n"
			"    r = f(*args)\n"
			"    print(name, 'SUCCEEDED' if r >= 0 else errno.errorcode[ctypes.get_errno()])\n"
			"call('unshare-user', libc.unshare, 0x10000000)\n"
			"call('unshare-net', libc.unshare, 0x40000000)\n"
			"call('mount', libc.mount, b'none', b'/tmp', b'tmpfs', 0, None)\n"
			"call('ptrace', libc.ptrace, 0, 0, None, None)\n"
			"call('bpf', libc.syscall, 321, 0, None, 0)\n"
			"call('setuid0', libc.setuid, 0)\n"
			"call('chroot', libc.chroot, b'/tmp')\n"
			"call('clone-files', libc.syscall, 56, 0x400 | 17, 0, 0, 0, 0)\n"
			"import threading\n"
			"t = threading.Thread(target=print, args=('a thread ran',))\n"
			"t.start()\n"
			"t.join()\n",
			NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "unshare-user EPERM\n", "unshare(CLONE_NEWUSER)");
	ASSERT_HAS(res.out, "unshare-net EPERM\n", "unshare(CLONE_NEWNET)");
	ASSERT_HAS(res.out, "mount EPERM\n", "mount");
	ASSERT_HAS(res.out, "ptrace EPERM\n", "ptrace");
	ASSERT_HAS(res.out, "bpf EPERM\n", "bpf");
	ASSERT_HAS(res.out, "setuid0 EINVAL\n", "setuid(0): no uid 0 in the cell");
	ASSERT_HAS(res.out, "chroot EPERM\n", "chroot");
	ASSERT_HAS(res.out, "clone-files EPERM\n", "a process sharing the file table");
	ASSERT_HAS(res.out, "a thread ran\n", "threads, which share it too, still start");
	ASSERT_FALSE(strstr(res.out, "SUCCEEDED"), "no escape syscall succeeded");
}

TEST(privs_foreign_abi_killed)
{
	struct cmd_result res;

	if (!require_root())
		return;
	/* getpid through the x32 ABI: the filter allows the native ABI only. */
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c",
			"import subprocess, sys\n"
			"r = subprocess.run([sys.executable, '-c', 'import ctypes; "
			"ctypes.CDLL(None).syscall(0x40000000 | 39)'])\n"
			"print('x32', r.returncode)\n",
			NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "x32 -31\n", "an x32 syscall kills the caller with SIGSYS");
}

TEST(privs_landlock_confines_filesystem)
{
	const char *result = test_path(2, "result.json");
	struct cmd_result res;
	json_t *doc;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--result", (char *)result, NULL },
			       (char *[]){ PYTHON, "-c",
				PY_ERR_HELPER
				"print('list-root', err(lambda: os.listdir('/')))\n"
				"print('read-usr', err(lambda: open('/usr/bin/true', 'rb').read(4)))\n"
				"print('write-tmp', err(lambda: open('/tmp/x', 'w').write('x')))\n",
				NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	doc = read_json(result);
	if (doc && !json_is_true(jget(doc, "layers.landlock.applied"))) {
		test__skip("the kernel lacks Landlock");
		json_decref(doc);
		return;
	}
	/* The mounts allow listing /: only Landlock refuses it. */
	ASSERT_HAS(res.out, "list-root EACCES\n", "nothing outside the granted trees");
	ASSERT_HAS(res.out, "read-usr ALLOWED\n", "system directories readable");
	ASSERT_HAS(res.out, "write-tmp ALLOWED\n", "/tmp writable");
	ASSERT_TRUE(jint(doc, "layers.landlock.abi") >= 1, "the result names the ABI");
	json_decref(doc);
}

static bool listed(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

#define LISTED(list, name) listed(list, sizeof(list) / sizeof(list[0]), name)
#define SYSCALL_EVENTS "/sys/kernel/tracing/events/syscalls"

/*
 * Every syscall of the running kernel (its sys_enter tracepoints) that the
 * allow-list does not name is refused in the cell: ENOSYS, or EPERM for
 * one refused by name.  Each is called, with zero arguments, from inside.
 * The module and kexec calls, which kill, are test_policy.c's.
 */
TEST(privs_syscalls_off_the_allow_list_refused)
{
	char script[65536], name[64], want[96], got[96];
	int n = 0, called = 0, unnamed = 0;
	struct cmd_result res;
	struct dirent *de;
	DIR *d;

	if (!require_root())
		return;
	d = opendir(SYSCALL_EVENTS);
	if (!ASSERT_OK_PTR(d, "the kernel's syscall tracepoints"))
		return;
	n = snprintf(script, sizeof(script), "import ctypes, errno\n"
		     "libc = ctypes.CDLL(None, use_errno=True)\n"
		     "def call(name, nr):\n"
		     "    r = libc.syscall(nr, 0, 0, 0, 0, 0, 0)\n"
		     "    e = ctypes.get_errno()\n"
		     "    print(name, 'RAN' if r >= 0 else errno.errorcode.get(e, e))\n"
		     "print()\n");	/* every line follows a newline */
	while ((de = readdir(d))) {
		int nr;

		if (strncmp(de->d_name, "sys_enter_", 10))
			continue;
		snprintf(name, sizeof(name), "%s", de->d_name + 10);
		if (LISTED(seccomp_allowed, name) || LISTED(seccomp_killed, name))
			continue;
		nr = seccomp_syscall_resolve_name(name);
		if (nr < 0) {
			/* libseccomp cannot name it: the filter cannot allow it */
			unnamed++;
			continue;
		}
		n += snprintf(script + n, sizeof(script) - n, "call('%s', %d)\n", name, nr);
		called++;
	}
	closedir(d);
	if (!ASSERT_TRUE(n < (int)sizeof(script), "the script fits") ||
	    !ASSERT_TRUE(called > 20, "the kernel has syscalls off the list"))
		return;
	fprintf(stderr, "note: %d syscalls called, %d unknown to libseccomp\n", called, unnamed);
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c", script, NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "the payload called them all");
	d = opendir(SYSCALL_EVENTS);
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "sys_enter_", 10))
			continue;
		snprintf(name, sizeof(name), "%s", de->d_name + 10);
		if (LISTED(seccomp_allowed, name) || LISTED(seccomp_killed, name) ||
		    seccomp_syscall_resolve_name(name) < 0)
			continue;
		snprintf(want, sizeof(want), "\n%s %s\n", name,
			 LISTED(seccomp_denied, name) ? "EPERM" : "ENOSYS");
		snprintf(got, sizeof(got), "\n%s ", name);
		if (!strstr(res.out, want) && ASSERT_HAS(res.out, got, name))
			ASSERT_HAS(res.out, want, "refused by the filter");
	}
	if (d)
		closedir(d);
}
