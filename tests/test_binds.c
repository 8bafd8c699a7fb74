// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: the run's own paths in the cell, --bind, --ro-bind and
 * --tmpfs, as the payload sees them; and the destinations and sources
 * cellrun refuses before anything starts.
 */
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

#define PYTHON "/usr/bin/python3"

/*
 * Python prelude: err() (test.h), and flags(p), the flags of the mount at
 * @p that say what it lets the payload do, from the cell's mountinfo.
 */
#define PY_FLAGS_HELPER								\
	PY_ERR_HELPER								\
	"def flags(p):\n"							\
	"    o = []\n"								\
	"    for l in open('/proc/self/mountinfo'):\n"			\
	"        f = l.split()\n"						\
	"        if f[4] == p:\n"						\
	"            o = f[5].split(',')\n"					\
	"    return ','.join(x for x in ('ro', 'rw', 'nosuid', 'nodev', 'noexec') if x in o)\n"

/* test_dir/<name>, a directory of @mode (the umask set aside); NULL on failure. */
static const char *make_dir(int slot, const char *name, mode_t mode)
{
	const char *dir = test_path(slot, name);

	if (!ASSERT_OK(mkdir(dir, mode), dir) || !ASSERT_OK(chmod(dir, mode), dir))
		return NULL;
	return dir;
}

/* @dir/@name: a copy of /usr/bin/true, mode 0755. */
static bool put_program(const char *dir, const char *name)
{
	char path[4200];
	struct cmd_result res;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return run_cmd((char *[]){ "/usr/bin/install", "-m", "0755", "/usr/bin/true", path, NULL },
		       30, &res) == 0 && ASSERT_EQ(res.status, 0, "install a program");
}

TEST(binds_ro_bind_read_only_and_executable)
{
	const char *dir = make_dir(0, "tools", 0755);
	char spec[4200], path[4200];
	struct cmd_result res;

	if (!require_root() || !dir)
		return;
	snprintf(path, sizeof(path), "%s/data.txt", dir);
	if (!ASSERT_OK(write_text(path, "from the host\n"), "data.txt") || !put_program(dir, "prog"))
		return;
	snprintf(spec, sizeof(spec), "%s:/opt/tools", dir);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--ro-bind", spec, NULL },
			       (char *[]){ PYTHON, "-c", PY_FLAGS_HELPER "import subprocess\n"
				"print('read', open('/opt/tools/data.txt').read().strip())\n"
				"print('write', err(lambda: open('/opt/tools/new', 'w')))\n"
				"print('exec', subprocess.run(['/opt/tools/prog']).returncode)\n"
				"print('flags', flags('/opt/tools'))\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "read from the host\n", "the host's file is read in the cell");
	ASSERT_HAS(res.out, "write EROFS\n", "a read-only mount");
	ASSERT_HAS(res.out, "exec 0\n", "a program on it runs");
	ASSERT_HAS(res.out, "flags ro,nosuid,nodev\n", "read-only, nosuid, nodev, not noexec");
	snprintf(path, sizeof(path), "%s/new", dir);
	ASSERT_TRUE(access(path, F_OK) && errno == ENOENT, "nothing written on the host");
}

TEST(binds_bind_writable_shows_on_host_not_executable)
{
	/* Writable by the cell's host uid, whichever of the range it is. */
	const char *dir = make_dir(0, "work", 0777);
	const char *result = test_path(1, "result.json");
	char spec[4200], path[4200], buf[64] = "";
	struct cmd_result res;
	struct stat st;
	json_t *doc;

	if (!require_root() || !dir)
		return;
	snprintf(spec, sizeof(spec), "%s:/work", dir);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--bind", spec, "--result", (char *)result,
						       NULL },
			       (char *[]){ PYTHON, "-c", PY_FLAGS_HELPER "import shutil\n"
				"open('/work/out.txt', 'w').write('from the cell')\n"
				"shutil.copy('/usr/bin/true', '/work/t')\n"
				"os.chmod('/work/t', 0o755)\n"
				"print('exec', err(lambda: os.execv('/work/t', ['t'])))\n"
				"print('flags', flags('/work'))\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "exec EACCES\n", "what the cell wrote there cannot run");
	ASSERT_HAS(res.out, "flags rw,nosuid,nodev,noexec\n", "writable, nosuid, nodev, noexec");
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	ASSERT_TRUE(read_text(path, buf, sizeof(buf)) >= 0, "the file is on the host");
	ASSERT_STREQ(buf, "from the cell", "its content");
	doc = read_json(result);
	if (ASSERT_OK_PTR(doc, "result") && ASSERT_OK(stat(path, &st), "stat the file")) {
		/* Written as the cell's own host uid: nothing was chowned for it. */
		ASSERT_EQ(st.st_uid, jint(doc, "host_uid"), "the cell's host uid owns it");
		ASSERT_GE(st.st_uid, 65536, "not a uid of the host's users");
	}
	json_decref(doc);
}

TEST(binds_tmpfs_empty_bounded_noexec)
{
	struct cmd_result res;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--tmpfs", "/scratch:2M", "--tmpfs",
						       "/mnt/s2", "--tmp-size", "4M", NULL },
			       (char *[]){ PYTHON, "-c", PY_FLAGS_HELPER "import shutil\n"
				"print('empty', os.listdir('/scratch'))\n"
				"shutil.copy('/usr/bin/true', '/scratch/t')\n"
				"os.chmod('/scratch/t', 0o755)\n"
				"print('exec', err(lambda: os.execv('/scratch/t', ['t'])))\n"
				"os.unlink('/scratch/t')\n"
				"n = 0\n"
				"try:\n"
				"    with open('/scratch/fill', 'wb') as f:\n"
				"        while n < 64 << 20:\n"
				"            f.write(b'x' * 65536); f.flush(); n += 65536\n"
				"except OSError as e:\n"
				"    print('fill', errno.errorcode[e.errno], (1 << 20) <= n <= (2 << 20))\n"
				"v = os.statvfs('/mnt/s2')\n"
				"print('s2 MiB', v.f_blocks * v.f_frsize >> 20)\n"
				"print('flags', flags('/scratch'))\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "empty []\n", "it starts empty");
	ASSERT_HAS(res.out, "exec EACCES\n", "what the cell wrote there cannot run");
	ASSERT_HAS(res.out, "fill ENOSPC True\n", "writable up to its size, no further");
	ASSERT_HAS(res.out, "s2 MiB 4\n", "without a size, --tmp-size's");
	ASSERT_HAS(res.out, "flags rw,nosuid,nodev,noexec\n", "writable, nosuid, nodev, noexec");
}

/* cellrun with @opts refuses to start the payload: exit 125 and @message on stderr. */
static void refused(char *const opts[], const char *message)
{
	struct cmd_result res;

	ASSERT_OK(cellrun_with("log.json", opts, (char *[]){ "/bin/echo", "RAN", NULL }, &res),
		  message);
	ASSERT_EQ(res.status, 125, message);
	ASSERT_HAS(res.err, message, "the message");
	ASSERT_FALSE(strstr(res.out, "RAN"), "the payload never ran");
}

TEST(binds_bad_destinations_and_sources_refused)
{
	static const struct {
		const char *opt, *dst, *why;
	} cases[] = {
		{ "--bind", "/proc", "/proc: /proc is the cell's own" },
		{ "--ro-bind", "/usr/lib", "/usr/lib: /usr is the cell's own" },
		{ "--bind", "/etc/passwd", "/etc/passwd: /etc is the cell's own" },
		{ "--ro-bind", "/lib64/x", "/lib64/x: /lib* is the cell's own" },
		{ "--bind", "/output/x", "/output/x: /output is the cell's own" },
		{ "--bind", "data", "data is not an absolute path in the cell" },
		{ "--bind", "/data/../etc", "/data/../etc is not normalised" },
		{ "--bind", "/data//x", "/data//x is not normalised" },
		{ "--bind", "/data/", "/data/ is not normalised" },
		{ "--bind", "/", "/ is the cell's root itself" },
	};
	const char *src = make_dir(0, "src", 0755);
	char spec[4200], spec2[4200], msg[8600];

	if (!require_root() || !src)
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(spec, sizeof(spec), "%s:%s", src, cases[i].dst);
		snprintf(msg, sizeof(msg), "cellrun: %s %s: %s", cases[i].opt, spec, cases[i].why);
		refused((char *[]){ (char *)cases[i].opt, spec, NULL }, msg);
	}
	refused((char *[]){ "--tmpfs", "scratch", NULL },
		"cellrun: --tmpfs scratch: scratch is not an absolute path in the cell");
	refused((char *[]){ "--tmpfs", "/dev/x:1M", NULL },
		"cellrun: --tmpfs /dev/x:1M: /dev/x: /dev is the cell's own");
	snprintf(msg, sizeof(msg), "cellrun: --ro-bind %s: not SRC:DST", src);
	refused((char *[]){ "--ro-bind", (char *)src, NULL }, msg);
	/* Twice the same destination, and one beneath another. */
	snprintf(spec, sizeof(spec), "%s:/data", src);
	snprintf(msg, sizeof(msg), "cellrun: --tmpfs /data: /data is already the destination of "
		 "--bind %s", spec);
	refused((char *[]){ "--bind", spec, "--tmpfs", "/data", NULL }, msg);
	snprintf(spec2, sizeof(spec2), "%s:/data/sub", src);
	snprintf(msg, sizeof(msg), "cellrun: --ro-bind %s: /data/sub and the destination of "
		 "--bind %s nest", spec2, spec);
	refused((char *[]){ "--bind", spec, "--ro-bind", spec2, NULL }, msg);
	/* A source that is not there. */
	refused((char *[]){ "--ro-bind", "/nonexistent-cellwatch:/data", NULL },
		"cellrun: --ro-bind /nonexistent-cellwatch:/data: /nonexistent-cellwatch: "
		"No such file or directory");
	/* Written through one, run through the other: W^X across mounts. */
	snprintf(spec2, sizeof(spec2), "%s:/tools", src);
	snprintf(msg, sizeof(msg), "cellrun: --ro-bind %s: its source and that of --bind %s "
		 "overlap", spec2, spec);
	refused((char *[]){ "--bind", spec, "--ro-bind", spec2, NULL }, msg);
}

TEST(binds_result_lists_mounts)
{
	const char *dir = make_dir(0, "data", 0755), *wdir = make_dir(1, "w", 0777);
	const char *result = test_path(2, "result.json");
	char ro[4200], rw[4200], real[PATH_MAX] = "", wreal[PATH_MAX] = "";
	struct cmd_result res;
	json_t *doc, *m;

	if (!require_root() || !dir || !wdir)
		return;
	ASSERT_OK_PTR(realpath(dir, real), "realpath");
	ASSERT_OK_PTR(realpath(wdir, wreal), "realpath");
	/* Named through a "..": the result gives the path resolved. */
	snprintf(ro, sizeof(ro), "%s/../data:/data", dir);
	snprintf(rw, sizeof(rw), "%s:/srv/w", wdir);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--ro-bind", ro, "--bind", rw, "--tmpfs",
						       "/scratch:1M", "--tmpfs", "/mnt/t",
						       "--tmp-size", "3M", "--result",
						       (char *)result, NULL },
			       (char *[]){ "/usr/bin/true", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	doc = read_json(result);
	if (!ASSERT_OK_PTR(doc, "result"))
		return;
	ASSERT_EQ(json_array_size(jget(doc, "mounts")), 4, "four mounts listed");
	m = json_array_get(jget(doc, "mounts"), 0);
	ASSERT_STREQ(jstr(m, "destination"), "/data", "a read-only bind's destination");
	ASSERT_STREQ(jstr(m, "source"), real, "its source, resolved");
	ASSERT_STREQ(jstr(m, "mode"), "ro", "its mode");
	m = json_array_get(jget(doc, "mounts"), 1);
	ASSERT_STREQ(jstr(m, "destination"), "/srv/w", "a writable bind's destination");
	ASSERT_STREQ(jstr(m, "source"), wreal, "its source");
	ASSERT_STREQ(jstr(m, "mode"), "rw", "its mode");
	m = json_array_get(jget(doc, "mounts"), 2);
	ASSERT_STREQ(jstr(m, "destination"), "/scratch", "a tmpfs's destination");
	ASSERT_STREQ(jstr(m, "mode"), "tmpfs", "its mode");
	ASSERT_EQ(jint(m, "size"), 1 << 20, "its size");
	ASSERT_NULL(jget(m, "source"), "no source");
	m = json_array_get(jget(doc, "mounts"), 3);
	ASSERT_STREQ(jstr(m, "destination"), "/mnt/t", "another tmpfs");
	ASSERT_EQ(jint(m, "size"), 3 << 20, "without a size, --tmp-size's");
	json_decref(doc);
}

TEST(binds_from_a_profile)
{
	const char *dir = make_dir(0, "data", 0755);
	const char *profile = test_path(1, "profile.json");
	const char *bad = test_path(2, "bad.json");
	char text[8400], path[4200];
	struct cmd_result res;

	if (!require_root() || !dir)
		return;
	snprintf(path, sizeof(path), "%s/in.txt", dir);
	snprintf(text, sizeof(text), "{ \"ro-bind\": [\"%s:/data\"], \"tmpfs\": [\"/scratch:1M\"] }",
		 dir);
	if (!ASSERT_OK(write_text(path, "profiled\n"), "in.txt") ||
	    !ASSERT_OK(write_text(profile, text), "profile") ||
	    !ASSERT_OK(write_text(bad, "{ \"bind\": [\"/srv:data\"] }"), "bad profile"))
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--profile", (char *)profile, NULL },
			       (char *[]){ PYTHON, "-c",
				"import os\n"
				"print(open('/data/in.txt').read().strip())\n"
				"open('/scratch/x', 'w').write('x')\n"
				"print('scratch', os.listdir('/scratch'))\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_STREQ(res.out, "profiled\nscratch ['x']\n", "both from the profile");
	snprintf(text, sizeof(text), "cellrun: %s: \"bind\": /srv:data: data is not an absolute "
		 "path in the cell", bad);
	refused((char *[]){ "--profile", (char *)bad, NULL }, text);
}
