// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The seccomp filters cellrun installs are precompiled at build time
 * (launcher/seccomp.c): they must be, instruction for instruction, what
 * libseccomp builds from the same lists now, and the kernel must take them
 * and refuse as the lists say.  What a cell's payload meets is tested in
 * test_privs.c.
 */
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <seccomp.h>
#include <linux/filter.h>

#include "seccomp/build.h"
#include "steps.h"
#include "test.h"

UNIT_TEST(seccomp_precompiled_filters_equal_libseccomp_now)
{
	const struct sock_fprog *installed = seccomp_programs();

	ASSERT_EQ(SECCOMP_FILTERS, SECCOMP_NR_FILTERS, "one program per filter");
	for (int i = 0; i < SECCOMP_NR_FILTERS; i++) {
		struct sock_fprog fresh;

		if (!ASSERT_OK(seccomp_build(i, SCMP_ARCH_NATIVE, &fresh), "libseccomp builds the filter"))
			continue;
		if (ASSERT_EQ(installed[i].len, fresh.len, "instructions"))
			ASSERT_TRUE(!memcmp(installed[i].filter, fresh.filter,
					    fresh.len * sizeof(struct sock_filter)),
				    "the precompiled program is libseccomp's, byte for byte");
		free(fresh.filter);
	}
}

/* In a child: install the filters, then report what three calls returned. */
static int filtered_calls(void)
{
	int bits = 0;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || seccomp_apply())
		return 100;
	if (syscall(SYS_getpid) == getpid())
		bits |= 1;	/* allowed */
	if (unshare(CLONE_NEWUSER) < 0 && errno == EPERM)
		bits |= 2;	/* refused by name */
	if (syscall(SYS_sethostname, "x", 1) < 0 && errno == ENOSYS)
		bits |= 4;	/* off the allow-list */
	return bits;
}

TEST(seccomp_precompiled_filters_refuse_in_the_kernel)
{
	int status;
	pid_t pid;

	pid = fork();
	if (!ASSERT_GE(pid, 0, "fork"))
		return;
	if (!pid)
		_exit(filtered_calls());
	ASSERT_EQ(waitpid(pid, &status, 0), pid, "waitpid");
	ASSERT_TRUE(WIFEXITED(status), "the child lived through its calls");
	ASSERT_EQ(WEXITSTATUS(status), 7, "getpid allowed, unshare EPERM, sethostname ENOSYS");
}
