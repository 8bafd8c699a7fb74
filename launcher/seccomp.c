// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cell's syscall filters, installed as ready BPF programs.  libseccomp
 * built them at build time (seccomp/build.c, through seccomp/gen.c into
 * the generated seccomp_filters.h), so a launch compiles nothing and makes
 * no probing seccomp calls; tests/test_seccomp.c proves the programs equal
 * what libseccomp builds from the same lists now.  No option of cellrun
 * changes the filters: one pair serves every run.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "seccomp_filters.h"
#include "steps.h"

/*
 * The generator ran on the build machine: its programs admit that
 * machine's ABI only.  Built for another, every syscall would kill.
 */
#if defined(__x86_64__) && !defined(__ILP32__)
_Static_assert(CW_SECCOMP_AUDIT_ARCH == AUDIT_ARCH_X86_64, "seccomp filters of another arch");
#elif defined(__aarch64__)
_Static_assert(CW_SECCOMP_AUDIT_ARCH == AUDIT_ARCH_AARCH64, "seccomp filters of another arch");
#endif

#define PROGRAM(insns) { .len = sizeof(insns) / sizeof(insns[0]), \
			 .filter = (struct sock_filter *)(insns) }

/*
 * In the order of installation: among equal actions the kernel takes the
 * later filter's, so the refusals' errno wins over the allow-list's.
 */
static const struct sock_fprog programs[SECCOMP_FILTERS] = {
	PROGRAM(cw_seccomp_allow_list),
	PROGRAM(cw_seccomp_refusals),
};

const struct sock_fprog *seccomp_programs(void)
{
	return programs;
}

int seccomp_apply(void)
{
	/* no_new_privs is set (caps.c): an unprivileged process may install a filter. */
	for (int i = 0; i < SECCOMP_FILTERS; i++)
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &programs[i]))
			return -errno;
	return 0;
}
