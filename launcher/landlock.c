// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Landlock: even if the mount layout were wrong, the payload may execute
 * only beneath the read-only system directories and the run's --ro-bind
 * mounts, and write only beneath /tmp, /output, /dev and the run's --bind
 * and --tmpfs mounts.  Every access right the kernel's ABI knows is
 * handled, so anything not granted is denied.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/landlock.h>

#include "cellrun.h"
#include "steps.h"

/* Rights newer than the build host's uapi header. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)
#endif

#define FS_READ		(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_EXEC		LANDLOCK_ACCESS_FS_EXECUTE
#define FS_WRITE	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | \
			 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR | \
			 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
			 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM | \
			 LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE | \
			 LANDLOCK_ACCESS_FS_IOCTL_DEV)

int landlock_abi_version(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? 0 : abi;
}

/* Every filesystem right ABI @abi knows. */
static __u64 handled_rights(int abi)
{
	__u64 all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;	/* ABI 1: 13 rights */

	if (abi >= 2)
		all |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		all |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return all;
}

static int allow(int ruleset, const char *const *paths, __u64 rights, __u64 handled)
{
	for (; paths && *paths; paths++) {
		struct landlock_path_beneath_attr attr = { .allowed_access = rights & handled };
		int ret = 0;

		attr.parent_fd = open(*paths, O_PATH | O_CLOEXEC);
		if (attr.parent_fd < 0) {
			if (errno == ENOENT)
				continue;	/* not in this cell: nothing to allow */
			return -errno;
		}
		/* Directory-only rights are refused on a file: grant a file what fits one. */
		if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0)) {
			attr.allowed_access &= LANDLOCK_ACCESS_FS_EXECUTE |
					       LANDLOCK_ACCESS_FS_WRITE_FILE |
					       LANDLOCK_ACCESS_FS_READ_FILE |
					       LANDLOCK_ACCESS_FS_TRUNCATE |
					       LANDLOCK_ACCESS_FS_IOCTL_DEV;
			if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH,
				    &attr, 0))
				ret = -errno;
		}
		close(attr.parent_fd);
		if (ret)
			return ret;
	}
	return 0;
}

int landlock_apply(const struct landlock_paths *p, int *abi)
{
	struct landlock_ruleset_attr attr = {};
	int ruleset, ret;

	*abi = landlock_abi_version();
	if (!*abi)
		return 0;
	attr.handled_access_fs = handled_rights(*abi);
	ruleset = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		return -errno;
	ret = allow(ruleset, p->read_exec, FS_READ | FS_EXEC, attr.handled_access_fs) ?:
	      allow(ruleset, p->read_only, FS_READ, attr.handled_access_fs) ?:
	      allow(ruleset, p->read_write, FS_READ | FS_WRITE, attr.handled_access_fs);
	/* no_new_privs is already set (caps.c), as restrict_self requires. */
	if (!ret && syscall(SYS_landlock_restrict_self, ruleset, 0))
		ret = -errno;
	close(ruleset);
	return ret;
}
