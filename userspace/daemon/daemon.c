// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The daemon's event loop, in one thread: the rings, the API socket and
 * its clients, each cell's cgroup.events (a cell is reaped when it
 * empties), signals and the metrics endpoint all wake one epoll.
 */
#include <time.h>

#include "internal.h"

int watch_fd(struct daemon *d, struct source *src, __u32 events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	return epoll_ctl(d->ep, EPOLL_CTL_ADD, src->fd, &ev) ? -errno : 0;
}

struct cell *cell_by_id(struct daemon *d, __u64 id)
{
	for (struct cell *c = d->cells; c; c = c->next) {
		if (c->id == id)
			return c;
	}
	return NULL;
}


/* ---- set-up ---- */

/* The API socket: root only, or root and one group; never a second daemon on it. */
static int open_socket(struct daemon *d)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[PATH_MAX], *slash;
	mode_t old_mask;
	int fd, ret;

	if (strlen(d->socket_path) >= sizeof(sun.sun_path)) {
		cw_warn("socket %s: path too long", d->socket_path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, d->socket_path);
	snprintf(dir, sizeof(dir), "%s", d->socket_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		cw_make_dirs(dir, 0755);
	}
	fd = cw_api_connect(d->socket_path);
	if (fd >= 0) {
		close(fd);
		cw_warn("socket %s: another daemon is serving it", d->socket_path);
		return -EADDRINUSE;
	}
	unlink(d->socket_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Born with its final mode: no moment where anyone else could connect. */
	old_mask = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ? -errno : 0;
	umask(old_mask);
	if (!ret && d->socket_group) {
		struct group *g = getgrnam(d->socket_group);

		if (!g)
			ret = -ENOENT;
		else if (chown(d->socket_path, 0, g->gr_gid) || chmod(d->socket_path, 0660))
			ret = -errno;
	}
	if (!ret && listen(fd, 128))
		ret = -errno;
	if (ret) {
		cw_warn("socket %s: %s%s", d->socket_path, strerror(-ret),
			ret == -ENOENT ? " (no such group)" : "");
		close(fd);
		return ret;
	}
	d->listen = (struct source){ SRC_LISTEN, fd };
	return 0;
}

static int open_signals(struct daemon *d)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	d->signals = (struct source){ SRC_SIGNAL, fd };
	return 0;
}

static char *render_metrics(void *ctx)
{
	struct daemon *d = ctx;
	struct cw_metrics_gauges g = {
		.write_errors = d->s->write_errors + d->write_errors,
		.subscriber_drops = d->subscriber_drops,
	};
	struct cw_stats st;

	if (!cw_monitor_stats(d->mon, &st)) {
		g.drops = st.drops;
		g.drops_critical = st.drops_critical;
		g.kernel_events = st.events;
		g.folded = st.folded;
		g.decode_errors = st.decode_errors;
	}
	for (struct cell *c = d->cells; c; c = c->next)
		g.active_cells++;
	for (struct client *c = d->clients; c; c = c->next)
		g.subscribers += c->subscriber;
	cw_monitor_ring_fill(d->mon, g.ring_used, g.ring_size);
	return cw_metrics_render(d->metrics, &g);
}

static int open_outputs(struct daemon *d)
{
	char err[512];

	if (d->to_syslog) {
		d->syslog_opts.facility = LOG_AUTHPRIV;
		d->syslog = cw_syslog_open(&d->syslog_opts, err, sizeof(err));
		if (!d->syslog) {
			cw_warn("%s", err);
			return -EINVAL;
		}
		/* Chosen, not asked for (auto): the operator learns where to look. */
		cw_warn("alerts to %s", cw_syslog_target(d->syslog));
	}
	d->backlog = calloc(d->backlog_len, sizeof(*d->backlog));
	d->metrics = cw_metrics_new();
	if (!d->backlog || !d->metrics)
		return -ENOMEM;
	if (d->metrics_addr) {
		d->http = cw_http_start(d->metrics_addr, render_metrics, d, err, sizeof(err));
		if (!d->http) {
			cw_warn("%s", err);
			return -EINVAL;
		}
		d->http_src = (struct source){ SRC_HTTP, cw_http_fd(d->http) };
	}
	return 0;
}

static void hooks_cgroup(const struct daemon *d, char *path, size_t len)
{
	snprintf(path, len, "%.4000s/%s", d->parent, HOOKS_CGROUP);
}

/*
 * The cell hooks held on (cw_monitor_hold_cell_hooks()) at an empty cgroup
 * beside the cells.  Without, each registration costs more: said, and the
 * daemon goes on.
 */
static void hold_cell_hooks(struct daemon *d)
{
	char path[PATH_MAX];
	int fd, ret;

	hooks_cgroup(d, path, sizeof(path));
	fd = mkdir(path, 0755) && errno != EEXIST ? -1 :
	     open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ret = fd < 0 ? -errno : cw_monitor_hold_cell_hooks(d->mon, fd);
	if (fd >= 0)
		close(fd);
	if (ret)
		cw_warn("hold the cell hooks at %s: %s: each registration will switch them on",
			path, strerror(-ret));
}

static void release_cell_hooks(struct daemon *d)
{
	char path[PATH_MAX];

	hooks_cgroup(d, path, sizeof(path));
	if (rmdir(path) && errno != ENOENT)
		cw_warn("remove %s: %s", path, strerror(errno));
}

static int open_monitor(struct daemon *d)
{
	char root[256], dir[PATH_MAX], err[512];
	int level, ret;

	if (cg2_mount_point(root, sizeof(root))) {
		cw_warn("no cgroup v2 hierarchy mounted");
		return -ENOENT;
	}
	/* As cellrun's default: cellwatch/ in a subtree delegated to the daemon, or at the root. */
	if (!d->parent[0] && !cg2_delegated(root, dir, sizeof(dir)))
		snprintf(d->parent, sizeof(d->parent), "%.4000s/cellwatch", dir);
	else if (!d->parent[0])
		snprintf(d->parent, sizeof(d->parent), "%s/cellwatch", root);
	if (mkdir(d->parent, 0755) && errno != EEXIST) {
		cw_warn("create %s: %s", d->parent, strerror(errno));
		return -errno;
	}
	level = realpath(d->parent, dir) ? cg2_level(root, dir) : -EINVAL;
	if (level < 0) {
		cw_warn("--cgroup-parent %s: not a cgroup under %s", d->parent, root);
		return -EINVAL;
	}
	memcpy(d->parent, dir, sizeof(d->parent));
	d->so.mon.cell_level = level + 1;
	snprintf(dir, sizeof(dir), "%s/cells", d->state_dir);
	ret = cw_make_dirs(dir, 0700);
	if (ret) {
		cw_warn("create %s: %s", dir, strerror(-ret));
		return ret;
	}
	d->so.mon.pin_dir = d->pin_dir;
	d->so.hooks = &daemon_hooks;
	d->so.ctx = d;
	ret = cw_session_open(&d->s, &d->so, err, sizeof(err));
	if (ret) {
		cw_warn("%s", err);
		return ret;
	}
	d->mon = d->s->mon;
	hold_cell_hooks(d);
	declare_metrics(d);
	/* Cells of an earlier daemon first: their events may wait in the rings. */
	load_drops_reported(d);
	adopt_cells(d);
	d->rings = (struct source){ SRC_RINGS, cw_monitor_fd(d->mon) };
	return 0;
}

static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->signals.fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			cw_notify("RELOADING=1");
			/* The new rules' series, from 0; a refused reload changed nothing. */
			if (!cw_session_reload(d->s)) {
				declare_metrics(d);
				cw_notify("READY=1\nSTATUS=policies reloaded");
			} else {
				cw_notify("READY=1\nSTATUS=reload refused: the policies in force stay");
			}
			d->told_ms = monotonic_ms();	/* the reload's STATUS= stays a while */
		} else if (si.ssi_signo == SIGUSR1)
			cw_session_reopen_log(d->s);
		else if (si.ssi_signo != SIGPIPE)
			d->stop = true;
	}
}

/*
 * The service manager's view, from the loop: WATCHDOG=1 at half its
 * period (a loop that stops turning gets the daemon restarted, which
 * adopts the cells), and what it serves every few seconds (systemctl
 * status).
 */
static void tell_manager(struct daemon *d)
{
	long long now = monotonic_ms();
	char status[PATH_MAX + 128];
	int cells = 0;

	if (d->watchdog_ms && now - d->kicked_ms >= (long long)d->watchdog_ms / 2) {
		cw_notify("WATCHDOG=1");
		d->kicked_ms = now;
	}
	if (d->told_ms && now - d->told_ms < 5000)
		return;
	d->told_ms = now;
	for (struct cell *c = d->cells; c; c = c->next)
		cells++;
	snprintf(status, sizeof(status), "STATUS=serving %s: %d cell%s, %llu records",
		 d->socket_path, cells, cells == 1 ? "" : "s", (unsigned long long)d->s->sequence);
	cw_notify(status);
}

static int serve(struct daemon *d)
{
	while (!d->stop) {
		struct epoll_event evs[32];
		int timeout = d->http ? cw_http_timeout_ms(d->http) : -1;
		int n;

		if (timeout < 0 || timeout > CW_MONITOR_TICK_MS)
			timeout = CW_MONITOR_TICK_MS;
		n = epoll_wait(d->ep, evs, 32, timeout);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++) {
			struct source *src = evs[i].data.ptr;

			switch (src->kind) {
			case SRC_RINGS:
				break;	/* read below, on every turn */
			case SRC_LISTEN:
				accept_client(d);
				break;
			case SRC_SIGNAL:
				on_signal(d);
				break;
			case SRC_HTTP:
				break;
			case SRC_CLIENT:
				/* Events first: a closing cellrun's end must follow its alerts. */
				if (evs[i].events & EPOLLOUT)
					client_flush(d, (struct client *)src);
				if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
					client_readable(d, (struct client *)src);
				break;
			case SRC_CELL:
				check_cell(d, (struct cell *)src);
				break;
			}
		}
		/* Every turn, a tick at least: the bulk ring wakes nobody for a few records. */
		cw_monitor_consume(d->mon);
		reap_delivered(d);
		for (struct client *c = d->clients; c; c = c->next)
			client_tell_untold(d, c, false);
		if (d->http)
			cw_http_run(d->http);
		cw_session_report_loss(d->s, 0);
		tell_manager(d);
	}
	return 0;
}

static void shut_down(struct daemon *d)
{
	int running = 0;

	cw_notify("STOPPING=1");
	if (d->s) {
		cw_monitor_drain(d->mon);
		reap_delivered(d);
		cw_session_report_loss(d->s, 0);
		cw_session_notice(d->s, "daemon-stopped", "process", "end", NULL);
	}
	for (struct cell *c = d->cells; c; c = c->next)
		running++;
	while (d->clients) {
		client_flush(d, d->clients);
		client_close(d, d->clients);
	}
	if (d->listen.fd > 0) {
		close(d->listen.fd);
		unlink(d->socket_path);
	}
	/* Running cells keep their kernel rules, and the next daemon takes them. */
	if (d->mon && !running) {
		char path[PATH_MAX];

		cw_monitor_unpin(d->mon);
		disarm_keeper(d);
		snprintf(path, sizeof(path), "%s/drops-reported", d->state_dir);
		unlink(path);
	}
	else if (running)
		cw_warn("%d cells still running: their kernel rules stay pinned in %s", running,
			d->pin_dir);
	while (d->cells) {
		struct cell *next = d->cells->next;

		free_cell(d->cells);
		d->cells = next;
	}
	cw_session_close(d->s);
	if (d->s)
		release_cell_hooks(d);
	for (size_t i = 0; i < d->backlog_n; i++)
		free(d->backlog[(d->backlog_head + i) % d->backlog_len]);
	free(d->backlog);
	cw_http_stop(d->http);
	cw_metrics_free(d->metrics);
	cw_syslog_close(d->syslog);
	if (d->ep >= 0)
		close(d->ep);
	if (d->keeper_fd >= 0)
		close(d->keeper_fd);
	if (d->signals.fd > 0)
		close(d->signals.fd);
	cw_config_free(d->config);
}

/* ---- command line ---- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: cellwatch daemon [options]\n"
"\n"
"Load the BPF monitor once and watch every cell cellrun registers through\n"
"the API socket (cellrun --daemon SOCKET).  Once serving, prints\n"
"\"cellwatch: ready\" on stderr and tells a service manager READY=1\n"
"($NOTIFY_SOCKET: systemd's Type=notify).  SIGHUP reloads every policy\n"
"file, all or none; SIGUSR1 opens --log again (after logrotate); SIGTERM\n"
"stops: pins stay while cells run, and the next daemon takes them.\n"
"\n"
"Options come from the configuration file first, one \"name = value\" a line\n"
"(see cellwatch(8)), then from the command line, which overrides it.\n"
"\n"
"      --config FILE        the configuration file (default %s,\n"
"                           read when it exists)\n"
"      --no-config          read none\n"
"  -s, --socket PATH        API socket (default %s), mode 0600\n"
"      --socket-group GROUP socket 0660 owned by GROUP (its members may tail;\n"
"                           registering a cell needs uid 0)\n"
"  -p, --policy NAME=FILE   another named policy (repeatable)\n"
CW_SESSION_USAGE
"      --stdout             JSON lines on stdout too\n"
"      --syslog             alerts to the system log: journald's native protocol\n"
"                           where journald runs, else RFC 5424 over /dev/log\n"
"      --syslog-format FMT  auto (that choice, the default), journal or rfc5424\n"
"      --syslog-socket PATH the format's socket (implies --syslog; auto: rfc5424)\n"
"      --syslog-max-bytes SIZE\n"
"                           a datagram's size at most (default 8K); a longer\n"
"                           alert goes shortened, whole in --log\n"
"      --syslog-sd-id NAME@PEN\n"
"                           RFC 5424 SD-ID (default " CW_SYSLOG_SD_ID "): set your\n"
"                           IANA private enterprise number\n"
"      --metrics ADDR:PORT  Prometheus metrics at http://ADDR:PORT/metrics\n"
"      --cgroup-parent DIR  cells are its child cgroups (default: cellwatch/ in the\n"
"                       cgroup delegated to the daemon, else <cgroup2>/cellwatch)\n"
"      --pin-dir DIR        bpffs pins (default %s)\n"
"      --state-dir DIR      cell state for a restarted daemon (default %s)\n"
"      --backlog N          recent events kept for tail --since (default 4096)\n"
"  -h, --help               this text\n",
		CW_DEFAULT_CONFIG, CW_SOCKET_DEFAULT, CW_PIN_DIR_DEFAULT, CW_STATE_DIR_DEFAULT);
}

enum {
	OPT_GROUP = 0x2000, OPT_STDOUT, OPT_SYSLOG, OPT_SYSLOG_SOCK, OPT_METRICS, OPT_PARENT,
	OPT_PIN, OPT_STATE, OPT_BACKLOG, OPT_CONFIG, OPT_NO_CONFIG, OPT_SYSLOG_FORMAT,
	OPT_SYSLOG_MAX, OPT_SYSLOG_SD_ID,
};

#define DAEMON_SHORTOPTS "s:p:h" CW_SESSION_SHORTOPTS

static const struct option daemon_opts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "no-config", no_argument, NULL, OPT_NO_CONFIG },
	{ "socket", required_argument, NULL, 's' },
	{ "socket-group", required_argument, NULL, OPT_GROUP },
	{ "policy", required_argument, NULL, 'p' },
	{ "stdout", no_argument, NULL, OPT_STDOUT },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "syslog-socket", required_argument, NULL, OPT_SYSLOG_SOCK },
	{ "syslog-format", required_argument, NULL, OPT_SYSLOG_FORMAT },
	{ "syslog-max-bytes", required_argument, NULL, OPT_SYSLOG_MAX },
	{ "syslog-sd-id", required_argument, NULL, OPT_SYSLOG_SD_ID },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "cgroup-parent", required_argument, NULL, OPT_PARENT },
	{ "pin-dir", required_argument, NULL, OPT_PIN },
	{ "state-dir", required_argument, NULL, OPT_STATE },
	{ "backlog", required_argument, NULL, OPT_BACKLOG },
	{ "help", no_argument, NULL, 'h' },
	CW_SESSION_LONGOPTS,
	{},
};

/* The settings of --syslog (none turns it on): 0 or the exit status. */
static int take_syslog_opt(struct daemon *d, int opt, const char *arg)
{
	unsigned long long v;
	const char *why;

	switch (opt) {
	case OPT_SYSLOG_FORMAT:
		if (!cw_syslog_proto_parse(arg, &d->syslog_opts.proto))
			return 0;
		cw_warn("--syslog-format '%s': not auto, journal or rfc5424", arg);
		return 2;
	case OPT_SYSLOG_MAX:
		if (!cw_opt_size("--syslog-max-bytes", arg, CW_SYSLOG_MAX_BYTES_MAX, &v))
			return 2;
		d->syslog_opts.max_bytes = v;
		return 0;
	default:
		why = cw_syslog_sd_id_check(arg);
		if (!why) {
			d->syslog_opts.sd_id = arg;
			return 0;
		}
		cw_warn("--syslog-sd-id '%s': %s", arg, why);
		return 2;
	}
}

/* One option, from the command line or the file: 0, CW_ARGS_HELPED or the exit status. */
static int take_opt(void *ctx, int opt, const char *arg)
{
	struct daemon *d = ctx;
	unsigned long long v;
	int taken = cw_session_opt(&d->so, opt, arg);

	if (taken)
		return taken < 0 ? 2 : 0;
	switch (opt) {
	case 's': d->socket_path = arg; break;
	case OPT_GROUP: d->socket_group = arg; break;
	case 'p':
		if (cw_session_opt_policy(&d->so, arg))
			return 2;
		break;
	case OPT_STDOUT: d->so.to_stdout = true; break;
	case OPT_SYSLOG: d->to_syslog = true; break;
	case OPT_SYSLOG_SOCK: d->to_syslog = true; d->syslog_opts.path = arg; break;
	case OPT_SYSLOG_FORMAT: case OPT_SYSLOG_MAX: case OPT_SYSLOG_SD_ID:
		return take_syslog_opt(d, opt, arg);
	case OPT_METRICS: d->metrics_addr = arg; break;
	case OPT_PARENT: snprintf(d->parent, sizeof(d->parent), "%s", arg); break;
	case OPT_PIN: d->pin_dir = arg; break;
	case OPT_STATE: d->state_dir = arg; break;
	case OPT_BACKLOG:
		if (!cw_opt_count("--backlog", arg, 1, 1 << 20, &v))
			return 2;
		d->backlog_len = v;
		break;
	case OPT_CONFIG: case OPT_NO_CONFIG: break;	/* read before the rest */
	case 'h': usage(stdout); return CW_ARGS_HELPED;
	default: usage(stderr); return 2;
	}
	return 0;
}

/* The file named by the last --config (NULL after --no-config), else the default. */
static const char *config_path(int argc, char **argv, bool *named)
{
	const char *path = CW_DEFAULT_CONFIG;
	int opt;

	*named = false;
	opterr = 0;	/* the second pass says what is wrong */
	while ((opt = getopt_long(argc, argv, DAEMON_SHORTOPTS, daemon_opts, NULL)) != -1) {
		if (opt == OPT_CONFIG || opt == OPT_NO_CONFIG) {
			path = opt == OPT_CONFIG ? optarg : NULL;
			*named = opt == OPT_CONFIG;
		}
	}
	opterr = 1;
	optind = 0;	/* glibc: start over, state and all */
	return path;
}

/*
 * The configuration file first, then the command line, which overrides it
 * (a --policy NAME replaces the file's NAME).  0, CW_ARGS_HELPED or the
 * exit status (parse.h).
 */
static int parse_args(struct daemon *d, int argc, char **argv)
{
	static const char *const cmdline_only[] = { "config", "no-config", "help", NULL };
	const char *path;
	bool named;
	int opt, ret;

	path = config_path(argc, argv, &named);
	if (path) {
		d->so.reading_file = true;
		ret = cw_config_read(&d->config, path, daemon_opts, cmdline_only, take_opt, d);
		d->so.reading_file = false;
		if (ret == -ENOENT && named)
			cw_warn("--config %s: %s", path, strerror(ENOENT));
		if (ret && (ret != -ENOENT || named))
			return 2;
	}
	while ((opt = getopt_long(argc, argv, DAEMON_SHORTOPTS, daemon_opts, NULL)) != -1) {
		ret = take_opt(d, opt, optarg);
		if (ret)
			return ret;
	}
	if (optind != argc) {
		cw_warn("daemon: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	return 0;
}

int cw_daemon_main(int argc, char **argv)
{
	struct daemon d = {
		.socket_path = CW_SOCKET_DEFAULT,
		.state_dir = CW_STATE_DIR_DEFAULT,
		.pin_dir = CW_PIN_DIR_DEFAULT,
		.backlog_len = 4096,
		.ep = -1,
		.keeper_fd = -1,
	};
	pid_t old_keeper = 0;
	int ret;

	cw_session_opts_init(&d.so);
	ret = parse_args(&d, argc, argv);
	d.watchdog_ms = cw_watchdog_usec() / 1000;
	if (ret) {
		cw_config_free(d.config);
		return ret == CW_ARGS_HELPED ? 0 : ret;
	}
	ret = 1;
	d.ep = epoll_create1(EPOLL_CLOEXEC);
	if (d.ep < 0 || open_signals(&d) || open_outputs(&d) || open_socket(&d) ||
	    open_monitor(&d) || arm_keeper(&d, &old_keeper))
		goto out;
	ret = cw_monitor_activate(d.mon);
	if (ret) {
		cw_warn("activate the programs: %s", strerror(-ret));
		ret = 1;
		goto out;
	}
	if (old_keeper)
		kill(old_keeper, SIGTERM);
	if (watch_fd(&d, &d.rings, EPOLLIN) || watch_fd(&d, &d.listen, EPOLLIN) ||
	    watch_fd(&d, &d.signals, EPOLLIN) || (d.http && watch_fd(&d, &d.http_src, EPOLLIN))) {
		cw_warn("epoll: %s", strerror(errno));
		goto out;
	}
	for (struct cell *c = d.cells; c; c = c->next)
		check_cell(&d, c);
	cw_session_notice(d.s, "daemon-started", "process", "start", NULL);
	cw_session_say_backend(d.s);
	cw_warn("serving %s", d.socket_path);
	cw_say_ready();
	ret = serve(&d) ? 1 : 0;
out:
	shut_down(&d);
	return ret;
}

