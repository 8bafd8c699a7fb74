// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: no shell in the cell.  Every shell path of the rule set is an
 * empty, read-only, non-executable file, whatever loads it: an exec, a
 * mapping of its code, a parse of its ELF header, os.system, shell=True.
 * The payloads run with --no-monitor where they prove the mask, so that
 * nothing else (the monitor's kill of a shell's exec) could pass for it;
 * with --keep-shells the same payload finds the shells and runs one.
 */
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

#define PYTHON "/usr/bin/python3"

/*
 * Prints one line per check.  Bounded: an alarm ends it after 10 s, every
 * child has a timeout, and it starts at most seven shells, one at a time.
 */
#define SHELL_PROBE								\
	"import ctypes, errno, mmap, os, resource, signal, stat, subprocess\n"	\
	"signal.alarm(10)\n"							\
	"resource.setrlimit(resource.RLIMIT_NPROC, (16, 16))\n"		\
	"libc = ctypes.CDLL(None, use_errno=True)\n"				\
	"libc.mmap.restype = ctypes.c_void_p\n"				\
	"libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,\n" \
	"                      ctypes.c_int, ctypes.c_int, ctypes.c_long]\n"	\
	"def name(e):\n"							\
	"    return errno.errorcode.get(e, str(e))\n"				\
	"def probe(p):\n"							\
	"    try:\n"								\
	"        st = os.stat(p)\n"						\
	"    except OSError as e:\n"						\
	"        print(p, 'stat', name(e.errno))\n"				\
	"        return\n"							\
	"    print(p, 'size', st.st_size, 'mode', oct(stat.S_IMODE(st.st_mode)))\n" \
	"    with open(p, 'rb') as f:\n"					\
	"        print(p, 'elf', f.read(64)[:4])\n"				\
	"        ctypes.set_errno(0)\n"						\
	"        a = libc.mmap(None, 4096, mmap.PROT_READ | mmap.PROT_EXEC,\n"	\
	"                      mmap.MAP_PRIVATE, f.fileno(), 0)\n"		\
	"        if a in (None, ctypes.c_void_p(-1).value):\n"			\
	"            print(p, 'mmap-exec', name(ctypes.get_errno()))\n"	\
	"        else:\n"							\
	"            print(p, 'mmap-exec', ctypes.string_at(a, 4))\n"		\
	"    for what, fn in [('exec', lambda: subprocess.run([p, '-c', 'echo EXEC-$((6*7))'],\n" \
	"                                                     timeout=5)),\n"	\
	"                     ('chmod', lambda: os.chmod(p, 0o755)),\n"	\
	"                     ('write', lambda: open(p, 'ab'))]:\n"		\
	"        try:\n"							\
	"            fn()\n"							\
	"            print(p, what, 'ALLOWED')\n"				\
	"        except OSError as e:\n"					\
	"            print(p, what, name(e.errno))\n"				\
	"for p in ['/usr/bin/dash', '/bin/sh', '/usr/bin/sh', '/usr/bin/bash', '/sbin/sh']:\n" \
	"    probe(p)\n"							\
	"st = os.system('echo SYSTEM-$((6*7))')\n"				\
	"print('system status', st)\n"						\
	"try:\n"								\
	"    r = subprocess.run('echo SUBPROCESS-$((6*7))', shell=True, timeout=5,\n" \
	"                       capture_output=True, text=True)\n"		\
	"    print('shell=True', r.returncode, r.stdout.strip(), r.stderr.strip())\n" \
	"except OSError as e:\n"						\
	"    print('shell=True', name(e.errno))\n"

/* What the probe must say of a masked shell at @path. */
static void assert_masked(const char *out, const char *path)
{
	char line[256];

	snprintf(line, sizeof(line), "%s size 0 mode 0o444\n", path);
	ASSERT_HAS(out, line, "an empty, read-only file");
	snprintf(line, sizeof(line), "%s elf b''\n", path);
	ASSERT_HAS(out, line, "no ELF header to parse");
	snprintf(line, sizeof(line), "%s mmap-exec EPERM\n", path);
	ASSERT_HAS(out, line, "its code cannot be mapped executable (noexec)");
	snprintf(line, sizeof(line), "%s exec EACCES\n", path);
	ASSERT_HAS(out, line, "an exec fails");
	snprintf(line, sizeof(line), "%s chmod EROFS\n", path);
	ASSERT_HAS(out, line, "its mode cannot change");
	snprintf(line, sizeof(line), "%s write EROFS\n", path);
	ASSERT_HAS(out, line, "it cannot be written");
}

static void assert_no_shell_ran(const char *out)
{
	ASSERT_FALSE(strstr(out, "SYSTEM-42"), "os.system ran no command");
	ASSERT_FALSE(strstr(out, "SUBPROCESS-42"), "shell=True ran no command");
	ASSERT_FALSE(strstr(out, "EXEC-42"), "no shell was executed");
	/* The C library's system() reports a shell it could not run as 127. */
	ASSERT_HAS(out, "system status 32512\n", "os.system: /bin/sh could not be run");
	ASSERT_HAS(out, "shell=True EACCES\n", "shell=True: /bin/sh could not be executed");
}

TEST(shells_masked_in_the_default_root)
{
	const char *result = test_path(1, "result.json");
	struct cmd_result res;
	json_t *doc;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--no-monitor", "--result", (char *)result,
						       NULL },
			       (char *[]){ PYTHON, "-c", SHELL_PROBE, NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	assert_masked(res.out, "/usr/bin/dash");
	assert_masked(res.out, "/bin/sh");
	assert_masked(res.out, "/usr/bin/sh");
	assert_masked(res.out, "/usr/bin/bash");
	assert_no_shell_ran(res.out);
	doc = read_json(result);
	if (ASSERT_OK_PTR(doc, "result file")) {
		ASSERT_STREQ(jstr(doc, "layers.shells"), "masked", "the result names the layer");
		json_decref(doc);
	}
}

/* The same payload with the shells kept: it finds them, and a shell runs. */
TEST(shells_kept_with_keep_shells)
{
	const char *result = test_path(1, "result.json");
	struct cmd_result res;
	json_t *doc;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--no-monitor", "--keep-shells", "--result",
						       (char *)result, NULL },
			       (char *[]){ PYTHON, "-c", SHELL_PROBE, NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "/usr/bin/dash elf b'\\x7fELF'\n", "dash is an ELF file");
	ASSERT_HAS(res.out, "/usr/bin/dash mmap-exec b'\\x7fELF'\n", "and maps executable");
	ASSERT_HAS(res.out, "/usr/bin/bash exec ALLOWED\n", "bash can be executed");
	ASSERT_HAS(res.out, "EXEC-42", "and runs its command");
	ASSERT_HAS(res.out, "SYSTEM-42", "os.system ran its command");
	ASSERT_HAS(res.out, "SUBPROCESS-42", "shell=True ran its command");
	doc = read_json(result);
	if (ASSERT_OK_PTR(doc, "result file")) {
		ASSERT_STREQ(jstr(doc, "layers.shells"), "kept", "the result says so");
		json_decref(doc);
	}
}

/* "keep-shells": true in a --profile is the option. */
TEST(shells_kept_by_profile_key)
{
	const char *profile = test_path(1, "profile.json");
	struct cmd_result res;

	if (!require_root() ||
	    !ASSERT_OK(write_text(profile, "{ \"keep-shells\": true, \"no-monitor\": true }\n"),
		       "profile"))
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--profile", (char *)profile, NULL },
			       (char *[]){ PYTHON, "-c", SHELL_PROBE, NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "SYSTEM-42", "os.system ran its command");
}

/*
 * --rootfs: names resolve in the given root, not the host's.  Its /sbin is
 * a directory of its own holding a copy of dash named sh (the host has no
 * /usr/sbin/sh) and a hardlink of that copy under another name.
 */
TEST(shells_masked_in_a_given_rootfs)
{
	const char *root = test_path(0, "rootfs");
	static const char *const dirs[] = { "", "/proc", "/dev", "/tmp", "/usr", "/etc", "/sbin" };
	static const char *const links[][2] = {
		{ "usr/bin", "/bin" }, { "usr/lib", "/lib" }, { "usr/lib64", "/lib64" },
	};
	char path[4200], link2[4200], cmd[4400];
	struct cmd_result res;

	if (!require_root())
		return;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
		mkdir(path, 0755);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", root, links[i][1]);
		symlink(links[i][0], path);
	}
	snprintf(path, sizeof(path), "%s/sbin/sh", root);
	snprintf(link2, sizeof(link2), "%s/sbin/report", root);
	snprintf(cmd, sizeof(cmd), "cp /usr/bin/dash %s", path);
	if (!ASSERT_EQ(system(cmd), 0, "copy dash into rootfs/sbin/sh") ||
	    !ASSERT_OK(link(path, link2), "hardlink it as rootfs/sbin/report"))
		return;
	/* The rootfs gets the host's /usr in a mount namespace of this test's own: gone with it. */
	snprintf(path, sizeof(path), "%s/usr", root);
	if (!ASSERT_OK(unshare(CLONE_NEWNS), "private mount namespace for the test") ||
	    !ASSERT_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "make it private") ||
	    !ASSERT_OK(mount("/usr", path, NULL, MS_BIND | MS_RDONLY, NULL), "populate rootfs/usr"))
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--no-monitor", "--rootfs", (char *)root,
						       NULL },
			       (char *[]){ PYTHON, "-c", SHELL_PROBE
				"probe('/sbin/report')\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	assert_masked(res.out, "/usr/bin/dash");
	assert_masked(res.out, "/bin/sh");
	assert_masked(res.out, "/sbin/sh");
	assert_masked(res.out, "/sbin/report");
	assert_no_shell_ran(res.out);
}

/* Under the daemon, whose policies cellrun does not know: the default list's shells go. */
TEST(shells_masked_under_the_daemon)
{
	const char *rules = test_path(1, "none.json");
	struct daemon_proc d = {};
	struct cmd_result res;

	/* No rule: the masks alone answer the probe, which a kill would cut short. */
	if (!require_root() || !ASSERT_OK(write_text(rules, "{\"rules\": []}\n"), "rule file") ||
	    !ASSERT_TRUE(start_daemon(&d, (char *[]){ "--rules", (char *)rules, NULL }),
			 "daemon starts"))
		goto cleanup;
	ASSERT_OK(cellrun_daemon(&d, NULL, (char *[]){ PYTHON, "-c", SHELL_PROBE, NULL }, &res),
		  "cellrun --daemon");
	ASSERT_EQ(res.status, 0, "exit status");
	assert_masked(res.out, "/usr/bin/dash");
	assert_masked(res.out, "/bin/sh");
	assert_masked(res.out, "/usr/bin/bash");
	assert_no_shell_ran(res.out);
cleanup:
	daemon_cleanup(&d);
}

/*
 * The rule file's "shells" list adds to the built-in names, as names looked
 * up in the binary directories or as absolute paths, symlinks followed
 * (/usr/bin/awk -> /etc/alternatives/awk -> mawk).
 */
TEST(shells_rule_file_list_masked_too)
{
	const char *rules = test_path(1, "rules.json");
	struct cmd_result res;

	if (!require_root() ||
	    !ASSERT_OK(write_text(rules, "{ \"lists\": { \"shells\": [\"perl\", \"/usr/bin/awk\","
					 " \"../../usr/bin/python3\"] }, \"rules\": [] }\n"),
		       "rule file"))
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--no-monitor", "--rules", (char *)rules,
						       NULL },
			       (char *[]){ PYTHON, "-c",
				"import os\n"
				"for p in ['/usr/bin/perl', '/usr/bin/awk', '/usr/bin/dash',\n"
				"          '/usr/bin/python3']:\n"
				"    print(p, os.stat(p).st_size > 0)\n"
				"for n in os.listdir('/usr/bin'):\n"
				"    if n.startswith('perl5'):\n"
				"        st = os.lstat('/usr/bin/' + n)\n"
				"        print('hardlink', n, st.st_size > 0, st.st_nlink)\n", NULL },
			       &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "/usr/bin/perl False\n", "a name of the rule file's list");
	ASSERT_HAS(res.out, "/usr/bin/awk False\n", "a path of it, through its symlinks");
	ASSERT_HAS(res.out, "/usr/bin/dash False\n", "the built-in names still");
	ASSERT_HAS(res.out, "/usr/bin/python3 True\n", "a name with '/' that is no path: ignored");
	/* Debian's perl is also /usr/bin/perl5.N.M, the same inode: masked as well. */
	if (strstr(res.out, "hardlink perl5"))
		ASSERT_FALSE(strstr(res.out, " True 2\n"), "perl's hardlink is masked too");
}

/* The log of a run killed for mapping dash executable says so, as an exec. */
static void assert_mapping_alert(void)
{
	json_t *log = read_log(test_path(1, "log.json"));
	json_t *ev = find_event(log, "rule.name", "shell-spawn");

	if (ASSERT_OK_PTR(ev, "the shell's mapping is an alert")) {
		ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "decided in the kernel");
		ASSERT_HAS(jstr(ev, "process.executable"), "dash", "the shell's image");
		ASSERT_STREQ(json_string_value(json_array_get(jget(ev, "cellwatch.exec.how"), 0)),
			     "mapped", "mapped, not exec'd");
	}
	json_decref(log);
}

/*
 * A shell's image mapped executable is judged as its exec: a userland
 * loader maps the segments itself and never calls exec.  With the shells
 * kept, the observe rules' shell-spawn kills the process at the mmap.
 */
TEST(shells_mapped_executable_judged_as_exec)
{
	struct cmd_result res;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--keep-shells", NULL },
			       (char *[]){ PYTHON, "-c",
				"import mmap\n"
				"f = open('/usr/bin/dash', 'rb')\n"
				"m = mmap.mmap(f.fileno(), 4096, mmap.MAP_PRIVATE,\n"
				"              mmap.PROT_READ | mmap.PROT_EXEC)\n"
				"print('MAPPED', m[:4])\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 128 + 9, "killed at the mmap");
	ASSERT_STREQ(res.out, "", "the mapping was never used");
	assert_mapping_alert();
}

/* The same mapping made executable only afterwards, by mprotect. */
TEST(shells_made_executable_later_judged_as_exec)
{
	struct cmd_result res;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--keep-shells", NULL },
			       (char *[]){ PYTHON, "-c",
				"import ctypes, mmap, os\n"
				"libc = ctypes.CDLL(None, use_errno=True)\n"
				"libc.mmap.restype = ctypes.c_void_p\n"
				"libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,\n"
				"                      ctypes.c_int, ctypes.c_int, ctypes.c_long]\n"
				"libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]\n"
				"fd = os.open('/usr/bin/dash', os.O_RDONLY)\n"
				"a = libc.mmap(None, 4096, mmap.PROT_READ, mmap.MAP_PRIVATE, fd, 0)\n"
				"print('MAPPED', flush=True)\n"
				"libc.mprotect(a, 4096, mmap.PROT_READ | mmap.PROT_EXEC)\n"
				"print('EXECUTABLE')\n", NULL }, &res), "cellrun");
	/* Before 5.17 (no bpf_find_vma) mprotect goes unjudged: the README's portability table. */
	if (kernel_older_than(5, 17)) {
		ASSERT_EQ(res.status, 0, "not judged before 5.17");
		ASSERT_STREQ(res.out, "MAPPED\nEXECUTABLE\n", "the mapping made executable");
		return;
	}
	ASSERT_EQ(res.status, 128 + 9, "killed at the mprotect");
	ASSERT_STREQ(res.out, "MAPPED\n", "a readable mapping is no offence; an executable one is");
	assert_mapping_alert();
}
