// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cell's side.  The child of clone3 is pid 1 of the cell's pid
 * namespace: it sets the cell up, forks the payload, reaps every orphan,
 * reports the payload's wait status and exits, which kills whatever the
 * payload left behind.  The payload process applies the last, unprivileged
 * steps and execs the command.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "cellrun.h"
#include "cgroup.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Report a setup failure to cellrun: one byte of exit code, then the message. */
__attribute__((format(printf, 3, 4)))
static noreturn void cell_fail(int fd, int code, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	buf[0] = code;
	va_start(ap, fmt);
	n = vsnprintf(buf + 1, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	if (write(fd, buf, n + 1) < 0)
		_exit(code);
	_exit(code);
}

/*
 * Become uid/gid 65534 but keep the user namespace's capabilities for the
 * setup: only 65534 is mapped, and files (mountpoints, /etc) can be created
 * only by a mapped id.
 */
static int become_cell_owner(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (prctl(PR_SET_KEEPCAPS, 1) || setgroups(0, NULL) ||
	    setresgid(CELL_GID, CELL_GID, CELL_GID) || setresuid(CELL_UID, CELL_UID, CELL_UID))
		return -errno;
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[0].effective = data[0].permitted;
	data[1].effective = data[1].permitted;
	if (syscall(SYS_capset, &hdr, data) || prctl(PR_SET_KEEPCAPS, 0))
		return -errno;
	return 0;
}

static void set_env(const struct cellrun_opts *o)
{
	clearenv();
	setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
	setenv("HOME", "/tmp", 1);
	setenv("TMPDIR", "/tmp", 1);
	setenv("LANG", "C.UTF-8", 1);
	setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
	setenv("MPLCONFIGDIR", "/tmp", 1);
	/* The run's granted hosts are reached through the proxy, and nothing else. */
	if (o->nallow) {
		static const char *const vars[] = {
			"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
			"all_proxy",
		};
		char url[64];

		snprintf(url, sizeof(url), "http://127.0.0.1:%d", EGRESS_PORT);
		for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
			setenv(vars[i], url, 1);
	}
	for (int i = 0; i < o->nenv; i++)
		putenv((char *)o->env[i]);
}

/* mm->arg_start and arg_end, fields 48 and 49 of /proc/self/stat (proc(5)). */
static int command_line_area(unsigned long *start, unsigned long *end)
{
	char buf[1024], *p, *save = NULL;
	ssize_t n;
	int fd, field = 3;

	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* after comm, which may hold anything */
	if (!p)
		return -EINVAL;
	for (p = strtok_r(p + 1, " ", &save); p; p = strtok_r(NULL, " ", &save), field++) {
		if (field == 48)
			*start = strtoul(p, NULL, 10);
		else if (field == 49) {
			*end = strtoul(p, NULL, 10);
			return *end > *start ? 0 : -EINVAL;
		}
	}
	return -EINVAL;
}

/*
 * Init is a copy of cellrun, and the payload may read /proc/1/cmdline: it
 * would find cellrun's whole command line, with the host paths of --log,
 * --input, --result and the rest.  Overwrite it; the payload's command and
 * --env entries point into it, so they are copied first.
 */
static int hide_command_line(struct cellrun_opts *o)
{
	static const char title[] = "cellrun-init";
	unsigned long start = 0, end = 0;
	size_t len;
	int ret;

	for (int i = 0; o->argv[i]; i++)
		if (!(o->argv[i] = strdup(o->argv[i])))
			return -ENOMEM;
	for (int i = 0; i < o->nenv; i++)
		if (!(o->env[i] = strdup(o->env[i])))
			return -ENOMEM;
	ret = command_line_area(&start, &end);
	if (ret)
		return ret;
	len = end - start;
	memset((void *)start, 0, len);
	memcpy((void *)start, title, len < sizeof(title) ? len - 1 : sizeof(title) - 1);
	return 0;
}

/* --allow-host: listen for the proxy on the cell's loopback, and hand the socket to cellrun. */
static int hand_over_egress(int sock)
{
	int fd = egress_listen(), ret;

	if (fd < 0)
		return fd;
	ret = egress_send_fd(sock, fd);
	close(fd);
	close(sock);
	return ret;
}

static const char *const landlock_read_exec[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", NULL,
};
static const char *const landlock_read_only[] = { "/etc", "/proc", "/input", NULL };
static const char *const landlock_read_write[] = { "/tmp", "/output", "/dev", NULL };

/*
 * @fixed (NULL-terminated) and the destinations of the run's mounts in
 * @list: the writable ones (--bind, --tmpfs), granted read and write but
 * never execute, the cell's W^X rule, or the others (--ro-bind), granted
 * read and execute: what the cell cannot write, a virtualenv or a
 * toolchain, it may run.
 */
static const char **with_mounts(const char *const *fixed, const struct cellrun_opts *o,
				bool writable, const char **list)
{
	int n = 0;

	for (; *fixed; fixed++)
		list[n++] = *fixed;
	for (int i = 0; i < o->nmounts; i++) {
		if ((o->mounts[i].kind != MOUNT_RO_BIND) == writable)
			list[n++] = o->mounts[i].dst;
	}
	list[n] = NULL;
	return list;
}

/*
 * If cellrun dies, the cell dies with it: init's death ends the pid
 * namespace.  Set after the uid change, which clears the parent-death
 * signal; cellrun holding the sync pipe open shows it was alive when it was set.
 */
static int die_with_cellrun(int sync_fd)
{
	struct pollfd pfd = { .fd = sync_fd, .events = POLLIN };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		return -errno;
	if (poll(&pfd, 1, 0) != 0)
		return -ESRCH;	/* EOF (hang-up) or data: cellrun is gone or confused */
	return 0;
}

/* What the steps of the cell's side work on, and where a step puts more than an errno. */
struct step_ctx {
	struct cellrun_opts *o;
	struct cell_pipes *p;
	char err[512];
};

static int step_bind_sources(struct step_ctx *s)
{
	return rootfs_open_sources(s->o, s->err, sizeof(s->err));
}

static int step_cell_ids(struct step_ctx *s)
{
	(void)s;
	return become_cell_owner();
}

static int step_die_with_cellrun(struct step_ctx *s)
{
	return die_with_cellrun(s->p->sync[0]);
}

static int step_hostname(struct step_ctx *s)
{
	(void)s;
	return sethostname("cell", 4) ? -errno : 0;
}

static int step_loopback(struct step_ctx *s)
{
	(void)s;
	return net_loopback_up();
}

static int step_egress(struct step_ctx *s)
{
	return s->p->egress[1] >= 0 ? hand_over_egress(s->p->egress[1]) : 0;
}

static int step_root(struct step_ctx *s)
{
	return rootfs_setup(s->o, s->err, sizeof(s->err));
}

static int step_shells(struct step_ctx *s)
{
	return shells_mask(s->o, s->err, sizeof(s->err));
}

static int step_command_line(struct step_ctx *s)
{
	return hide_command_line(s->o);
}

static int step_rlimits(struct step_ctx *s)
{
	/*
	 * NPROC one above pids.max: the cgroup, whose refusals pids.events
	 * counts (and the run's alert says), refuses first: a kernel without
	 * pids.peak (5.10) has no other trace of the bound reached.  The
	 * rlimit holds where no pids controller does.
	 */
	struct rlimit_set rl = {
		.nofile = s->o->nofile, .nproc = s->o->pids + 1, .fsize = s->o->fsize_bytes,
	};

	return rlimits_apply(&rl);
}

static int step_privileges(struct step_ctx *s)
{
	(void)s;
	return privileges_drop(CELL_UID, CELL_GID);
}

static int step_not_dumpable(struct step_ctx *s)
{
	(void)s;
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) ? -errno : 0;
}

static int step_landlock(struct step_ctx *s)
{
	const char *read_exec[ARRAY_SIZE(landlock_read_exec) + MAX_MOUNTS];
	const char *read_write[ARRAY_SIZE(landlock_read_write) + MAX_MOUNTS];
	struct landlock_paths lp = {
		.read_exec = with_mounts(landlock_read_exec, s->o, false, read_exec),
		.read_only = landlock_read_only,
		.read_write = with_mounts(landlock_read_write, s->o, true, read_write),
	};
	int abi;

	return landlock_apply(&lp, &abi);
}

static int step_seccomp(struct step_ctx *s)
{
	(void)s;
	return seccomp_apply();
}

struct cell_step {
	const char *name;
	int (*run)(struct step_ctx *s);
};

/*
 * The cell's init, once cellrun has mapped its ids, in this order, each
 * step having what it needs from those before.  Done before the payload
 * exists: it inherits a confined process, and the monitor, which starts
 * watching only after, does not report the launcher's own steps as the
 * payload's.
 */
static const struct cell_step init_steps[] = {
	/* While the file system uid is still the host's root, which may reach them. */
	{ "bind sources", step_bind_sources },
	{ "cell ids", step_cell_ids },
	/* After the uid change, which clears the parent-death signal. */
	{ "die with cellrun", step_die_with_cellrun },
	{ "hostname", step_hostname },
	{ "loopback", step_loopback },
	{ "egress listener", step_egress },
	{ "root", step_root },
	/*
	 * The monitor kills a shell's exec, not a shell's code mapped by the
	 * payload itself: take the files away.  After pivot_root, so the names
	 * resolve in the root the payload gets.
	 */
	{ "shells", step_shells },
	{ "command line", step_command_line },
	{ "rlimits", step_rlimits },
	/* Before Landlock and seccomp: both want no_new_privs, which this sets. */
	{ "privileges", step_privileges },
	/* The payload runs as the same uid: keep it out of init's memory (/proc/1/mem). */
	{ "not dumpable", step_not_dumpable },
	{ "landlock", step_landlock },
	/*
	 * The last that confines: the filter refuses what the steps above
	 * needed.  What still runs after it (the payload's steps below, then
	 * execve) is what the filter allows every payload.
	 */
	{ "seccomp", step_seccomp },
};

/*
 * Every signal at its default, none blocked: cellrun blocks SIGTERM and the
 * like for its signalfd, its caller may have ignored SIGPIPE, and both
 * would carry over exec (a multiprocessing pool then waits forever for
 * workers that SIGTERM cannot end).
 */
static int reset_signals(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);	/* the C library's own: EINVAL, fine */
	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL) ? -errno : 0;
}

static int step_session(struct step_ctx *s)
{
	(void)s;
	/* A new session: no controlling terminal to push input into. */
	return setsid() < 0 ? -errno : 0;
}

/* stdout and stderr are cellrun's pipes (capped there); stdin is /dev/null unless --stdin. */
static int step_stdio(struct step_ctx *s)
{
	int devnull = s->o->pass_stdin ? 0 : open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (devnull < 0 || (!s->o->pass_stdin && dup2(devnull, 0) < 0) ||
	    dup2(s->p->out[1], 1) < 0 || dup2(s->p->err[1], 2) < 0)
		return -errno;
	return 0;
}

static int step_workdir(struct step_ctx *s)
{
	int err;

	if (!chdir(s->o->workdir))
		return 0;
	err = errno;
	snprintf(s->err, sizeof(s->err), "%.400s: %s", s->o->workdir, strerror(err));
	return -err;
}

static int step_environment(struct step_ctx *s)
{
	set_env(s->o);
	return 0;
}

static int step_signals(struct step_ctx *s)
{
	(void)s;
	return reset_signals();
}

/*
 * Mark every descriptor from 3 up close-on-exec, one by one, as
 * /proc/self/fd lists them: for kernels without CLOSE_RANGE_CLOEXEC (5.11).
 * getdents64 into the stack, since this runs in init's memory (vfork).
 */
static int cloexec_each(void)
{
	char buf[2048] __attribute__((aligned(8)));
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ssize_t n;

	if (dir < 0)
		return -errno;
	while ((n = getdents64(dir, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n; off += ((struct dirent64 *)(buf + off))->d_reclen) {
			const char *name = ((struct dirent64 *)(buf + off))->d_name;
			int fd = atoi(name);

			if (name[0] >= '0' && name[0] <= '9' && fd > 2 && fd != dir &&
			    fcntl(fd, F_SETFD, FD_CLOEXEC)) {
				n = -1;
				break;
			}
		}
		if (n < 0)
			break;
	}
	n = n < 0 ? -errno : 0;
	close(dir);
	return n;
}

/* Nothing of cellrun's open files leaks into the payload. */
static int step_descriptors(struct step_ctx *s)
{
	(void)s;
	if (!syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	return cloexec_each();
}

/* The payload's process, forked by init once cellrun watches the cell, then execve. */
static const struct cell_step payload_steps[] = {
	{ "session", step_session },
	{ "stdio", step_stdio },
	{ "working directory", step_workdir },
	{ "environment", step_environment },
	{ "signals", step_signals },
	{ "descriptors", step_descriptors },
};

/* Run @n steps in order; the first that fails ends the cell, named with why. */
static void run_steps(const struct cell_step *steps, size_t n, struct step_ctx *s)
{
	for (size_t i = 0; i < n; i++) {
		int ret;

		s->err[0] = '\0';
		ret = steps[i].run(s);
		if (ret)
			cell_fail(s->p->error[1], CELLRUN_EXIT_LAUNCHER, "%s: %s", steps[i].name,
				  s->err[0] ? s->err : strerror(-ret));
	}
}

static int payload_exec(void *arg)
{
	struct step_ctx *s = arg;
	const struct cellrun_opts *o = s->o;

	run_steps(payload_steps, ARRAY_SIZE(payload_steps), s);
	execvp(o->argv[0], o->argv);
	cell_fail(s->p->error[1], errno == ENOENT ? CELLRUN_EXIT_NOT_FOUND :
		  CELLRUN_EXIT_CANNOT_EXEC, "%s: %m", o->argv[0]);
}

/*
 * The payload's process borrows init's memory until its execve (vfork), as
 * posix_spawn does: a fork would copy cellrun's page tables and then fault
 * on every page the steps above write, which cost more than the steps.  Its
 * environment changes land in init's memory, which needs them no more.
 */
static pid_t spawn_payload(struct step_ctx *s)
{
	static char stack[256 << 10] __attribute__((aligned(16)));

	return clone(payload_exec, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, s);
}

/* Reap until the payload ends; orphans re-parented to us are reaped on the way. */
static int reap(pid_t payload)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);

		if (pid == payload)
			return status;
		if (pid < 0 && errno != EINTR)
			return -1;
	}
}

noreturn void cell_init(struct cellrun_opts *o, struct cell_pipes *p)
{
	struct step_ctx s = { .o = o, .p = p };
	pid_t payload;
	int status;
	char go;

	close(p->sync[1]);
	close(p->ready[0]);
	close(p->error[0]);
	close(p->status[0]);
	close(p->out[0]);
	close(p->err[0]);
	if (p->egress[0] >= 0)
		close(p->egress[0]);
	if (read(p->sync[0], &go, 1) != 1)
		_exit(CELLRUN_EXIT_LAUNCHER);	/* cellrun gave up on us */
	run_steps(init_steps, ARRAY_SIZE(init_steps), &s);
	/* Set up: cellrun starts watching the cell now, then lets the payload go. */
	if (write(p->ready[1], &go, 1) != 1 || read(p->sync[0], &go, 1) != 1)
		_exit(CELLRUN_EXIT_LAUNCHER);
	close(p->ready[1]);
	close(p->sync[0]);

	payload = spawn_payload(&s);
	if (payload < 0)
		cell_fail(p->error[1], CELLRUN_EXIT_LAUNCHER, "fork the payload: %m");

	close(p->error[1]);
	close(p->out[1]);
	close(p->err[1]);
	status = reap(payload);
	if (write(p->status[1], &status, sizeof(status)) != sizeof(status))
		_exit(CELLRUN_EXIT_LAUNCHER);
	_exit(0);
}
