/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Canonical paths for failed opens.  The kernel has no file for an open
 * that failed, so it sends the string the caller passed and, for a
 * relative one, the directory it was relative to (bpf/open.bpf.h); this
 * makes the absolute path a rule can match, the way the kernel would have
 * looked it up, short of symlinks: the file did not open, so nothing says
 * where a symlink on the way pointed.
 */
#ifndef CW_PATHS_H
#define CW_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct cw_path_in {
	const char *name;	/* the string the caller passed */
	const char *base;	/* absolute directory @name is relative to; NULL: unknown */
	bool base_is_root;	/* openat2 RESOLVE_IN_ROOT: absolute names and ".." stay
				 * beneath @base */
	__u32 pid;		/* what /proc/self names; 0: unknown, "self" is kept */
	__u32 tid;		/* what /proc/thread-self names (with @pid) */
};

/*
 * Write the canonical form of @in into @out (@size bytes): @name joined to
 * @base when relative (or under RESOLVE_IN_ROOT), "." "" and ".." folded
 * (".." at the root stays there), /proc/self and /proc/thread-self
 * rewritten to /proc/<pid> and /proc/<pid>/task/<tid>, and every
 * /proc/<pid>/root or /proc/<pid>/task/<tid>/root prefix dropped: inside a
 * cell that is the cell's own root.  A relative name without a base stays
 * relative ("../x").  Returns the length, or -ENAMETOOLONG when the result
 * did not fit: @out then holds as much of it as did, NUL-terminated.
 */
int cw_path_canonical(const struct cw_path_in *in, char *out, size_t size);

#endif /* CW_PATHS_H */
