/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cellrun: run one command in a fresh cell, watched by an embedded monitor.
 *
 * The cell's isolation steps, one file each, in the order they apply.  The
 * host's are the table host_steps (cellrun.c), the cell's init_steps and
 * payload_steps (init.c); each table runs in order and names the step that
 * failed:
 *   hostuid.c  the cell's own host uid, claimed       (host, before clone)
 *   outdir.c   /output's tmpfs, owned by that uid     (host, before clone)
 *   cell.c     cgroup v2 cell directory               (host, before clone)
 *   limits.c   memory, pids and CPU limits, v2 or v1  (host, before clone)
 *   spawn.c    clone3 into the cell with new namespaces, as its host uid;
 *              uid/gid maps; memfds made non-executable (host)
 *   init.c     the cell's pid 1 and the payload's process: their steps are
 *              the tables init_steps and payload_steps, run in order
 *   net.c      loopback up in the empty network namespace
 *   rootfs.c   the new read-only root, --bind, --ro-bind, --tmpfs; pivot_root
 *   shells.c   every shell of the rule set's list covered with an empty file
 *   rlimits.c  resource limits                      (payload, privileged)
 *   caps.c     uid/gid 65534, no capability, no_new_privs, locked securebits
 *   landlock.c filesystem access rules
 *   seccomp.c  the syscall filters, the last step that confines: BPF
 *              programs libseccomp built at build time (seccomp/)
 */
#ifndef CELLRUN_H
#define CELLRUN_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <linux/types.h>
#include <jansson.h>

#include "egress/egress.h"
#include "log.h"
#include "steps.h"

/* Exit codes of cellrun itself; anything else is the command's status. */
enum {
	CELLRUN_EXIT_NO_ACK = 122,	/* the daemon did not ack the cell in time: refused
					 * to run */
	CELLRUN_EXIT_NO_MONITOR = 123,	/* the monitor could not attach: refused to run */
	CELLRUN_EXIT_TIMEOUT = 124,	/* the cell outlived --timeout and was killed */
	CELLRUN_EXIT_LAUNCHER = 125,	/* cellrun failed before or around the command */
	CELLRUN_EXIT_CANNOT_EXEC = 126,	/* the command exists but could not be executed */
	CELLRUN_EXIT_NOT_FOUND = 127,	/* the command was not found */
};

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define CELL_UID	65534	/* the only uid and gid in the cell; the host's differ
				 * (hostuid.c) */
#define CELL_GID	65534
/* The host uids cells run as, unless --uid-range or /etc/subuid say otherwise. */
#define HOST_UID_FIRST	1879048192U	/* 0x70000000: above what systemd gives
					 * containers */
#define HOST_UID_COUNT	65536U
#define MAX_ENV		64
#define MAX_LABELS	32
#define MAX_ALLOW	32
#define EGRESS_PORT	3128	/* the proxy's port on the cell's loopback */
#define CELL_RESOLVER	"192.0.2.53"	/* the cell's resolv.conf: TEST-NET-1, routed nowhere */
#define MAX_SHELLS	64	/* shell names masked in the cell */
#define MAX_MOUNTS	16	/* --bind, --ro-bind and --tmpfs, together */

/*
 * An extra path in the cell: a host directory or file bound there
 * (--bind: writable and noexec; --ro-bind: read-only, programs may run),
 * or an empty tmpfs (--tmpfs: writable and noexec).  Checked three times:
 * the destination as the option is read (options.c), the source on the
 * host before anything starts (options_check_dirs()), and the source
 * again as the cell's init opens it (rootfs_open_sources()).
 */
enum cell_mount_kind { MOUNT_BIND, MOUNT_RO_BIND, MOUNT_TMPFS };

struct cell_mount {
	enum cell_mount_kind kind;
	const char *option;		/* "--bind", "--ro-bind", "--tmpfs" */
	const char *spec;		/* the option's value as given, for messages */
	char dst[PATH_MAX];		/* in the cell: absolute, normalised */
	char src[PATH_MAX];		/* binds: the host path, its symlinks resolved */
	dev_t dev;			/* binds: what the host's check found there */
	ino_t ino;
	bool is_dir;
	__u64 size;			/* --tmpfs: bytes; 0: as --tmp-size */
	int src_fd;			/* binds: O_PATH, opened by the cell's init */
};

struct cellrun_opts {
	char **argv;			/* the command */
	const char *rules_path;
	const char *log_path;		/* JSON lines, or NULL */
	const char *result_path;	/* --result JSON, or NULL */
	const char *rootfs;		/* NULL: binds of the host's /usr, /lib*, /bin, /sbin */
	/* --chdir: the payload's, in the cell (/tmp); a copy, as the cell hides argv */
	char workdir[PATH_MAX];
	const char *input;		/* host dir bound read-only at /input, or NULL */
	const char *output;		/* host dir: what /output holds at the end, or NULL */
	/*
	 * The same, opened O_PATH in the cell's mount namespace while its init
	 * still has the host's root uid (rootfs_open_sources()): the rest of the
	 * setup runs as uid 65534, which may not reach them by path.
	 */
	int rootfs_fd, input_fd, output_fd;
	struct cell_mount mounts[MAX_MOUNTS];	/* --bind, --ro-bind, --tmpfs, as given */
	int nmounts;
	/*
	 * Who ran cellrun (options.c): the real ids, or sudo's SUDO_UID and
	 * SUDO_GID when cellrun runs as root for a user (caller_sudo).  An
	 * existing --output must be the caller's, unless that is root.
	 */
	uid_t caller_uid;
	gid_t caller_gid;
	bool caller_sudo;
	/* --output-owner: whose the copies in --output are; -1: --output's owner (group) */
	uid_t output_uid;
	gid_t output_gid;
	const char *env[MAX_ENV];	/* --env K=V, added to the minimal environment */
	int nenv;
	unsigned int timeout_ms;	/* 0: none */
	__u64 memory_bytes;
	__u64 tmp_bytes;		/* size of /tmp */
	__u64 output_bytes;		/* size of /output; 0: DIR bound live, unbounded */
	unsigned int output_files;	/* inodes of /output */
	unsigned int uid_first, uid_count;	/* --uid-range; 0 count: not given (hostuid.c) */
	__u64 log_max_bytes;		/* what the run may add to --log; 0: no bound */
	__u64 output_cap;		/* bytes of stdout and of stderr passed on */
	__u64 fsize_bytes;		/* RLIMIT_FSIZE */
	unsigned int pids;
	unsigned int cpu_millis;	/* 1000: one CPU */
	unsigned int nofile;		/* RLIMIT_NOFILE */
	bool no_monitor;
	bool embedded;			/* --embedded: never the host's daemon */
	bool verbose;
	const char *daemon;		/* the daemon's socket, or NULL: an embedded monitor */
	const char *cgroup_parent;	/* --cgroup-parent, or NULL: the daemon's or cell.c's */
	unsigned int daemon_timeout_ms;	/* connect + ack */
	const char *run_id;
	const char *policy;		/* the daemon's policy by name, NULL: "default" */
	const char *labels[MAX_LABELS];	/* K=V */
	int nlabels;
	/* --allow-host: the egress proxy (egress.c); none given, no route out at all. */
	struct cw_egress_allow allow[MAX_ALLOW];
	size_t nallow;
	struct cw_egress_cidr allow_private[MAX_ALLOW];
	size_t nallow_private;
	const char *egress_hosts;	/* the proxy resolves names only from this file */
	unsigned int egress_conns;
	__u64 egress_bytes;
	unsigned int egress_seconds;
	bool keep_shells;		/* --keep-shells: no mask over the shells */
	bool pass_stdin;		/* --stdin: cellrun's stdin is the payload's */
	const char *shells[MAX_SHELLS];	/* names (or paths) masked in the cell (shells.c) */
	int nshells;
	struct json_t *shells_doc;	/* the rule file the names point into */
	struct json_t *profiles;	/* the --profile documents the strings point into */
};

/* What options_parse() returns besides 0 (run the command) and a negative errno. */
enum {
	OPTIONS_HELP = 1,	/* --help: print options_usage() on stdout, exit 0 */
	OPTIONS_VERSION = 3,	/* --version: print the version on stdout, exit 0 */
	OPTIONS_USAGE = 2,	/* a malformed command line: usage on stderr, then @err if not
				 * "" (getopt has said what is wrong), exit CELLRUN_EXIT_LAUNCHER */
};

/*
 * Parse the command line (and every --profile) into @o.  0 to run @o->argv;
 * OPTIONS_HELP or OPTIONS_USAGE; or a negative errno with the message,
 * naming the option or the profile's file and key, in @err.  Anything but 0
 * leaves @o at its defaults with nothing kept.  Not thread-safe (getopt).
 */
int options_parse(struct cellrun_opts *o, int argc, char **argv, char *err, size_t errlen);
void options_usage(FILE *f);
/* Release what options_parse() kept for @o (the profiles its strings point into). */
void options_free(struct cellrun_opts *o);
/*
 * Check --rootfs, --input, --output (made as the caller when missing) and
 * the sources of --bind and --ro-bind, resolved into o->mounts[]: 0, or a
 * negative errno with the message in @err.
 */
int options_check_dirs(struct cellrun_opts *o, char *err, size_t errlen);

/*
 * --output (outdir.c): cover the directory with a tmpfs of --output-size,
 * and --output-files inodes, owned by the cell's host uid @uid, in a mount
 * namespace of cellrun's own, before the cell is made; *dir_fd keeps the
 * directory itself and *owner its owner.  When the run has ended, copy
 * what the cell left there into it, owned by the directory's owner (or
 * --output-owner): 0, or negative errno with the failed entry's path in
 * @path (PATH_MAX bytes); what is not copied (not a regular file or
 * directory, or in the way on the host) is named in @left_out ({path,
 * why}) and on stderr.  With --output-size 0 the directory itself is lent
 * to @uid for the run; at the end what @uid made there goes to that same
 * owner, and the directory back to its own.
 */
int output_cover(const struct cellrun_opts *o, uid_t uid, int *dir_fd, struct stat *owner,
		 char *err, size_t errlen);
/*
 * May the run's output go to the directory @st?  It must be the caller's
 * or the cell's uid 65534's, unless the caller is root (not through sudo):
 * 0, or -EPERM with the message in @err.
 */
int output_dir_allowed(const struct cellrun_opts *o, const char *dir, const struct stat *st,
		       char *err, size_t errlen);
int output_collect(const struct cellrun_opts *o, uid_t uid, int dir_fd, const struct stat *owner,
		   char *path, json_t *left_out);

/* A cell: its cgroup v2 directory and, on hybrid hosts, its v1 controller directories. */
struct cell {
	char root[256];			/* the cgroup v2 mount it lives in */
	char path[512];
	int dir_fd;
	int level;			/* depth below the root */
	/* limits.c */
	bool v2_memory, v2_pids, v2_cpu;
	char v1_memory[512], v1_pids[512], v1_cpu[512];	/* "" when not used */
	char v1_pids_max[16], v1_cpu_quota[16];		/* written by limits_leave_v1() */
	/* hostuid.c: its uid and gid on the host, and the lock that makes it the cell's */
	uid_t host_uid;
	int uid_lock_fd;
};

/*
 * Create @c's cgroup below @parent (NULL: the default, cell.c); 0, or
 * negative errno with the message in @err.
 */
int cell_create(struct cell *c, const char *parent, char *err, size_t errlen);
/* Kill what is left in the cell, wait for it to empty, remove it. */
int cell_destroy(struct cell *c);

/* options.c: is [@first, @first + @count) a range cells may run as?  0, or -ERANGE with @err. */
int host_uid_range_check(unsigned long first, unsigned long count, char *err, size_t errlen);
/*
 * hostuid.c: the range of host uids (from --uid-range, /etc/subuid's
 * "cellwatch" entry or the default), checked; then one uid of it claimed
 * for @c, held until host_uid_release().  0, or negative errno with @err.
 */
int host_uid_range(struct cellrun_opts *o, char *err, size_t errlen);
int host_uid_claim(const struct cellrun_opts *o, struct cell *c, char *err, size_t errlen);
void host_uid_release(struct cell *c);

/*
 * Apply memory, pids and CPU limits to @c, by v2 controllers or v1
 * hierarchies; 0, or negative errno with the message in @err.
 */
int limits_apply(struct cell *c, const struct cellrun_opts *o, char *err, size_t errlen);
/*
 * Move this thread into the cell's v1 controller cgroups, to clone the
 * cell there, and back (no-ops on pure v2).  0 or negative errno.
 */
#define V1_CTLS 3
struct v1_home {
	char tasks[V1_CTLS][512];
};
int limits_enter_v1(const struct cell *c, struct v1_home *home);
int limits_leave_v1(const struct cell *c, const struct v1_home *home);
/*
 * Processes the OOM killer ended in the cell; forks the pids limit refused
 * (at least 1 when the cell reached it); 0: none, -1: unknown.
 */
long long limits_oom_kills(const struct cell *c);
long long limits_pids_refused(const struct cell *c);
/* Peak memory in bytes, CPU time in microseconds; 0 when unknown. */
__u64 limits_peak_memory(const struct cell *c);
__u64 limits_cpu_usec(const struct cell *c);
/* How long the CPU quota held the cell's tasks back, summed over CPUs, in microseconds. */
__u64 limits_cpu_throttled_usec(const struct cell *c);
/* Remove the v1 directories (the names stay, for the report). */
int limits_remove(const struct cell *c);

/* Pipes between cellrun and the cell. */
struct cell_pipes {
	int sync[2];		/* host -> cell: ids mapped, set up; then: watched, start
				 * the payload */
	int ready[2];		/* cell -> host: set up, about to start the payload */
	int error[2];		/* cell -> host: text of a setup failure; EOF on exec */
	int status[2];		/* init -> host: the payload's wait status */
	int out[2];		/* payload stdout */
	int err[2];		/* payload stderr */
	int egress[2];		/* cell -> host: the proxy's listening socket
				 * (--allow-host) */
};

struct spawn {
	pid_t pid;		/* the cell's init, as seen from the host */
	int pidfd;
	int out_fd;		/* read ends of the payload's stdout and stderr */
	int err_fd;
	int status_fd;
	int sync_fd;		/* held open for the run: its hang-up tells init cellrun died */
	int egress_fd;		/* where the cell's proxy listener arrives, -1 without
				 * --allow-host */
	char error[512];	/* the cell's setup or exec failure, "" if none */
	int exit_hint;		/* CELLRUN_EXIT_* that goes with error[] */
};

/*
 * Create the cell's namespaces and init inside @c; returns 0 once the payload
 * was exec'd.  @on_ready runs when the cell is set up and before the payload
 * starts: the monitor registers the cell there, so the launcher's own setup
 * is not reported as the payload's doing, and the payload is watched from
 * its first instruction.  A non-zero return aborts the run.
 */
int spawn_cell(const struct cell *c, struct cellrun_opts *o, struct spawn *s,
	       int (*on_ready)(void *ctx), void *ctx);

/* The cell's side, in the child of clone3; never returns. */
noreturn void cell_init(struct cellrun_opts *o, struct cell_pipes *p);

/* rootfs.c: open the bind sources; then build the new root and pivot into it. */
int rootfs_open_sources(struct cellrun_opts *o, char *err, size_t errlen);
int rootfs_setup(const struct cellrun_opts *o, char *err, size_t errlen);
/*
 * shells.c: the shell names to mask, from the built-in list and the rule
 * file's "shells" list (before the cell exists; 0 or -E2BIG); then, in the
 * cell after pivot_root, cover each shell with an empty, read-only,
 * non-executable file (0, or negative errno with the message in @err).
 */
int shells_load_names(struct cellrun_opts *o);
int shells_mask(const struct cellrun_opts *o, char *err, size_t errlen);
/* net.c: bring loopback up in the new network namespace. */
int net_loopback_up(void);

/* register.c: the cellwatch daemon watches the cell (--daemon). */
/*
 * Connect to the daemon and learn where it takes cells (@parent, "" when
 * it does not say); the connection, or negative errno with @err.
 */
int daemon_connect(const struct cellrun_opts *o, char *parent, size_t len, char *err,
		   size_t errlen);
/* Register @c and wait for the ack, at most --daemon-timeout; 0 or negative errno. */
int daemon_register(int fd, const struct cellrun_opts *o, const struct cell *c,
		    __u64 *cell_id, bool *lsm, char *err, size_t errlen);
/* Tell the daemon cell @cell_id is empty (it checks, then ends it); 0 or negative errno. */
int daemon_say_empty(int fd, __u64 cell_id);

/* egress.c: the allow-list proxy's listener on the cell's loopback, and its host side. */
int egress_listen(void);
int egress_send_fd(int sock, int fd);
int egress_recv_fd(int sock);
/*
 * Serve the cell's listener @listen_fd in a child process logging to
 * @log_fd and, under the daemon, to @daemon_fd (either may be -1); its pid.
 * Closing *@stop_fd stops it once its connections end.
 */
pid_t egress_start(const struct cellrun_opts *o, int listen_fd, int log_fd, int daemon_fd,
		   __u64 cell_id, int *stop_fd);

/* bounds.c: the limits a run reached, each an alert once the run is over. */
#define BOUND_RULE	"resource-limit"
#define BOUND_ACTION	"limit-reached"
#define MAX_BOUNDS	7

struct bound {
	const char *name;	/* pids, memory, timeout, tmp, output, output-cap */
	const char *layer;	/* what held it: cgroup, timeout, mount, launcher */
	const char *category;	/* ECS event.category */
	char detail[160];
};

/* What the run's end showed cellrun, beside the cgroup's counters. */
struct run_ends {
	bool timed_out;
	bool out_truncated, err_truncated;
	int tmp_fd;		/* the cell's /tmp (O_PATH), or -1 */
	const char *output_tmpfs;	/* --output under its tmpfs (cellrun's mounts), or NULL */
};

/* Fill @out (MAX_BOUNDS) with the bounds the run reached; returns how many. */
int bounds_reached(const struct cell *c, const struct cellrun_opts *o, const struct run_ends *e,
		   struct bound *out);
/* @b as an ECS alert of cell @cell_id; NULL on allocation failure. */
json_t *bound_to_ecs(const struct bound *b, __u64 cell_id);

/* How a run ended, for --result (result.c). */
struct run_report {
	const char *reason;		/* exited, killed_by_rule, events_lost, timeout, oom,
					 * launcher_error */
	const char *rule;		/* the rule that killed the payload, or NULL */
	const char *layer;		/* where it was decided: kernel, lsm, userspace */
	const char *error;		/* launcher error text, or NULL */
	int status;			/* cellrun's own exit status */
	int exit_code;			/* the payload's, -1 if it did not exit */
	int signal;			/* the signal that ended it, 0 if none */
	__u64 wall_ms;
	__u64 cpu_usec;
	__u64 peak_memory;
	__u64 out_bytes, err_bytes;	/* what the payload wrote, passed on or not */
	bool out_truncated, err_truncated;
	__u64 alerts;
	__u64 events_lost;		/* this cell's records the rings refused, both rings */
	__u64 events_lost_critical;	/* of which security-relevant: the run was ended */
	bool daemon_unconfirmed;	/* the daemon never confirmed the end: counts may be
					 * short */
	__u64 events_not_logged;	/* left out of --log past --log-max-bytes */
	int landlock_abi;		/* 0: the kernel lacks Landlock */
	const char *monitor;		/* "lsm+tracepoint", "tracepoint", "daemon" or "none" */
	__u64 cell_id;			/* the cell's cgroup id, as in every event */
	const char *lsm_why;		/* why BPF-LSM is not active, NULL if it is */
	bool v1;			/* limits from cgroup v1 controllers */
	json_t *left_out;		/* [{path, why}]: entries of /output not copied */
};

/* Write @r as JSON to @path, listing the files in @output_dir; 0 or negative errno. */
int result_write(const char *path, const struct run_report *r, const struct cell *c,
		 const struct cellrun_opts *o);

/* The Landlock ABI the running kernel offers, 0 if none. */
int landlock_abi_version(void);

/* cellrun: the message, then exit CELLRUN_EXIT_LAUNCHER. */
#define die(...) cw_die(CELLRUN_EXIT_LAUNCHER, __VA_ARGS__)

#endif /* CELLRUN_H */
