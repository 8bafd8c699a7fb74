// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The syscall filters, built with libseccomp (their lists:
 * ../seccomp_lists.h).  Only at build time: the generator (gen.c) writes
 * the programs this makes into a header cellrun installs as they are, and
 * a unit test (tests/test_seccomp.c) builds them again to compare.
 *
 * The first, an
 * allow-list, makes every syscall Docker's default profile does not allow
 * fail with ENOSYS, also those newer than this code.  The second, installed
 * after it (among equal actions the kernel takes the later filter's
 * errno), refuses by name everything Docker's default profile refuses,
 * plus every way out of the cell's namespaces, every kernel interface an
 * escape goes through (bpf, perf, modules, keyrings, io_uring,
 * userfaultfd), TIOCSTI and every socket family but unix, IPv4 and IPv6.
 * Those fail with EPERM (EAFNOSUPPORT for a family), so programs see an
 * ordinary error; calls that only an attack on the kernel makes and
 * syscalls of a foreign ABI (i386 through int 0x80, x32) kill the process.
 */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "../seccomp_lists.h"
#include "build.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const unsigned long ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
	CLONE_NEWCGROUP, CLONE_NEWTIME,
};

/*
 * personality(2) values Docker allows: 0, 0x8, 0x20000, 0x20008 (PER_LINUX
 * with UNAME26 and PER_LINUX32 bits) and 0xffffffff (the query).
 */
#define PERSONALITY_OK_BITS	0x20008UL
#define PERSONALITY_QUERY_BIT	0x80000000UL

static int refuse_names(scmp_filter_ctx ctx, const char *const *names, size_t n,
			uint32_t action)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		int ret;

		if (nr == __NR_SCMP_ERROR)
			continue;	/* unknown to this libseccomp or arch */
		ret = seccomp_rule_add(ctx, action, nr, 0);
		if (ret)
			return ret;
	}
	return 0;
}

static int deny_names(scmp_filter_ctx ctx)
{
	return refuse_names(ctx, seccomp_denied, sizeof(seccomp_denied) / sizeof(seccomp_denied[0]),
			    SCMP_ACT_ERRNO(EPERM)) ?:
	       refuse_names(ctx, seccomp_killed, sizeof(seccomp_killed) / sizeof(seccomp_killed[0]),
			    SCMP_ACT_KILL_PROCESS);
}

static int deny_namespaces(scmp_filter_ctx ctx)
{
	int ret;

	for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
		if (ret)
			return ret;
	}
	/*
	 * clone3 takes its flags in user memory, out of a filter's reach: say
	 * it does not exist, and glibc falls back to clone, which is checked.
	 */
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
}

/*
 * A process that shares its file table without being a thread of the
 * process (clone(CLONE_FILES) alone): when a rule kills the one that opened
 * a secret, the kernel's kill takes its threads at once, but another
 * process would keep the fd until the whole run is ended.  Threads share
 * it within one process, and no common runtime needs the rest.
 */
static int deny_shared_fd_table(scmp_filter_ctx ctx)
{
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_FILES | CLONE_THREAD,
					CLONE_FILES));
}

/*
 * Sockets of the families a payload needs: unix, IPv4, IPv6.  The others
 * reach kernel code no sandboxed job uses and many exploits do (vsock to
 * the hypervisor, AF_ALG, netlink, packet, TIPC, RDS, ...): each fails
 * with EAFNOSUPPORT, as on a kernel built without it.  One rule per family
 * number: a filter compares an argument once per rule.
 */
#define MAX_FAMILY 64

static int deny_socket_families(scmp_filter_ctx ctx)
{
	int ret = 0;

	for (int f = 0; !ret && f < MAX_FAMILY; f++) {
		if (f == AF_UNIX || f == AF_INET || f == AF_INET6)
			continue;
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_EQ, f));
		if (!ret)
			ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT),
					       SCMP_SYS(socketpair), 1, SCMP_A0(SCMP_CMP_EQ, f));
	}
	/* The family is an int: a filter sees its 32 bits zero-extended. */
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_GE, MAX_FAMILY));
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socketpair), 1,
				       SCMP_A0(SCMP_CMP_GE, MAX_FAMILY));
	return ret;
}

static int deny_misc(scmp_filter_ctx ctx)
{
	int ret;

	/* Pushing bytes into a terminal's input queue would reach outside the cell. */
	ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
			       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, TIOCSTI));
	/*
	 * A rule compares an argument once, so "anything but the allowed
	 * values" becomes one rule per bit: with the top bit clear, no bit
	 * outside the allowed ones; with it set, every bit (the query).
	 */
	for (unsigned long bit = 1; !ret && bit < PERSONALITY_QUERY_BIT; bit <<= 1) {
		unsigned long mask = bit | PERSONALITY_QUERY_BIT;

		if (!(bit & PERSONALITY_OK_BITS))
			ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
					       SCMP_A0(SCMP_CMP_MASKED_EQ, mask, bit));
		if (!ret)
			ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
					       SCMP_A0(SCMP_CMP_MASKED_EQ, mask,
						       PERSONALITY_QUERY_BIT));
	}
	return ret;
}

/* The filter as a BPF program, read back from libseccomp's export. */
static int export_program(scmp_filter_ctx ctx, struct sock_fprog *prog)
{
	struct stat st;
	int fd, ret;

	fd = memfd_create("cellrun-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = seccomp_export_bpf(ctx, fd);
	if (!ret && fstat(fd, &st))
		ret = -errno;
	if (!ret && (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter)))
		ret = -EINVAL;
	if (!ret) {
		prog->filter = malloc(st.st_size);
		prog->len = st.st_size / sizeof(struct sock_filter);
		if (!prog->filter)
			ret = -ENOMEM;
		else if (pread(fd, prog->filter, st.st_size, 0) != st.st_size)
			ret = -EIO;
	}
	close(fd);
	if (ret) {
		free(prog->filter);
		prog->filter = NULL;
		prog->len = 0;
	}
	return ret;
}

/*
 * The filter checks @arch alone (SCMP_ARCH_NATIVE: the machine building).
 * Rules still name syscalls by this machine's numbers: libseccomp turns
 * each into @arch's by its name, and leaves out what @arch has not.
 */
static int set_arch(scmp_filter_ctx ctx, uint32_t arch)
{
	if (arch == SCMP_ARCH_NATIVE || arch == seccomp_arch_native())
		return 0;
	return seccomp_arch_add(ctx, arch) ?: seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
}

/*
 * Only the native ABI: an i386 or x32 syscall kills the process.  The
 * syscalls are laid out as a binary tree, not a list: the kernel runs the
 * filter once per syscall number when it is installed (to cache which
 * numbers it always allows), and at every call it cannot cache; a list
 * walked to its end each time made the two filters cost 0.37 ms of every
 * launch, the tree 0.17 ms.
 */
static int set_attributes(scmp_filter_ctx ctx)
{
	return seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) ?:
	       seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
}

/* The allow-list: ENOSYS for every syscall it does not name. */
static int build_allow_list(uint32_t arch, struct sock_fprog *prog)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
	int ret;

	if (!ctx)
		return -ENOMEM;
	ret = set_arch(ctx, arch) ?: set_attributes(ctx) ?:
	      refuse_names(ctx, seccomp_allowed,
			   sizeof(seccomp_allowed) / sizeof(seccomp_allowed[0]),
			   SCMP_ACT_ALLOW) ?:
	      export_program(ctx, prog);
	seccomp_release(ctx);
	return ret;
}

/* What is refused by name and argument, with its own errno (or a kill). */
static int build_refusals(uint32_t arch, struct sock_fprog *prog)
{
	scmp_filter_ctx ctx;
	int ret;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	ret = set_arch(ctx, arch) ?: set_attributes(ctx);
	ret = ret ?: deny_names(ctx) ?: deny_namespaces(ctx) ?: deny_shared_fd_table(ctx) ?:
	      deny_socket_families(ctx) ?: deny_misc(ctx);
	ret = ret ?: export_program(ctx, prog);
	seccomp_release(ctx);
	return ret;
}

/*
 * The API level the filters need (3: SCMP_ACT_KILL_PROCESS), set rather than
 * probed: what is built must not depend on the kernel of the machine that
 * builds it, nor on a probe valgrind cannot follow.  The level changes what
 * libseccomp accepts, never the program it writes.
 */
#define SECCOMP_API_LEVEL	3

int seccomp_build(int which, uint32_t arch, struct sock_fprog *prog)
{
	int ret;

	prog->filter = NULL;
	prog->len = 0;
	ret = seccomp_api_set(SECCOMP_API_LEVEL);
	if (ret)
		return ret;
	if (which == SECCOMP_ALLOW_LIST)
		return build_allow_list(arch, prog);
	if (which == SECCOMP_REFUSALS)
		return build_refusals(arch, prog);
	return -EINVAL;
}
