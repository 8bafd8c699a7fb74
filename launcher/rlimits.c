// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Per-process resource limits: files, processes, file size, no core dumps. */
#include <errno.h>
#include <sys/resource.h>

#include "steps.h"

/*
 * The cell's root has no CAP_SYS_RESOURCE in the initial namespace, so a
 * limit can only go down: a hard limit already below the request stays.
 */
static int set_limit(int resource, rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl))
		return -errno;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		want = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = want;
	return setrlimit(resource, &rl) ? -errno : 0;
}

int rlimits_apply(const struct rlimit_set *r)
{
	return set_limit(RLIMIT_NOFILE, r->nofile) ?: set_limit(RLIMIT_NPROC, r->nproc) ?:
	       set_limit(RLIMIT_FSIZE, r->fsize) ?: set_limit(RLIMIT_CORE, 0);
}
