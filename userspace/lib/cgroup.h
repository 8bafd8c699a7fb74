/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cgroup v2 helpers: where the hierarchy is, cgroup ids, kill and wait. */
#ifndef CW_CGROUP_H
#define CW_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * Find the cgroup v2 mount: /sys/fs/cgroup on pure v2 hosts,
 * /sys/fs/cgroup/unified on hybrid ones.  Returns 0 or -ENOENT.
 */
int cg2_mount_point(char *buf, size_t len);

/*
 * The cgroup a service manager delegated to the caller: the caller's own
 * v2 cgroup, or its parent, if it carries systemd's delegation mark (the
 * trusted.delegate xattr, or user.delegate under a user manager; systemd
 * 251+).  Its path in @buf; 0, or -ENOENT when neither is delegated.
 */
int cg2_delegated(const char *root, char *buf, size_t len);

/* The cgroup id BPF sees (bpf_get_current_cgroup_id) of the cgroup open at @fd. */
int cg2_id(int fd, __u64 *id);

/* Depth of @path below the cgroup v2 root @root (root is 0), or -EINVAL. */
int cg2_level(const char *root, const char *path);

/* Kill every process in the cgroup open at @fd, descendants included. */
int cg2_kill(int fd);

/* Wait until the cgroup open at @fd has no process left, up to @timeout_ms. */
int cg2_wait_empty(int fd, int timeout_ms);

/* Is any process left in the cgroup open at @fd?  1, 0 or negative errno. */
int cg2_populated(int fd);

/*
 * Write @val to a kernel interface file (cgroup, /proc) with one write(2):
 * these files take a value whole or refuse it.  @dirfd may be AT_FDCWD.
 */
int cw_write_at(int dirfd, const char *file, const char *val);

#endif /* CW_CGROUP_H */
