// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cell's filesystem: a new root with nothing of the host but read-only
 * binds of /usr and the library and binary directories, a synthetic /etc,
 * a fresh /proc with the revealing entries masked, a minimal /dev, a small
 * noexec /tmp, and the run's /input (read-only) and /output (noexec); then
 * the run's own --bind, --ro-bind and --tmpfs mounts.  Runs in the cell's
 * init, in its own mount and user namespaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "cellrun.h"
#include "log.h"

/* Built here, then pivoted into: the host's /tmp, hidden by a tmpfs in our namespace. */
#define NEWROOT "/tmp"

/* Host directories bound read-only into the new root (symlinks are copied as symlinks). */
static const char *const sys_dirs[] = {
	"usr", "bin", "sbin", "lib", "lib64", "lib32", "libx32",
};

/* Host /etc entries that programs need and that reveal nothing of the host. */
static const char *const etc_binds[] = {
	"ld.so.cache", "alternatives", "python3", "python3.11", "matplotlibrc", "fonts",
	"mime.types", "ssl/openssl.cnf",
};

/* /proc entries that leak host or kernel state: covered with /dev/null or made read-only. */
static const char *const proc_masked[] = {
	"kcore", "keys", "key-users", "timer_list", "sched_debug", "kallsyms", "kpagecount",
	"kpageflags", "kpagecgroup", "config.gz", "sysrq-trigger", "latency_stats", "cmdline",
};
static const char *const proc_readonly[] = { "sys", "irq", "bus", "fs" };
static const char *const proc_emptied[] = { "acpi", "scsi", "asound", "driver" };

/*
 * Host-wide figures a job has no use for, shown as an idle machine's: the
 * host's load, pressure, disks, interrupts, boot and kernel build say who
 * else runs there and on what.  Programs that read them still get a
 * well-formed answer (os.getloadavg() works).  NULL: made per cell.
 */
#define PSI_IDLE "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n" \
		 "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
static const struct { const char *entry, *text; } proc_virtual[] = {
	{ "loadavg", "0.00 0.00 0.00 1/1 1\n" },
	{ "pressure/cpu", PSI_IDLE }, { "pressure/memory", PSI_IDLE },
	{ "pressure/io", PSI_IDLE }, { "pressure/irq", "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n" },
	{ "diskstats", "" }, { "partitions", "major minor  #blocks  name\n\n" },
	{ "interrupts", "" }, { "softirqs", "" },
	{ "sys/kernel/random/boot_id", NULL }, { "version", NULL },
};

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom" };

struct ctx {
	char *err;
	size_t errlen;
	int devnull_fd;		/* the host's /dev/null, for masks */
};

__attribute__((format(printf, 3, 4)))
static int fail(struct ctx *c, int ret, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	if (n < c->errlen)
		snprintf(c->err + n, c->errlen - n, ": %s", strerror(-ret));
	return ret;
}

static const char *fd_path(int fd)
{
	static char buf[4][32];
	static int slot;

	slot = (slot + 1) % 4;
	snprintf(buf[slot], sizeof(buf[0]), "/proc/self/fd/%d", fd);
	return buf[slot];
}

/* The MS_* flags a mount has now: in a user namespace a remount must keep the locked ones. */
static unsigned long mount_flags(const char *path)
{
	static const struct { unsigned long st, ms; } map[] = {
		{ ST_RDONLY, MS_RDONLY }, { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	unsigned long flags = 0;
	struct statvfs sv;

	if (statvfs(path, &sv))
		return 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (sv.f_flag & map[i].st)
			flags |= map[i].ms;
	}
	return flags;
}

/* Bind @src over @dst (which exists), then add @flags (MS_RDONLY, MS_NOEXEC, ...). */
static int bind_mount(struct ctx *c, const char *src, const char *dst, unsigned long flags,
		      const char *what)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL))
		return fail(c, -errno, "bind %s", what);
	if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | mount_flags(dst) | flags, NULL))
		return fail(c, -errno, "remount %s", what);
	return 0;
}

/*
 * Bind @src, a mount that has its flags already, over @dst: a bind copies
 * the flags of the mount it copies (read-only, noexec, ...), so no remount
 * follows, nor the statvfs before it.
 */
static int bind_flagged(struct ctx *c, const char *src, const char *dst)
{
	if (mount(src, dst, NULL, MS_BIND, NULL))
		return fail(c, -errno, "bind %s", dst);
	return 0;
}

static int make_dir(struct ctx *c, const char *path, mode_t mode)
{
	if (mkdir(path, mode) && errno != EEXIST)
		return fail(c, -errno, "mkdir %s", path);
	return 0;
}

static int make_file(struct ctx *c, const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	ssize_t len = strlen(text);

	if (fd < 0)
		return fail(c, -errno, "create %s", path);
	if (write(fd, text, len) != len) {
		close(fd);
		return fail(c, -EIO, "write %s", path);
	}
	close(fd);
	return 0;
}

static int tmpfs(struct ctx *c, const char *dst, unsigned long flags, const char *opts)
{
	if (mount("tmpfs", dst, "tmpfs", flags, opts))
		return fail(c, -errno, "mount tmpfs on %s", dst);
	return 0;
}

/* Bind a host path (a directory, a file, or a symlink copied as such) into the new root. */
static int bind_host(struct ctx *c, const char *host, const char *dst)
{
	char target[4096];
	struct stat st;
	ssize_t n;
	int ret;

	if (lstat(host, &st))
		return 0;	/* not on this host: nothing to hide or show */
	if (S_ISLNK(st.st_mode)) {
		n = readlink(host, target, sizeof(target) - 1);
		if (n < 0)
			return fail(c, -errno, "readlink %s", host);
		target[n] = '\0';
		if (symlink(target, dst))
			return fail(c, -errno, "symlink %s", dst);
		return 0;
	}
	ret = S_ISDIR(st.st_mode) ? make_dir(c, dst, 0755) : make_file(c, dst, "");
	return ret ?: bind_mount(c, host, dst, MS_RDONLY | MS_NOSUID | MS_NODEV, host);
}

static int setup_sys_dirs(struct ctx *c)
{
	char host[64], dst[64];

	for (size_t i = 0; i < sizeof(sys_dirs) / sizeof(sys_dirs[0]); i++) {
		int ret;

		snprintf(host, sizeof(host), "/%s", sys_dirs[i]);
		snprintf(dst, sizeof(dst), NEWROOT "/%s", sys_dirs[i]);
		ret = bind_host(c, host, dst);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A minimal /etc: who exists in the cell, its name, and the loader's cache.
 * The resolver is an address no route reaches (TEST-NET-1): a name lookup
 * becomes a query the kernel refuses at once, an attempt the monitor sees,
 * instead of a lookup the C library gives up on without a syscall.
 */
static int setup_etc(struct ctx *c)
{
	static const struct { const char *name, *text; } files[] = {
		{ "passwd", "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
			    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" },
		{ "group", "root:x:0:\nnogroup:x:65534:\n" },
		{ "hostname", "cell\n" },
		{ "hosts", "127.0.0.1\tlocalhost cell\n::1\tlocalhost ip6-localhost\n" },
		{ "nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n" },
		{ "resolv.conf", "nameserver " CELL_RESOLVER "\noptions attempts:1 timeout:1\n" },
	};
	char host[128], dst[128];
	int ret;

	ret = make_dir(c, NEWROOT "/etc", 0755) ?: make_dir(c, NEWROOT "/etc/ssl", 0755);
	for (size_t i = 0; !ret && i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(dst, sizeof(dst), NEWROOT "/etc/%s", files[i].name);
		ret = make_file(c, dst, files[i].text);
	}
	for (size_t i = 0; !ret && i < sizeof(etc_binds) / sizeof(etc_binds[0]); i++) {
		snprintf(host, sizeof(host), "/etc/%s", etc_binds[i]);
		snprintf(dst, sizeof(dst), NEWROOT "/etc/%s", etc_binds[i]);
		ret = bind_host(c, host, dst);
	}
	return ret;
}

/*
 * @ret of a mount over the /proc entry @path, or 0 when this kernel has no
 * such entry: looked for only once a mount fails, not before each.
 */
static int unless_absent(int ret, const char *path)
{
	return ret == -ENOENT && access(path, F_OK) ? 0 : ret;
}

/*
 * The entries of @names covered read-only: the first that exists by
 * @cover(), the others by copies of that mount, flags and all.
 */
static int cover_proc(struct ctx *c, const char *const *names, size_t n,
		      int (*cover)(struct ctx *c, const char *path))
{
	char path[128], first[128] = "";
	int ret;

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), NEWROOT "/proc/%s", names[i]);
		if (first[0]) {
			ret = bind_flagged(c, first, path);
		} else {
			ret = cover(c, path);
			if (!ret)
				strcpy(first, path);
		}
		ret = unless_absent(ret, path);
		if (ret)
			return ret;
	}
	return 0;
}

static int mask_with_null(struct ctx *c, const char *path)
{
	return bind_mount(c, fd_path(c->devnull_fd), path, MS_RDONLY, path);
}

static int empty_dir(struct ctx *c, const char *path)
{
	return tmpfs(c, path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0");
}

static int setup_proc(struct ctx *c)
{
	char path[128];
	int ret;

	ret = make_dir(c, NEWROOT "/proc", 0555);
	if (ret)
		return ret;
	/* A proc of the cell's own pid namespace: no host process is visible. */
	if (mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return fail(c, -errno, "mount /proc");
	ret = cover_proc(c, proc_masked, sizeof(proc_masked) / sizeof(proc_masked[0]),
			 mask_with_null);
	for (size_t i = 0; !ret && i < sizeof(proc_readonly) / sizeof(proc_readonly[0]); i++) {
		snprintf(path, sizeof(path), NEWROOT "/proc/%s", proc_readonly[i]);
		ret = unless_absent(bind_mount(c, path, path, MS_RDONLY | MS_NOSUID | MS_NODEV |
					       MS_NOEXEC, path), path);
	}
	return ret ?: cover_proc(c, proc_emptied, sizeof(proc_emptied) / sizeof(proc_emptied[0]),
				 empty_dir);
}

/* A /dev with the harmless character devices only: no tty, no disk, no kmsg. */
static int setup_dev(struct ctx *c, const struct cellrun_opts *o)
{
	static const struct { const char *name, *target; } links[] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	};
	char path[128], host[64], opts[64];
	int ret;

	ret = make_dir(c, NEWROOT "/dev", 0755) ?:
	      tmpfs(c, NEWROOT "/dev", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k");
	for (size_t i = 0; !ret && i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		snprintf(path, sizeof(path), NEWROOT "/dev/%s", dev_nodes[i]);
		snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i]);
		ret = make_file(c, path, "") ?: bind_mount(c, host, path, MS_NOSUID | MS_NOEXEC, host);
	}
	for (size_t i = 0; !ret && i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), NEWROOT "/dev/%s", links[i].name);
		if (symlink(links[i].target, path))
			ret = fail(c, -errno, "symlink %s", path);
	}
	if (ret)
		return ret;
	/* POSIX shared memory and semaphores (multiprocessing) live here. */
	snprintf(opts, sizeof(opts), "mode=1777,size=%llu", (unsigned long long)o->tmp_bytes);
	ret = make_dir(c, NEWROOT "/dev/shm", 01777) ?:
	      tmpfs(c, NEWROOT "/dev/shm", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts);
	if (ret)
		return ret;
	return 0;
}

/* The /dev tmpfs itself turns read-only: nothing new appears in it. */
static int seal_dev(struct ctx *c)
{
	if (mount(NULL, NEWROOT "/dev", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
		  "mode=0755,size=64k"))
		return fail(c, -errno, "remount /dev read-only");
	return 0;
}

/* A cell's own text for a proc_virtual entry made per cell. */
static void virtual_text(const char *entry, char *buf, size_t len)
{
	unsigned char id[16] = {};
	struct utsname u;

	if (!strcmp(entry, "version")) {
		/* The release stays (uname says it anyway); the builder and compiler go. */
		snprintf(buf, len, "Linux version %s #1 SMP\n", uname(&u) ? "?" : u.release);
		return;
	}
	/* boot_id: a random UUID of the cell's own, the shape programs parse. */
	if (getrandom(id, sizeof(id), 0) != sizeof(id))
		memset(id, 0, sizeof(id));
	id[6] = (id[6] & 0x0f) | 0x40;
	id[8] = (id[8] & 0x3f) | 0x80;
	snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n",
		 id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7], id[8], id[9], id[10],
		 id[11], id[12], id[13], id[14], id[15]);
}

/*
 * Each proc_virtual entry: a file on a small tmpfs of its own, bound over
 * the entry once the tmpfs is read-only (the binds copy its flags); the
 * tmpfs is then detached and its mountpoint removed, so nothing of it
 * shows anywhere but in the entries.
 */
#define VIRT_DIR NEWROOT "/dev/.cellrun-proc"
#define NVIRTUAL (sizeof(proc_virtual) / sizeof(proc_virtual[0]))

static int virtualise_proc(struct ctx *c)
{
	char src[NVIRTUAL][64], dst[NVIRTUAL][160], text[128];
	int ret;

	ret = make_dir(c, VIRT_DIR, 0700) ?:
	      tmpfs(c, VIRT_DIR, MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700,size=64k");
	for (size_t i = 0; !ret && i < NVIRTUAL; i++) {
		const char *body = proc_virtual[i].text;

		snprintf(dst[i], sizeof(dst[i]), NEWROOT "/proc/%s", proc_virtual[i].entry);
		if (!body) {
			virtual_text(proc_virtual[i].entry, text, sizeof(text));
			body = text;
		}
		snprintf(src[i], sizeof(src[i]), VIRT_DIR "/%zu", i);
		ret = make_file(c, src[i], body);
	}
	if (!ret && mount(NULL, VIRT_DIR, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID |
			  MS_NODEV | MS_NOEXEC, NULL))
		ret = fail(c, -errno, "remount " VIRT_DIR " read-only");
	for (size_t i = 0; !ret && i < NVIRTUAL; i++)
		ret = unless_absent(bind_flagged(c, src[i], dst[i]), dst[i]);
	if (umount2(VIRT_DIR, MNT_DETACH) && !ret)
		ret = fail(c, -errno, "detach " VIRT_DIR);
	if (rmdir(VIRT_DIR) && !ret)
		ret = fail(c, -errno, "rmdir " VIRT_DIR);
	return ret;
}

/*
 * --input, read-only, through an overlay: /proc/self/mountinfo shows a
 * bind's root, its path in the host's file system, while an overlay shows
 * its layers as they were named, here by fd.  Overlay wants two lower
 * layers when it has no upper one: the other is an empty tmpfs beneath.
 * Where overlay cannot be had, a bind does, path and all.
 */
static int mount_input(struct ctx *c, int input_fd)
{
	const unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	char opts[96];
	int empty, ret;

	ret = make_dir(c, NEWROOT "/input", 0755) ?:
	      tmpfs(c, NEWROOT "/input", flags, "mode=0755,size=4k");
	if (ret)
		return ret;
	empty = open(NEWROOT "/input", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (empty < 0)
		return fail(c, -errno, "open %s", NEWROOT "/input");
	snprintf(opts, sizeof(opts), "lowerdir=%s:%s", fd_path(input_fd), fd_path(empty));
	if (mount("overlay", NEWROOT "/input", "overlay", flags, opts)) {
		/* Before 5.11 a user namespace may not mount an overlay. */
		cw_warn("--input: overlay: %s: a bind instead, whose host path "
			"/proc/self/mountinfo shows", strerror(errno));
		ret = bind_mount(c, fd_path(input_fd), NEWROOT "/input", flags, "--input");
	}
	close(empty);
	return ret;
}

static int setup_rw(struct ctx *c, const struct cellrun_opts *o)
{
	char opts[64];
	int ret;

	/* Writable, but nothing written there can be executed. */
	snprintf(opts, sizeof(opts), "mode=1777,size=%llu", (unsigned long long)o->tmp_bytes);
	ret = make_dir(c, NEWROOT "/tmp", 01777) ?:
	      tmpfs(c, NEWROOT "/tmp", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts);
	if (!ret && o->input_fd >= 0)
		ret = mount_input(c, o->input_fd);
	if (!ret && o->output_fd >= 0)
		ret = make_dir(c, NEWROOT "/output", 0755) ?:
		      bind_mount(c, fd_path(o->output_fd), NEWROOT "/output",
			   MS_NOSUID | MS_NODEV | MS_NOEXEC, "--output");
	return ret;
}

static int open_source(struct ctx *c, const char *path, const char *what, int *fd)
{
	*fd = -1;
	if (!path)
		return 0;
	*fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return fail(c, -errno, "%s %s", what, path);
	return 0;
}

/*
 * A --bind or --ro-bind source, by the path options_check_dirs() resolved
 * on the host: a symlink anywhere on it now is refused, the last component
 * as any other (RESOLVE_NO_SYMLINKS; O_NOFOLLOW would guard only that
 * one), and it must be the file the check found.  So what is bound is what
 * the caller named when cellrun started, not what was swapped in since by
 * whoever may write a directory on the way.
 */
static int open_mount_source(struct ctx *c, struct cell_mount *m)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
	struct stat st;

	m->src_fd = syscall(SYS_openat2, AT_FDCWD, m->src, &how, sizeof(how));
	if (m->src_fd < 0 || fstat(m->src_fd, &st))
		return fail(c, -errno, "%s %s: open %s", m->option, m->spec, m->src);
	if (st.st_dev != m->dev || st.st_ino != m->ino) {
		snprintf(c->err, c->errlen, "%s %s: %s is not what it was when cellrun started",
			 m->option, m->spec, m->src);
		return -ESTALE;
	}
	return 0;
}

int rootfs_open_sources(struct cellrun_opts *o, char *err, size_t errlen)
{
	struct ctx c = { .err = err, .errlen = errlen };
	int ret;

	/* Opened in our own mount namespace: a bind needs a source mounted in it. */
	ret = open_source(&c, o->rootfs, "--rootfs", &o->rootfs_fd) ?:
	      open_source(&c, o->input, "--input", &o->input_fd) ?:
	      open_source(&c, o->output, "--output", &o->output_fd);
	for (int i = 0; !ret && i < o->nmounts; i++) {
		if (o->mounts[i].kind != MOUNT_TMPFS)
			ret = open_mount_source(&c, &o->mounts[i]);
	}
	return ret;
}

/*
 * In the root tmpfs, @m's mountpoint and the directories above it: a
 * directory, or an empty file for a file's bind.  A destination is never
 * beneath the cell's own places (options.c), so nothing on the way is a
 * symlink or a mount of the setup's.
 */
static int make_mountpoint(struct ctx *c, const struct cell_mount *m)
{
	char path[sizeof(NEWROOT) + PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), NEWROOT "%s", m->dst);
	for (char *s = strchr(path + strlen(NEWROOT) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		ret = make_dir(c, path, 0755);
		*s = '/';
		if (ret)
			return ret;
	}
	return m->is_dir ? make_dir(c, path, 0755) : make_file(c, path, "");
}

/*
 * @m's mountpoint beneath the new root @root, with no symlink on the way
 * (a --rootfs's symlink would lead the mount onto the cell's own places),
 * and of the source's kind.
 */
static int open_mountpoint(struct ctx *c, const struct cellrun_opts *o,
			   const struct cell_mount *m, int root, int *fd)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};
	const char *in = o->rootfs_fd >= 0 ? "--rootfs" : "the cell's root";
	struct stat st;
	int ret = 0;

	*fd = syscall(SYS_openat2, root, m->dst + 1, &how, sizeof(how));
	if (*fd < 0 || fstat(*fd, &st))
		ret = -errno;
	else if (S_ISDIR(st.st_mode) != m->is_dir)
		ret = m->is_dir ? -ENOTDIR : -EISDIR;
	if (!ret)
		return 0;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return fail(c, ret, "%s %s: %s in %s", m->option, m->spec, m->dst, in);
}

/*
 * Before Linux 5.12 there is no mount_setattr(), which alone sets flags on
 * every mount of a copied tree.  There the copy is of the source's mount
 * alone: its flags are then one remount away.  A source with mounts beneath
 * it that the user namespace locked to it cannot be copied alone: refused.
 */
static int mount_bind_alone(struct ctx *c, const struct cell_mount *m, int mp)
{
	unsigned long flags = MS_NOSUID | MS_NODEV |
			      (m->kind == MOUNT_RO_BIND ? MS_RDONLY : MS_NOEXEC);
	int tree, ret = 0;

	tree = open_tree(m->src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return fail(c, -errno, "%s %s: copy %s (without the mounts beneath it: "
			    "this kernel has no mount_setattr)", m->option, m->spec, m->src);
	/* A remount is of an attached mount. */
	if (move_mount(tree, "", mp, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH))
		ret = fail(c, -errno, "%s %s: mount on %s", m->option, m->spec, m->dst);
	else if (mount(NULL, fd_path(tree), NULL,
		       MS_BIND | MS_REMOUNT | mount_flags(fd_path(tree)) | flags, NULL))
		ret = fail(c, -errno, "%s %s: set its flags", m->option, m->spec);
	close(tree);
	return ret;
}

/*
 * A bind of @m's source on @mp: every mount of it nosuid and nodev, and
 * read-only (--ro-bind) or noexec (--bind).  The bind takes the mounts
 * beneath the source along (the user namespace locks them to it), so the
 * flags are set on the whole detached copy, before it is attached: no
 * mount beneath is left writable where programs run, or executable where
 * the cell writes.
 */
static int mount_bind(struct ctx *c, const struct cell_mount *m, int mp)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			    (m->kind == MOUNT_RO_BIND ? MOUNT_ATTR_RDONLY : MOUNT_ATTR_NOEXEC),
	};
	int tree, ret = 0;

	tree = open_tree(m->src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
			 AT_EMPTY_PATH);
	if (tree < 0)
		return fail(c, -errno, "%s %s: copy %s", m->option, m->spec, m->src);
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr))) {
		ret = errno == ENOSYS ? mount_bind_alone(c, m, mp) :
		      fail(c, -errno, "%s %s: set its flags", m->option, m->spec);
	} else if (move_mount(tree, "", mp, "", MOVE_MOUNT_F_EMPTY_PATH |
			      MOVE_MOUNT_T_EMPTY_PATH)) {
		ret = fail(c, -errno, "%s %s: mount on %s", m->option, m->spec, m->dst);
	}
	close(tree);
	return ret;
}

/* --tmpfs: writable, so noexec (the cell's W^X rule), of its size or /tmp's. */
static int mount_tmpfs(struct ctx *c, const struct cellrun_opts *o, const struct cell_mount *m,
		       int mp)
{
	char opts[64];

	snprintf(opts, sizeof(opts), "mode=0755,size=%llu",
		 (unsigned long long)(m->size ?: o->tmp_bytes));
	if (mount("tmpfs", fd_path(mp), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts))
		return fail(c, -errno, "%s %s: mount a tmpfs on %s", m->option, m->spec, m->dst);
	return 0;
}

/*
 * The run's --bind, --ro-bind and --tmpfs, while the root can still take
 * their mountpoints.  A --rootfs is the host's directory, writable here:
 * nothing is made in it, the mountpoints must be there.
 */
static int setup_mounts(struct ctx *c, const struct cellrun_opts *o)
{
	int root, mp, ret = 0;

	if (!o->nmounts)
		return 0;
	root = open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return fail(c, -errno, "open the new root");
	for (int i = 0; !ret && i < o->nmounts; i++) {
		const struct cell_mount *m = &o->mounts[i];

		ret = (o->rootfs_fd < 0 ? make_mountpoint(c, m) : 0) ?:
		      open_mountpoint(c, o, m, root, &mp);
		if (ret)
			break;
		ret = m->kind == MOUNT_TMPFS ? mount_tmpfs(c, o, m, mp) : mount_bind(c, m, mp);
		close(mp);
	}
	close(root);
	return ret;
}

static int pivot(struct ctx *c)
{
	if (chdir(NEWROOT))
		return fail(c, -errno, "chdir new root");
	/* Stack the old root on the new one, then detach it: nothing of it stays reachable. */
	if (syscall(SYS_pivot_root, ".", "."))
		return fail(c, -errno, "pivot_root");
	if (umount2(".", MNT_DETACH))
		return fail(c, -errno, "detach the old root");
	if (chdir("/"))
		return fail(c, -errno, "chdir /");
	return 0;
}

int rootfs_setup(const struct cellrun_opts *o, char *err, size_t errlen)
{
	struct ctx c = { .err = err, .errlen = errlen, .devnull_fd = -1 };
	int ret;

	/* Nothing mounted from here on propagates back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail(&c, -errno, "make mounts private");
	/* Sources are fds opened before the new root hides /tmp (rootfs_open_sources()). */
	c.devnull_fd = open("/dev/null", O_PATH | O_CLOEXEC);
	if (c.devnull_fd < 0) {
		ret = fail(&c, -errno, "open /dev/null");
		goto out;
	}
	if (o->rootfs_fd >= 0) {
		ret = bind_mount(&c, fd_path(o->rootfs_fd), NEWROOT, MS_NOSUID | MS_NODEV, "--rootfs");
	} else {
		ret = tmpfs(&c, NEWROOT, MS_NOSUID | MS_NODEV, "mode=0755,size=1m") ?:
		      setup_sys_dirs(&c) ?: setup_etc(&c);
	}
	ret = ret ?: setup_proc(&c) ?: setup_dev(&c, o) ?: virtualise_proc(&c) ?: seal_dev(&c) ?:
	      setup_rw(&c, o) ?: setup_mounts(&c, o);
	if (ret)
		goto out;
	/* The root itself turns read-only once its mountpoints exist. */
	if (mount(NULL, NEWROOT, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | mount_flags(NEWROOT),
		  NULL)) {
		ret = fail(&c, -errno, "remount the root read-only");
		goto out;
	}
	ret = pivot(&c);
out:
	if (c.devnull_fd >= 0)
		close(c.devnull_fd);
	/* Bound or not, a handle on a host path outside the new root has no more use in pid 1. */
	for (int i = 0; i < o->nmounts; i++) {
		if (o->mounts[i].src_fd >= 0)
			close(o->mounts[i].src_fd);
	}
	return ret;
}
