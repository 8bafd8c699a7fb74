// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Options and profiles.  A profile (--profile FILE, JSON) sets defaults with
 * the long option names as keys; the command line overrides it.  Everything
 * is validated before anything is created.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <jansson.h>

#include "api.h"
#include "buildconf.h"
#include "cellrun.h"
#include "parse.h"


enum {
	OPT_NO_MONITOR = 256, OPT_VERSION, OPT_RESULT, OPT_MEMORY, OPT_PIDS, OPT_CPUS, OPT_TMP_SIZE,
	OPT_OUTPUT_CAP, OPT_FSIZE, OPT_NOFILE, OPT_ROOTFS, OPT_INPUT, OPT_OUTPUT, OPT_PROFILE,
	OPT_DAEMON, OPT_DAEMON_TIMEOUT, OPT_RUN_ID, OPT_LABEL, OPT_POLICY,
	OPT_ALLOW_HOST, OPT_ALLOW_PRIVATE, OPT_EGRESS_HOSTS, OPT_EGRESS_CONNS, OPT_EGRESS_BYTES,
	OPT_EGRESS_TIME, OPT_OUTPUT_SIZE, OPT_OUTPUT_FILES, OPT_KEEP_SHELLS, OPT_LOG_MAX,
	OPT_UID_RANGE, OPT_CHDIR, OPT_STDIN, OPT_BIND, OPT_RO_BIND, OPT_TMPFS, OPT_OUTPUT_OWNER,
	OPT_EMBEDDED, OPT_CGROUP_PARENT,
};

static const struct option long_opts[] = {
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "rules", required_argument, NULL, 'r' },
	{ "log", required_argument, NULL, 'l' },
	{ "log-max-bytes", required_argument, NULL, OPT_LOG_MAX },
	{ "result", required_argument, NULL, OPT_RESULT },
	{ "timeout", required_argument, NULL, 't' },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "pids", required_argument, NULL, OPT_PIDS },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "tmp-size", required_argument, NULL, OPT_TMP_SIZE },
	{ "output-size", required_argument, NULL, OPT_OUTPUT_SIZE },
	{ "output-files", required_argument, NULL, OPT_OUTPUT_FILES },
	{ "output-cap", required_argument, NULL, OPT_OUTPUT_CAP },
	{ "fsize", required_argument, NULL, OPT_FSIZE },
	{ "nofile", required_argument, NULL, OPT_NOFILE },
	{ "uid-range", required_argument, NULL, OPT_UID_RANGE },
	{ "rootfs", required_argument, NULL, OPT_ROOTFS },
	{ "chdir", required_argument, NULL, OPT_CHDIR },
	{ "stdin", no_argument, NULL, OPT_STDIN },
	{ "input", required_argument, NULL, OPT_INPUT },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "output-owner", required_argument, NULL, OPT_OUTPUT_OWNER },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "ro-bind", required_argument, NULL, OPT_RO_BIND },
	{ "tmpfs", required_argument, NULL, OPT_TMPFS },
	{ "env", required_argument, NULL, 'e' },
	{ "keep-shells", no_argument, NULL, OPT_KEEP_SHELLS },
	{ "no-monitor", no_argument, NULL, OPT_NO_MONITOR },
	{ "daemon", required_argument, NULL, OPT_DAEMON },
	{ "embedded", no_argument, NULL, OPT_EMBEDDED },
	{ "cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT },
	{ "daemon-timeout", required_argument, NULL, OPT_DAEMON_TIMEOUT },
	{ "run-id", required_argument, NULL, OPT_RUN_ID },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "allow-host", required_argument, NULL, OPT_ALLOW_HOST },
	{ "allow-private", required_argument, NULL, OPT_ALLOW_PRIVATE },
	{ "egress-hosts", required_argument, NULL, OPT_EGRESS_HOSTS },
	{ "egress-conns", required_argument, NULL, OPT_EGRESS_CONNS },
	{ "egress-bytes", required_argument, NULL, OPT_EGRESS_BYTES },
	{ "egress-time", required_argument, NULL, OPT_EGRESS_TIME },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{},
};

void options_usage(FILE *f)
{
	fprintf(f,
"Usage: cellrun [options] -- CMD [ARGS...]\n"
"\n"
"Run CMD in a fresh cell: its own cgroup, user/mount/pid/net/ipc/uts/cgroup\n"
"namespaces, a read-only root, no network but loopback, uid 65534 with no\n"
"capability, seccomp, Landlock, resource limits and a timeout; watched from\n"
"the kernel by an embedded cellwatch monitor.  Rules with action \"kill\" kill\n"
"the offending process in the kernel; alerts are printed on stderr.\n"
"\n"
"  --profile FILE       JSON defaults for the options below (long names as keys)\n"
"  -r, --rules FILE     rule file (default %s)\n"
"  -o, -l, --log FILE   append every event as an ECS JSON line to FILE\n"
"      --log-max-bytes SIZE  what one run may add to FILE (default 64M; 0: no\n"
"                       bound): past it only alerts, past twice it nothing;\n"
"                       what is left out is counted and said\n"
"      --result FILE    write how the run ended as JSON to FILE\n"
"  -t, --timeout SECS   kill the whole cell after SECS seconds (default 10; 0: none)\n"
"      --memory SIZE    memory limit, no swap (default 256M)\n"
"      --pids N         process and thread limit (default 64)\n"
"      --cpus N         CPU limit in CPUs, fractions allowed (default 1)\n"
"      --tmp-size SIZE  size of the cell's /tmp (default 64M)\n"
"      --output-cap SIZE  bytes of stdout and of stderr passed on (default 1M each)\n"
"      --fsize SIZE     largest file the payload may write (default 64M)\n"
"      --nofile N       open file limit (default 256)\n"
"      --stdin          the payload reads cellrun's stdin (default /dev/null)\n"
"      --chdir DIR      the payload's working directory in the cell (default /tmp;\n"
"                       absolute, e.g. /input or /output)\n"
"      --rootfs DIR     use DIR, read-only, as the root instead of the host's\n"
"                       /usr, /lib*, /bin, /sbin (DIR must have proc, dev, tmp)\n"
"      --input DIR      bind DIR read-only at /input\n"
"      --output DIR     the cell's /output (noexec, starts empty) is copied to\n"
"                       DIR when the run ends, the copies DIR's owner's; DIR\n"
"                       must be the caller's (under sudo: SUDO_UID's), any for\n"
"                       root; made as the caller when missing\n"
"      --output-owner UID[:GID]  the copies are UID's (and GID's) instead (root\n"
"                       only, or the caller itself)\n"
"      --output-size SIZE  size of /output (default 64M); 0: bind DIR itself,\n"
"                       live and unbounded\n"
"      --output-files N  names (files, links, directories) /output may hold\n"
"                       (default 4096)\n"
"      --uid-range FIRST:COUNT  host uids the cells run as, one per running\n"
"                       cell (default: /etc/subuid's \"cellwatch\" entry, else\n"
"                       %u:%u)\n"
"      --bind SRC:DST   the host's directory or file SRC at DST in the cell,\n"
"                       writable and noexec (the cell writes as its host uid:\n"
"                       SRC must let it)\n"
"      --ro-bind SRC:DST  the same, read-only; programs there may run\n"
"      --tmpfs DST[:SIZE]  an empty, writable, noexec tmpfs at DST (SIZE:\n"
"                       --tmp-size's); DST: absolute, normalised, none other's,\n"
"                       not /, /proc, /dev, /sys, /etc, /usr, /bin, /sbin,\n"
"                       /lib*, /tmp, /input, /output nor beneath them (the\n"
"                       three repeatable, %d in all)\n"
"  -e, --env K=V        add K=V to the payload's minimal environment (repeatable)\n"
"      --keep-shells    leave the shells in the cell's root (by default every\n"
"                       shell of the rule file's \"shells\" list and of a\n"
"                       built-in list is an empty, non-executable file)\n"
"      --no-monitor     run without the monitor (no events, no kernel rules)\n"
"      --daemon SOCKET  watched by the cellwatch daemon at SOCKET instead of an\n"
"                       embedded monitor; the payload starts only once the\n"
"                       daemon acked the cell (it logs; no --rules, --log).\n"
"                       Where " CW_SOCKET_DEFAULT " exists, it is\n"
"                       the default unless --rules, --log or --no-monitor\n"
"                       is given\n"
"      --embedded       a monitor of cellrun's own even where a daemon serves\n"
"      --cgroup-parent DIR  the cell is a child cgroup of DIR, a cgroup v2\n"
"                       directory (created if missing); default: the\n"
"                       daemon's, else cellwatch/ in the cgroup a service\n"
"                       manager delegated to cellrun, else <cgroup2>/cellwatch\n"
"      --daemon-timeout MS  how long to wait for the ack (default 2000)\n"
"      --policy NAME    the daemon's policy for this run (default \"default\")\n"
"      --run-id ID      run id in every event of the run (daemon)\n"
"      --label K=V      a label in every event of the run (daemon; repeatable)\n"
"      --allow-host NAME[:PORT]  let the run reach NAME (\"*.example.com\": any\n"
"                       name below it) on PORT (443) through a filtering proxy\n"
"                       at 127.0.0.1:%d in the cell (HTTP_PROXY and the like\n"
"                       are set); names resolving to loopback, link-local,\n"
"                       metadata or private addresses are refused (repeatable)\n"
"      --allow-private CIDR  a private range the allowed names may resolve to\n"
"      --egress-hosts FILE   the proxy resolves names from FILE (hosts format) only\n"
"      --egress-conns N      proxy connections at once (default 4)\n"
"      --egress-bytes SIZE   bytes each way over the run (default 64M)\n"
"      --egress-time SECS    lifetime of one proxy connection (default 300)\n"
"  -v, --verbose        show libbpf's messages\n"
"  -h, --help           this text\n"
"      --version        cellrun's version\n"
"\n"
"SIZE takes K, M, G suffixes (powers of 1024).\n"
"\n"
"Exit status: CMD's status, 128+N when CMD was killed by signal N, or\n"
"  %d no ack from the daemon (refused to run), %d monitor unavailable\n"
"  (refused to run), %d timeout, %d launcher error, %d CMD not executable,\n"
"  %d CMD not found.\n"
"\n"
"Example: cellrun --input data --output out --result run.json -- python3 /input/job.py\n",
		CW_DEFAULT_RULES, HOST_UID_FIRST, HOST_UID_COUNT, MAX_MOUNTS, EGRESS_PORT,
		CELLRUN_EXIT_NO_ACK,
		CELLRUN_EXIT_NO_MONITOR, CELLRUN_EXIT_TIMEOUT, CELLRUN_EXIT_LAUNCHER,
		CELLRUN_EXIT_CANNOT_EXEC, CELLRUN_EXIT_NOT_FOUND);
}

/*
 * Where a value came from, for messages ("--memory: ..." or
 * "profile.json: \"memory\": ..."), and where the message goes.
 */
struct origin {
	const char *profile;	/* NULL: the command line */
	const char *name;
	char *err;
	size_t errlen;
};

/*
 * The message, after "--NAME: ", or "--NAME VALUE: " for an option given
 * many times, to say which (in a profile "FILE: \"NAME\": [VALUE: ]").
 */
__attribute__((format(printf, 3, 4)))
static int bad_value(const struct origin *at, const char *val, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (at->profile)
		n = snprintf(at->err, at->errlen, "%s: \"%s\": %s%s", at->profile, at->name,
			     val ?: "", val ? ": " : "");
	else
		n = snprintf(at->err, at->errlen, "--%s%s%s: ", at->name, val ? " " : "", val ?: "");
	if (n < at->errlen) {
		va_start(ap, fmt);
		vsnprintf(at->err + n, at->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#define bad(at, ...) bad_value(at, NULL, __VA_ARGS__)

static int parse_size(const struct origin *at, const char *s, __u64 *out)
{
	unsigned long long v;

	if (cw_parse_size(s, ~0ULL, &v))
		return bad(at, "'%s' is not a size (a positive number with K, M or G)", s);
	*out = v;
	return 0;
}

static int parse_count(const struct origin *at, const char *s, unsigned int max,
		       unsigned int *out)
{
	unsigned long long v;

	if (cw_parse_count(s, 1, max, &v))
		return bad(at, "'%s' is not a number in [1, %u]", s, max);
	*out = v;
	return 0;
}

/* A number of seconds or CPUs in [@min, @max], kept in thousandths. */
static int parse_milli(const struct origin *at, const char *s, double min, double max,
		       unsigned int *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		return bad(at, "'%s' is not a number in [%g, %g]", s, min, max);
	*out = v * 1000;
	return 0;
}

static int add_kv(const struct origin *at, const char **list, int *n, int max, const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (!eq || eq == kv)
		return bad(at, "'%s' is not K=V", kv);
	if (*n == max)
		return bad(at, "more than %d", max);
	list[(*n)++] = kv;
	return 0;
}

static int add_allow(const struct origin *at, struct cellrun_opts *o, const char *val)
{
	char err[512];

	if (o->nallow == MAX_ALLOW)
		return bad(at, "more than %d", MAX_ALLOW);
	if (cw_egress_parse_allow(val, &o->allow[o->nallow], err, sizeof(err)))
		return bad(at, "%s", err);
	o->nallow++;
	return 0;
}

static int add_allow_private(const struct origin *at, struct cellrun_opts *o, const char *val)
{
	char err[512];

	if (o->nallow_private == MAX_ALLOW)
		return bad(at, "more than %d", MAX_ALLOW);
	if (cw_egress_parse_cidr(val, &o->allow_private[o->nallow_private], err, sizeof(err)))
		return bad(at, "%s", err);
	o->nallow_private++;
	return 0;
}

int host_uid_range_check(unsigned long first, unsigned long count, char *err, size_t errlen)
{
	/* Above every account's uid and nobody's, and below (uid_t)-1, which means "none". */
	if (first < 65536 || count == 0 || count > 0xffffffffUL - 1 - first)
		return cw_fail(-ERANGE, err, errlen, "uid range %lu:%lu: must lie in [65536, "
			    "4294967294] and hold at least one uid", first, count);
	return 0;
}

/* FIRST:COUNT, the host uids cells run as. */
static int parse_uid_range(const struct origin *at, const char *s, struct cellrun_opts *o)
{
	unsigned long first, count;
	char why[160];
	int n = -1;

	if (sscanf(s, "%lu:%lu%n", &first, &count, &n) != 2 || n < 0 || s[n] || *s == '-' ||
	    strchr(s, '-'))
		return bad(at, "'%s' is not FIRST:COUNT", s);
	if (host_uid_range_check(first, count, why, sizeof(why)))
		return bad(at, "%s", why);
	o->uid_first = first;
	o->uid_count = count;
	return 0;
}

/* Below (uid_t)-1, which chown(2) reads as "unchanged". */
#define ID_MAX 4294967294ULL

/* --output-owner UID[:GID], numbers. */
static int parse_owner(const struct origin *at, const char *s, struct cellrun_opts *o)
{
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	unsigned long long uid, gid = (gid_t)-1;
	char text[16] = "";

	if (len < sizeof(text))
		memcpy(text, s, len);	/* else "": not a number */
	if (cw_parse_count(text, 0, ID_MAX, &uid) ||
	    (colon && cw_parse_count(colon + 1, 0, ID_MAX, &gid)))
		return bad(at, "'%s' is not UID[:GID] (numbers up to %llu)", s, ID_MAX);
	o->output_uid = uid;
	o->output_gid = gid;
	return 0;
}

/* Every path is beneath "/"; "/a/b" is beneath "/a", "/ab" is not. */
static bool path_beneath(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	if (!strcmp(dir, "/"))
		return path[0] == '/';
	return !strncmp(path, dir, len) && (path[len] == '\0' || path[len] == '/');
}

static bool paths_overlap(const char *a, const char *b)
{
	return path_beneath(a, b) || path_beneath(b, a);
}

/* Absolute, with no empty, "." or ".." component: "/a/b", not "/a//b", "/a/./b", "/a/b/". */
static bool path_normal(const char *p)
{
	if (*p != '/')
		return false;
	do {
		const char *end = strchrnul(++p, '/');
		size_t len = end - p;

		if (!len || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p = end;
	} while (*p);
	return true;
}

/*
 * The cell's own places: a mount over or beneath them would hide or
 * weaken what the cell's setup put there (the loader and libraries, the
 * synthetic /etc, /proc's masks, /dev's few devices), or take the run's
 * /tmp, /input or /output.  So would any top-level name beginning with
 * "lib", where a loader may live.
 */
static const char *const cell_places[] = {
	"/proc", "/dev", "/sys", "/etc", "/usr", "/bin", "/sbin", "/tmp", "/input", "/output",
};

/* @m's destination: a place of the run's own, apart from the cell's and the other mounts'. */
static int check_destination(const struct origin *at, const struct cellrun_opts *o,
			     const struct cell_mount *m)
{
	const char *dst = m->dst;

	if (dst[0] != '/')
		return bad_value(at, m->spec, "%s is not an absolute path in the cell", dst);
	if (!strcmp(dst, "/"))
		return bad_value(at, m->spec, "/ is the cell's root itself");
	if (!path_normal(dst))
		return bad_value(at, m->spec, "%s is not normalised (no //, /./, /../ or "
				 "trailing /)", dst);
	if (!strncmp(dst, "/lib", 4))
		return bad_value(at, m->spec, "%s: /lib* is the cell's own (its loader and "
				 "libraries)", dst);
	for (size_t i = 0; i < ARRAY_SIZE(cell_places); i++) {
		if (path_beneath(dst, cell_places[i]))
			return bad_value(at, m->spec, "%s: %s is the cell's own; a mount there "
					 "would hide or weaken it", dst, cell_places[i]);
	}
	for (int i = 0; i < o->nmounts; i++) {
		const struct cell_mount *other = &o->mounts[i];

		if (!strcmp(dst, other->dst))
			return bad_value(at, m->spec, "%s is already the destination of %s %s",
					 dst, other->option, other->spec);
		if (paths_overlap(dst, other->dst))
			return bad_value(at, m->spec, "%s and the destination of %s %s nest",
					 dst, other->option, other->spec);
	}
	return 0;
}

static const char *const mount_options[] = {
	[MOUNT_BIND] = "--bind", [MOUNT_RO_BIND] = "--ro-bind", [MOUNT_TMPFS] = "--tmpfs",
};

/*
 * --bind SRC:DST and --ro-bind SRC:DST, split at the last ':' (a host
 * path may hold one); --tmpfs DST[:SIZE].  A destination holds no ':'.
 * The sources are checked with the directories (options_check_dirs()).
 */
static int add_mount(const struct origin *at, struct cellrun_opts *o, enum cell_mount_kind kind,
		     const char *val)
{
	struct cell_mount *m = &o->mounts[o->nmounts];
	const char *colon = kind == MOUNT_TMPFS ? strchr(val, ':') : strrchr(val, ':');
	const char *dst = val;
	size_t len;
	int ret;

	if (o->nmounts == MAX_MOUNTS)
		return bad_value(at, val, "more than %d of --bind, --ro-bind and --tmpfs",
				 MAX_MOUNTS);
	if (kind != MOUNT_TMPFS) {
		if (!colon || colon == val)
			return bad_value(at, val, "not SRC:DST");
		dst = colon + 1;
	}
	len = kind == MOUNT_TMPFS && colon ? (size_t)(colon - val) : strlen(dst);
	if (len >= sizeof(m->dst))
		return bad_value(at, val, "the destination is too long");
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->option = mount_options[kind];
	m->spec = val;
	m->src_fd = -1;
	m->is_dir = kind == MOUNT_TMPFS;	/* a bind's: as its source (check_source()) */
	memcpy(m->dst, dst, len);
	ret = check_destination(at, o, m);
	if (!ret && kind == MOUNT_TMPFS && colon)
		ret = parse_size(at, colon + 1, &m->size);
	if (!ret)
		o->nmounts++;
	return ret;
}

/* Apply one option, from the command line or a profile; 0 or -EINVAL with the message. */
static int set_opt(struct cellrun_opts *o, int opt, const struct origin *at, const char *val)
{
	int ret;

	switch (opt) {
	case 'r':
		o->rules_path = val;
		return 0;
	case 'l':
		o->log_path = val;
		return 0;
	case OPT_LOG_MAX:
		if (!strcmp(val, "0")) {
			o->log_max_bytes = 0;
			return 0;
		}
		return parse_size(at, val, &o->log_max_bytes);
	case OPT_RESULT:
		o->result_path = val;
		return 0;
	case 't':
		return parse_milli(at, val, 0, 86400, &o->timeout_ms);
	case OPT_MEMORY:
		ret = parse_size(at, val, &o->memory_bytes);
		if (!ret && o->memory_bytes < (4 << 20))
			ret = bad(at, "at least 4M");
		return ret;
	case OPT_PIDS:
		return parse_count(at, val, 1 << 22, &o->pids);
	case OPT_CPUS:
		return parse_milli(at, val, 0.01, 1024, &o->cpu_millis);
	case OPT_TMP_SIZE:
		return parse_size(at, val, &o->tmp_bytes);
	case OPT_OUTPUT_SIZE:
		if (!strcmp(val, "0")) {
			o->output_bytes = 0;	/* the directory itself, unbounded */
			return 0;
		}
		return parse_size(at, val, &o->output_bytes);
	case OPT_OUTPUT_FILES:
		return parse_count(at, val, 1 << 20, &o->output_files);
	case OPT_UID_RANGE:
		return parse_uid_range(at, val, o);
	case OPT_OUTPUT_CAP:
		return parse_size(at, val, &o->output_cap);
	case OPT_FSIZE:
		return parse_size(at, val, &o->fsize_bytes);
	case OPT_NOFILE:
		return parse_count(at, val, 1 << 20, &o->nofile);
	case OPT_ROOTFS:
		o->rootfs = val;
		return 0;
	case OPT_CHDIR:
		/* Resolved in the cell, where a relative path would name nothing certain. */
		if (val[0] != '/' || strlen(val) >= PATH_MAX)
			return bad(at, "'%s' is not an absolute path in the cell", val);
		snprintf(o->workdir, sizeof(o->workdir), "%s", val);
		return 0;
	case OPT_INPUT:
		o->input = val;
		return 0;
	case OPT_OUTPUT:
		o->output = val;
		return 0;
	case OPT_OUTPUT_OWNER:
		return parse_owner(at, val, o);
	case OPT_BIND:
		return add_mount(at, o, MOUNT_BIND, val);
	case OPT_RO_BIND:
		return add_mount(at, o, MOUNT_RO_BIND, val);
	case OPT_TMPFS:
		return add_mount(at, o, MOUNT_TMPFS, val);
	case 'e':
		return add_kv(at, o->env, &o->nenv, MAX_ENV, val);
	case OPT_LABEL:
		return add_kv(at, o->labels, &o->nlabels, MAX_LABELS, val);
	case OPT_DAEMON:
		o->daemon = val;
		return 0;
	case OPT_DAEMON_TIMEOUT:
		return parse_count(at, val, 600000, &o->daemon_timeout_ms);
	case OPT_RUN_ID:
		o->run_id = val;
		return 0;
	case OPT_POLICY:
		o->policy = val;
		return 0;
	case OPT_ALLOW_HOST:
		return add_allow(at, o, val);
	case OPT_ALLOW_PRIVATE:
		return add_allow_private(at, o, val);
	case OPT_EGRESS_HOSTS:
		o->egress_hosts = val;
		return 0;
	case OPT_EGRESS_CONNS:
		return parse_count(at, val, 1024, &o->egress_conns);
	case OPT_EGRESS_BYTES:
		return parse_size(at, val, &o->egress_bytes);
	case OPT_EGRESS_TIME:
		return parse_count(at, val, 86400, &o->egress_seconds);
	case OPT_NO_MONITOR:
		o->no_monitor = true;
		return 0;
	case OPT_EMBEDDED:
		o->embedded = true;
		return 0;
	case OPT_CGROUP_PARENT:
		o->cgroup_parent = val;
		return 0;
	case OPT_STDIN:
		o->pass_stdin = true;
		return 0;
	case OPT_KEEP_SHELLS:
		o->keep_shells = true;
		return 0;
	case 'v':
		o->verbose = true;
		return 0;
	}
	return 0;
}

static const struct option *find_long(const char *name)
{
	for (const struct option *lo = long_opts; lo->name; lo++) {
		if (!strcmp(lo->name, name))
			return lo;
	}
	return NULL;
}

static bool is_list_opt(int opt)
{
	return opt == 'e' || opt == OPT_LABEL || opt == OPT_ALLOW_HOST ||
	       opt == OPT_ALLOW_PRIVATE || opt == OPT_BIND || opt == OPT_RO_BIND ||
	       opt == OPT_TMPFS;
}

/* One key of a profile: a flag, a list of strings, or one string or number. */
static int set_profile_opt(struct cellrun_opts *o, json_t *root, void *it, const struct origin *at)
{
	const struct option *lo = find_long(at->name);
	json_t *val = json_object_iter_value(it);
	char num[32];
	size_t i;
	json_t *s;
	int ret;

	if (!lo || lo->val == OPT_PROFILE || lo->val == 'h' || lo->val == OPT_VERSION)
		return bad(at, "not a profile option (see cellrun --help)");
	if (lo->has_arg == no_argument) {
		if (!json_is_boolean(val))
			return bad(at, "must be true or false");
		return json_is_true(val) ? set_opt(o, lo->val, at, NULL) : 0;
	}
	if (is_list_opt(lo->val)) {
		if (!json_is_array(val))
			return bad(at, "must be an array of strings");
		json_array_foreach(val, i, s) {
			if (!json_is_string(s))
				return bad(at, "must be an array of strings");
			ret = set_opt(o, lo->val, at, json_string_value(s));
			if (ret)
				return ret;
		}
		return 0;
	}
	if (json_is_number(val)) {
		/* Options keep the text: it replaces the number in the document they point into. */
		snprintf(num, sizeof(num), "%.17g", json_number_value(val));
		if (json_object_iter_set_new(root, it, json_string(num)))
			return bad(at, "out of memory");
		val = json_object_iter_value(it);
	}
	if (!json_is_string(val))
		return bad(at, "must be a string or a number");
	return set_opt(o, lo->val, at, json_string_value(val));
}

/* Apply the profile at @path; the options point into its document, kept in o->profiles. */
static int load_profile(struct cellrun_opts *o, const char *path, char *err, size_t errlen)
{
	struct origin at = { .profile = path, .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *root;
	int ret;

	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return cw_fail(-EINVAL, err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column,
			    jerr.text);
	if (!o->profiles)
		o->profiles = json_array();
	if (json_array_append_new(o->profiles, root))
		return cw_fail(-ENOMEM, err, errlen, "%s: out of memory", path);
	if (!json_is_object(root))
		return cw_fail(-EINVAL, err, errlen, "%s: a profile is a JSON object of options", path);
	for (void *it = json_object_iter(root); it; it = json_object_iter_next(root, it)) {
		at.name = json_object_iter_key(it);
		ret = set_profile_opt(o, root, it, &at);
		if (ret)
			return ret;
	}
	return 0;
}

void options_free(struct cellrun_opts *o)
{
	json_decref(o->profiles);
	o->profiles = NULL;
	json_decref(o->shells_doc);
	o->shells_doc = NULL;
	o->nshells = 0;
}

/*
 * Who ran cellrun: its real ids or, when those are root's and sudo started
 * it, the user sudo ran it for (SUDO_UID and SUDO_GID, which sudo sets
 * itself).  Only whose directory --output may name depends on it.
 */
static void find_caller(struct cellrun_opts *o)
{
	const char *uid = getenv("SUDO_UID"), *gid = getenv("SUDO_GID");
	unsigned long long u, g;

	o->caller_uid = getuid();
	o->caller_gid = getgid();
	if (o->caller_uid || !uid || !gid || cw_parse_count(uid, 0, ID_MAX, &u) ||
	    cw_parse_count(gid, 0, ID_MAX, &g))
		return;
	o->caller_uid = u;
	o->caller_gid = g;
	o->caller_sudo = true;
}

static void set_defaults(struct cellrun_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->rootfs_fd = o->input_fd = o->output_fd = -1;
	o->output_uid = (uid_t)-1;
	o->output_gid = (gid_t)-1;
	find_caller(o);
	snprintf(o->workdir, sizeof(o->workdir), "/tmp");
	o->rules_path = CW_DEFAULT_RULES;
	o->timeout_ms = 10000;
	o->memory_bytes = 256ULL << 20;
	o->tmp_bytes = 64ULL << 20;
	o->output_bytes = 64ULL << 20;
	o->output_files = 4096;
	o->log_max_bytes = 64ULL << 20;
	o->output_cap = 1ULL << 20;
	o->fsize_bytes = 64ULL << 20;
	o->pids = 64;
	o->cpu_millis = 1000;
	o->nofile = 256;
	o->daemon_timeout_ms = 2000;
}

/* The proxy's settings without a host to reach: a mistake, said rather than ignored. */
static int check_egress_opts(const struct cellrun_opts *o, char *err, size_t errlen)
{
	if (!o->nallow && (o->nallow_private || o->egress_hosts || o->egress_conns ||
			   o->egress_bytes || o->egress_seconds))
		return cw_fail(-EINVAL, err, errlen,
			    "--allow-private and --egress-* go with --allow-host");
	return 0;
}

/*
 * --output-owner goes with --output; giving the copies to another user
 * than the caller is root's to do (a user through sudo could otherwise
 * fill another's quota, or leave root's files in its directory).
 */
static int check_output_owner(const struct cellrun_opts *o, char *err, size_t errlen)
{
	if (o->output_uid == (uid_t)-1)
		return 0;
	if (!o->output)
		return cw_fail(-EINVAL, err, errlen, "--output-owner goes with --output");
	if (o->caller_uid && (o->output_uid != o->caller_uid ||
			      (o->output_gid != (gid_t)-1 && o->output_gid != o->caller_gid)))
		return cw_fail(-EPERM, err, errlen, "--output-owner: only root may give the output "
			    "to another than the caller (uid %u, gid %u%s)",
			    (unsigned int)o->caller_uid, (unsigned int)o->caller_gid,
			    o->caller_sudo ? ", from sudo" : "");
	return 0;
}

/*
 * A daemon serves this host (its socket is where the unit puts it): runs
 * go to it unless they ask for a monitor of their own (--embedded, or
 * --rules and --log, which only that one takes) or none.  A socket nobody
 * answers on then refuses the run, as --daemon does: the host's log would
 * miss it otherwise.
 */
static void choose_daemon(struct cellrun_opts *o, bool rules_given)
{
	struct stat st;

	if (o->daemon || o->embedded || o->no_monitor || rules_given || o->log_path)
		return;
	if (!stat(CW_SOCKET_DEFAULT, &st) && S_ISSOCK(st.st_mode))
		o->daemon = CW_SOCKET_DEFAULT;
}

/* Options that only make sense with, or without, the daemon. */
static int check_monitor_opts(const struct cellrun_opts *o, bool rules_given, char *err,
			      size_t errlen)
{
	const char *why = NULL;

	if (o->embedded && (o->daemon || o->no_monitor)) {
		why = "--embedded contradicts --daemon and --no-monitor";
	} else if (!o->daemon) {
		if (o->run_id || o->nlabels || o->policy)
			why = "--run-id, --label and --policy go with --daemon";
	} else if (o->no_monitor) {
		why = "--daemon and --no-monitor contradict each other";
	} else if (rules_given || o->log_path) {
		why = "with --daemon, the daemon applies its policies and writes the log: "
		      "use --policy NAME instead of --rules, and the daemon's --log";
	}
	return why ? cw_fail(-EINVAL, err, errlen, "%s", why) : 0;
}

/* -o is --log, as in cellwatch watch and daemon; -l stays for those who learnt it. */
#define SHORT_OPTS "+r:l:o:t:e:vh"

static int parse(struct cellrun_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	const char *rules_default;
	int opt, ret;

	set_defaults(o);
	rules_default = o->rules_path;
	/* First pass: the profiles, so that the command line overrides them. */
	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, SHORT_OPTS, long_opts, NULL)) != -1) {
		if (opt == OPT_PROFILE) {
			ret = load_profile(o, optarg, err, errlen);
			if (ret)
				return ret;
		}
	}
	/* getopt says itself what is wrong with the command line's syntax. */
	opterr = 1;
	optind = 0;
	while ((opt = getopt_long(argc, argv, SHORT_OPTS, long_opts, NULL)) != -1) {
		struct origin at = { .name = "?", .err = err, .errlen = errlen };

		if (opt == 'o')
			opt = 'l';
		for (const struct option *lo = long_opts; lo->name; lo++) {
			if (lo->val == opt)
				at.name = lo->name;
		}
		switch (opt) {
		case OPT_PROFILE:
			break;
		case 'h':
			return OPTIONS_HELP;
		case OPT_VERSION:
			return OPTIONS_VERSION;
		case '?':
			if (errlen)
				*err = '\0';
			return OPTIONS_USAGE;
		default:
			ret = set_opt(o, opt, &at, optarg);
			if (ret)
				return ret;
		}
	}
	/*
	 * Compared by pointer: any --rules, even naming the default file, is refused
	 * with --daemon.
	 */
	choose_daemon(o, o->rules_path != rules_default);
	ret = check_monitor_opts(o, o->rules_path != rules_default, err, errlen);
	if (!ret)
		ret = check_egress_opts(o, err, errlen);
	if (!ret)
		ret = check_output_owner(o, err, errlen);
	if (ret)
		return ret;
	if (optind >= argc)
		return cw_fail(OPTIONS_USAGE, err, errlen, "no command given");
	o->argv = argv + optind;
	return 0;
}

int options_parse(struct cellrun_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	int ret = parse(o, argc, argv, err, errlen);

	/* Nothing half-applied: no run, no options. */
	if (ret) {
		options_free(o);
		set_defaults(o);
	}
	return ret;
}

/* mkdir @dir as @uid and @gid, with no other group, would: where they may, and theirs. */
static int mkdir_as(const char *dir, uid_t uid, gid_t gid)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
			_exit(errno);
		_exit(mkdir(dir, 0755) ? errno : 0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? -WEXITSTATUS(status) : -ECHILD;
}

/*
 * --output, when missing, is made as the caller would make it (under sudo
 * the kernel so decides whether the user may make it there: cellrun's root
 * does not lend it a place of root's), then given to --output-owner.  The
 * cell never writes it (a tmpfs covers it, or, with --output-size 0, it is
 * lent to the cell's uid): whose it is only says where the copies may go
 * (output_dir_allowed(), checked again on the directory output_cover() opens).
 */
static int check_output(const struct cellrun_opts *o, char *err, size_t errlen)
{
	int ret = mkdir_as(o->output, o->caller_uid, o->caller_gid);
	struct stat st;

	if (!ret && o->output_uid != (uid_t)-1 &&
	    fchownat(AT_FDCWD, o->output, o->output_uid, o->output_gid, AT_SYMLINK_NOFOLLOW))
		ret = -errno;
	if (ret && ret != -EEXIST)
		return cw_fail(ret, err, errlen, "--output %s: %s", o->output, strerror(-ret));
	if (stat(o->output, &st))
		return cw_fail(-errno, err, errlen, "--output %s: %m", o->output);
	if (!S_ISDIR(st.st_mode))
		return cw_fail(-ENOTDIR, err, errlen, "--output %s: not a directory", o->output);
	return output_dir_allowed(o, o->output, &st, err, errlen);
}

static int check_dir(const char *dir, const char *what, char *err, size_t errlen)
{
	struct stat st;

	if (stat(dir, &st))
		return cw_fail(-errno, err, errlen, "%s %s: %m", what, dir);
	if (!S_ISDIR(st.st_mode))
		return cw_fail(-ENOTDIR, err, errlen, "%s %s: not a directory", what, dir);
	return 0;
}

/*
 * A bind's source, resolved as the caller named it (its symlinks followed
 * here, once), and what it is.  The cell's init opens the resolved path
 * again refusing any symlink on it, and checks it finds the same file
 * (rootfs_open_sources()): what is swapped in meanwhile is not bound.
 */
static int check_source(struct cell_mount *m, char *err, size_t errlen)
{
	size_t len = strrchr(m->spec, ':') - m->spec;
	char src[PATH_MAX];
	struct stat st;

	if (len >= sizeof(src))
		return cw_fail(-ENAMETOOLONG, err, errlen, "%s %s: the source is too long", m->option,
			    m->spec);
	memcpy(src, m->spec, len);
	src[len] = '\0';
	if (!realpath(src, m->src) || stat(m->src, &st))
		return cw_fail(-errno, err, errlen, "%s %s: %s: %m", m->option, m->spec, src);
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return cw_fail(-EINVAL, err, errlen, "%s %s: %s is neither a directory nor a regular "
			    "file", m->option, m->spec, src);
	m->is_dir = S_ISDIR(st.st_mode);
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	return 0;
}

/*
 * W^X across mounts: a --ro-bind may carry programs because the cell
 * cannot write there.  Were its source also reachable writable, through a
 * --bind or --output lent live (--output-size 0), what the cell wrote
 * through one would run through the other.
 */
static int check_write_xor_exec(const struct cellrun_opts *o, char *err, size_t errlen)
{
	char out[PATH_MAX];
	bool live = o->output && !o->output_bytes && realpath(o->output, out);

	for (int i = 0; i < o->nmounts; i++) {
		const struct cell_mount *ro = &o->mounts[i];

		if (ro->kind != MOUNT_RO_BIND)
			continue;
		for (int j = 0; j < o->nmounts; j++) {
			const struct cell_mount *rw = &o->mounts[j];

			if (rw->kind == MOUNT_BIND && paths_overlap(ro->src, rw->src))
				return cw_fail(-EINVAL, err, errlen, "%s %s: its source and that of "
					    "%s %s overlap: what the cell writes there could run",
					    ro->option, ro->spec, rw->option, rw->spec);
		}
		if (live && paths_overlap(ro->src, out))
			return cw_fail(-EINVAL, err, errlen, "%s %s: its source and --output %s "
				    "(--output-size 0) overlap: what the cell writes there could run",
				    ro->option, ro->spec, o->output);
	}
	return 0;
}

int options_check_dirs(struct cellrun_opts *o, char *err, size_t errlen)
{
	int ret = 0;

	if (o->rootfs)
		ret = check_dir(o->rootfs, "--rootfs", err, errlen);
	if (!ret && o->input)
		ret = check_dir(o->input, "--input", err, errlen);
	for (int i = 0; !ret && i < o->nmounts; i++) {
		if (o->mounts[i].kind != MOUNT_TMPFS)
			ret = check_source(&o->mounts[i], err, errlen);
	}
	/* Last: the one that may make something. */
	if (!ret && o->output)
		ret = check_output(o, err, errlen);
	return ret ?: check_write_xor_exec(o, err, errlen);
}
