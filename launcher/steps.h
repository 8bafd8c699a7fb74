/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The steps that confine the cell's init before it forks the payload, in
 * the order init_steps (init.c) applies them: rlimits, privileges,
 * Landlock, seccomp.  Each returns 0 or negative errno.
 */
#ifndef CELLRUN_STEPS_H
#define CELLRUN_STEPS_H

#include <sys/types.h>

struct rlimit_set {
	unsigned long nofile;	/* RLIMIT_NOFILE */
	unsigned long nproc;	/* RLIMIT_NPROC */
	unsigned long fsize;	/* RLIMIT_FSIZE, bytes */
};

/* Set the limits (soft = hard) and CORE to 0; a lower existing hard limit is kept. */
int rlimits_apply(const struct rlimit_set *r);

/*
 * Become @uid/@gid with no capability in any set, locked securebits and
 * no_new_privs; verified before returning.
 */
int privileges_drop(uid_t uid, gid_t gid);

struct landlock_paths {
	const char *const *read_exec;	/* NULL-terminated: read and execute beneath */
	const char *const *read_only;	/* read beneath */
	const char *const *read_write;	/* read, write, create, remove beneath; no execute */
};

/* Restrict the filesystem to @p; *abi is 0 when the kernel lacks Landlock (not applied). */
int landlock_apply(const struct landlock_paths *p, int *abi);

struct sock_fprog;

/*
 * The syscall filters, the allow-list and the refusals, precompiled at
 * build time (seccomp.c); installed in that order: the last step that
 * confines.
 */
#define SECCOMP_FILTERS 2
const struct sock_fprog *seccomp_programs(void);	/* SECCOMP_FILTERS of them */
int seccomp_apply(void);

#endif /* CELLRUN_STEPS_H */
