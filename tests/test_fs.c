// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Integration: the cell's filesystem, as the payload sees it. */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

#define PYTHON "/usr/bin/python3"

TEST(fs_matplotlib_chart_to_output)
{
	const char *out = make_output_dir("out");
	const char *result = test_path(2, "result.json");
	unsigned char magic[8] = {};
	char png[4200];
	struct cmd_result res;
	json_t *doc, *art;
	FILE *f;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)out, "--result",
						       (char *)result, NULL },
			       (char *[]){ PYTHON, "-c",
				"import matplotlib\nmatplotlib.use('Agg')\n"
				"import matplotlib.pyplot as plt\n"
				"plt.plot([1, 2, 3], [4, 1, 9])\nplt.title('cell')\n"
				"plt.savefig('/output/chart.png')\nprint('saved')\n", NULL },
			       &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_STREQ(res.out, "saved\n", "stdout");
	snprintf(png, sizeof(png), "%s/chart.png", out);
	f = fopen(png, "rb");
	if (ASSERT_OK_PTR(f, "chart.png on the host")) {
		ASSERT_EQ(fread(magic, 1, 8, f), 8, "read header");
		fclose(f);
	}
	ASSERT_TRUE(!memcmp(magic, "\x89PNG\r\n\x1a\n", 8), "a PNG file");

	doc = read_json(result);
	if (ASSERT_OK_PTR(doc, "result file")) {
		ASSERT_STREQ(jstr(doc, "reason"), "exited", "reason");
		ASSERT_EQ(jint(doc, "exit_code"), 0, "exit_code");
		art = json_array_get(jget(doc, "artifacts"), 0);
		ASSERT_STREQ(jstr(art, "path"), "chart.png", "artifact listed");
		ASSERT_TRUE(jint(art, "size") > 1000, "artifact size");
		json_decref(doc);
	}
}

TEST(fs_host_content_invisible)
{
	char script[8192];
	struct cmd_result res;

	if (!require_root())
		return;
	/* Every check prints one word; the host's passwd has users the cell's must not. */
	snprintf(script, sizeof(script),
		 "import os\n"
		 "def gone(p):\n"
		 "    try:\n"
		 "        os.stat(p)\n"
		 "        return 'VISIBLE'\n"
		 "    except FileNotFoundError:\n"
		 "        return 'gone'\n"
		 "pw = open('/etc/passwd').read()\n"
		 "print('passwd', 'host' if 'daemon:' in pw or 'bin:x' in pw else 'synthetic')\n"
		 "for p in ['/etc/shadow', '/etc/gshadow', '/root', '/home', '/var', '/run',\n"
		 "          '/var/run/docker.sock', '/etc/ssh', '%s']:\n"
		 "    print(p, gone(p))\n"
		 "for p in ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug']:\n"
		 "    if gone(p) == 'VISIBLE':\n"
		 "        print(p, 'masked' if open(p, 'rb').read(64) == b'' else 'VISIBLE')\n"
		 "print('pids', sorted(int(d) for d in os.listdir('/proc') if d.isdigit()))\n"
		 "print('hostname', open('/etc/hostname').read().strip(), os.uname().nodename)\n",
		 src_dir);
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c", script, NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "passwd synthetic\n", "/etc/passwd is the cell's own");
	ASSERT_HAS(res.out, "/etc/shadow gone\n", "/etc/shadow");
	ASSERT_HAS(res.out, "/etc/gshadow gone\n", "/etc/gshadow");
	ASSERT_HAS(res.out, "/root gone\n", "/root");
	ASSERT_HAS(res.out, "/home gone\n", "/home");
	ASSERT_HAS(res.out, "/var gone\n", "/var");
	ASSERT_HAS(res.out, "/run gone\n", "/run");
	ASSERT_HAS(res.out, "/etc/ssh gone\n", "/etc/ssh");
	ASSERT_HAS(res.out, " masked\n", "a revealing /proc entry is masked");
	ASSERT_FALSE(strstr(res.out, "VISIBLE"), "nothing of the host visible");
	/* Its own pid namespace: init and the payload, nothing of the host. */
	ASSERT_HAS(res.out, "pids [1, 2]\n", "only the cell's processes");
	ASSERT_HAS(res.out, "hostname cell cell\n", "hostname");
}

TEST(fs_host_paths_and_boot_line_hidden)
{
	struct cmd_result res;

	if (!require_root())
		return;
	/* Init is a copy of cellrun: its command line names host paths (the --log here). */
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c",
		"print('init', open('/proc/1/cmdline', 'rb').read().rstrip(b'\\0').decode())\n"
		"for l in open('/proc/self/cgroup'):\n"
		"    print('cgroup', l.split(':', 2)[2].strip())\n"
		"print('boot line bytes', len(open('/proc/cmdline').read()))\n", NULL }, &res),
		"cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "init cellrun-init\n", "init's command line replaced");
	ASSERT_FALSE(strstr(res.out, test_dir), "no host path of the run");
	ASSERT_HAS(res.out, "cgroup /\n", "the cell's cgroups are its root");
	ASSERT_FALSE(strstr(res.out, "cgroup /."), "no path above the cgroup root");
	ASSERT_FALSE(strstr(res.out, "cellwatch/"), "no host cgroup path");
	ASSERT_HAS(res.out, "boot line bytes 0\n", "the host's kernel command line masked");
}

/*
 * The host's load, pressure, disks, interrupts, boot id and kernel build
 * string read as an idle machine's, well-formed, and cannot be written;
 * each cell gets a boot id of its own.  Every mount over a /proc entry
 * (these, the masks, the read-only directories) is read-only.
 */
TEST(fs_host_figures_virtualised)
{
	static const char *const script =
		"import errno, os\n"
		"def show(path):\n"
		"    if os.path.exists(path):\n"
		"        print(path, repr(open(path).read()))\n"
		"for p in ('/proc/loadavg', '/proc/pressure/cpu', '/proc/diskstats',\n"
		"          '/proc/interrupts', '/proc/version',\n"
		"          '/proc/sys/kernel/random/boot_id'):\n"
		"    show(p)\n"
		"for p in ('/proc/loadavg', '/proc/version'):\n"
		"    try:\n"
		"        open(p, 'w')\n"
		"        print('write', p, 'WRITTEN')\n"
		"    except OSError as e:\n"
		"        print('write', p, errno.errorcode[e.errno])\n"
		"n = 0\n"
		"for l in open('/proc/self/mountinfo'):\n"
		"    f = l.split()\n"
		"    if f[4].startswith('/proc/'):\n"
		"        n += 1\n"
		"        if 'ro' not in f[5].split(','):\n"
		"            print('writable mount', f[4])\n"
		"print('proc mounts', n)\n";
	char host_boot[64] = "", first[4096] = "", *id;
	struct cmd_result res;

	if (!require_root())
		return;
	read_text("/proc/sys/kernel/random/boot_id", host_boot, sizeof(host_boot));
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c", (char *)script, NULL }, &res),
		  "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "/proc/loadavg '0.00 0.00 0.00 1/1 1\\n'", "an idle machine's load");
	if (!access("/proc/pressure/cpu", F_OK))
		ASSERT_HAS(res.out, "/proc/pressure/cpu 'some avg10=0.00 avg60=0.00 avg300=0.00 "
			   "total=0", "no pressure");
	ASSERT_HAS(res.out, "/proc/diskstats ''", "no disks");
	ASSERT_HAS(res.out, "/proc/interrupts ''", "no interrupts");
	ASSERT_HAS(res.out, " #1 SMP\\n'", "the release only");
	ASSERT_FALSE(strstr(res.out, "gcc"), "no compiler or builder");
	ASSERT_HAS(res.out, "write /proc/loadavg EROFS\n", "a virtual entry is read-only");
	ASSERT_HAS(res.out, "write /proc/version EROFS\n", "each of them");
	ASSERT_FALSE(strstr(res.out, "writable mount"), "every mount over /proc read-only");
	ASSERT_FALSE(strstr(res.out, "proc mounts 0\n"), "the masks are mounts");
	host_boot[36] = '\0';
	id = strstr(res.out, "boot_id '");
	if (ASSERT_OK_PTR(id, "a boot id")) {
		ASSERT_FALSE(strstr(id, host_boot), "not the host's");
		snprintf(first, sizeof(first), "%.45s", id);
	}
	ASSERT_OK(cellrun("log.json", (char *[]){ PYTHON, "-c", (char *)script, NULL }, &res),
		  "cellrun again");
	ASSERT_FALSE(first[0] && strstr(res.out, first), "each cell its own");
}

TEST(fs_output_bounded_and_copied_at_the_end)
{
	const char *out = make_output_dir("out");
	char path[4200], buf[64] = "";
	struct cmd_result res;
	struct stat st;

	if (!require_root())
		return;
	/* Many files under --fsize each: only --output-size bounds what reaches the host. */
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)out,
			       "--output-size", "8M", NULL }, (char *[]){ PYTHON, "-c",
		"import errno, os\n"
		"open('/output/small.txt', 'w').write('kept')\n"
		"os.symlink('/etc/passwd', '/output/link')\n"
		"n = 0\n"
		"try:\n"
		"    for i in range(64):\n"
		"        open('/output/fill%d' % i, 'wb').write(b'x' * (1 << 20))\n"
		"        n += 1\n"
		"except OSError as e:\n"
		"    print('stopped by', errno.errorcode[e.errno], 'after', n, 'MiB')\n", NULL },
		&res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "stopped by ENOSPC", "the cell's /output is full at --output-size");
	snprintf(path, sizeof(path), "%s/small.txt", out);
	ASSERT_TRUE(read_text(path, buf, sizeof(buf)) >= 0, "the output copied to the host");
	ASSERT_STREQ(buf, "kept", "its content");
	snprintf(path, sizeof(path), "%s/fill9", out);
	ASSERT_TRUE(stat(path, &st) && errno == ENOENT, "nothing past 8M reached the host");
	snprintf(path, sizeof(path), "%s/link", out);
	ASSERT_TRUE(lstat(path, &st) && errno == ENOENT, "a symbolic link is not copied");
	ASSERT_HAS(res.err, "/output/link: not a regular file or directory: not copied",
		   "and cellrun says so");
}

/* Disk used by the files of @dir, each inode counted once. */
static long long disk_used(const char *dir, int *files)
{
	ino_t seen[64];
	int nseen = 0;
	long long bytes = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	*files = 0;
	while (d && (de = readdir(d))) {
		char path[4400];
		struct stat st;
		bool dup = false;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || lstat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		(*files)++;
		for (int i = 0; i < nseen; i++)
			dup |= seen[i] == st.st_ino;
		if (!dup && nseen < 64)
			seen[nseen++] = st.st_ino;
		if (!dup)
			bytes += (long long)st.st_blocks * 512;
	}
	if (d)
		closedir(d);
	return bytes;
}

/*
 * The copy to the host takes no more disk than the run took of its tmpfs:
 * a sparse file stays sparse, forty names of one file stay one file, and
 * the tmpfs runs out of inodes at --output-files.
 */
TEST(fs_output_copy_takes_no_more_than_the_run_wrote)
{
	const char *out = make_output_dir("out");
	char path[4200], byte = 0;
	struct cmd_result res;
	struct stat one, link, sparse;
	int fd, files = 0;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)out,
			       "--output-size", "8M", "--output-files", "300", NULL },
			       (char *[]){ PYTHON, "-c",
		"import errno, os\n"
		"with open('/output/sparse', 'wb') as f:\n"
		"    f.truncate(48 << 20); f.seek(32 << 20); f.write(b'x')\n"
		"open('/output/one', 'wb').write(b'y' * (1 << 20))\n"
		"for i in range(40):\n"
		"    os.link('/output/one', '/output/link%d' % i)\n"
		"os.mkdir('/output/many')\n"
		"n = 0\n"
		"try:\n"
		"    while n < 100000:\n"
		"        open('/output/many/%d' % n, 'w').close(); n += 1\n"
		"except OSError as e:\n"
		"    print('files stopped by', errno.errorcode[e.errno])\n"
		"print('files', n)\n", NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "files stopped by ENOSPC", "the tmpfs's inodes are bounded");
	/* 300 names: 42 of files (tmpfs charges each link), one of a directory. */
	ASSERT_HAS(res.out, "files 257\n", "--output-files counts names");
	ASSERT_TRUE(disk_used(out, &files) < (4 << 20), "the host's disk: about what the run wrote");
	ASSERT_EQ(files, 42, "every name copied");
	snprintf(path, sizeof(path), "%s/one", out);
	ASSERT_OK(stat(path, &one), "one");
	snprintf(path, sizeof(path), "%s/link39", out);
	ASSERT_OK(stat(path, &link), "link39");
	ASSERT_EQ(link.st_ino, one.st_ino, "a link on the host too");
	snprintf(path, sizeof(path), "%s/sparse", out);
	ASSERT_OK(stat(path, &sparse), "sparse");
	ASSERT_EQ(sparse.st_size, 48 << 20, "its size");
	ASSERT_TRUE(sparse.st_blocks * 512 < (1 << 20), "its holes");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_EQ(pread(fd, &byte, 1, 32 << 20), 1, "read the written byte");
	ASSERT_EQ(byte, 'x', "its data");
	if (fd >= 0)
		close(fd);
}

/*
 * A reused --output directory holding a FIFO, a directory and a symlink
 * under names the run writes: nothing on the host is opened that could
 * block the copy or lead it elsewhere; each is left out, and listed.
 */
TEST(fs_output_copy_leaves_host_entries_alone)
{
	const char *out = make_output_dir("out");
	const char *result = test_path(2, "result.json");
	char path[4200], buf[64] = "";
	struct cmd_result res;
	json_t *doc, *left;
	struct stat st;

	if (!require_root() || !ASSERT_OK_PTR(out, "output dir"))
		return;
	snprintf(path, sizeof(path), "%s/fifo", out);
	ASSERT_OK(mkfifo(path, 0644), "a FIFO on the host");
	snprintf(path, sizeof(path), "%s/dir", out);
	ASSERT_OK(mkdir(path, 0755), "a directory on the host");
	snprintf(path, sizeof(path), "%s/link", out);
	ASSERT_OK(symlink("/etc/hostname", path), "a symlink on the host");
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)out, "--result",
						       (char *)result, NULL },
			       (char *[]){ PYTHON, "-c",
		"for name in ('fifo', 'dir', 'link', 'kept'):\n"
		"    open('/output/' + name, 'w').write('from the cell')\n", NULL }, &res),
		  "cellrun (a blocked copy would time out)");
	ASSERT_EQ(res.status, 0, "exit status");
	snprintf(path, sizeof(path), "%s/kept", out);
	ASSERT_TRUE(read_text(path, buf, sizeof(buf)) >= 0, "the rest is copied");
	ASSERT_STREQ(buf, "from the cell", "its content");
	snprintf(path, sizeof(path), "%s/fifo", out);
	ASSERT_TRUE(!lstat(path, &st) && S_ISFIFO(st.st_mode), "the FIFO stays");
	snprintf(path, sizeof(path), "%s/link", out);
	ASSERT_TRUE(!lstat(path, &st) && S_ISLNK(st.st_mode), "the symlink stays");
	ASSERT_TRUE(read_text("/etc/hostname", buf, sizeof(buf)) >= 0 &&
		    strcmp(buf, "from the cell"), "its target untouched");
	doc = read_json(result);
	left = jget(doc, "output.left_out");
	ASSERT_EQ(json_array_size(left), 3, "three entries left out, in the result");
	ASSERT_HAS(res.err, "/output/fifo: the host's directory has something else of that name",
		   "and on stderr");
	json_decref(doc);
}

TEST(fs_output_size_zero_binds_the_directory_live)
{
	const char *out = make_output_dir("out");
	char path[4200];
	struct cmd_result res;
	struct stat st;

	if (!require_root())
		return;
	/*
	 * The host's directory itself: the payload finds what the host put
	 * there before the run (a tmpfs over it would hide that), and its own
	 * write lands there.
	 */
	snprintf(path, sizeof(path), "%s/before.txt", out);
	if (!ASSERT_OK(write_text(path, "host\n"), "a file from the host"))
		return;
	snprintf(path, sizeof(path), "%s/live.txt", out);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)out,
			       "--output-size", "0", NULL }, (char *[]){ PYTHON, "-c",
		"open('/output/live.txt', 'w').write('x')\n"
		"print('before:', open('/output/before.txt').read().strip())\n", NULL },
			       &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_TRUE(strstr(res.out, "before: host"), "the host's file seen in the cell");
	ASSERT_EQ(access(path, F_OK), 0, "the file is there");
	/* Lent to the cell's host uid for the run, handed back with what it made. */
	if (ASSERT_OK(stat(path, &st), "stat the file")) {
		ASSERT_EQ(st.st_uid, 65534, "the file is the directory owner's");
		ASSERT_EQ(st.st_gid, 65534, "and its group's");
	}
	if (ASSERT_OK(stat(out, &st), "stat the directory"))
		ASSERT_EQ(st.st_uid, 65534, "the directory is its owner's again");
}

TEST(fs_root_readonly_tmp_noexec_and_bounded)
{
	struct cmd_result res;

	if (!require_root())
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--tmp-size", "8M", NULL },
			       (char *[]){ PYTHON, "-c",
				PY_ERR_HELPER "import shutil\n"
				"print('root', err(lambda: open('/newfile', 'w')))\n"
				"print('usr', err(lambda: open('/usr/newfile', 'w')))\n"
				"print('etc', err(lambda: open('/etc/passwd', 'a')))\n"
				"shutil.copy('/usr/bin/true', '/tmp/t')\n"
				"os.chmod('/tmp/t', 0o755)\n"
				"print('exec', err(lambda: os.execv('/tmp/t', ['t'])))\n"
				"if os.path.exists('/proc/sys/vm/memfd_noexec'):\n"
				"    fd = os.memfd_create('t')\n"
				"    os.write(fd, open('/usr/bin/true', 'rb').read())\n"
				"    print('memfd', err(lambda: os.execve(fd, ['t'], {})))\n"
				"else:\n"
				"    print('memfd not before Linux 6.3')\n"
				"n = 0\n"
				"try:\n"
				"    with open('/tmp/fill', 'wb') as f:\n"
				"        while n < 64 << 20:\n"
				"            f.write(b'x' * 65536); f.flush(); n += 65536\n"
				"except OSError as e:\n"
				"    print('fill', errno.errorcode[e.errno], n >> 20)\n",
				NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "root EROFS\n", "writing under / fails");
	ASSERT_HAS(res.out, "usr EROFS\n", "writing under /usr fails");
	ASSERT_HAS(res.out, "etc EROFS\n", "writing /etc fails");
	ASSERT_HAS(res.out, "exec EACCES\n", "a file written to /tmp cannot be executed");
	/* vm.memfd_noexec came with Linux 6.3; before it, the monitor flags memfd execs. */
	if (!strstr(res.out, "memfd not before Linux 6.3"))
		ASSERT_HAS(res.out, "memfd EACCES\n", "nor a binary written to a memfd");
	ASSERT_HAS(res.out, "fill ENOSPC 7\n", "filling /tmp stops at its 8 MiB size");
}

TEST(fs_rootfs_option)
{
	const char *root = test_path(0, "rootfs");
	static const char *const dirs[] = { "", "/proc", "/dev", "/tmp", "/usr", "/etc" };
	static const char *const links[][2] = {
		{ "usr/bin", "/bin" }, { "usr/lib", "/lib" }, { "usr/lib64", "/lib64" },
	};
	char path[4200];
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
	snprintf(path, sizeof(path), "%s/etc/marker", root);
	if (!ASSERT_OK(write_text(path, "from the given rootfs\n"), "rootfs/etc/marker"))
		return;
	/* The rootfs gets the host's /usr in a mount namespace of this test's own: gone with it. */
	snprintf(path, sizeof(path), "%s/usr", root);
	if (!ASSERT_OK(unshare(CLONE_NEWNS), "private mount namespace for the test") ||
	    !ASSERT_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "make it private") ||
	    !ASSERT_OK(mount("/usr", path, NULL, MS_BIND | MS_RDONLY, NULL), "populate rootfs/usr"))
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--rootfs", (char *)root, NULL },
			       (char *[]){ PYTHON, "-c",
				PY_ERR_HELPER
				"print(open('/etc/marker').read().strip())\n"
				"print('root', err(lambda: open('/x', 'w')))\n"
				"print('hostname', os.uname().nodename)\n",
				NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "from the given rootfs\n", "/etc comes from the rootfs");
	ASSERT_HAS(res.out, "root EROFS\n", "the rootfs is read-only");
	ASSERT_HAS(res.out, "hostname cell\n", "the rest of the cell is as usual");
}

/*
 * --input is read-only and its host path shows nowhere in the cell: not
 * as a mount's root in /proc/self/mountinfo nor /proc/self/mounts (as a
 * bind's would), whatever the directory is called on the host.
 */
TEST(fs_input_host_path_hidden)
{
	const char *in = test_path(0, "host-input-name-9f3c");
	char file[4200];
	struct cmd_result res;

	if (!require_root())
		return;
	snprintf(file, sizeof(file), "%s/data.csv", in);
	if (!ASSERT_OK(mkdir(in, 0755), "mkdir input") ||
	    !ASSERT_OK(write_text(file, "a,b\n1,2\n"), "write input"))
		return;
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--input", (char *)in, NULL },
			       (char *[]){ PYTHON, "-c",
				"import os\n"
				"print(open('/input/data.csv').read().splitlines()[1])\n"
				"try:\n"
				"    open('/input/new', 'w')\n"
				"except OSError as e:\n"
				"    print('write', e.errno == 30)\n"
				"for f in ('/proc/self/mountinfo', '/proc/self/mounts'):\n"
				"    print(f, 'host-input-name' in open(f).read())\n"
				"print('input mounted', any(' /input ' in l for l in open('/proc/self/mountinfo')))\n",
				NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	/* Before 5.11 no overlay in a user namespace: a bind, which cellrun says names its path. */
	if (kernel_older_than(5, 11)) {
		ASSERT_HAS(res.err, "--input: overlay: ", "cellrun says the path shows");
		ASSERT_STREQ(res.out, "1,2\nwrite True\n/proc/self/mountinfo True\n"
			     "/proc/self/mounts False\ninput mounted True\n",
			     "readable, read-only, its path in mountinfo");
		return;
	}
	ASSERT_STREQ(res.out, "1,2\nwrite True\n/proc/self/mountinfo False\n"
		     "/proc/self/mounts False\ninput mounted True\n",
		     "readable, read-only, and no host path");
}

/* test_dir/<name>, a directory owned by @uid:@gid; NULL on failure. */
static const char *dir_of(int slot, const char *name, uid_t uid, gid_t gid)
{
	const char *dir = test_path(slot, name);

	if (!ASSERT_OK(mkdir(dir, 0755), dir) || !ASSERT_OK(chown(dir, uid, gid), dir))
		return NULL;
	return dir;
}

/* Is test_dir/@rel owned by @uid:@gid? */
static bool owned_by(const char *dir, const char *rel, uid_t uid, gid_t gid)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return ASSERT_OK(lstat(path, &st), path) && ASSERT_EQ(st.st_uid, uid, path) &&
	       ASSERT_EQ(st.st_gid, gid, path);
}

#define WRITE_TWO "import os\nos.mkdir('/output/sub')\n"				\
		  "open('/output/a.txt', 'w').write('a')\n"				\
		  "open('/output/sub/b.txt', 'w').write('b')\n"

/*
 * Root names a directory of another user (a CI job's, uid 4242): nothing
 * needs the cell's uid to write it, and what the run leaves is that user's.
 */
TEST(fs_output_of_another_user_gets_its_files)
{
	const char *out = dir_of(3, "out", 4242, 4243);
	struct cmd_result res;

	if (!require_root() || !out)
		return;
	/* Root itself, not a user through sudo. */
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)out, NULL },
			       (char *[]){ PYTHON, "-c", WRITE_TWO, NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	owned_by(out, "a.txt", 4242, 4243);
	owned_by(out, "sub", 4242, 4243);
	owned_by(out, "sub/b.txt", 4242, 4243);
	owned_by(out, ".", 4242, 4243);
}

/* --output-owner: the run's files are that user's, copied or (--output-size 0) handed back. */
TEST(fs_output_owner_option)
{
	const char *out = dir_of(3, "out", 4242, 4243), *live = dir_of(2, "live", 4242, 4243);
	struct cmd_result res;

	if (!require_root() || !out || !live)
		return;
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)out, "--output-owner",
						       "4343:4344", NULL },
			       (char *[]){ PYTHON, "-c", WRITE_TWO, NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	owned_by(out, "a.txt", 4343, 4344);
	owned_by(out, "sub/b.txt", 4343, 4344);
	owned_by(out, ".", 4242, 4243);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)live, "--output-size",
						       "0", "--output-owner", "4343", NULL },
			       (char *[]){ PYTHON, "-c", WRITE_TWO, NULL }, &res), "cellrun, live");
	ASSERT_EQ(res.status, 0, "exit status, live");
	owned_by(live, "a.txt", 4343, 4243);
	owned_by(live, "sub/b.txt", 4343, 4243);
	owned_by(live, ".", 4242, 4243);
}

/*
 * Under sudo, the caller is SUDO_UID: its own directory is taken, one it
 * may make is made as its own, another user's is refused, and so is
 * giving the files away.
 */
TEST(fs_output_under_sudo_is_the_callers)
{
	const char *home = dir_of(0, "home", 4242, 4243), *theirs = dir_of(1, "theirs", 4343, 4343);
	const char *made = test_path(2, "home/made"), *nowhere = test_path(3, "nowhere");
	char msg[8400];
	struct cmd_result res;

	if (!require_root() || !home || !theirs)
		return;
	/* The caller's mkdir must reach its home. */
	if (!ASSERT_OK(chmod(test_dir, 0711), "test_dir traversable"))
		return;
	setenv("SUDO_UID", "4242", 1);
	setenv("SUDO_GID", "4243", 1);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)made, NULL },
			       (char *[]){ PYTHON, "-c", WRITE_TWO, NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	owned_by(made, ".", 4242, 4243);
	owned_by(made, "sub/b.txt", 4242, 4243);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)home, NULL },
			       (char *[]){ PYTHON, "-c", WRITE_TWO, NULL }, &res), "its own");
	ASSERT_EQ(res.status, 0, "its own directory: exit status");
	owned_by(home, "a.txt", 4242, 4243);

	snprintf(msg, sizeof(msg), "cellrun: --output %s: owned by uid 4343, not by the caller "
		 "(uid 4242, from sudo)", theirs);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)theirs, NULL },
			       (char *[]){ "/bin/echo", "RAN", NULL }, &res), "another's");
	ASSERT_EQ(res.status, 125, "another's directory: refused");
	ASSERT_HAS(res.err, msg, "and said");
	ASSERT_FALSE(strstr(res.out, "RAN"), "the payload never ran");

	snprintf(msg, sizeof(msg), "cellrun: --output %s: Permission denied", nowhere);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)nowhere, NULL },
			       (char *[]){ "/bin/echo", "RAN", NULL }, &res), "root's parent");
	ASSERT_EQ(res.status, 125, "not made where the caller may not");
	ASSERT_HAS(res.err, msg, "and said");
	ASSERT_TRUE(access(nowhere, F_OK) && errno == ENOENT, "nothing made");

	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--output", (char *)home, "--output-owner",
						       "0", NULL },
			       (char *[]){ "/bin/echo", "RAN", NULL }, &res), "give away");
	ASSERT_EQ(res.status, 125, "giving the files away: refused");
	ASSERT_HAS(res.err, "cellrun: --output-owner: only root may give the output to another",
		   "and said");
}
