// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * No shell in the cell.  The monitor kills a shell at its exec, but a
 * shell's code can run without an exec of it: mapped into the payload's
 * own process by a userland loader (ctypes, valgrind), or read and copied
 * into anonymous memory.  What is not in the cell cannot be loaded, so
 * every path where a shell of the rule set's list lives is covered with
 * one empty, mode 0444 file on a read-only, noexec, nosuid, nodev bind:
 * an exec fails with EACCES, a read or a mapping gets 0 bytes.
 *
 * The names come from the host (shells_load_names(), before the cell
 * exists); the masks are laid in the cell's init after pivot_root
 * (shells_mask()), so that names and symlinks resolve in the root the
 * payload gets — the default one or --rootfs alike.  --keep-shells skips both.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "cellrun.h"

/*
 * Always masked, whatever the rule file says: the daemon's policies are
 * not known to cellrun, and a rule file without a "shells" list must not
 * bring the shells back.  The same names as rules/default.json.
 */
static const char *const builtin_shells[] = {
	"sh", "bash", "rbash", "dash", "zsh", "ksh", "ksh93", "mksh", "pdksh", "ash",
	"busybox", "csh", "tcsh", "fish", "yash", "posh",
};

/* Where a name without '/' is looked for: the directories exec rules resolve names in. */
static const char *const bin_dirs[] = {
	"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin",
};

/*
 * The scratch tmpfs the mask file is made on, stacked for a moment on the
 * cell's /tmp (the root is read-only by now) and detached once the masks
 * are bound: no path reaches the file but the masks themselves.
 */
#define SCRATCH		"/tmp"
#define MASK		SCRATCH "/no-shell"
#define MASK_FLAGS	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
#define MAX_MASKED	64

struct ctx {
	char *err;
	size_t errlen;
	/* bin_dirs as the cell's root resolves them, each once (/bin -> usr/bin) */
	char dirs[ARRAY_SIZE(bin_dirs)][PATH_MAX];
	size_t ndirs;
	struct stat mask;		/* the mask file: a path showing it is masked already */
	dev_t dev[MAX_MASKED];		/* the shells' identities, for their hardlinks */
	ino_t ino[MAX_MASKED];
	int n;
	unsigned long links;		/* their other names, still unmasked */
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

static bool have_name(const struct cellrun_opts *o, const char *name)
{
	for (int i = 0; i < o->nshells; i++) {
		if (!strcmp(o->shells[i], name))
			return true;
	}
	return false;
}

static void add_name(struct cellrun_opts *o, const char *name)
{
	if (o->nshells < MAX_SHELLS && *name && !have_name(o, name))
		o->shells[o->nshells++] = name;
}

/*
 * The rule file's "shells" list, added to the built-in names.  With the
 * embedded monitor (or --no-monitor) that is --rules; with --daemon, which
 * takes no --rules, the default rule file.  A file that cannot be read
 * leaves the built-in names: the embedded monitor refuses such a file on
 * its own, and the daemon's file may live on another host path.
 */
int shells_load_names(struct cellrun_opts *o)
{
	json_t *list, *name;
	size_t i;

	if (o->keep_shells)
		return 0;
	for (i = 0; i < ARRAY_SIZE(builtin_shells); i++)
		add_name(o, builtin_shells[i]);
	o->shells_doc = json_load_file(o->rules_path, 0, NULL);
	list = json_object_get(json_object_get(o->shells_doc, "lists"), "shells");
	json_array_foreach(list, i, name) {
		if (json_is_string(name))
			add_name(o, json_string_value(name));
	}
	return o->nshells == MAX_SHELLS ? -E2BIG : 0;
}

static bool is_mask(const struct ctx *c, const struct stat *st)
{
	return st->st_dev == c->mask.st_dev && st->st_ino == c->mask.st_ino;
}

/* Cover @path, a regular file, with the mask; nothing can write, map or exec through it. */
static int cover(struct ctx *c, const char *path)
{
	if (mount(MASK, path, NULL, MS_BIND, NULL))
		return fail(c, -errno, "mask %s", path);
	if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MASK_FLAGS, NULL))
		return fail(c, -errno, "remount the mask on %s", path);
	return 0;
}

/*
 * Mask what @path resolves to in the cell: its name then shows the mask
 * too, whether it is the file itself, a symlink to it (/bin/sh -> dash)
 * or reached through a symlinked directory (/bin -> usr/bin).
 */
static int mask_path(struct ctx *c, const char *path)
{
	char real[PATH_MAX];
	struct stat st;

	if (!realpath(path, real))
		return 0;	/* absent, or a dangling link: nothing to load */
	if (stat(real, &st) || !S_ISREG(st.st_mode) || is_mask(c, &st))
		return 0;
	if (c->n == MAX_MASKED)
		return fail(c, -E2BIG, "mask %s: more than %d shells", real, MAX_MASKED);
	c->dev[c->n] = st.st_dev;
	c->ino[c->n] = st.st_ino;
	c->n++;
	c->links += st.st_nlink - 1;
	return cover(c, real);
}

/*
 * Most names are in none of the directories: one stat says so, where
 * resolving each candidate path took a readlink per component (360 of
 * them a launch).
 */
static int mask_name(struct ctx *c, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	int ret = 0;

	if (name[0] == '/')
		return mask_path(c, name);
	/* A name is one component: "../x" or "." would reach outside the binary directories. */
	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	for (size_t d = 0; !ret && d < c->ndirs; d++) {
		if (snprintf(path, sizeof(path), "%s/%s", c->dirs[d], name) >= (int)sizeof(path))
			continue;
		if (!stat(path, &st))
			ret = mask_path(c, path);
	}
	return ret;
}

static bool is_shell_inode(const struct ctx *c, const struct stat *st)
{
	for (int i = 0; i < c->n; i++) {
		if (st->st_dev == c->dev[i] && st->st_ino == c->ino[i])
			return true;
	}
	return false;
}

/*
 * A hardlink of a shell under another name in the same directories is
 * the same file: masked too.  Hardlinks elsewhere in the root are not
 * searched for (README, "Open problems").
 */
static int mask_hardlinks_in(struct ctx *c, const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int ret = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return 0;
	while (!ret && c->links && (de = readdir(d))) {
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode) || !is_shell_inode(c, &st))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;	/* cannot be: both parts came from a PATH_MAX path */
		ret = cover(c, path);
	}
	closedir(d);
	return ret;
}

static int mask_hardlinks(struct ctx *c)
{
	int ret = 0;

	/* Most shells have one name: then there is nothing to look for (a directory costs ms). */
	for (size_t d = 0; !ret && c->links && d < c->ndirs; d++)
		ret = mask_hardlinks_in(c, c->dirs[d]);
	return ret;
}

/* The binary directories that exist in the cell, each once: /bin -> usr/bin is /usr/bin. */
static void resolve_bin_dirs(struct ctx *c)
{
	char real[PATH_MAX];

	for (size_t d = 0; d < ARRAY_SIZE(bin_dirs); d++) {
		bool dup = false;

		if (!realpath(bin_dirs[d], real))
			continue;
		for (size_t i = 0; i < c->ndirs; i++)
			dup = dup || !strcmp(c->dirs[i], real);
		if (!dup)
			strcpy(c->dirs[c->ndirs++], real);
	}
}

/* The mask: an empty file, 0444, on the scratch tmpfs, made read-only once it exists. */
static int make_mask(struct ctx *c)
{
	int fd;

	fd = open(MASK, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return fail(c, -errno, "create the shell mask");
	close(fd);
	/* The superblock itself read-only: no mount of it, now or later, can write the file. */
	if (mount(NULL, SCRATCH, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,mode=0755"))
		return fail(c, -errno, "remount the shell mask read-only");
	if (stat(MASK, &c->mask))
		return fail(c, -errno, "stat the shell mask");
	return 0;
}

int shells_mask(const struct cellrun_opts *o, char *err, size_t errlen)
{
	struct ctx c = { .err = err, .errlen = errlen };
	int ret;

	if (o->keep_shells)
		return 0;
	if (mount("tmpfs", SCRATCH, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0755"))
		return fail(&c, -errno, "mount a tmpfs for the shell mask");
	ret = make_mask(&c);
	resolve_bin_dirs(&c);
	for (int i = 0; !ret && i < o->nshells; i++)
		ret = mask_name(&c, o->shells[i]);
	ret = ret ?: mask_hardlinks(&c);
	/* The payload's own /tmp again; the masks keep the file alive. */
	if (umount2(SCRATCH, MNT_DETACH) && !ret)
		ret = fail(&c, -errno, "detach the shell mask's tmpfs");
	return ret;
}
