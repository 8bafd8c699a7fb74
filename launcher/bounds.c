// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The bounds a run ran into.  A fork bomb, a memory balloon, a disk fill
 * or a spin is stopped by a bound no rule decides (cgroup limits, the
 * bounded tmpfs mounts, the timeout, the output cap), and the kernel keeps
 * no record a monitor could read at the moment it happens.  Once the run is
 * over, each bound it reached becomes an alert of its own (rule
 * "resource-limit", action alert), so a tenant exhausting its cell is seen,
 * not only contained.
 *
 * A CPU quota throttles every parallel job now and then, benign or not:
 * only a cell held back for a second or more, and for at least half as
 * long as it ran on a CPU, counts as one that ran into it (it asked for
 * well over its CPUs: a spin on every CPU it can see); the timeout ends
 * one that runs on.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "cellrun.h"
#include "monitor.h"
#include "ecs.h"

#define CPU_BOUND_MIN_MS	1000

static struct bound *add(struct bound *b, int *n, const char *name, const char *layer,
			 const char *category)
{
	b = &b[(*n)++];
	b->name = name;
	b->layer = layer;
	b->category = category;
	b->detail[0] = '\0';
	return b;
}

/* A size-bounded tmpfs with no block or no inode left; @fd, else @path. */
static bool tmpfs_full(int fd, const char *path, unsigned long long *size)
{
	struct statfs st;

	if (fd >= 0 ? fstatfs(fd, &st) : !path || statfs(path, &st))
		return false;
	if (st.f_type != TMPFS_MAGIC || !st.f_blocks)
		return false;
	*size = (unsigned long long)st.f_blocks * st.f_bsize;
	return !st.f_bavail || (st.f_files && !st.f_ffree);
}

int bounds_reached(const struct cell *c, const struct cellrun_opts *o, const struct run_ends *e,
		   struct bound *out)
{
	unsigned long long size, throttled_ms, cpu_ms;
	long long count;
	struct bound *b;
	int n = 0;

	count = limits_pids_refused(c);
	if (count > 0) {
		b = add(out, &n, "pids", "cgroup", "process");
		snprintf(b->detail, sizeof(b->detail), "the cell reached its %u tasks: forks refused",
			 o->pids);
	}
	count = limits_oom_kills(c);
	if (count > 0) {
		b = add(out, &n, "memory", "cgroup", "process");
		snprintf(b->detail, sizeof(b->detail),
			 "%lld processes killed by the OOM killer at the cell's %llu bytes", count,
			 (unsigned long long)o->memory_bytes);
	}
	throttled_ms = limits_cpu_throttled_usec(c) / 1000;
	cpu_ms = limits_cpu_usec(c) / 1000;
	if (throttled_ms >= CPU_BOUND_MIN_MS && throttled_ms * 2 >= cpu_ms) {
		b = add(out, &n, "cpu", "cgroup", "process");
		snprintf(b->detail, sizeof(b->detail),
			 "held back by the cell's %u.%03u CPU quota for %llu ms (summed over CPUs) "
			 "while it ran %llu ms", o->cpu_millis / 1000, o->cpu_millis % 1000,
			 throttled_ms, cpu_ms);
	}
	if (e->timed_out) {
		b = add(out, &n, "timeout", "timeout", "process");
		snprintf(b->detail, sizeof(b->detail), "still running after %u ms", o->timeout_ms);
	}
	if (tmpfs_full(e->tmp_fd, NULL, &size)) {
		b = add(out, &n, "tmp", "mount", "file");
		snprintf(b->detail, sizeof(b->detail), "/tmp full at its %llu bytes", size);
	}
	if (tmpfs_full(-1, e->output_tmpfs, &size)) {
		b = add(out, &n, "output", "mount", "file");
		snprintf(b->detail, sizeof(b->detail), "/output full at its %llu bytes", size);
	}
	if (e->out_truncated || e->err_truncated) {
		b = add(out, &n, "output-cap", "launcher", "process");
		snprintf(b->detail, sizeof(b->detail), "%s%s%s cut at %llu bytes",
			 e->out_truncated ? "stdout" : "",
			 e->out_truncated && e->err_truncated ? " and " : "",
			 e->err_truncated ? "stderr" : "", (unsigned long long)o->output_cap);
	}
	return n;
}

json_t *bound_to_ecs(const struct bound *b, __u64 cell_id)
{
	json_t *doc = cw_notice_to_ecs(cw_realtime_ns(), BOUND_ACTION, b->category, "info");
	int err;

	if (!doc)
		return NULL;
	err = cw_json_set(doc, "event.kind", json_string("alert")) |
	      cw_json_set(doc, "event.outcome", json_string("failure")) |
	      cw_json_set(doc, "event.reason", json_string(b->detail)) |
	      cw_json_set(doc, "log.level", json_string("warning")) |
	      cw_json_set(doc, "rule.name", json_string(BOUND_RULE)) |
	      cw_json_set(doc, "cellwatch.cell.id", json_integer(cell_id)) |
	      cw_json_set(doc, "cellwatch.action", json_string("alert")) |
	      cw_json_set(doc, "cellwatch.layer", json_string(b->layer)) |
	      cw_json_set(doc, "cellwatch.limit", json_string(b->name));
	if (err) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}
