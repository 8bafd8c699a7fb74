// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_runner [-v] [--unit] [--shard K/N] [FILTER...]: run every test (or
 * those whose name contains a FILTER, or starts with it when it begins with
 * '^'), each in its own process and scratch directory, and end with
 * "N passed, N failed, N skipped".  A test's stderr shows when it fails or
 * skips; -v shows it always.  --shard K/N runs the Kth of every N selected
 * tests, so that N machines share one suite (tests/run-all.sh's VMs).
 * A test that runs past TEST_TIMEOUT_S times TEST_TIME_SCALE (1 unless the
 * environment says, as tests/vm/run.sh does for an emulated CPU) fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "test.h"

#define MAX_TESTS 512
#define TEST_TIMEOUT_S 120
#define EXIT_SKIP 77

struct test {
	const char *name;
	const char *file;
	test_fn fn;
	bool unit;
};

static struct test tests[MAX_TESTS];
static int ntests;
static unsigned int time_scale = 1;
static bool failed;
static bool skipped;

const char *test_dir;
const char *build_dir;
const char *src_dir;

void test__register(const char *name, const char *file, test_fn fn, bool unit)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "test_runner: more than %d tests\n", MAX_TESTS);
		exit(2);
	}
	tests[ntests++] = (struct test){ .name = name, .file = file, .fn = fn, .unit = unit };
}

void test__fail(void)
{
	failed = true;
}

void test__skip(const char *fmt, ...)
{
	va_list ap;

	skipped = true;
	fprintf(stderr, "SKIP: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define unused __attribute__((unused))

static int rm_entry(const char *path, const struct stat *st unused, int flag unused,
		    struct FTW *ftw unused)
{
	return remove(path);
}

/* Copy what a test wrote on stderr to ours. */
static void replay(int fd)
{
	char buf[4096];
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(STDERR_FILENO, buf, n) != n)
			break;
}

/*
 * Run one test in a child; its exit code says how it went.  Its stderr is
 * kept aside and shown only when it failed or skipped (the skip says why),
 * unless -v asked for everything.
 */
static int run_one(const struct test *t, bool verbose)
{
	char dir[] = "/tmp/cellwatch-test.XXXXXX";
	int status, log_fd, ret;
	pid_t pid;

	if (!mkdtemp(dir)) {
		perror("test_runner: mkdtemp");
		return 1;
	}
	log_fd = -1;
	/* Unnamed files: nothing to clean up.  An overlaid /tmp may lack O_TMPFILE. */
	if (!verbose) {
		log_fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (log_fd < 0)
			log_fd = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("test_runner: fork");
		return 1;
	}
	if (pid == 0) {
		if (log_fd >= 0)
			dup2(log_fd, STDERR_FILENO);
		test_dir = dir;
		alarm(TEST_TIMEOUT_S * time_scale);
		t->fn();
		fflush(NULL);
		_exit(failed ? 1 : skipped ? EXIT_SKIP : 0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "%s: died of signal %d%s\n", t->name, WTERMSIG(status),
			WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
		ret = 1;
	} else {
		ret = WEXITSTATUS(status);
	}
	if (log_fd >= 0) {
		if (ret)
			replay(log_fd);
		close(log_fd);
	}
	return ret;
}

/* By name (a substring, or ^prefix); --unit: of the unit tests only. */
static bool selected(const struct test *t, int argc, char **argv)
{
	bool any = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--unit") && !t->unit)
			return false;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--unit"))
			continue;
		if (!strcmp(argv[i], "--shard")) {
			i++;
			continue;
		}
		any = true;
		if (argv[i][0] == '^' ? !strncmp(t->name, argv[i] + 1, strlen(argv[i] + 1))
				      : !!strstr(t->name, argv[i]))
			return true;
	}
	return !any;
}

/*
 * The cells' default parent cgroup, which cellrun and the daemon create:
 * its path in @path, and whether it was there before the run.
 */
static bool cell_parent(char *path, size_t len)
{
	size_t n;

	if (cg2_mount_point(path, len)) {
		path[0] = '\0';
		return true;
	}
	n = strlen(path);
	snprintf(path + n, len - n, "/cellwatch");
	return !access(path, F_OK);
}

/* A parent the run made goes with it; one it cannot remove holds a cell some test left. */
static int remove_cell_parent(const char *path)
{
	if (!path[0] || !rmdir(path) || errno == ENOENT)
		return 0;
	printf("FAILED cleanup: %s: %s: a test left a cell behind\n", path, strerror(errno));
	return 1;
}

/* TEST_TIME_SCALE: a whole factor, 1 to 20, for machines that run slower. */
static int parse_time_scale(const char *arg)
{
	unsigned int scale;
	char end;

	if (!arg)
		return 0;
	if (sscanf(arg, "%u%c", &scale, &end) != 1 || scale < 1 || scale > 20) {
		fprintf(stderr, "test_runner: TEST_TIME_SCALE wants 1 to 20, got %s\n", arg);
		return -EINVAL;
	}
	time_scale = scale;
	return 0;
}

unsigned int test_time_scale(void)
{
	return time_scale;
}

/* --shard K/N, 1 <= K <= N. */
static int parse_shard(const char *arg, int *k, int *n)
{
	char end;

	if (!arg || sscanf(arg, "%d/%d%c", k, n, &end) != 2 || *n < 1 || *k < 1 || *k > *n) {
		fprintf(stderr, "test_runner: --shard wants K/N with 1 <= K <= N, got %s\n",
			arg ?: "nothing");
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char parent[PATH_MAX];
	bool had_parent;
	static char exe[PATH_MAX], root[PATH_MAX];
	int passed = 0, nfailed = 0, nskipped = 0, n = 0;
	int shard = 1, nshards = 1, nselected = 0;
	bool verbose = false;
	ssize_t len;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len < 0) {
		perror("test_runner: /proc/self/exe");
		return 2;
	}
	exe[len] = '\0';
	build_dir = dirname(exe);
	snprintf(root, sizeof(root), "%s/..", build_dir);
	src_dir = root;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		verbose |= !strcmp(argv[i], "-v");
		if (!strcmp(argv[i], "--shard") && parse_shard(argv[i + 1], &shard, &nshards))
			return 2;
	}
	if (parse_time_scale(getenv("TEST_TIME_SCALE")))
		return 2;
	had_parent = cell_parent(parent, sizeof(parent));

	for (int i = 0; i < ntests; i++) {
		const struct test *t = &tests[i];
		int ret;

		const char *verdict;
		struct timespec t0, t1;

		if (!selected(t, argc, argv) || nselected++ % nshards != shard - 1)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ret = run_one(t, verbose);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		n++;
		if (ret == 0) {
			passed++;
			verdict = "OK";
		} else if (ret == EXIT_SKIP) {
			nskipped++;
			verdict = "SKIP";
		} else {
			nfailed++;
			verdict = "FAIL";
		}
		/* The time each took: where a slow machine's minutes go. */
		printf("#%-3d %-40s %-4s %6.1f s\n", n, t->name, verdict,
		       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	if (!had_parent)
		nfailed += remove_cell_parent(parent);
	printf("%d passed, %d failed, %d skipped\n", passed, nfailed, nskipped);
	return nfailed ? 1 : 0;
}
