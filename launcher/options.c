// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Options and profiles.  A profile (--profile FILE, JSON) sets defaults with
 * the long option names as keys; the command line overrides it.  Everything
 * is validated before anything is created.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "cellrun.h"

#ifndef CW_DEFAULT_RULES
#define CW_DEFAULT_RULES "/etc/cellwatch/default.json"
#endif

enum {
	OPT_NO_MONITOR = 256, OPT_RESULT, OPT_MEMORY, OPT_PIDS, OPT_CPUS, OPT_TMP_SIZE,
	OPT_OUTPUT_CAP, OPT_FSIZE, OPT_NOFILE, OPT_ROOTFS, OPT_INPUT, OPT_OUTPUT, OPT_PROFILE,
	OPT_DAEMON, OPT_DAEMON_TIMEOUT, OPT_RUN_ID, OPT_LABEL, OPT_POLICY,
	OPT_ALLOW_HOST, OPT_ALLOW_PRIVATE, OPT_EGRESS_HOSTS, OPT_EGRESS_CONNS, OPT_EGRESS_BYTES,
	OPT_EGRESS_TIME,
};

static const struct option long_opts[] = {
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "rules", required_argument, NULL, 'r' },
	{ "log", required_argument, NULL, 'l' },
	{ "result", required_argument, NULL, OPT_RESULT },
	{ "timeout", required_argument, NULL, 't' },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "pids", required_argument, NULL, OPT_PIDS },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "tmp-size", required_argument, NULL, OPT_TMP_SIZE },
	{ "output-cap", required_argument, NULL, OPT_OUTPUT_CAP },
	{ "fsize", required_argument, NULL, OPT_FSIZE },
	{ "nofile", required_argument, NULL, OPT_NOFILE },
	{ "rootfs", required_argument, NULL, OPT_ROOTFS },
	{ "input", required_argument, NULL, OPT_INPUT },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "env", required_argument, NULL, 'e' },
	{ "no-monitor", no_argument, NULL, OPT_NO_MONITOR },
	{ "daemon", required_argument, NULL, OPT_DAEMON },
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
	{},
};

static void usage(FILE *f)
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
"  -l, --log FILE       append every event as an ECS JSON line to FILE\n"
"      --result FILE    write how the run ended as JSON to FILE\n"
"  -t, --timeout SECS   kill the whole cell after SECS seconds (default 10; 0: none)\n"
"      --memory SIZE    memory limit, no swap (default 256M)\n"
"      --pids N         process and thread limit (default 64)\n"
"      --cpus N         CPU limit in CPUs, fractions allowed (default 1)\n"
"      --tmp-size SIZE  size of the cell's /tmp (default 64M)\n"
"      --output-cap SIZE  bytes of stdout and of stderr passed on (default 1M each)\n"
"      --fsize SIZE     largest file the payload may write (default 64M)\n"
"      --nofile N       open file limit (default 256)\n"
"      --rootfs DIR     use DIR, read-only, as the root instead of the host's\n"
"                       /usr, /lib*, /bin, /sbin (DIR must have proc, dev, tmp)\n"
"      --input DIR      bind DIR read-only at /input\n"
"      --output DIR     bind DIR read-write (noexec) at /output; it must be\n"
"                       writable by uid 65534 (created so when missing)\n"
"  -e, --env K=V        add K=V to the payload's minimal environment (repeatable)\n"
"      --no-monitor     run without the monitor (no events, no kernel rules)\n"
"      --daemon SOCKET  watched by the cellwatch daemon at SOCKET instead of an\n"
"                       embedded monitor; the payload starts only once the\n"
"                       daemon acked the cell (it logs; no --rules, --log)\n"
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
"\n"
"SIZE takes K, M, G suffixes (powers of 1024).\n"
"\n"
"Exit status: CMD's status, 128+N when CMD was killed by signal N, or\n"
"  %d no ack from the daemon (refused to run), %d monitor unavailable\n"
"  (refused to run), %d timeout, %d launcher error, %d CMD not executable,\n"
"  %d CMD not found.\n"
"\n"
"Example: cellrun --input data --output out --result run.json -- python3 /input/job.py\n",
		CW_DEFAULT_RULES, EGRESS_PORT, CELLRUN_EXIT_NO_ACK, CELLRUN_EXIT_NO_MONITOR, CELLRUN_EXIT_TIMEOUT,
		CELLRUN_EXIT_LAUNCHER, CELLRUN_EXIT_CANNOT_EXEC, CELLRUN_EXIT_NOT_FOUND);
}

/* Where a value came from, for messages: "--memory" or "profile.json: \"memory\"". */
struct origin {
	const char *profile;	/* NULL: the command line */
	const char *name;
};

static noreturn void bad(const struct origin *at, const char *fmt, ...)
{
	va_list ap;

	if (at->profile)
		fprintf(stderr, "cellrun: %s: \"%s\": ", at->profile, at->name);
	else
		fprintf(stderr, "cellrun: --%s: ", at->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(CELLRUN_EXIT_LAUNCHER);
}

static __u64 parse_size(const struct origin *at, const char *s)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		bad(at, "'%s' is not a size", s);
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	}
	if (shift)
		end++;
	if (*end == 'i')
		end++;
	if (*end == 'B')
		end++;
	if (*end || v == 0 || v > (~0ULL >> shift))
		bad(at, "'%s' is not a size (a positive number with K, M or G)", s);
	return (__u64)v << shift;
}

static unsigned long parse_count(const struct origin *at, const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v == 0 || v > max)
		bad(at, "'%s' is not a number in [1, %lu]", s, max);
	return v;
}

static double parse_number(const struct origin *at, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		bad(at, "'%s' is not a number in [%g, %g]", s, min, max);
	return v;
}

static void add_kv(const struct origin *at, const char **list, int *n, int max, const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (!eq || eq == kv)
		bad(at, "'%s' is not K=V", kv);
	if (*n == max)
		bad(at, "more than %d", max);
	list[(*n)++] = kv;
}

/* Apply one option, from the command line or a profile. */
static void set_opt(struct cellrun_opts *o, int opt, const struct origin *at, const char *val)
{
	char err[512];

	switch (opt) {
	case 'r':
		o->rules_path = val;
		break;
	case 'l':
		o->log_path = val;
		break;
	case OPT_RESULT:
		o->result_path = val;
		break;
	case 't':
		o->timeout_ms = parse_number(at, val, 0, 86400) * 1000;
		break;
	case OPT_MEMORY:
		o->memory_bytes = parse_size(at, val);
		if (o->memory_bytes < (4 << 20))
			bad(at, "at least 4M");
		break;
	case OPT_PIDS:
		o->pids = parse_count(at, val, 1 << 22);
		break;
	case OPT_CPUS:
		o->cpu_millis = parse_number(at, val, 0.01, 1024) * 1000;
		break;
	case OPT_TMP_SIZE:
		o->tmp_bytes = parse_size(at, val);
		break;
	case OPT_OUTPUT_CAP:
		o->output_cap = parse_size(at, val);
		break;
	case OPT_FSIZE:
		o->fsize_bytes = parse_size(at, val);
		break;
	case OPT_NOFILE:
		o->nofile = parse_count(at, val, 1 << 20);
		break;
	case OPT_ROOTFS:
		o->rootfs = val;
		break;
	case OPT_INPUT:
		o->input = val;
		break;
	case OPT_OUTPUT:
		o->output = val;
		break;
	case 'e':
		add_kv(at, o->env, &o->nenv, MAX_ENV, val);
		break;
	case OPT_LABEL:
		add_kv(at, o->labels, &o->nlabels, MAX_LABELS, val);
		break;
	case OPT_DAEMON:
		o->daemon = val;
		break;
	case OPT_DAEMON_TIMEOUT:
		o->daemon_timeout_ms = parse_count(at, val, 600000);
		break;
	case OPT_RUN_ID:
		o->run_id = val;
		break;
	case OPT_POLICY:
		o->policy = val;
		break;
	case OPT_ALLOW_HOST:
		if (o->nallow == MAX_ALLOW)
			bad(at, "more than %d", MAX_ALLOW);
		if (cw_egress_parse_allow(val, &o->allow[o->nallow++], err, sizeof(err)))
			bad(at, "%s", err);
		break;
	case OPT_ALLOW_PRIVATE:
		if (o->nallow_private == MAX_ALLOW)
			bad(at, "more than %d", MAX_ALLOW);
		if (cw_egress_parse_cidr(val, &o->allow_private[o->nallow_private++], err,
					 sizeof(err)))
			bad(at, "%s", err);
		break;
	case OPT_EGRESS_HOSTS:
		o->egress_hosts = val;
		break;
	case OPT_EGRESS_CONNS:
		o->egress_conns = parse_count(at, val, 1024);
		break;
	case OPT_EGRESS_BYTES:
		o->egress_bytes = parse_size(at, val);
		break;
	case OPT_EGRESS_TIME:
		o->egress_seconds = parse_count(at, val, 86400);
		break;
	case OPT_NO_MONITOR:
		o->no_monitor = true;
		break;
	case 'v':
		o->verbose = true;
		break;
	}
}

static const struct option *find_long(const char *name)
{
	for (const struct option *lo = long_opts; lo->name; lo++) {
		if (!strcmp(lo->name, name))
			return lo;
	}
	return NULL;
}

static json_t *profile;
/* A profile's numbers as text: a key appears once, so there are fewer than options. */
static char numbers[sizeof(long_opts) / sizeof(long_opts[0])][32];
static size_t nnumbers;

/*
 * A profile's strings must outlive parsing: the document is kept for the
 * life of the process (cellrun runs once).
 */
static void load_profile(struct cellrun_opts *o, const char *path)
{
	struct origin at = { .profile = path };
	json_error_t jerr;
	const char *key;
	json_t *root, *val;

	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		fprintf(stderr, "cellrun: %s:%d:%d: %s\n", path, jerr.line, jerr.column, jerr.text);
		exit(CELLRUN_EXIT_LAUNCHER);
	}
	if (!json_is_object(root)) {
		fprintf(stderr, "cellrun: %s: a profile is a JSON object of options\n", path);
		exit(CELLRUN_EXIT_LAUNCHER);
	}
	json_object_foreach(root, key, val) {
		const struct option *lo = find_long(key);

		at.name = key;
		if (!lo || lo->val == OPT_PROFILE || lo->val == 'h')
			bad(&at, "not a profile option (see cellrun --help)");
		if (lo->has_arg == no_argument) {
			if (!json_is_boolean(val))
				bad(&at, "must be true or false");
			if (json_is_true(val))
				set_opt(o, lo->val, &at, NULL);
		} else if (lo->val == 'e' || lo->val == OPT_LABEL || lo->val == OPT_ALLOW_HOST ||
			   lo->val == OPT_ALLOW_PRIVATE) {
			size_t i;
			json_t *kv;

			if (!json_is_array(val))
				bad(&at, "must be an array of strings");
			json_array_foreach(val, i, kv) {
				if (!json_is_string(kv))
					bad(&at, "must be an array of strings");
				set_opt(o, lo->val, &at, json_string_value(kv));
			}
		} else if (json_is_string(val)) {
			set_opt(o, lo->val, &at, json_string_value(val));
		} else if (json_is_number(val)) {
			/* Options may keep the text: one slot per key, for the process's life. */
			char *num = numbers[nnumbers++];

			snprintf(num, sizeof(numbers[0]), "%.17g", json_number_value(val));
			set_opt(o, lo->val, &at, num);
		} else {
			bad(&at, "must be a string or a number");
		}
	}
	/* Kept until options_free(): the options point into it. */
	profile = root;
}

void options_free(void)
{
	json_decref(profile);
	profile = NULL;
}

static void set_defaults(struct cellrun_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->rootfs_fd = o->input_fd = o->output_fd = -1;
	o->rules_path = CW_DEFAULT_RULES;
	o->timeout_ms = 10000;
	o->memory_bytes = 256ULL << 20;
	o->tmp_bytes = 64ULL << 20;
	o->output_cap = 1ULL << 20;
	o->fsize_bytes = 64ULL << 20;
	o->pids = 64;
	o->cpu_millis = 1000;
	o->nofile = 256;
	o->daemon_timeout_ms = 2000;
}

/* The proxy's settings without a host to reach: a mistake, said rather than ignored. */
static void check_egress_opts(const struct cellrun_opts *o)
{
	if (!o->nallow && (o->nallow_private || o->egress_hosts || o->egress_conns ||
			   o->egress_bytes || o->egress_seconds))
		die("--allow-private and --egress-* go with --allow-host");
}

/* Options that only make sense with, or without, the daemon. */
static void check_monitor_opts(const struct cellrun_opts *o, bool rules_given)
{
	if (!o->daemon) {
		if (o->run_id || o->nlabels || o->policy)
			die("--run-id, --label and --policy go with --daemon");
		return;
	}
	if (o->no_monitor)
		die("--daemon and --no-monitor contradict each other");
	if (rules_given || o->log_path)
		die("with --daemon, the daemon applies its policies and writes the log: "
		    "use --policy NAME instead of --rules, and the daemon's --log");
}

void options_parse(struct cellrun_opts *o, int argc, char **argv)
{
	const char *rules_default;
	int opt;

	set_defaults(o);
	rules_default = o->rules_path;
	/* First pass: the profile, so that the command line overrides it. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+r:l:t:e:vh", long_opts, NULL)) != -1) {
		if (opt == OPT_PROFILE)
			load_profile(o, optarg);
	}
	opterr = 1;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "+r:l:t:e:vh", long_opts, NULL)) != -1) {
		struct origin at = { .name = "?" };

		for (const struct option *lo = long_opts; lo->name; lo++) {
			if (lo->val == opt)
				at.name = lo->name;
		}
		switch (opt) {
		case OPT_PROFILE:
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case '?':
			usage(stderr);
			exit(CELLRUN_EXIT_LAUNCHER);
		default:
			set_opt(o, opt, &at, optarg);
		}
	}
	/* Compared by pointer: any --rules, even naming the default file, is refused with --daemon. */
	check_monitor_opts(o, o->rules_path != rules_default);
	check_egress_opts(o);
	if (optind >= argc) {
		usage(stderr);
		die("no command given");
	}
	o->argv = argv + optind;
}

/* --output is created for uid 65534 when missing, and refused when the cell could not write it. */
static void check_output(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) == 0) {
		if (chown(dir, CELL_UID, CELL_GID))
			die("--output %s: chown to %d: %m", dir, CELL_UID);
		return;
	}
	if (errno != EEXIST)
		die("--output %s: %m", dir);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		die("--output %s: not a directory", dir);
	if (!(st.st_uid == CELL_UID && (st.st_mode & S_IWUSR)) && !(st.st_mode & S_IWOTH))
		die("--output %s: not writable by the cell's uid %d (chown %d %s)", dir, CELL_UID,
		    CELL_UID, dir);
}

static void check_dir(const char *dir, const char *what)
{
	struct stat st;

	if (stat(dir, &st))
		die("%s %s: %m", what, dir);
	if (!S_ISDIR(st.st_mode))
		die("%s %s: not a directory", what, dir);
}

void options_check_dirs(const struct cellrun_opts *o)
{
	if (o->rootfs)
		check_dir(o->rootfs, "--rootfs");
	if (o->input)
		check_dir(o->input, "--input");
	if (o->output)
		check_output(o->output);
}
