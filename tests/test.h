/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small test harness after the kernel's BPF selftests: one file per
 * feature, TEST(name) to define a test, ASSERT_*() that print expected vs
 * got and return whether they held, so a test can `goto cleanup`.
 * Each test runs in its own process with its own scratch directory.
 */
#ifndef CW_TEST_H
#define CW_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>

typedef void (*test_fn)(void);

void test__register(const char *name, const char *file, test_fn fn, bool unit);
void test__fail(void);
/* Mark the running test skipped, saying why; the caller returns. */
void test__skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The running test's scratch directory, removed after the test. */
extern const char *test_dir;
/* Directory holding the built binaries (cellrun, cellwatch). */
extern const char *build_dir;
/* The project's root, for rules/ and the like. */
extern const char *src_dir;

#define TEST__DEFINE(name, unit)						\
	static void test_##name(void);						\
	__attribute__((constructor)) static void register_##name(void)		\
	{									\
		test__register(#name, __FILE__, test_##name, unit);		\
	}									\
	static void test_##name(void)

/* A test of the whole: root, BPF, cells. */
#define TEST(name) TEST__DEFINE(name, false)
/*
 * A unit test: no root, no BPF, no cell, no network; seconds.  `make check`
 * and the valgrind stage of `make test` run these (test_runner --unit).
 */
#define UNIT_TEST(name) TEST__DEFINE(name, true)

#define ASSERT_TRUE(cond, what) ({						\
	bool ___ok = (cond);							\
	if (!___ok) {								\
		test__fail();							\
		fprintf(stderr, "%s:%d: %s: expected true: %s\n",		\
			__FILE__, __LINE__, what, #cond);			\
	}									\
	___ok;									\
})

#define ASSERT_FALSE(cond, what) ASSERT_TRUE(!(cond), what)

#define ASSERT_EQ(actual, expected, what) ({					\
	long long ___a = (actual), ___e = (expected);				\
	bool ___ok = ___a == ___e;						\
	if (!___ok) {								\
		test__fail();							\
		fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n",	\
			__FILE__, __LINE__, what, ___e, ___a);			\
	}									\
	___ok;									\
})

#define ASSERT_NEQ(actual, unexpected, what) ({				\
	long long ___a = (actual), ___u = (unexpected);				\
	bool ___ok = ___a != ___u;						\
	if (!___ok) {								\
		test__fail();							\
		fprintf(stderr, "%s:%d: %s: expected anything but %lld\n",	\
			__FILE__, __LINE__, what, ___u);			\
	}									\
	___ok;									\
})

#define ASSERT_GE(actual, least, what) ({					\
	long long ___a = (actual), ___l = (least);				\
	bool ___ok = ___a >= ___l;						\
	if (!___ok) {								\
		test__fail();							\
		fprintf(stderr, "%s:%d: %s: expected at least %lld, got %lld\n",	\
			__FILE__, __LINE__, what, ___l, ___a);			\
	}									\
	___ok;									\
})

#define ASSERT_LE(actual, most, what) ({					\
	long long ___a = (actual), ___m = (most);				\
	bool ___ok = ___a <= ___m;						\
	if (!___ok) {								\
		test__fail();							\
		fprintf(stderr, "%s:%d: %s: expected at most %lld, got %lld\n",	\
			__FILE__, __LINE__, what, ___m, ___a);			\
	}									\
	___ok;									\
})

#define ASSERT_OK(err, what) ({							\
	long long ___e = (err);							\
	bool ___ok = ___e == 0;							\
	if (!___ok) {								\
		test__fail();							\
		fprintf(stderr, "%s:%d: %s: expected success, got %lld (%s)\n",	\
			__FILE__, __LINE__, what, ___e,				\
			strerror(___e < 0 ? -___e : ___e));			\
	}									\
	___ok;									\
})

#define ASSERT_STREQ(actual, expected, what) ({				\
	const char *___a = (actual), *___e = (expected);			\
	bool ___ok = ___a && ___e && !strcmp(___a, ___e);			\
	if (!___ok) {								\
		test__fail();							\
		fprintf(stderr, "%s:%d: %s: expected \"%s\", got \"%s\"\n",	\
			__FILE__, __LINE__, what, ___e ?: "(null)",		\
			___a ?: "(null)");					\
	}									\
	___ok;									\
})

#define ASSERT_HAS(haystack, needle, what) ({					\
	const char *___h = (haystack), *___n = (needle);			\
	bool ___ok = ___h && strstr(___h, ___n);				\
	if (!___ok) {								\
		test__fail();							\
		fprintf(stderr, "%s:%d: %s: expected to contain \"%s\", got \"%s\"\n", \
			__FILE__, __LINE__, what, ___n, ___h ?: "(null)");	\
	}									\
	___ok;									\
})

/*
 * A verdict taken in the kernel: by a tracepoint or cgroup hook ("kernel"),
 * or, where BPF-LSM loads, before the operation ("lsm").
 */
#define ASSERT_KERNEL_LAYER(layer, what) ({					\
	const char *___l = (layer);						\
	bool ___ok = ___l && (!strcmp(___l, "kernel") || !strcmp(___l, "lsm"));	\
	if (!___ok) {								\
		test__fail();							\
		fprintf(stderr, "%s:%d: %s: expected \"kernel\" or \"lsm\", got \"%s\"\n", \
			__FILE__, __LINE__, what, ___l ?: "(null)");		\
	}									\
	___ok;									\
})

#define ASSERT_OK_PTR(ptr, what) ({						\
	const void *___p = (ptr);						\
	bool ___ok = ___p != NULL;						\
	if (!___ok) {								\
		test__fail();							\
		fprintf(stderr, "%s:%d: %s: expected a pointer, got NULL\n",	\
			__FILE__, __LINE__, what);				\
	}									\
	___ok;									\
})

#define ASSERT_NULL(ptr, what) ({						\
	const void *___p = (ptr);						\
	bool ___ok = ___p == NULL;						\
	if (!___ok) {								\
		test__fail();							\
		fprintf(stderr, "%s:%d: %s: expected NULL\n",			\
			__FILE__, __LINE__, what);				\
	}									\
	___ok;									\
})

/* ---- helpers for integration tests (tests/helpers.c) ---- */

/*
 * Python prelude for payloads: err(f) runs f and returns "ALLOWED" or the
 * errno name it failed with.
 */
#define PY_ERR_HELPER								\
	"import errno, os\n"							\
	"def err(f):\n"								\
	"    try:\n"								\
	"        f()\n"								\
	"        return 'ALLOWED'\n"						\
	"    except OSError as e:\n"						\
	"        return errno.errorcode[e.errno]\n"

/* A rule file of one rule, "shell": @action ("kill", "alert") on an exec of sh or dash. */
#define SHELL_RULE(action)							\
	"{\"rules\":[{\"name\":\"shell\",\"description\":\"d\","		\
	"\"event\":\"exec\",\"match\":{\"binary\":[\"sh\",\"dash\"]},"	\
	"\"priority\":\"critical\",\"action\":\"" action "\"}]}"

struct cmd_result {
	int status;		/* exit code, 128+N if killed by signal N, -1 on timeout */
	char out[65536];	/* stdout, NUL-terminated, truncated to fit */
	char err[65536];	/* stderr, likewise */
};

/* Skip the running test unless root can load BPF; returns false when skipped. */
bool require_root(void);
/* TEST_TIME_SCALE: how many times slower than the host this machine runs the tests. */
unsigned int test_time_scale(void);
/* Is the running kernel older than @major.@minor? */
bool kernel_older_than(int major, int minor);
/* NAME's path, or NULL and a failure naming the Debian PACKAGE that has it. */
const char *require_tool(const char *name, const char *package);

/* Run @argv (NULL-terminated) to completion, at most @timeout_s seconds. */
int run_cmd(char *const argv[], int timeout_s, struct cmd_result *res);

/* Rule files: tests/rules/observe.json (shell kill only) and rules/default.json. */
char *observe_rules(char *buf, size_t len);
char *default_rules(char *buf, size_t len);

/*
 * Run `cellrun --log LOG -- argv...`; LOG is test_dir/<log_name>.  The
 * observe rules apply unless @opts gives --rules.
 */
int cellrun(const char *log_name, char *const argv[], struct cmd_result *res);
/* The same with cellrun options @opts (NULL-terminated, may be NULL) before "--". */
int cellrun_with(const char *log_name, char *const opts[], char *const argv[],
		 struct cmd_result *res);
/* test_dir/<name>, created writable by the cell's uid 65534 (slot 3 of test_path). */
const char *make_output_dir(const char *name);
/* The start of @path, NUL-terminated in @buf ("" if unreadable): bytes read or -errno. */
ssize_t read_text(const char *path, char *buf, size_t len);
/* Create or replace @path holding @text: 0 or -errno. */
int write_text(const char *path, const char *text);
/* A JSON file, parsed; NULL (with a message) when it is not. */
json_t *read_json(const char *path);

/* A path inside test_dir, in a static buffer per call slot (0..3). */
const char *test_path(int slot, const char *name);

/*
 * Each line of a JSON-lines log, as an array of documents.  A record that
 * is no JSON object, or that Elasticsearch with the shipped index template
 * would refuse or not index (ecs_check()), fails the running test.
 */
json_t *read_log(const char *path);
/* The same while a writer may still be at work: a last line not yet whole is left out. */
json_t *read_log_so_far(const char *path);

/* Value at a dotted @path ("process.executable") of @doc, or NULL. */
json_t *jget(json_t *doc, const char *path);
const char *jstr(json_t *doc, const char *path);
long long jint(json_t *doc, const char *path);

/* First event of @log whose @path has string value @value, or NULL. */
json_t *find_event(json_t *log, const char *path, const char *value);
/* Number of events in @log whose @path has string value @value. */
int count_events(json_t *log, const char *path, const char *value);

/* A `cellwatch watch` process started by a test. */
struct watcher {
	pid_t pid;
	int err_fd;		/* its stderr */
};

/*
 * Start `cellwatch watch` on @cgroup logging to @log, wait for "ready".
 * @extra: up to two more words of options ("--ringbuf 4096"), or NULL;
 * the observe rules apply unless they are "--rules FILE".
 */
bool start_watcher(struct watcher *w, const char *cgroup, const char *log, const char *extra);
/* SIGTERM the watcher (by pid) and reap it; returns its wait status. */
int stop_watcher(struct watcher *w);
/* Run @argv, inside the cgroup of @cgroup_procs when given; returns its exit status. */
int run_in(const char *cgroup_procs, char *const argv[]);

/* A cell made by a test: <cgroup2>/cellwatch-test-<pid>/cell. */
struct test_cgroup {
	char parent[512];
	char cell[600];
	char procs[700];	/* the cell's cgroup.procs */
};

bool test_cgroup_create(struct test_cgroup *tc);
/* Kill what is left inside and remove both cgroups. */
void test_cgroup_destroy(struct test_cgroup *tc);

/* A `cellwatch daemon` started by a test: socket, log, state and pins of its own. */
struct daemon_proc {
	pid_t pid;
	int err_fd;		/* its stderr */
	char socket[512];
	char log[512];
	char state[512];
	char pin[256];		/* on bpffs */
};

/*
 * Start (or, with the same @d, restart) the daemon with the default rules
 * and @extra options (NULL-terminated, may be NULL); wait for "ready".
 */
bool start_daemon(struct daemon_proc *d, char *const extra[]);
/* The command line start_daemon() runs, in @argv (valid until the next call); its length. */
int daemon_argv(struct daemon_proc *d, char *const extra[], char *argv[64]);
/* Send @sig (SIGTERM: a clean stop; SIGKILL: a crash) and reap; the wait status. */
int stop_daemon(struct daemon_proc *d, int sig);
/* Stop it if running and remove whatever pins a crash left behind. */
void daemon_cleanup(struct daemon_proc *d);
/* Start `cellrun --daemon` with @opts and @argv (NULL-terminated), not waiting; its pid. */
pid_t cellrun_daemon_start(const struct daemon_proc *d, char *const opts[], char *const argv[],
			   const char *out_path);
/* cellrun --daemon to completion. */
int cellrun_daemon(const struct daemon_proc *d, char *const opts[], char *const argv[],
		   struct cmd_result *res);

/* ---- ECS (tests/ecs_check.c) ---- */

/*
 * Every field of ECS 8.11 (tests/ecs/ecs-8.11.tsv) mapped by the index
 * template as ECS defines it: true, or false and the first that is not.
 */
bool ecs_template_agrees(char *why, size_t len);
/* The index template's mapping of dotted @name (deploy/elasticsearch), or NULL. */
json_t *ecs_template_mapping(const char *name);
/* @doc as Elasticsearch would index it under the template: true, or false and why. */
bool ecs_check(json_t *doc, char *why, size_t len);

#endif /* CW_TEST_H */
