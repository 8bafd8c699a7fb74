/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The cell's syscall filters as libseccomp builds them: used at build time
 * by the generator (gen.c), never by cellrun, which installs what the
 * generator wrote (launcher/seccomp.c).
 */
#ifndef CELLRUN_SECCOMP_BUILD_H
#define CELLRUN_SECCOMP_BUILD_H

#include <stdint.h>
#include <linux/filter.h>

/* The filters, in the order they are installed. */
enum seccomp_filter_id {
	SECCOMP_ALLOW_LIST,	/* ENOSYS for every syscall not on the list */
	SECCOMP_REFUSALS,	/* refused by name and argument (EPERM, ...), or killed */
	SECCOMP_NR_FILTERS,
};

/*
 * Build filter @which for the libseccomp arch token @arch (SCMP_ARCH_NATIVE:
 * this machine's) into @prog; prog->filter is malloc'ed (the caller frees
 * it).  0 or negative errno.
 */
int seccomp_build(int which, uint32_t arch, struct sock_fprog *prog);

#endif /* CELLRUN_SECCOMP_BUILD_H */
