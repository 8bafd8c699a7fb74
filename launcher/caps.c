// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Privileges: the payload becomes uid/gid 65534 with no capability in any
 * set, securebits locked so nothing can bring them back, and no_new_privs
 * so no setuid binary or file capability can either.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>

#include "steps.h"

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int cap = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &cap) != 1)
			cap = CAP_LAST_CAP;
		fclose(f);
	}
	return cap;
}

static int capset_all(__u32 effective, __u32 permitted, __u32 inheritable)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {
		{ effective, permitted, inheritable }, { effective, permitted, inheritable },
	};

	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

static int verify(uid_t uid, gid_t gid)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid)
		return -EPERM;
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	for (int i = 0; i < 2; i++) {
		if (data[i].effective || data[i].permitted || data[i].inheritable)
			return -EPERM;
	}
	if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN) != 0 ||
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return -EPERM;
	return 0;
}

int privileges_drop(uid_t uid, gid_t gid)
{
	int top = last_cap(), ret;

	/*
	 * Lock the securebits first, while CAP_SETPCAP is still held: uid 0
	 * is never special again and keep-caps and ambient raising stay off.
	 */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		  SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
		  SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
		  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED))
		return -errno;
	/* The bounding set caps what any later execve could grant. */
	for (int cap = 0; cap <= top; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		return -errno;
	/* With SECBIT_NO_SETUID_FIXUP the uid change kept the sets: empty them. */
	ret = capset_all(0, 0, 0);
	if (ret)
		return ret;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return verify(uid, gid);
}
