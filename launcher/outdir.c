// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --output: what the run leaves behind, bounded.  Bound straight into the
 * cell, the host directory would take as much as the run writes (--fsize
 * bounds one file, not their number) until the host's disk is full.  So
 * cellrun covers the directory with a tmpfs of --output-size, in a mount
 * namespace of its own (gone with cellrun, whatever kills it), the cell
 * writes there, and the files are copied to the directory when the run has
 * ended and nothing of the cell can change them any more.  The tmpfs's
 * pages are charged to the cell's memory limit as they are written.
 *
 * The copy takes no more of the host's disk than the run took of the
 * tmpfs: holes stay holes (a sparse file is not written out as zeros),
 * hardlinks stay links (one file under many names is copied once), and the
 * tmpfs holds --output-files inodes, so a run cannot spend the host's
 * inodes either.  Nothing on the host is opened that could block the copy
 * (a FIFO the directory held already) or lead it elsewhere (a symlink):
 * such a name is left out, and said so.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cellrun.h"

#define MAX_DEPTH 32
#define MAX_LEFT_OUT 100

/* A copy in progress: what it may still write, and the files it copied that have other names. */
struct copy {
	int root;			/* --output on the host */
	uid_t uid;			/* whose the copies are: --output's or --output-owner */
	gid_t gid;
	unsigned long long budget;	/* data bytes left to write: the tmpfs's size */
	struct linked {
		dev_t dev;
		ino_t ino;
		char *path;		/* its first copy, relative to @root */
	} *links;
	size_t nlinks;
	char *path;			/* the entry's path in the cell: "/output/..." */
	json_t *left_out;		/* [{path, why}] */
};

/* An entry not copied: said on stderr, and listed in the result. */
static void leave_out(struct copy *cp, const char *why)
{
	cw_warn("%s: %s: not copied", cp->path, why);
	if (cp->left_out && json_array_size(cp->left_out) < MAX_LEFT_OUT)
		json_array_append_new(cp->left_out,
				      json_pack("{s:s, s:s}", "path", cp->path, "why", why));
}

/*
 * The copies are made by root, so the directory decides where a run's
 * files may land: under sudo, a user's own directories only (a root-owned
 * /etc would take them as root's), and the cell's uid 65534's, as cellrun
 * made --output before.  Root itself may name any.
 */
int output_dir_allowed(const struct cellrun_opts *o, const char *dir, const struct stat *st,
		       char *err, size_t errlen)
{
	if (!o->caller_uid || st->st_uid == o->caller_uid || st->st_uid == CELL_UID)
		return 0;
	snprintf(err, errlen, "--output %s: owned by uid %u, not by the caller (uid %u%s): "
		 "name a directory of your own", dir, (unsigned int)st->st_uid,
		 (unsigned int)o->caller_uid, o->caller_sudo ? ", from sudo" : "");
	return -EPERM;
}

/* --output-size 0: the cell writes the directory itself, as its host uid, for the run. */
static int lend_dir(const struct cellrun_opts *o, uid_t uid, int fd, char *err, size_t errlen)
{
	if (fchown(fd, uid, uid)) {
		snprintf(err, errlen, "--output %s: lend it to the cell's uid %u: %s", o->output,
			 (unsigned int)uid, strerror(errno));
		return -errno;
	}
	return 0;
}

int output_cover(const struct cellrun_opts *o, uid_t uid, int *dir_fd, struct stat *owner,
		 char *err, size_t errlen)
{
	char data[128];
	int fd, ret;

	*dir_fd = -1;
	if (o->output_bytes &&
	    (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))) {
		ret = -errno;
		snprintf(err, errlen, "--output: a mount namespace for the tmpfs: %s", strerror(-ret));
		return ret;
	}
	fd = open(o->output, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, owner)) {
		ret = -errno;
		snprintf(err, errlen, "--output %s: %s", o->output, strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	/* Checked again on what is open: the copies go there, whatever the path names now. */
	ret = output_dir_allowed(o, o->output, owner, err, errlen);
	if (!ret && !o->output_bytes)
		ret = lend_dir(o, uid, fd, err, errlen);
	if (ret) {
		close(fd);
		return ret;
	}
	if (!o->output_bytes) {
		*dir_fd = fd;
		return 0;
	}
	/* One inode more: the tmpfs's root. */
	snprintf(data, sizeof(data), "size=%llu,nr_inodes=%u,mode=0755,uid=%u,gid=%u",
		 (unsigned long long)o->output_bytes, o->output_files + 1, (unsigned int)uid,
		 (unsigned int)uid);
	if (mount("tmpfs", o->output, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data)) {
		ret = -errno;
		snprintf(err, errlen, "--output %s: mount a tmpfs of --output-size: %s", o->output,
			 strerror(-ret));
		close(fd);
		return ret;
	}
	*dir_fd = fd;
	return 0;
}

/* The data of @in, hole by hole: what the run wrote and nothing more. */
static int copy_data(int in, int out, off_t size, unsigned long long *budget)
{
	off_t data = 0, hole;

	while (data < size) {
		data = lseek(in, data, SEEK_DATA);
		if (data < 0)
			return errno == ENXIO ? 0 : -errno;	/* a hole to the end */
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		/* The tmpfs held no more than this: more would be a bug, not a file. */
		if ((unsigned long long)(hole - data) > *budget)
			return -EFBIG;
		*budget -= hole - data;
		if (lseek(out, data, SEEK_SET) < 0)
			return -errno;
		while (data < hole) {
			ssize_t n = sendfile(out, in, &data, hole - data);

			if (n <= 0)
				return n < 0 ? -errno : -EIO;
		}
	}
	return 0;
}

/* The host path of an earlier copy of the file @st names, or NULL. */
static const char *copied_before(const struct copy *cp, const struct stat *st)
{
	for (size_t i = 0; i < cp->nlinks; i++) {
		if (cp->links[i].ino == st->st_ino && cp->links[i].dev == st->st_dev)
			return cp->links[i].path;
	}
	return NULL;
}

static int remember_copy(struct copy *cp, const struct stat *st, const char *path)
{
	struct linked *links = reallocarray(cp->links, cp->nlinks + 1, sizeof(*links));

	if (!links)
		return -ENOMEM;
	cp->links = links;
	links[cp->nlinks].path = strdup(path);
	if (!links[cp->nlinks].path)
		return -ENOMEM;
	links[cp->nlinks].dev = st->st_dev;
	links[cp->nlinks++].ino = st->st_ino;
	return 0;
}

/* One more name of a file copied already: a link on the host too. */
static int link_copy(const struct copy *cp, const char *first, int dst_dir, const char *name)
{
	if (unlinkat(dst_dir, name, 0) && errno != ENOENT)
		return -errno;
	return linkat(cp->root, first, dst_dir, name, 0) ? -errno : 0;
}

/*
 * Does the host's directory hold something other than a @type (S_IFREG,
 * S_IFDIR) under @name?  Never opened: a FIFO would block the copy, a
 * device would be written to, a symlink would lead it elsewhere.
 */
static bool in_the_way(int dst_dir, const char *name, mode_t type)
{
	struct stat st;

	if (fstatat(dst_dir, name, &st, AT_SYMLINK_NOFOLLOW))
		return false;
	return (st.st_mode & S_IFMT) != type;
}

#define IN_THE_WAY "the host's directory has something else of that name"

/* One regular file, by fd on both sides: no path the cell made is followed. */
static int copy_file(struct copy *cp, int src_dir, int dst_dir, const char *name,
		     const struct stat *st)
{
	const char *rel = cp->path + strlen("/output/"), *first;
	int in, out, ret = 0;

	if (in_the_way(dst_dir, name, S_IFREG)) {
		leave_out(cp, IN_THE_WAY);
		return 0;
	}
	if (st->st_nlink > 1 && (first = copied_before(cp, st)))
		return link_copy(cp, first, dst_dir, name);
	in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	/* A new file, not one truncated in place: an old one may have other names. */
	if (unlinkat(dst_dir, name, 0) && errno != ENOENT) {
		ret = -errno;
		close(in);
		return ret;
	}
	out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     st->st_mode & 0777);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	ret = copy_data(in, out, st->st_size, &cp->budget);
	if (!ret && ftruncate(out, st->st_size))
		ret = -errno;
	/* The owner's (cp->uid), not the cell's uid, which the next cell gets. */
	if (!ret && fchown(out, cp->uid, cp->gid))
		ret = -errno;
	close(in);
	close(out);
	if (!ret && st->st_nlink > 1)
		ret = remember_copy(cp, st, rel);
	return ret;
}

static int copy_tree(struct copy *cp, int src_dir, int dst_dir, size_t len, int depth);

static int copy_dir(struct copy *cp, int src_dir, int dst_dir, const char *name,
		    const struct stat *st, size_t len, int depth)
{
	int in, out, ret;

	if (depth == MAX_DEPTH)
		return -ELOOP;
	if (in_the_way(dst_dir, name, S_IFDIR)) {
		leave_out(cp, IN_THE_WAY);
		return 0;
	}
	if (mkdirat(dst_dir, name, st->st_mode & 0777) && errno != EEXIST)
		return -errno;
	in = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	ret = out < 0 || fchown(out, cp->uid, cp->gid) ? -errno : 0;
	if (!ret)
		ret = copy_tree(cp, in, out, len, depth + 1);
	close(in);
	if (out >= 0)
		close(out);
	return ret;
}

typedef int (*visit_fn)(void *ctx, int dir, const char *name, const struct stat *st, size_t len);

/*
 * @visit each entry of @dir but "." and "..", with its lstat and @path
 * (PATH_MAX bytes, @len used) extended to name it: on an error, the path
 * of the entry that failed stays there.
 */
static int for_each_entry(int dir, char *path, size_t len, visit_fn visit, void *ctx)
{
	int fd = dup(dir), ret = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		return ret;
	}
	while (!ret && (errno = 0, de = readdir(d))) {
		size_t n = len + snprintf(path + len, PATH_MAX - len, "/%s", de->d_name);
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n >= PATH_MAX)
			ret = -ENAMETOOLONG;
		else if (fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			ret = -errno;
		else
			ret = visit(ctx, dir, de->d_name, &st, n);
	}
	if (!ret && errno)
		ret = -errno;
	if (!ret)
		path[len] = '\0';
	closedir(d);
	return ret;
}

/* Where a copy_tree() level writes, and how deep it is. */
struct copy_level {
	struct copy *cp;
	int dst_dir, depth;
};

/* Directories and regular files; anything else is named and left behind. */
static int copy_entry(void *ctx, int src_dir, const char *name, const struct stat *st, size_t len)
{
	struct copy_level *l = ctx;

	if (S_ISDIR(st->st_mode))
		return copy_dir(l->cp, src_dir, l->dst_dir, name, st, len, l->depth);
	if (S_ISREG(st->st_mode))
		return copy_file(l->cp, src_dir, l->dst_dir, name, st);
	leave_out(l->cp, "not a regular file or directory");
	return 0;
}

/* cp->path holds the entry's path in the cell: on an error, the one that failed. */
static int copy_tree(struct copy *cp, int src_dir, int dst_dir, size_t len, int depth)
{
	struct copy_level l = { cp, dst_dir, depth };

	return for_each_entry(src_dir, cp->path, len, copy_entry, &l);
}

/* What the cell's uid made in --output (size 0), and whose it becomes. */
struct hand_back {
	uid_t uid;
	uid_t to_uid;
	gid_t to_gid;
	char *path;
	int depth;
};

static int hand_back(struct hand_back *h, int dir, size_t len);

/* Symlinks are changed, never followed. */
static int hand_back_entry(void *ctx, int dir, const char *name, const struct stat *st, size_t len)
{
	struct hand_back *h = ctx;
	int sub, ret;

	if (st->st_uid == h->uid && fchownat(dir, name, h->to_uid, h->to_gid, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (!S_ISDIR(st->st_mode))
		return 0;
	sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return -errno;
	h->depth++;
	ret = hand_back(h, sub, len);
	h->depth--;
	close(sub);
	return ret;
}

/*
 * --output-size 0: what the cell made in the directory, owned by its host
 * uid, goes to the directory's owner.  The cell is gone: nothing changes
 * the tree meanwhile.
 */
static int hand_back(struct hand_back *h, int dir, size_t len)
{
	if (h->depth == MAX_DEPTH)
		return -ELOOP;
	return for_each_entry(dir, h->path, len, hand_back_entry, h);
}

int output_collect(const struct cellrun_opts *o, uid_t uid, int dir_fd, const struct stat *owner,
		   char *path, json_t *left_out)
{
	/* --output-owner, else the directory's: whose the run's files become. */
	uid_t to_uid = o->output_uid != (uid_t)-1 ? o->output_uid : owner->st_uid;
	gid_t to_gid = o->output_gid != (gid_t)-1 ? o->output_gid : owner->st_gid;
	struct copy cp = {
		.root = dir_fd, .uid = to_uid, .gid = to_gid,
		.budget = o->output_bytes, .path = path, .left_out = left_out,
	};
	int src, ret;

	strcpy(path, "/output");
	if (!o->output_bytes) {
		struct hand_back h = {
			.uid = uid, .to_uid = to_uid, .to_gid = to_gid, .path = path,
		};

		ret = hand_back(&h, dir_fd, strlen(path));
		if (!ret && fchown(dir_fd, owner->st_uid, owner->st_gid))
			ret = -errno;
		return ret;
	}
	src = open(o->output, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		return -errno;
	ret = copy_tree(&cp, src, dir_fd, strlen(path), 0);
	close(src);
	for (size_t i = 0; i < cp.nlinks; i++)
		free(cp.links[i].path);
	free(cp.links);
	return ret;
}
