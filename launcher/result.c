// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --result FILE: how the run ended, what limited it, what it had, what it left in /output. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "cellrun.h"

#define MAX_ARTIFACTS 1000

/* Regular files the run wrote to /output, one level deep, by name and size. */
static json_t *artifacts(const char *dir)
{
	json_t *list = json_array();
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (!dir || !list || !(d = opendir(dir)))
		return list;
	while ((de = readdir(d)) && n < MAX_ARTIFACTS) {
		struct stat st;

		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		json_array_append_new(list, json_pack("{s:s, s:I}", "path", de->d_name,
						      "size", (json_int_t)st.st_size));
		n++;
	}
	closedir(d);
	return list;
}

static json_t *limits(const struct cellrun_opts *o, const struct cell *c)
{
	return json_pack("{s:I, s:s, s:i, s:s, s:i, s:s, s:I, s:I, s:i, s:I, s:I, s:i, s:i}",
			 "memory_bytes", (json_int_t)o->memory_bytes,
			 "memory_via", c->v2_memory ? "cgroup2" : c->v1_memory[0] ? "cgroup1" : "none",
			 "pids", o->pids,
			 "pids_via", c->v2_pids ? "cgroup2" : c->v1_pids[0] ? "cgroup1" : "none",
			 "cpu_millis", o->cpu_millis,
			 "cpu_via", c->v2_cpu ? "cgroup2" : c->v1_cpu[0] ? "cgroup1" : "none",
			 "tmp_bytes", (json_int_t)o->tmp_bytes,
			 "output_bytes", (json_int_t)o->output_bytes,
			 "output_files", o->output_files,
			 "fsize_bytes", (json_int_t)o->fsize_bytes,
			 "output_cap_bytes", (json_int_t)o->output_cap,
			 "nofile", o->nofile,
			 "timeout_ms", o->timeout_ms);
}

/* The run's --bind, --ro-bind and --tmpfs: what it had beside the cell's own. */
static json_t *mounts(const struct cellrun_opts *o)
{
	static const char *const mode[] = {
		[MOUNT_BIND] = "rw", [MOUNT_RO_BIND] = "ro", [MOUNT_TMPFS] = "tmpfs",
	};
	json_t *list = json_array();

	for (int i = 0; list && i < o->nmounts; i++) {
		const struct cell_mount *m = &o->mounts[i];
		json_t *e = json_pack("{s:s, s:s}", "destination", m->dst, "mode", mode[m->kind]);

		if (m->kind == MOUNT_TMPFS)
			json_object_set_new(e, "size", json_integer(m->size ?: o->tmp_bytes));
		else
			json_object_set_new(e, "source", json_string(m->src));
		json_array_append_new(list, e);
	}
	return list;
}

static json_t *layers(const struct run_report *r, const struct cellrun_opts *o)
{
	json_t *ll = r->landlock_abi ? json_pack("{s:b, s:i}", "applied", 1, "abi", r->landlock_abi)
				     : json_pack("{s:b, s:s}", "applied", 0, "why",
						 "the kernel lacks Landlock");

	json_t *lsm = r->lsm_why ? json_pack("{s:b, s:s}", "active", 0, "why", r->lsm_why) :
				   json_pack("{s:b}", "active", !strcmp(r->monitor, "lsm+tracepoint"));

	return json_pack("{s:[sssssss], s:s, s:s, s:b, s:s, s:b, s:o, s:s, s:s, s:s, s:o}",
			 "namespaces", "user", "mount", "pid", "net", "ipc", "uts", "cgroup",
			 "filesystem", "read-only root, noexec /tmp",
			 "shells", o->keep_shells ? "kept" : "masked",
			 "seccomp", 1,
			 "capabilities", "none",
			 "no_new_privs", 1,
			 "landlock", ll,
			 "cgroup", r->v1 ? "cgroup2 cell, cgroup1 limits" : "cgroup2",
			 "monitor", r->monitor,
			 "watched_by", o->daemon ? "daemon" : r->cell_id ? "embedded" : "none",
			 "lsm", lsm);
}

int result_write(const char *path, const struct run_report *r, const struct cell *c,
		 const struct cellrun_opts *o)
{
	json_t *doc;
	int ret = 0;

	doc = json_pack("{s:s, s:i, s:o, s:o, s:I, s:I, s:I, s:o, s:o, s:{s:I, s:b, s:I, s:b},"
			" s:I, s:I, s:I, s:I, s:o}",
			"reason", r->reason,
			"status", r->status,
			"exit_code", r->exit_code >= 0 ? json_integer(r->exit_code) : json_null(),
			"signal", r->signal ? json_integer(r->signal) : json_null(),
			"wall_ms", (json_int_t)r->wall_ms,
			"cpu_ms", (json_int_t)(r->cpu_usec / 1000),
			"peak_memory_bytes", (json_int_t)r->peak_memory,
			"limits", limits(o, c),
			"layers", layers(r, o),
			"output", "stdout_bytes", (json_int_t)r->out_bytes,
			"stdout_truncated", r->out_truncated,
			"stderr_bytes", (json_int_t)r->err_bytes,
			"stderr_truncated", r->err_truncated,
			"alerts", (json_int_t)r->alerts,
			"events_lost", (json_int_t)r->events_lost,
			"events_lost_critical", (json_int_t)r->events_lost_critical,
			"events_not_logged", (json_int_t)r->events_not_logged,
			"artifacts", artifacts(o->output));
	if (!doc)
		return -ENOMEM;
	json_object_set_new(doc, "mounts", mounts(o));
	if (r->rule)
		json_object_set_new(doc, "rule", json_string(r->rule));
	if (r->layer)
		json_object_set_new(doc, "layer", json_string(r->layer));
	if (r->cell_id)
		json_object_set_new(doc, "cell_id", json_integer(r->cell_id));
	if (c->path[0])
		json_object_set_new(doc, "cgroup_path", json_string(c->path));
	if (c->host_uid)
		json_object_set_new(doc, "host_uid", json_integer(c->host_uid));
	if (o->run_id)
		json_object_set_new(doc, "run_id", json_string(o->run_id));
	if (r->error)
		json_object_set_new(doc, "error", json_string(r->error));
	if (r->left_out)
		json_object_set(json_object_get(doc, "output"), "left_out", r->left_out);
	if (o->daemon)
		json_object_set_new(doc, "daemon_confirmed_end", json_boolean(!r->daemon_unconfirmed));
	if (json_dump_file(doc, path, JSON_INDENT(2) | JSON_SORT_KEYS))
		ret = -EIO;
	json_decref(doc);
	return ret;
}
