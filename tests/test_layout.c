// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: cgroup layouts.  A cell goes where it is told
 * (--cgroup-parent), where the daemon takes cells, or into the subtree a
 * service manager delegated to cellrun, on a cgroup2 mount at any path.
 * Wherever it goes it is watched (its shell ends the run, logged) and
 * limited as a cell under the default parent is, or it does not run.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "cgroup.h"
#include "test.h"

/* <cgroup2>/cellwatch-layout-PID: every cgroup a test makes is below it. */
struct layout {
	char root[256];
	char base[512];
};

static bool layout_create(struct layout *l)
{
	if (!ASSERT_OK(cg2_mount_point(l->root, sizeof(l->root)), "cgroup v2 mounted"))
		return false;
	snprintf(l->base, sizeof(l->base), "%s/cellwatch-layout-%d", l->root, getpid());
	return ASSERT_OK(mkdir(l->base, 0755) ? -errno : 0, "mkdir the test's cgroup");
}

/* Empty and remove @path and the cgroups below it, deepest first. */
static void remove_cgroups(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int fd;

	while (d && (de = readdir(d))) {
		char sub[1024];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		remove_cgroups(sub);
	}
	if (d)
		closedir(d);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		cg2_kill(fd);
		cg2_wait_empty(fd, 5000);
		close(fd);
	}
	rmdir(path);
}

static void layout_destroy(struct layout *l)
{
	if (l->base[0])
		remove_cgroups(l->base);
	ASSERT_TRUE(access(l->base, F_OK), "no cgroup of the test is left");
}

static char *cellrun_bin(void)
{
	static char bin[4096];

	snprintf(bin, sizeof(bin), "%s/cellrun", build_dir);
	return bin;
}

/* How a cell under the default parent is limited here: "cgroup2", "cgroup1" or "none". */
static void default_limits(char *memory_via, char *pids_via, size_t len)
{
	const char *result = test_path(2, "default.json");
	struct cmd_result res;
	json_t *doc;

	run_cmd((char *[]){ cellrun_bin(), "--no-monitor", "--result", (char *)result, "--",
			    "/bin/true", NULL }, 60, &res);
	doc = read_json(result);
	snprintf(memory_via, len, "%s", jstr(doc, "limits.memory_via") ?: "?");
	snprintf(pids_via, len, "%s", jstr(doc, "limits.pids_via") ?: "?");
	json_decref(doc);
}

/* Does the hierarchy at @root offer @ctl to its children? */
static bool v2_offers(const char *root, const char *ctl)
{
	char path[600], buf[512], *tok, *save;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return false;
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		if (!strcmp(tok, ctl))
			return true;
	}
	return false;
}

/*
 * The run of "/bin/sh -c 'echo reached'" under the default rules: ended by
 * shell-spawn before the shell ran, its cell a child of @under, limited by
 * @memory_via and @pids_via; the alert in @log (NULL: not checked here).
 */
static void assert_shell_ended_under(const struct cmd_result *res, const char *result,
				     const char *log, const char *under, const char *memory_via,
				     const char *pids_via)
{
	char prefix[700];
	json_t *doc = read_json(result), *events;

	ASSERT_EQ(res->status, 128 + 9, "the run was killed");
	ASSERT_FALSE(strstr(res->out, "reached"), "the shell never ran");
	if (!ASSERT_OK_PTR(doc, "the result"))
		return;
	ASSERT_STREQ(jstr(doc, "reason"), "killed_by_rule", "reason");
	ASSERT_STREQ(jstr(doc, "rule"), "shell-spawn", "the rule");
	snprintf(prefix, sizeof(prefix), "%s/run-", under);
	ASSERT_HAS(jstr(doc, "cgroup_path") ?: "", prefix, "the cell's cgroup");
	ASSERT_TRUE(!strncmp(jstr(doc, "cgroup_path") ?: "", prefix, strlen(prefix)),
		    "the cell is a child of the parent it was given");
	ASSERT_STREQ(jstr(doc, "limits.memory_via"), memory_via, "memory limited as by default");
	ASSERT_STREQ(jstr(doc, "limits.pids_via"), pids_via, "pids limited as by default");
	json_decref(doc);
	if (!log)
		return;
	events = read_log(log);
	ASSERT_OK_PTR(find_event(events, "rule.name", "shell-spawn"), "the alert is logged");
	json_decref(events);
}

#define SHELL_PAYLOAD "/bin/sh", "-c", "echo reached"

TEST(layout_cgroup_parent_given)
{
	const char *result = test_path(2, "result.json");
	char parent[600], rules[4096], mem[16], pids[16];
	struct layout l = {};
	struct cmd_result res;

	if (!require_root() || !layout_create(&l))
		goto cleanup;
	default_limits(mem, pids, sizeof(mem));
	/* Two levels below the root, one of them missing: cellrun creates it. */
	snprintf(parent, sizeof(parent), "%s/cells", l.base);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--cgroup-parent", parent, "--rules",
			       default_rules(rules, sizeof(rules)), "--result", (char *)result,
			       NULL }, (char *[]){ SHELL_PAYLOAD, NULL }, &res), "cellrun");
	assert_shell_ended_under(&res, result, test_path(1, "log.json"), parent, mem, pids);
	ASSERT_TRUE(access(parent, F_OK) == 0, "the parent stays for the next cell");
cleanup:
	layout_destroy(&l);
}

/* A parent outside the hierarchy, or below a missing one: no cell, no directory made. */
TEST(layout_cgroup_parent_refused)
{
	const char *outside = test_path(1, "not-a-cgroup");
	char deep[700];
	struct layout l = {};
	struct cmd_result res;

	if (!require_root() || !layout_create(&l))
		goto cleanup;
	run_cmd((char *[]){ cellrun_bin(), "--no-monitor", "--cgroup-parent", (char *)outside,
			    "--", "/bin/echo", "reached", NULL }, 60, &res);
	ASSERT_EQ(res.status, 125, "refused");
	ASSERT_HAS(res.err, "not a cgroup below", "says why");
	ASSERT_HAS(res.err, outside, "names the parent");
	ASSERT_FALSE(strstr(res.out, "reached"), "the payload did not run");
	ASSERT_TRUE(access(outside, F_OK), "nothing was created outside the hierarchy");

	snprintf(deep, sizeof(deep), "%s/missing/cells", l.base);
	run_cmd((char *[]){ cellrun_bin(), "--no-monitor", "--cgroup-parent", deep, "--",
			    "/bin/echo", "reached", NULL }, 60, &res);
	ASSERT_EQ(res.status, 125, "a parent below a missing cgroup: refused");
	ASSERT_HAS(res.err, "No such file or directory", "says why");
	ASSERT_FALSE(strstr(res.out, "reached"), "the payload did not run");
cleanup:
	layout_destroy(&l);
}

/*
 * Run cellrun from @procs' cgroup, as a process of a unit would: a shell
 * moves itself there, then becomes cellrun.
 */
static void cellrun_from(const char *procs, const char *result, struct cmd_result *res)
{
	char rules[4096];

	run_cmd((char *[]){ "/bin/sh", "-c", "echo 0 > \"$0\" && exec \"$@\"", (char *)procs,
			    cellrun_bin(), "--embedded", "--rules",
			    default_rules(rules, sizeof(rules)), "--log",
			    (char *)test_path(1, "log.json"), "--result", (char *)result, "--",
			    SHELL_PAYLOAD, NULL }, 90, res);
}

/* A subtree marked as systemd marks Delegate=yes units, its processes in a leaf of their own. */
static bool make_delegated(const struct layout *l, char *unit, size_t ulen, char *procs,
			   size_t len)
{
	snprintf(unit, ulen, "%s/agent.service", l->base);
	if (!ASSERT_OK(mkdir(unit, 0755) ? -errno : 0, "mkdir the unit's cgroup") ||
	    !ASSERT_OK(setxattr(unit, "trusted.delegate", "1", 1, 0) ? -errno : 0,
		       "mark it delegated"))
		return false;
	snprintf(procs, len, "%s/supervisor", unit);
	if (!ASSERT_OK(mkdir(procs, 0755) ? -errno : 0, "mkdir its supervisor leaf"))
		return false;
	strncat(procs, "/cgroup.procs", len - strlen(procs) - 1);
	return true;
}

/*
 * cellrun from a delegated unit's cgroup: its leaf ("supervisor"), the
 * unit's own ("") or one deeper (@from, made here, below the unit).
 */
struct delegated_run {
	struct layout l;
	char unit[600], cells[720], mem[16], pids[16];
	struct cmd_result res;
};

static bool run_delegated(struct delegated_run *dr, const char *from)
{
	char procs[700];

	if (!require_root() || !layout_create(&dr->l) ||
	    !make_delegated(&dr->l, dr->unit, sizeof(dr->unit), procs, sizeof(procs)))
		return false;
	default_limits(dr->mem, dr->pids, sizeof(dr->mem));
	if (strcmp(from, "supervisor")) {
		snprintf(procs, sizeof(procs), "%s/%s", dr->unit, from);
		if (*from && !ASSERT_OK(mkdir(procs, 0755) ? -errno : 0, "mkdir the deeper cgroup"))
			return false;
		strncat(procs, "/cgroup.procs", sizeof(procs) - strlen(procs) - 1);
	}
	cellrun_from(procs, test_path(2, "result.json"), &dr->res);
	snprintf(dr->cells, sizeof(dr->cells), "%s/cellwatch", dr->unit);
	return true;
}

TEST(layout_delegated_subtree)
{
	static struct delegated_run dr;

	memset(&dr, 0, sizeof(dr));
	if (run_delegated(&dr, "supervisor"))
		assert_shell_ended_under(&dr.res, test_path(2, "result.json"),
					 test_path(1, "log.json"), dr.cells, dr.mem, dr.pids);
	layout_destroy(&dr.l);
}

/*
 * The delegated cgroup itself holds the unit's processes, so cgroup v2
 * lets it pass no controller on: where the host's v2 hierarchy has the
 * controllers, cellrun refuses, naming the cgroup and the fix, rather than
 * run unlimited.  Where the limits come from v1 hierarchies (hybrid), the
 * run goes on, limited by those.
 */
TEST(layout_delegated_cgroup_with_processes)
{
	static struct delegated_run dr;

	memset(&dr, 0, sizeof(dr));
	if (!run_delegated(&dr, ""))
		goto cleanup;
	if (!v2_offers(dr.l.root, "memory") && !v2_offers(dr.l.root, "pids")) {
		assert_shell_ended_under(&dr.res, test_path(2, "result.json"),
					 test_path(1, "log.json"), dr.cells, dr.mem, dr.pids);
		goto cleanup;
	}
	ASSERT_EQ(dr.res.status, 125, "refused");
	ASSERT_HAS(dr.res.err, "limit: ", "says which limit");
	ASSERT_HAS(dr.res.err, dr.unit, "names the cgroup");
	ASSERT_HAS(dr.res.err, "holds processes", "says why");
	ASSERT_HAS(dr.res.err, "DelegateSubgroup=", "says how to fix it");
	ASSERT_FALSE(strstr(dr.res.out, "reached"), "the payload did not run");
cleanup:
	layout_destroy(&dr.l);
}

/*
 * A delegated cgroup further up than cellrun's parent belongs to another
 * manager (a user's systemd, whose own units live below it): cellrun
 * leaves it alone and makes its cell under the default parent.
 */
TEST(layout_delegated_grandparent_left_alone)
{
	static struct delegated_run dr;
	char cells[300];

	memset(&dr, 0, sizeof(dr));
	if (!run_delegated(&dr, "supervisor/inner"))
		goto cleanup;
	snprintf(cells, sizeof(cells), "%s/cellwatch", dr.l.root);
	assert_shell_ended_under(&dr.res, test_path(2, "result.json"), test_path(1, "log.json"),
				 cells, dr.mem, dr.pids);
cleanup:
	layout_destroy(&dr.l);
}

/*
 * cgroup2 mounted elsewhere (and nothing at /sys/fs/cgroup): cellrun finds
 * it in mountinfo, and the monitor watches the cell there.  In a mount
 * namespace of the test's own, gone with it.
 */
TEST(layout_cgroup2_mounted_elsewhere)
{
	const char *result = test_path(2, "result.json"), *mnt = test_path(3, "cg2");
	char rules[4096], cells[600], root[256];
	struct cmd_result res;
	bool v2_limits;

	if (!require_root() || !ASSERT_OK(cg2_mount_point(root, sizeof(root)), "cgroup2") ||
	    !ASSERT_OK(mkdir(mnt, 0755) ? -errno : 0, "mkdir the mount point"))
		return;
	v2_limits = v2_offers(root, "memory");
	run_cmd((char *[]){ "/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
			    "umount -l /sys/fs/cgroup && mount -t cgroup2 cgroup2 \"$0\" && "
			    "exec \"$@\"", (char *)mnt, cellrun_bin(), "--embedded", "--rules",
			    default_rules(rules, sizeof(rules)), "--log",
			    (char *)test_path(1, "log.json"), "--result", (char *)result, "--",
			    SHELL_PAYLOAD, NULL }, 90, &res);
	snprintf(cells, sizeof(cells), "%s/cellwatch", mnt);
	/* The v1 hierarchies went with /sys/fs/cgroup: only v2's limits remain. */
	assert_shell_ended_under(&res, result, test_path(1, "log.json"), cells,
				 v2_limits ? "cgroup2" : "none", v2_limits ? "cgroup2" : "none");
	ASSERT_OK(rmdir(mnt) ? -errno : 0, "the mount went with its namespace");
}

/* cellrun --daemon asks the daemon where it takes cells, and goes there. */
TEST(layout_daemon_says_where)
{
	const char *result = test_path(2, "result.json");
	char parent[600], other[600], mem[16], pids[16];
	char *extra[] = { "--cgroup-parent", parent, NULL };
	struct daemon_proc d = {};
	struct layout l = {};
	struct cmd_result res;
	json_t *log = NULL, *ev;

	if (!require_root() || !layout_create(&l))
		goto cleanup;
	default_limits(mem, pids, sizeof(mem));
	snprintf(parent, sizeof(parent), "%s/daemon-cells", l.base);
	if (!ASSERT_TRUE(start_daemon(&d, extra), "the daemon starts"))
		goto cleanup;
	cellrun_daemon(&d, (char *[]){ "--run-id", "layout-daemon", "--result", (char *)result,
				       NULL }, (char *[]){ SHELL_PAYLOAD, NULL }, &res);
	assert_shell_ended_under(&res, result, NULL, parent, mem, pids);

	/* Told another parent, cellrun's cell is not the daemon's to watch: no run. */
	snprintf(other, sizeof(other), "%s/elsewhere", l.base);
	cellrun_daemon(&d, (char *[]){ "--cgroup-parent", other, NULL },
		       (char *[]){ "/bin/echo", "reached", NULL }, &res);
	ASSERT_EQ(res.status, 122, "refused by the daemon");
	ASSERT_HAS(res.err, "not a child of", "says why");
	ASSERT_FALSE(strstr(res.out, "reached"), "the payload did not run");

	ASSERT_EQ(WEXITSTATUS(stop_daemon(&d, SIGTERM)), 0, "the daemon stops cleanly");
	log = read_log(d.log);
	ev = find_event(log, "rule.name", "shell-spawn");
	if (ASSERT_OK_PTR(ev, "the daemon logged the shell"))
		ASSERT_STREQ(jstr(ev, "cellwatch.run_id"), "layout-daemon", "of this run");
cleanup:
	json_decref(log);
	daemon_cleanup(&d);
	layout_destroy(&l);
}
