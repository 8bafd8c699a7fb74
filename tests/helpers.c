// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cgroup.h"
#include "daemon/keeper.h"
#include "ready.h"
#include "test.h"

bool require_root(void)
{
	if (geteuid() != 0) {
		test__skip("needs root to load BPF programs and create cgroups");
		return false;
	}
	return true;
}

bool kernel_older_than(int major, int minor)
{
	struct utsname u;
	int ma, mi;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma < major || (ma == major && mi < minor);
}

/*
 * The path of a tool a test runs.  `make deps` installs every one, so a
 * missing tool is a failure naming its Debian package, never a skip.
 * The path stays valid until the next call.
 */
const char *require_tool(const char *name, const char *package)
{
	static const char *const dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin" };
	static char path[64];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (!access(path, X_OK))
			return path;
	}
	test__fail();
	fprintf(stderr, "needs %s from the Debian package %s (make deps installs it)\n",
		name, package);
	return NULL;
}

static void drain(int fd, char *buf, size_t cap, size_t *len)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0)
		return;
	if ((size_t)n > cap - 1 - *len)
		n = cap - 1 - *len;
	memcpy(buf + *len, tmp, n);
	*len += n;
	buf[*len] = '\0';
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int run_cmd(char *const argv[], int timeout_s, struct cmd_result *res)
{
	long long deadline = mono_ms() + timeout_s * 1000LL;
	int out[2], err[2], status;
	size_t olen = 0, elen = 0;
	bool timed_out = false;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	for (int open_fds = 2; open_fds > 0;) {
		struct pollfd pfd[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
		long long left = deadline - mono_ms();

		if (left <= 0 && !timed_out) {
			/* Only the process we started, by pid. */
			kill(pid, SIGKILL);
			timed_out = true;
		}
		if (poll(pfd, 2, left > 0 ? left : 1000) < 0 && errno != EINTR)
			break;
		open_fds = 0;
		for (int i = 0; i < 2; i++) {
			if (pfd[i].fd < 0)
				continue;
			if (pfd[i].revents & POLLIN) {
				if (i == 0)
					drain(out[0], res->out, sizeof(res->out), &olen);
				else
					drain(err[0], res->err, sizeof(res->err), &elen);
			}
			if ((pfd[i].revents & (POLLHUP | POLLERR)) && !(pfd[i].revents & POLLIN)) {
				close(pfd[i].fd);
				if (i == 0)
					out[0] = -1;
				else
					err[0] = -1;
				continue;
			}
			open_fds++;
		}
	}
	if (out[0] >= 0)
		close(out[0]);
	if (err[0] >= 0)
		close(err[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		res->status = -1;
	else if (WIFSIGNALED(status))
		res->status = 128 + WTERMSIG(status);
	else
		res->status = WEXITSTATUS(status);
	if (res->err[0])
		fprintf(stderr, "---- stderr of %s ----\n%s---- end ----\n", argv[0], res->err);
	return 0;
}

const char *test_path(int slot, const char *name)
{
	static char bufs[4][4096];

	snprintf(bufs[slot & 3], sizeof(bufs[0]), "%s/%s", test_dir, name);
	return bufs[slot & 3];
}

char *observe_rules(char *buf, size_t len)
{
	snprintf(buf, len, "%s/tests/rules/observe.json", src_dir);
	return buf;
}

char *default_rules(char *buf, size_t len)
{
	snprintf(buf, len, "%s/rules/default.json", src_dir);
	return buf;
}

int cellrun_with(const char *log_name, char *const opts[], char *const argv[],
		 struct cmd_result *res)
{
	char bin[4096], log[4096], rules[4096];
	bool own_rules = false;
	char *full[96];
	int n = 0;

	snprintf(bin, sizeof(bin), "%s/cellrun", build_dir);
	snprintf(log, sizeof(log), "%s/%s", test_dir, log_name);
	full[n++] = bin;
	full[n++] = "--timeout";
	full[n++] = "30";
	full[n++] = "--log";
	full[n++] = log;
	for (int i = 0; opts && opts[i] && n < 60; i++) {
		own_rules |= !strcmp(opts[i], "--rules");
		full[n++] = opts[i];
	}
	/* What is observed is tested apart from the policy that would end the payload. */
	if (!own_rules) {
		full[n++] = "--rules";
		full[n++] = observe_rules(rules, sizeof(rules));
	}
	full[n++] = "--";
	for (int i = 0; argv[i] && n < 95; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	return run_cmd(full, 90, res);
}

int cellrun(const char *log_name, char *const argv[], struct cmd_result *res)
{
	return cellrun_with(log_name, NULL, argv, res);
}

const char *make_output_dir(const char *name)
{
	const char *dir = test_path(3, name);

	/* The cell writes as uid 65534. */
	if (mkdir(dir, 0755) || chown(dir, 65534, 65534))
		ASSERT_TRUE(false, "create output dir");
	return dir;
}

ssize_t read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0, got = 0;

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	while ((size_t)got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	if (n < 0)
		got = -errno;
	else
		buf[got] = '\0';
	close(fd);
	return got;
}

int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ret = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) == EOF)
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

json_t *read_json(const char *path)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);

	if (!doc)
		fprintf(stderr, "%s:%d:%d: %s\n", path, jerr.line, jerr.column, jerr.text);
	return doc;
}

static json_t *parse_log(const char *path, bool so_far)
{
	json_t *all = json_array();
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;
	ssize_t n;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return all;	/* no event at all: an empty log */
	while ((n = getline(&line, &cap, f)) > 0) {
		json_error_t jerr;
		char why[512];
		json_t *doc;

		lineno++;
		/*
		 * The writer extends the file a page at a time: a reader racing
		 * it sees a last line cut at a page boundary, with no newline.
		 */
		if (so_far && line[n - 1] != '\n')
			break;
		doc = json_loads(line, 0, &jerr);
		if (!ASSERT_OK_PTR(doc, "log line is one JSON object")) {
			fprintf(stderr, "%s:%d: %s\n", path, lineno, jerr.text);
			continue;
		}
		ASSERT_TRUE(line[strlen(line) - 1] == '\n', "log line ends with a newline");
		if (!ASSERT_TRUE(ecs_check(doc, why, sizeof(why)), "the record as ECS and the "
				 "index template have it"))
			fprintf(stderr, "%s:%d: %s\n", path, lineno, why);
		json_array_append_new(all, doc);
	}
	free(line);
	fclose(f);
	return all;
}

json_t *read_log(const char *path)
{
	return parse_log(path, false);
}

json_t *read_log_so_far(const char *path)
{
	return parse_log(path, true);
}

json_t *jget(json_t *doc, const char *path)
{
	char key[128];
	const char *dot;

	while (doc && (dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		doc = json_object_get(doc, key);
		path = dot + 1;
	}
	return doc ? json_object_get(doc, path) : NULL;
}

const char *jstr(json_t *doc, const char *path)
{
	return json_string_value(jget(doc, path));
}

long long jint(json_t *doc, const char *path)
{
	json_t *v = jget(doc, path);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

json_t *find_event(json_t *log, const char *path, const char *value)
{
	size_t i;
	json_t *doc;

	json_array_foreach(log, i, doc) {
		const char *s = jstr(doc, path);

		if (s && !strcmp(s, value))
			return doc;
	}
	return NULL;
}

int count_events(json_t *log, const char *path, const char *value)
{
	size_t i;
	json_t *doc;
	int n = 0;

	json_array_foreach(log, i, doc) {
		const char *s = jstr(doc, path);

		if (s && !strcmp(s, value))
			n++;
	}
	return n;
}

/*
 * Start @argv with its stderr on a pipe (@*err_fd) and wait until it is
 * ready; what it said goes to our stderr when it does not get there.
 */
static pid_t start_ready(char *const argv[], int *err_fd)
{
	char buf[8192];
	int pipefd[2];
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = spawn_ready(argv, pipefd[1], 30000, NULL);
	close(pipefd[1]);
	if (pid > 0) {
		*err_fd = pipefd[0];
		return pid;
	}
	fprintf(stderr, "%s %s did not start (%s):\n", argv[0], argv[1], strerror(-pid));
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	while ((n = read(pipefd[0], buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		fputs(buf, stderr);
	}
	close(pipefd[0]);
	return pid;
}

bool start_watcher(struct watcher *w, const char *cgroup, const char *log, const char *extra)
{
	char bin[4096], rules[4096], *words = extra ? strdup(extra) : NULL;
	char *argv[16] = { bin, "watch", "--cgroup", (char *)cgroup, "--log", (char *)log };
	int n = 6;

	snprintf(bin, sizeof(bin), "%s/cellwatch", build_dir);
	for (char *word = words ? strtok(words, " ") : NULL; word && n < 13;
	     word = strtok(NULL, " "))
		argv[n++] = word;
	/* The observing rules, unless the caller names its own. */
	if (!(n > 6 && !strcmp(argv[6], "--rules"))) {
		argv[n++] = "--rules";
		argv[n++] = observe_rules(rules, sizeof(rules));
	}
	argv[n] = NULL;
	w->pid = start_ready(argv, &w->err_fd);
	free(words);
	if (w->pid < 0)
		w->pid = 0;
	return w->pid > 0;
}

int stop_watcher(struct watcher *w)
{
	int status = -1;

	if (w->pid <= 0)
		return -1;
	kill(w->pid, SIGTERM);
	waitpid(w->pid, &status, 0);
	close(w->err_fd);
	w->pid = 0;
	return status;
}

/* Run @argv, inside @cgroup_procs' cgroup when given; returns the exit status. */
int run_in(const char *cgroup_procs, char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (cgroup_procs) {
			int fd = open(cgroup_procs, O_WRONLY);

			if (fd < 0 || write(fd, "0", 1) != 1)
				_exit(120);
			close(fd);
		}
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool test_cgroup_create(struct test_cgroup *tc)
{
	char root[256];

	memset(tc, 0, sizeof(*tc));
	if (!ASSERT_OK(cg2_mount_point(root, sizeof(root)), "cgroup v2 mounted"))
		return false;
	snprintf(tc->parent, sizeof(tc->parent), "%s/cellwatch-test-%d", root, getpid());
	snprintf(tc->cell, sizeof(tc->cell), "%s/cell", tc->parent);
	snprintf(tc->procs, sizeof(tc->procs), "%s/cgroup.procs", tc->cell);
	if (!ASSERT_OK(mkdir(tc->parent, 0755) ? -errno : 0, "mkdir parent cgroup"))
		return false;
	if (!ASSERT_OK(mkdir(tc->cell, 0755) ? -errno : 0, "mkdir cell cgroup")) {
		rmdir(tc->parent);
		return false;
	}
	return true;
}

void test_cgroup_destroy(struct test_cgroup *tc)
{
	int fd;

	if (!tc->cell[0])
		return;
	fd = open(tc->cell, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		cg2_kill(fd);
		cg2_wait_empty(fd, 5000);
		close(fd);
	}
	rmdir(tc->cell);
	rmdir(tc->parent);
}

int daemon_argv(struct daemon_proc *d, char *const extra[], char *argv[64])
{
	static char bin[4096], rules[4096];
	int n = 0;

	if (!d->socket[0]) {
		snprintf(d->socket, sizeof(d->socket), "%s/cellwatch.sock", test_dir);
		snprintf(d->log, sizeof(d->log), "%s/daemon.json", test_dir);
		snprintf(d->state, sizeof(d->state), "%s/state", test_dir);
		snprintf(d->pin, sizeof(d->pin), "/sys/fs/bpf/cellwatch-test-%d", getpid());
	}
	snprintf(bin, sizeof(bin), "%s/cellwatch", build_dir);
	argv[n++] = bin;
	argv[n++] = "daemon";
	argv[n++] = "--no-config";	/* the host's cellwatch.conf is not the test's */
	argv[n++] = "--socket";
	argv[n++] = d->socket;
	argv[n++] = "--log";
	argv[n++] = d->log;
	argv[n++] = "--state-dir";
	argv[n++] = d->state;
	argv[n++] = "--pin-dir";
	argv[n++] = d->pin;
	argv[n++] = "--rules";
	argv[n++] = default_rules(rules, sizeof(rules));
	for (int i = 0; extra && extra[i] && n < 63; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	return n;
}

bool start_daemon(struct daemon_proc *d, char *const extra[])
{
	char *argv[64];

	daemon_argv(d, extra, argv);
	d->pid = start_ready(argv, &d->err_fd);
	if (d->pid < 0)
		d->pid = 0;
	return d->pid > 0;
}

int stop_daemon(struct daemon_proc *d, int sig)
{
	char buf[4096];
	int status = -1;
	ssize_t n;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, sig);
	waitpid(d->pid, &status, 0);
	/* What it said after "ready", for the failure report. */
	fcntl(d->err_fd, F_SETFL, O_NONBLOCK);
	while ((n = read(d->err_fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		fputs(buf, stderr);
	}
	close(d->err_fd);
	d->pid = 0;
	return status;
}

/* A link keeper a killed daemon left (keeper.pid in its state directory): ended by pid. */
static void end_left_keeper(const struct daemon_proc *d)
{
	char path[600];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/keeper.pid", d->state);
	pid = cw_keeper_of_pidfile(path);
	if (pid)
		kill(pid, SIGKILL);
}

void daemon_cleanup(struct daemon_proc *d)
{
	char cmd[600];

	if (d->pid > 0)
		stop_daemon(d, SIGTERM);
	if (d->state[0])
		end_left_keeper(d);
	if (d->pin[0] && !access(d->pin, F_OK)) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->pin);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", d->pin);
	}
}

static int cellrun_daemon_argv(const struct daemon_proc *d, char *const opts[],
			       char *const argv[], char **full, int max)
{
	static char bin[4096];
	int n = 0;

	snprintf(bin, sizeof(bin), "%s/cellrun", build_dir);
	full[n++] = bin;
	full[n++] = "--timeout";
	full[n++] = "30";
	full[n++] = "--daemon";
	full[n++] = (char *)d->socket;
	for (int i = 0; opts && opts[i] && n < max / 2; i++)
		full[n++] = opts[i];
	full[n++] = "--";
	for (int i = 0; argv[i] && n < max - 1; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	return n;
}

pid_t cellrun_daemon_start(const struct daemon_proc *d, char *const opts[], char *const argv[],
			   const char *out_path)
{
	char *full[96];
	pid_t pid;

	cellrun_daemon_argv(d, opts, argv, full, 96);
	pid = fork();
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0)
			_exit(120);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(full[0], full);
		_exit(127);
	}
	return pid;
}

int cellrun_daemon(const struct daemon_proc *d, char *const opts[], char *const argv[],
		   struct cmd_result *res)
{
	char *full[96];

	cellrun_daemon_argv(d, opts, argv, full, 96);
	return run_cmd(full, 90, res);
}
