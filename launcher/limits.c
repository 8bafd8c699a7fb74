// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Memory, pids and CPU limits.  Pure cgroup v2 hosts get them from the
 * cell's own controllers.  Hybrid hosts (v1 controllers beside an empty v2
 * hierarchy, as on this project's machines) get a directory per controller
 * under /sys/fs/cgroup/<controller>/cellwatch/, in which the cell is born.
 * Whatever was applied is reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cellrun.h"
#include "cgroup.h"
#include "log.h"

#define V1_ROOT "/sys/fs/cgroup"
#define CPU_PERIOD_US 100000

static int write_file(const char *dir, const char *file, const char *val)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return cw_write_at(AT_FDCWD, path, val);
}

static int read_file(const char *dir, const char *file, char *buf, size_t len)
{
	char path[700];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* The value after "key " in a flat-keyed file such as memory.events. */
static long long read_key(const char *dir, const char *file, const char *key)
{
	char buf[4096], *p;
	size_t klen = strlen(key);

	if (read_file(dir, file, buf, sizeof(buf)))
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return atoll(p + klen + 1);
	}
	return -1;
}

/* The controllers cellrun limits with: the bits of v2_controllers(), and V1_CTLS. */
static const char *const limit_ctls[V1_CTLS] = { "memory", "pids", "cpu" };
#define CTL_MEMORY	(1u << 0)
#define CTL_PIDS	(1u << 1)
#define CTL_CPU		(1u << 2)

/* Which of limit_ctls @dir's cgroup.controllers lists: a bit each. */
static unsigned int v2_controllers(const char *dir)
{
	char buf[512], *tok, *save;
	unsigned int have = 0;

	if (read_file(dir, "cgroup.controllers", buf, sizeof(buf)))
		return 0;
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		for (size_t i = 0; i < sizeof(limit_ctls) / sizeof(limit_ctls[0]); i++) {
			if (!strcmp(tok, limit_ctls[i]))
				have |= 1u << i;
		}
	}
	return have;
}

/*
 * Pass @ctl down from the root to the cell: a controller reaches a cgroup
 * only through its parent's subtree_control, unset at the root of a bare
 * host and in a new --cgroup-parent.  A cgroup that holds processes passes
 * no controller on (cgroup v2's no-internal-process rule); the cgroup that
 * refused is named in @why.  0, or negative errno.
 */
static int pass_controller(const struct cell *c, size_t ctl, char *why, size_t len)
{
	size_t end, next;
	char dir[sizeof(c->path)], plus[16];

	snprintf(plus, sizeof(plus), "+%s", limit_ctls[ctl]);
	/* Each ancestor in turn, root first: the path up to each further '/'. */
	for (end = strlen(c->root); c->path[end] == '/'; end = next) {
		int err;

		next = end + 1 + strcspn(c->path + end + 1, "/");
		snprintf(dir, sizeof(dir), "%.*s", (int)next, c->path);
		if (v2_controllers(dir) & (1u << ctl))
			continue;
		snprintf(dir, sizeof(dir), "%.*s", (int)end, c->path);
		if (!(v2_controllers(dir) & (1u << ctl)))
			return -ENOENT;
		err = write_file(dir, "cgroup.subtree_control", plus);
		if (err) {
			snprintf(why, len, "%s: %s", dir, err == -EBUSY ?
				 "it holds processes, and a cgroup v2 with processes passes "
				 "no controller on (move them to a child cgroup; systemd: "
				 "DelegateSubgroup=)" : strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Memory, pids and CPU from the cell's own v2 controllers, where the root has them. */
static int apply_v2(struct cell *c, const struct cellrun_opts *o, char *err, size_t errlen)
{
	unsigned int offered = v2_controllers(c->root), have;
	char val[64], why[1024];
	int ret;

	for (size_t i = 0; i < sizeof(limit_ctls) / sizeof(limit_ctls[0]); i++) {
		if (!(offered & (1u << i)))
			continue;	/* a v1 hierarchy's, or none */
		ret = pass_controller(c, i, why, sizeof(why));
		/* Offered by the host, it must reach the cell: no run without its limit. */
		if (ret && ret != -ENOENT)
			return cw_fail(ret, err, errlen, "%s limit: %s", limit_ctls[i], why);
		if (ret)
			return cw_fail(ret, err, errlen, "%s limit: the controller does not "
				       "reach %s", limit_ctls[i], c->path);
	}
	have = v2_controllers(c->path);
	if (have & CTL_MEMORY) {
		snprintf(val, sizeof(val), "%llu", (unsigned long long)o->memory_bytes);
		ret = write_file(c->path, "memory.max", val);
		if (ret)
			return cw_fail(ret, err, errlen, "memory.max: %s", strerror(-ret));
		/* No swap: a balloon must meet the OOM killer, not the disk. */
		ret = write_file(c->path, "memory.swap.max", "0");
		if (ret && ret != -ENOENT)
			return cw_fail(ret, err, errlen, "memory.swap.max: %s", strerror(-ret));
		c->v2_memory = true;
	}
	if (have & CTL_PIDS) {
		snprintf(val, sizeof(val), "%u", o->pids);
		ret = write_file(c->path, "pids.max", val);
		if (ret)
			return cw_fail(ret, err, errlen, "pids.max: %s", strerror(-ret));
		c->v2_pids = true;
	}
	if (have & CTL_CPU) {
		snprintf(val, sizeof(val), "%u %u", o->cpu_millis * (CPU_PERIOD_US / 1000),
			 CPU_PERIOD_US);
		ret = write_file(c->path, "cpu.max", val);
		if (ret)
			return cw_fail(ret, err, errlen, "cpu.max: %s", strerror(-ret));
		c->v2_cpu = true;
	}
	return 0;
}

/*
 * Create <v1 root>/<ctl>/cellwatch/<cell name>, and write @file = @val in
 * it unless @file is NULL.
 */
static int apply_v1(const struct cell *c, const char *ctl, char *dir, size_t len,
		    const char *file, const char *val)
{
	const char *name = strrchr(c->path, '/') + 1;
	char parent[300], probe[300];
	int err;

	/* A v1 hierarchy of that controller, not the tmpfs directory that holds them. */
	snprintf(probe, sizeof(probe), V1_ROOT "/%s/cgroup.procs", ctl);
	if (access(probe, F_OK))
		return 0;	/* no such v1 hierarchy here */
	snprintf(parent, sizeof(parent), V1_ROOT "/%s/cellwatch", ctl);
	if (mkdir(parent, 0755) && errno != EEXIST)
		return -errno;
	snprintf(dir, len, "%s/%s", parent, name);
	if (mkdir(dir, 0755)) {
		err = -errno;
		dir[0] = '\0';
		return err;
	}
	err = file ? write_file(dir, file, val) : 0;
	if (err) {
		rmdir(dir);
		dir[0] = '\0';
	}
	return err;
}

int limits_apply(struct cell *c, const struct cellrun_opts *o, char *err, size_t errlen)
{
	char val[64];
	int ret;

	ret = apply_v2(c, o, err, errlen);
	if (ret)
		return ret;
	if (!c->v2_memory) {
		snprintf(val, sizeof(val), "%llu", (unsigned long long)o->memory_bytes);
		ret = apply_v1(c, "memory", c->v1_memory, sizeof(c->v1_memory),
			       "memory.limit_in_bytes", val);
		if (ret)
			return cw_fail(ret, err, errlen, "memory limit (cgroup v1): %s",
				       strerror(-ret));
		/* memsw exists only with swap accounting; without it there is no swap to limit. */
		if (c->v1_memory[0])
			write_file(c->v1_memory, "memory.memsw.limit_in_bytes", val);
	}
	/*
	 * The pids and CPU limits are written once cellrun's thread, which
	 * clones the cell from inside, has left (limits_leave_v1): it counts
	 * as a task, and its time as the cell's.
	 */
	if (!c->v2_pids) {
		snprintf(c->v1_pids_max, sizeof(c->v1_pids_max), "%u", o->pids);
		ret = apply_v1(c, "pids", c->v1_pids, sizeof(c->v1_pids), NULL, NULL);
		if (ret)
			return cw_fail(ret, err, errlen, "pids limit (cgroup v1): %s",
				       strerror(-ret));
	}
	if (!c->v2_cpu) {
		snprintf(c->v1_cpu_quota, sizeof(c->v1_cpu_quota), "%u",
			 o->cpu_millis * (CPU_PERIOD_US / 1000));
		ret = apply_v1(c, "cpu", c->v1_cpu, sizeof(c->v1_cpu), NULL, NULL);
		if (ret)
			return cw_fail(ret, err, errlen, "cpu limit (cgroup v1): %s",
				       strerror(-ret));
	}
	return 0;
}

/*
 * cellrun's own v1 cgroups: the "tasks" file of each controller the cell
 * has a directory of (@want), from one read of /proc/self/cgroup, whose
 * lines are "id:ctl,ctl:/path".
 */
static int v1_own_tasks(const bool *want, struct v1_home *home)
{
	char buf[4096], *line, *save = NULL;
	int err = read_file("/proc/self", "cgroup", buf, sizeof(buf)), found = 0, wanted = 0;

	if (err)
		return err;
	for (int i = 0; i < V1_CTLS; i++)
		wanted += want[i];
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *names = strchr(line, ':'), *cgpath, *tok, *tsave = NULL;

		cgpath = names ? strchr(++names, ':') : NULL;
		if (!cgpath)
			continue;
		*cgpath++ = '\0';
		for (tok = strtok_r(names, ",", &tsave); tok; tok = strtok_r(NULL, ",", &tsave)) {
			for (int i = 0; i < V1_CTLS; i++) {
				if (!want[i] || home->tasks[i][0] || strcmp(tok, limit_ctls[i]))
					continue;
				snprintf(home->tasks[i], sizeof(home->tasks[i]), V1_ROOT "/%s%s/tasks",
					 limit_ctls[i], strcmp(cgpath, "/") ? cgpath : "");
				found++;
			}
		}
	}
	return found == wanted ? 0 : -ENOENT;
}

static const char *v1_dir(const struct cell *c, int i)
{
	const char *dirs[V1_CTLS] = { c->v1_memory, c->v1_pids, c->v1_cpu };

	return dirs[i];
}

/*
 * Writing a pid to cgroup.procs write-locks cgroup_threadgroup_rwsem,
 * and that waits for an RCU grace period unless a migration ran moments
 * before: 7 ms per launch on an idle host (under 1 ms with rcu_expedited).
 * A thread that moves itself through "tasks" skips that lock (Linux 6.0),
 * so cellrun's thread steps into the cell's v1 cgroups, clones the cell
 * there, and steps back (limits_leave_v1).  Its home cgroups are noted
 * first, so a failure half way puts it back.
 */
int limits_enter_v1(const struct cell *c, struct v1_home *home)
{
	bool want[V1_CTLS];
	char path[700];
	int err;

	for (int i = 0; i < V1_CTLS; i++) {
		home->tasks[i][0] = '\0';
		want[i] = v1_dir(c, i)[0];
	}
	err = v1_own_tasks(want, home);
	if (err) {
		for (int i = 0; i < V1_CTLS; i++)
			home->tasks[i][0] = '\0';
		return err;
	}
	for (int i = 0; i < V1_CTLS; i++) {
		if (!v1_dir(c, i)[0])
			continue;
		snprintf(path, sizeof(path), "%s/tasks", v1_dir(c, i));
		err = cw_write_at(AT_FDCWD, path, "0");
		if (err) {
			limits_leave_v1(c, home);
			return err;
		}
	}
	return 0;
}

/* Back home, then the limits that could not hold cellrun's thread. */
int limits_leave_v1(const struct cell *c, const struct v1_home *home)
{
	int ret = 0, err;

	for (int i = 0; i < V1_CTLS; i++) {
		if (!home->tasks[i][0])
			continue;
		err = cw_write_at(AT_FDCWD, home->tasks[i], "0");
		if (err && !ret)
			ret = err;
	}
	if (ret)
		return ret;
	if (c->v1_pids[0])
		ret = write_file(c->v1_pids, "pids.max", c->v1_pids_max);
	if (!ret && c->v1_cpu[0])
		ret = write_file(c->v1_cpu, "cpu.cfs_quota_us", c->v1_cpu_quota);
	return ret;
}

long long limits_oom_kills(const struct cell *c)
{
	if (c->v2_memory)
		return read_key(c->path, "memory.events", "oom_kill");
	if (c->v1_memory[0])
		return read_key(c->v1_memory, "memory.oom_control", "oom_kill");
	return -1;
}

/* The forks pids.max refused (pids.events "max"). */
static long long pids_refused(const char *dir)
{
	long long refused = read_key(dir, "pids.events", "max");
	char max[32], peak[32];

	/*
	 * Where the refusal is counted moved between kernels (the forking
	 * task's cgroup, the limiting one, none under v1 on some): a peak at
	 * pids.max says it was reached all the same.
	 */
	if (refused <= 0 && !read_file(dir, "pids.max", max, sizeof(max)) &&
	    !read_file(dir, "pids.peak", peak, sizeof(peak)) && strtoll(max, NULL, 10) > 0 &&
	    strtoll(peak, NULL, 10) >= strtoll(max, NULL, 10))
		refused = 1;
	return refused;
}

long long limits_pids_refused(const struct cell *c)
{
	if (c->v2_pids)
		return pids_refused(c->path);
	if (c->v1_pids[0])
		return pids_refused(c->v1_pids);
	return -1;
}

__u64 limits_peak_memory(const struct cell *c)
{
	char buf[64];

	if (c->v2_memory && !read_file(c->path, "memory.peak", buf, sizeof(buf)))
		return strtoull(buf, NULL, 10);
	if (c->v1_memory[0] &&
	    !read_file(c->v1_memory, "memory.max_usage_in_bytes", buf, sizeof(buf)))
		return strtoull(buf, NULL, 10);
	return 0;
}

__u64 limits_cpu_usec(const struct cell *c)
{
	/* cpu.stat exists in every v2 cgroup, controller enabled or not. */
	long long usec = read_key(c->path, "cpu.stat", "usage_usec");

	return usec > 0 ? usec : 0;
}

__u64 limits_cpu_throttled_usec(const struct cell *c)
{
	long long v = -1;

	if (c->v2_cpu)
		v = read_key(c->path, "cpu.stat", "throttled_usec");
	else if (c->v1_cpu[0] && (v = read_key(c->v1_cpu, "cpu.stat", "throttled_time")) > 0)
		v /= 1000;	/* v1 counts nanoseconds */
	return v > 0 ? v : 0;
}

int limits_remove(const struct cell *c)
{
	int ret = 0;

	/* The processes are gone (the v2 cell was emptied first), so rmdir succeeds. */
	for (int i = 0; i < V1_CTLS; i++) {
		if (v1_dir(c, i)[0] && rmdir(v1_dir(c, i)) && errno != ENOENT && !ret)
			ret = -errno;
	}
	return ret;
}
