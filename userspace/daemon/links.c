// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The link keeper: holds the BPF links when they cannot be pinned, so that a
 * restarted daemon finds them.
 */
#include "internal.h"

static void keeper_pidfile(struct daemon *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/keeper.pid", d->state_dir);
}

/* Hand a cell's hooks to the keeper when the kernel would not pin them. */
void keeper_hold_cell(struct daemon *d, __u64 id)
{
	int fds[8], n = cw_monitor_unpinned_links(d->mon, id, fds, 8);

	if (n && d->keeper_fd >= 0 && cw_keeper_hold(d->keeper_fd, id, fds, n))
		cw_warn("cell %llu: the link keeper did not take its hooks: they end with this "
			"daemon", (unsigned long long)id);
}

/*
 * Where links cannot be pinned, a keeper holds them: a new one for this
 * daemon's links; the one an earlier daemon left (*@old_keeper) is ended
 * once this daemon's programs act (never before: no moment goes unwatched).
 */
int arm_keeper(struct daemon *d, pid_t *old_keeper)
{
	int fds[512], n = cw_monitor_unpinned_links(d->mon, 0, fds, 512), ret;
	char path[PATH_MAX], buf[32];
	pid_t old;

	keeper_pidfile(d, path, sizeof(path));
	old = cw_keeper_of_pidfile(path);
	if (n) {
		d->keeper_fd = cw_keeper_start(&d->keeper_pid);
		if (d->keeper_fd < 0) {
			cw_warn("start the link keeper: %s", strerror(-d->keeper_fd));
			return d->keeper_fd;
		}
		ret = cw_keeper_hold(d->keeper_fd, 0, fds, n);
		for (struct cell *c = d->cells; c && !ret; c = c->next)
			keeper_hold_cell(d, c->id);
		snprintf(buf, sizeof(buf), "%d\n", d->keeper_pid);
		if (!ret)
			ret = cw_write_file(path, buf);
		if (ret) {
			cw_warn("the link keeper: %s", strerror(-ret));
			return ret;
		}
		cw_warn("the kernel does not pin tracing links here: link keeper %d holds them",
			d->keeper_pid);
	} else {
		unlink(path);
	}
	*old_keeper = old;
	return 0;
}

/* A clean stop with no cell left: nothing needs the kernel's rules any more. */
void disarm_keeper(struct daemon *d)
{
	char path[PATH_MAX];

	if (d->keeper_pid <= 0)
		return;
	kill(d->keeper_pid, SIGTERM);
	waitpid(d->keeper_pid, NULL, 0);
	keeper_pidfile(d, path, sizeof(path));
	unlink(path);
}

