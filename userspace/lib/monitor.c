// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <seccomp.h>

#include "cgroup.h"
#include "compile.h"
#include "correlate.h"
#include "files.h"
#include "folds.h"
#include "judged.h"
#include "log.h"
#include "lsmprobe.h"
#include "monitor.h"
#include "proctree.h"
#include "cellwatch.skel.h"

#define DEFAULT_RINGBUF_BYTES	(8U << 20)
#define MAX_POLICIES		64
#define MAX_CELL_HOOKS		8	/* cgroup programs the skeleton may hold */

/*
 * A pinning monitor pins every map of the skeleton, so that what outlives
 * it (which cgroups are cells and under which policy, the compiled rules,
 * the rings where a dead monitor's cells' events wait, the counters, the
 * budgets and folds) is never a list to keep by hand.  But for these:
 * libbpf's own (.rodata, .bss) and per-CPU working space, which a new build
 * may size anew.
 */
static bool map_outlives_monitor(const struct bpf_map *map)
{
	return !bpf_map__is_internal(map) && strcmp(bpf_map__name(map), "scratch");
}

/* The cgroup hooks, attached per cell: the rest of the programs attach once. */
static bool is_cell_hook(const struct bpf_program *prog)
{
	return bpf_program__type(prog) == BPF_PROG_TYPE_CGROUP_SOCK_ADDR ||
	       bpf_program__type(prog) == BPF_PROG_TYPE_CGROUP_SOCK;
}

/* The cgroup hooks attached to one cell, and what it runs under. */
struct cw_cell_links {
	__u64 id;
	__u32 policy;
	int cgroup_fd;			/* for cgroup.kill when a rule kills the run */
	struct bpf_link *links[MAX_CELL_HOOKS];	/* one per m->cell_hooks[] */
	struct cw_cell_loss lost_reported;	/* its losses handed out by
						 * cw_monitor_cell_losses() */
};

struct policy {
	__u32 id;			/* 0: free slot */
	struct cw_ruleset *rules;
};

/* Matches of a rule with a rate, in one cell: the last rate_count + 1 times. */
struct rate {
	__u32 policy, rule;
	__u64 cell;
	__u64 *ts;
	__u32 head, n;
	struct rate *next;
};

/* Bulk records handled between two looks at the critical ring. */
#define BULK_SLICE 64
/* Records of each ring one cw_monitor_consume() delivers at most. */
#define CONSUME_SLICE 256

struct cw_monitor {
	struct cellwatch_bpf *skel;
	struct ring_buffer *rb;		/* bulk: opens */
	struct ring_buffer *rb_critical;	/* execs, connects, verdicts */
	int epfd;			/* both rings */
	unsigned int slice, slice_max;	/* records handled in this slice, and its end */
	struct cw_proctree *tree;
	struct cw_folds *folds;		/* the opens repeat records refer to */
	struct cw_rule_maps maps;
	struct policy policies[MAX_POLICIES];
	__u32 next_policy;
	__u32 first_policy;		/* ids below were an earlier monitor's */
	struct rate *rates;
	struct cw_corr_table *corr;	/* correlation groups per cell */
	struct cw_correlation fired;	/* the group that fired on the event being delivered */
	cw_event_fn on_event;
	void (*on_slice_end)(void *ctx);
	void *ctx;
	__s64 boot_to_real_ns;		/* add to CLOCK_BOOTTIME to get CLOCK_REALTIME */
	__u64 decode_errors;
	__u64 user_kills;
	__u64 drops_reported;		/* losses already handed out by
					 * cw_monitor_new_drops() */
	struct cw_cell_links *cells;
	size_t ncells;
	struct bpf_link **links;	/* tracing programs */
	size_t nlinks;
	const char *backend;		/* which syscall hooks are in use */
	bool lsm;			/* BPF-LSM programs loaded and attached */
	char lsm_why[128];		/* why not, when not */
	char *pin_dir;			/* NULL: nothing pinned */
	__u32 generation;		/* this instance's, acting once activated */
	bool links_unpinnable;		/* the kernel refused to pin a tracing link */
	bool cell_links_unpinnable;	/* ... or a cgroup link */
	struct bpf_program *cell_hooks[MAX_CELL_HOOKS];	/* the skeleton's, in its order */
	int ncell_hooks;
	struct bpf_link *held_hooks[MAX_CELL_HOOKS];	/* cw_monitor_hold_cell_hooks()'s */
	/* Read-only views of the rings' consumer and producer positions. */
	const unsigned long *ring_pos[CW_RINGS][2];
	__u64 ring_size[CW_RINGS];
};

static bool verbose;

static void destroy_links(struct cw_cell_links *l)
{
	for (size_t i = 0; i < sizeof(l->links) / sizeof(l->links[0]); i++) {
		bpf_link__destroy(l->links[i]);
		l->links[i] = NULL;
	}
	if (l->cgroup_fd >= 0)
		close(l->cgroup_fd);
	l->cgroup_fd = -1;
}

__attribute__((format(printf, 2, 0)))
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG || !verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static bool on_bpffs(const char *path)
{
	struct statfs fs;

	return !statfs(path, &fs) && fs.f_type == BPF_FS_MAGIC;
}

#define BPFFS "/sys/fs/bpf"

/* The pin directory, on a bpf filesystem: mounted at /sys/fs/bpf when a host has none there. */
static int prepare_pin_dir(const char *dir, char *err, size_t errlen)
{
	char sub[PATH_MAX];
	int ret;

	if (!strncmp(dir, BPFFS "/", strlen(BPFFS) + 1) && !on_bpffs(BPFFS)) {
		if (mount("bpf", BPFFS, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700")) {
			snprintf(err, errlen, "mount bpffs at " BPFFS ": %s", strerror(errno));
			return -errno;
		}
		cw_warn("mounted bpffs at " BPFFS " for pinning");
	}
	for (int i = 0; i < 4; i++) {
		static const char *const subs[] = { "", "/maps", "/links", "/cells" };

		snprintf(sub, sizeof(sub), "%s%s", dir, subs[i]);
		ret = cw_make_dirs(sub, 0700);
		if (ret) {
			snprintf(err, errlen, "create %s: %s", sub, strerror(-ret));
			return ret;
		}
	}
	if (!on_bpffs(dir)) {
		snprintf(err, errlen, "%s: not on a bpf filesystem", dir);
		return -EINVAL;
	}
	return 0;
}

/* The generation acting now, from an earlier monitor's pinned map (0: none). */
static __u32 pinned_generation(struct cw_monitor *m)
{
	char path[PATH_MAX];
	__u32 zero = 0, gen = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/maps/generation", m->pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	bpf_map_lookup_elem(fd, &zero, &gen);
	close(fd);
	return gen;
}

int cw_monitor_activate(struct cw_monitor *m)
{
	__u32 zero = 0;

	if (!m->pin_dir)
		return 0;
	return bpf_map_update_elem(bpf_map__fd(m->skel->maps.generation), &zero, &m->generation,
				   BPF_ANY) ? -errno : 0;
}

/* Shared maps reuse an earlier monitor's pins, or are created and pinned at load. */
static int set_map_pins(struct cw_monitor *m, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct bpf_map *map;

	bpf_object__for_each_map(map, m->skel->obj) {
		int ret;

		if (!map_outlives_monitor(map))
			continue;
		snprintf(path, sizeof(path), "%s/maps/%s", m->pin_dir, bpf_map__name(map));
		ret = bpf_map__set_pin_path(map, path);
		if (ret) {
			snprintf(err, errlen, "pin map %s: %s", bpf_map__name(map), strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/*
 * Pin @link at @path in place of what is pinned there: the new link is
 * attached before the old one goes, so a hook is never left uncovered
 * (for a moment both run and an event may be reported twice).  Pins are
 * managed by path here, not through libbpf's bpf_link__pin().
 */
static int pin_replace(struct bpf_link *link, const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	if (bpf_obj_pin(bpf_link__fd(link), tmp))
		return -errno;
	if (rename(tmp, path)) {
		int ret = -errno;

		unlink(tmp);
		return ret;
	}
	return 0;
}

/* Unlink every pin in @dir and the directory itself. */
static void remove_pins(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
	rmdir(dir);
}

static __u64 clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

__u64 cw_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

static struct cw_cell_links *find_cell(struct cw_monitor *m, __u64 id)
{
	for (size_t i = 0; i < m->ncells; i++) {
		if (m->cells[i].id == id)
			return &m->cells[i];
	}
	return NULL;
}

static struct policy *find_policy(struct cw_monitor *m, __u32 id)
{
	for (size_t i = 0; id && i < MAX_POLICIES; i++) {
		if (m->policies[i].id == id)
			return &m->policies[i];
	}
	return NULL;
}

/* Past the rule's rate? Records this match either way. */
static bool rate_exceeded(struct cw_monitor *m, __u32 policy, const struct cw_rule *r,
			  const struct cw_event *ev)
{
	__u64 window = r->rate_seconds * 1000000000ULL;
	struct rate *s;

	for (s = m->rates; s; s = s->next) {
		if (s->policy == policy && s->rule == r->id && s->cell == ev->hdr.cell_id)
			break;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return false;
		s->ts = calloc(r->rate_count + 1, sizeof(*s->ts));
		if (!s->ts) {
			free(s);
			return false;
		}
		*s = (struct rate){ policy, r->id, ev->hdr.cell_id, s->ts, 0, 0, m->rates };
		m->rates = s;
	}
	/* A ring of the last count + 1 match times: the oldest tells the rate. */
	s->ts[s->head] = ev->hdr.ts_boot_ns;
	s->head = (s->head + 1) % (r->rate_count + 1);
	if (s->n < r->rate_count + 1)
		s->n++;
	return s->n == r->rate_count + 1 && ev->hdr.ts_boot_ns - s->ts[s->head] <= window;
}

/* Forget the rates of one cell (0: every cell) under @policy (0: any). */
static void forget_rates(struct cw_monitor *m, __u32 policy, __u64 cell)
{
	struct rate **pp = &m->rates;

	while (*pp) {
		struct rate *s = *pp;

		if ((!policy || s->policy == policy) && (!cell || s->cell == cell)) {
			*pp = s->next;
			free(s->ts);
			free(s);
		} else {
			pp = &s->next;
		}
	}
}

/* starttime of /proc/@pid/stat (field 22), mod 2^32; -1 if unreadable. */
static long long start_ticks(__u32 pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields count from the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu", &ticks) != 1)
		return -1;
	return (__u32)ticks;
}

/*
 * Kill the process an event came from.  Judged a moment after the event,
 * its pid may by now name another process: the pidfd pins the pid while
 * its start time is compared with the event's, and the signal goes through
 * it, so only the process that acted is ever hit.
 */
static int kill_process(const struct cw_event_hdr *hdr)
{
	int fd = syscall(SYS_pidfd_open, hdr->pid, 0), ret = 0;

	if (fd < 0)
		return -errno;
	if (start_ticks(hdr->pid) != hdr->start_ticks)
		ret = -ESRCH;	/* gone, and its pid reused */
	else if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * End a run: doom the cell in the kernel first, so that no task of it gets
 * past another hook while cgroup.kill reaches them all.
 */
static int kill_run(struct cw_monitor *m, struct cw_cell_links *cell, __u32 rule_id)
{
	bpf_map_update_elem(bpf_map__fd(m->skel->maps.doomed), &cell->id, &rule_id, BPF_NOEXIST);
	return cg2_kill(cell->cgroup_fd);
}

/* Carry out a rule's action from userspace, and say when it landed. */
static void act(struct cw_monitor *m, struct cw_cell_links *cell, struct cw_event *ev,
		__u32 action)
{
	int ret = 0;

	if (action == CW_ACTION_KILL)
		ret = kill_process(&ev->hdr);
	else if (action == CW_ACTION_KILL_RUN && cell && cell->cgroup_fd >= 0)
		ret = kill_run(m, cell, ev->rule ? ev->rule->id : 0);
	else
		return;
	if (!ret)
		m->user_kills++;
	ev->kill_latency_ns = clock_ns(CLOCK_BOOTTIME) - ev->hdr.ts_boot_ns;
}

/*
 * The rule engine: a kernel verdict names its rule; otherwise the first
 * userspace rule of the cell's policy that matches decides, and acts.
 */
static void judge(struct cw_monitor *m, struct cw_event *ev)
{
	struct cw_cell_links *cell = find_cell(m, ev->hdr.cell_id);
	struct policy *pol = cell ? find_policy(m, cell->policy) : NULL;
	const struct cw_ruleset *rs = pol ? pol->rules : NULL;

	ev->layer = NULL;
	ev->correlation = NULL;
	ev->rule = cw_rules_by_id(rs, ev->hdr.rule_id);
	if (ev->hdr.action != CW_ACTION_NONE) {
		ev->layer = ev->hdr.layer == CW_LAYER_LSM ? "lsm" : "kernel";
		/*
		 * The kernel killed the offender in the syscall and doomed its
		 * cell; cgroup.kill ends the tasks that pass no hook meanwhile.
		 */
		if (ev->hdr.action == CW_ACTION_KILL_RUN)
			act(m, cell, ev, CW_ACTION_KILL_RUN);
		if (ev->hdr.action == CW_ACTION_KILL || ev->hdr.action == CW_ACTION_KILL_RUN)
			ev->kill_latency_ns = 0;
		return;
	}
	for (size_t i = 0; rs && i < rs->nrules; i++) {
		const struct cw_rule *r = &rs->rules[i];

		if (r->event != ev->hdr.type || cw_rule_kernel_judged(r, ev) ||
		    !cw_rule_matches(r, ev))
			continue;
		if (r->rate_count && !rate_exceeded(m, pol->id, r, ev))
			continue;
		/*
		 * A match of a group that has not yet seen enough: counted, and on to
		 * the next rule.
		 */
		if (r->corr_group && !cw_corr_note(m->corr, pol->id, r, ev, &m->fired))
			continue;
		ev->rule = r;
		ev->correlation = r->corr_group ? &m->fired : NULL;
		ev->layer = "userspace";
		ev->hdr.action = r->action;
		act(m, cell, ev, r->action);
		return;
	}
}

static int handle_record(void *ctx, void *data, size_t size)
{
	struct cw_monitor *m = ctx;
	static struct cw_event ev;	/* 5 KiB: too big for a small stack */

	if (cw_event_decode(&ev, data, size)) {
		m->decode_errors++;
		return 0;
	}
	if (ev.hdr.type == CW_EVENT_OPEN && ev.open.fold_key)
		cw_folds_note(m->folds, &ev);
	else if (ev.hdr.type == CW_EVENT_REPEAT)
		cw_folds_expand(m->folds, &ev);
	ev.realtime_ns = ev.hdr.ts_boot_ns + m->boot_to_real_ns;
	if (ev.repeats)
		ev.repeat_first_ns += m->boot_to_real_ns;
	cw_proctree_update(m->tree, &ev);
	ev.eval_ns = clock_ns(CLOCK_MONOTONIC);
	/* Repeats are of a plain open: one no rule of the cell's policy can match. */
	if (!ev.repeats)
		judge(m, &ev);
	ev.eval_ns = clock_ns(CLOCK_MONOTONIC) - ev.eval_ns;
	if (m->on_event)
		m->on_event(m->ctx, &ev);
	return 0;
}

/* A record of a slice: after slice_max of them, ring_buffer__consume() stops. */
static int handle_slice_record(void *ctx, void *data, size_t size)
{
	struct cw_monitor *m = ctx;

	handle_record(ctx, data, size);
	return ++m->slice >= m->slice_max ? -EAGAIN : 0;
}

/* The syscalls reported, from the list the BPF side is built from. */
static const struct {
	const char *name;
	__u8 how;
} watched[] = {
#define CW_SYSCALL(name, how) { #name, how },
#include "syscalls.def"
#undef CW_SYSCALL
};

#define TRACEFS "/sys/kernel/tracing"

/*
 * Syscall tracepoints need tracefs, which not every host mounts at boot.
 * Mount it when missing (saying so); false when it cannot be had.
 */
static bool have_tracefs(void)
{
	if (!access(TRACEFS "/events/syscalls", F_OK))
		return true;
	if (mount("tracefs", TRACEFS, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return false;
	cw_warn("mounted tracefs at " TRACEFS " for syscall tracepoints");
	return !access(TRACEFS "/events/syscalls", F_OK);
}

/*
 * Per-syscall exit tracepoints where tracefs has them (cheapest for the
 * rest of the host, see bpf/syscall.bpf.c); otherwise the generic program.
 */
static void choose_syscall_hooks(struct cw_monitor *m, bool force_generic)
{
	bool specific = !force_generic && have_tracefs();
	/*
	 * Without bpf_find_vma() (before 5.17) no program that judges
	 * mprotect loads: mappings made executable later go unjudged there.
	 */
	bool vma = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_find_vma, NULL) == 1;
	struct bpf_program *prog;
	char event[128];

	bpf_object__for_each_program(prog, m->skel->obj) {
		const char *name = bpf_program__name(prog);
		const char *dir;

		/* cw_x_NAME: the exit of syscall NAME; cw_e_NAME: its entry. */
		if (!strncmp(name, "cw_x_", 5))
			dir = "exit";
		else if (!strncmp(name, "cw_e_", 5))
			dir = "enter";
		else
			continue;
		snprintf(event, sizeof(event), TRACEFS "/events/syscalls/sys_%s_%s", dir, name + 5);
		/* A syscall this architecture lacks has no tracepoint: not loaded. */
		bpf_program__set_autoload(prog, specific && !access(event, F_OK) &&
					  (vma || !strstr(name, "mprotect")));
	}
	bpf_program__set_autoload(m->skel->progs.cw_sys_exit, !specific && vma);
	bpf_program__set_autoload(m->skel->progs.cw_sys_exit_novma, !specific && !vma);
	bpf_program__set_autoload(m->skel->progs.cw_sys_enter, !specific);
	m->backend = specific ? "syscall tracepoints" : "generic sys_exit";
}

static void watch_syscalls(struct cw_monitor *m)
{
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
		int nr = seccomp_syscall_resolve_name(watched[i].name);

		if (nr >= 0 && nr < CW_MAX_SYSCALLS)	/* else not on this architecture */
			m->skel->bss->cw_watched_syscalls[nr] = watched[i].how;
	}
}

static void set_lsm_autoload(struct cw_monitor *m, bool on)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, m->skel->obj) {
		if (bpf_program__type(prog) == BPF_PROG_TYPE_LSM)
			bpf_program__set_autoload(prog, on);
	}
}

bool cw_monitor_lsm(const struct cw_monitor *m, const char **why)
{
	if (why)
		*why = m->lsm_why;
	return m->lsm;
}

/* An earlier monitor's tracing links this one has no program for (another backend, build). */
static void remove_stale_link_pins(struct cw_monitor *m)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/links", m->pin_dir);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct bpf_program *prog;

		if (de->d_name[0] == '.')
			continue;
		prog = bpf_object__find_program_by_name(m->skel->obj, de->d_name);
		if (!prog || !bpf_program__autoload(prog) || m->links_unpinnable)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

/*
 * One ring buffer manager per ring, so the critical ring can be read first
 * and between slices of the bulk one, under one epoll fd for the caller.
 */
static int open_rings(struct cw_monitor *m)
{
	struct epoll_event ev = { .events = EPOLLIN };

	m->rb_critical = ring_buffer__new(bpf_map__fd(m->skel->maps.critical),
					  handle_slice_record, m, NULL);
	if (!m->rb_critical)
		return -errno;
	m->rb = ring_buffer__new(bpf_map__fd(m->skel->maps.events), handle_slice_record, m, NULL);
	if (!m->rb)
		return -errno;
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (m->epfd < 0)
		return -errno;
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(m->rb_critical), &ev) ||
	    epoll_ctl(m->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(m->rb), &ev))
		return -errno;
	return 0;
}

/*
 * Attach every loaded tracing program; the cgroup hooks attach per cell in
 * cw_monitor_add_cell().
 */
static int attach_tracing(struct cw_monitor *m, char *err, size_t errlen)
{
	struct bpf_program *prog;
	int nlsm = 0;

	bpf_object__for_each_program(prog, m->skel->obj) {
		struct bpf_link **grown, *link;

		if (!bpf_program__autoload(prog) || is_cell_hook(prog))
			continue;
		link = bpf_program__type(prog) == BPF_PROG_TYPE_LSM ?
		       bpf_program__attach_lsm(prog) : bpf_program__attach(prog);
		if (!link) {
			snprintf(err, errlen, "attach %s: %s", bpf_program__name(prog),
				 strerror(errno));
			return -errno;
		}
		grown = realloc(m->links, (m->nlinks + 1) * sizeof(*m->links));
		if (!grown) {
			bpf_link__destroy(link);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		m->links = grown;
		m->links[m->nlinks++] = link;
		nlsm += bpf_program__type(prog) == BPF_PROG_TYPE_LSM;
		if (m->pin_dir && !m->links_unpinnable) {
			char path[PATH_MAX];
			int ret;

			snprintf(path, sizeof(path), "%s/links/%s", m->pin_dir,
				 bpf_program__name(prog));
			ret = pin_replace(link, path);
			/* Some kernels refuse to pin tracing links: a holder process keeps them. */
			if (ret == -EPERM)
				m->links_unpinnable = true;
			else if (ret) {
				snprintf(err, errlen, "pin %s: %s", path, strerror(-ret));
				return ret;
			}
		}
	}
	if (m->pin_dir)
		remove_stale_link_pins(m);
	/* The probe says the kernel allows it; this says we enforce with it. */
	if (m->lsm && !nlsm) {
		m->lsm = false;
		snprintf(m->lsm_why, sizeof(m->lsm_why), "no LSM program in this build");
	}
	return 0;
}

const char *cw_monitor_backend(const struct cw_monitor *m)
{
	return m->backend;
}

int cw_monitor_attached(const struct cw_monitor *m)
{
	return m->nlinks;
}

static int find_cell_hooks(struct cw_monitor *m, char *err, size_t errlen)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, m->skel->obj) {
		if (!is_cell_hook(prog))
			continue;
		if (m->ncell_hooks == MAX_CELL_HOOKS) {
			snprintf(err, errlen, "more than %d cgroup hooks in the BPF object",
				 MAX_CELL_HOOKS);
			return -E2BIG;
		}
		m->cell_hooks[m->ncell_hooks++] = prog;
	}
	return 0;
}

int cw_monitor_cell_hooks(const struct cw_monitor *m, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < m->ncell_hooks && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? " " : "",
			      bpf_program__name(m->cell_hooks[i]));
	return m->ncell_hooks;
}

int cw_monitor_add_policy(struct cw_monitor *m, struct cw_ruleset *rs, __u32 *id,
			  char *err, size_t errlen)
{
	struct policy *slot = NULL;
	int ret;

	for (size_t i = 0; i < MAX_POLICIES && !slot; i++) {
		if (!m->policies[i].id)
			slot = &m->policies[i];
	}
	if (!slot) {
		snprintf(err, errlen, "more than %d policies", MAX_POLICIES);
		return -ENOSPC;
	}
	/* Without the LSM, an exec or an open can be killed but not refused. */
	for (size_t i = 0; !m->lsm && i < rs->nrules; i++) {
		const struct cw_rule *r = &rs->rules[i];

		if (r->action == CW_RULE_DENY && r->event != CW_EVENT_NET) {
			snprintf(err, errlen, "%s: rule '%s': \"deny\" of %s needs BPF-LSM, "
				 "unavailable here (%s); use \"kill\"", rs->source, r->name,
				 cw_event_kind_name(r->event), m->lsm_why);
			return -EOPNOTSUPP;
		}
	}
	/* Ids are never reused: a stale key can never apply to a new policy. */
	*id = ++m->next_policy;
	ret = cw_rules_compile(rs, *id, &m->maps, err, errlen);
	if (ret)
		return ret;
	ret = cw_judged_compile(rs, *id, bpf_map__fd(m->skel->maps.open_watch),
				bpf_map__fd(m->skel->maps.policy_watch));
	if (ret) {
		snprintf(err, errlen, "%s: the opens judged in userspace: %s", rs->source,
			 strerror(-ret));
		cw_rules_uncompile(*id, &m->maps);
		return ret;
	}
	slot->id = *id;
	slot->rules = rs;
	return 0;
}

void cw_monitor_drop_policy(struct cw_monitor *m, __u32 id)
{
	struct policy *p = find_policy(m, id);

	if (!p)
		return;
	cw_rules_uncompile(id, &m->maps);
	cw_judged_uncompile(id, bpf_map__fd(m->skel->maps.open_watch),
			    bpf_map__fd(m->skel->maps.policy_watch));
	/* Its counts end with it: the cells it had count afresh under the next. */
	forget_rates(m, id, 0);
	cw_corr_forget(m->corr, id, 0);
	p->id = 0;
	p->rules = NULL;
}

int cw_monitor_switch_policy(struct cw_monitor *m, __u32 old, __u32 new)
{
	int fd = bpf_map__fd(m->skel->maps.cells);

	if (!find_policy(m, old) || !find_policy(m, new))
		return -ENOENT;
	/* Each cell switches with one map update: it runs old or new, never a mix. */
	for (size_t i = 0; i < m->ncells; i++) {
		struct cw_cell_links *l = &m->cells[i];
		struct cw_cell cell;

		if (l->policy != old || bpf_map_lookup_elem(fd, &l->id, &cell))
			continue;
		cell.policy = new;
		if (!bpf_map_update_elem(fd, &l->id, &cell, BPF_EXIST))
			l->policy = new;
	}
	cw_monitor_drop_policy(m, old);
	return 0;
}

int cw_monitor_replace_policy(struct cw_monitor *m, __u32 old, struct cw_ruleset *rs,
			      __u32 *id, char *err, size_t errlen)
{
	int ret;

	if (!find_policy(m, old)) {
		snprintf(err, errlen, "no policy %u", old);
		return -ENOENT;
	}
	ret = cw_monitor_add_policy(m, rs, id, err, errlen);
	if (ret)
		return ret;	/* the old rules stay in force */
	return cw_monitor_switch_policy(m, old, *id);
}

/* The highest policy id in the kernel's maps: an earlier monitor's, when pinned. */
static __u32 max_policy_in_use(struct cw_monitor *m)
{
	int fd = bpf_map__fd(m->skel->maps.cells);
	__u32 max = cw_rules_delete_range(&m->maps, 1, 0);
	__u64 key, *prev = NULL;
	struct cw_cell cell;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		if (!bpf_map_lookup_elem(fd, &key, &cell) && cell.policy > max)
			max = cell.policy;
		prev = &key;
	}
	return max;
}

/* Map the rings' position pages read-only, for their fill level; best effort. */
static void map_rings(struct cw_monitor *m)
{
	struct bpf_map *rings[CW_RINGS] = {
		[CW_RING_BULK] = m->skel->maps.events,
		[CW_RING_CRITICAL] = m->skel->maps.critical,
	};
	long page = getpagesize();

	for (int i = 0; i < 2; i++) {
		int fd = bpf_map__fd(rings[i]);

		m->ring_size[i] = bpf_map__max_entries(rings[i]);
		for (int j = 0; j < 2; j++) {
			void *p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, j * page);

			m->ring_pos[i][j] = p == MAP_FAILED ? NULL : p;
		}
	}
}

static bool ring_size_ok(size_t bytes)
{
	return bytes >= (size_t)getpagesize() && !(bytes & (bytes - 1));
}

int cw_monitor_open(struct cw_monitor **out, const struct cw_monitor_opts *opts,
		    char *err, size_t errlen)
{
	size_t rb_bytes = opts->ringbuf_bytes ?: DEFAULT_RINGBUF_BYTES;
	size_t crit_bytes = opts->critical_ringbuf_bytes;
	struct cw_monitor *m;
	__u32 id;
	int ret;

	verbose = opts->verbose;
	libbpf_set_print(libbpf_print);
	if (!ring_size_ok(rb_bytes) || (crit_bytes && !ring_size_ok(crit_bytes))) {
		snprintf(err, errlen, "ring buffer size %zu: not a power of two >= page size",
			 ring_size_ok(rb_bytes) ? crit_bytes : rb_bytes);
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	m->epfd = -1;
	m->on_event = opts->on_event;
	m->on_slice_end = opts->on_slice_end;
	m->ctx = opts->ctx;
	m->boot_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	m->tree = cw_proctree_new();
	m->corr = cw_corr_new();
	m->folds = cw_folds_new();
	if (!m->tree || !m->corr || !m->folds) {
		cw_proctree_free(m->tree);
		cw_corr_free(m->corr);
		cw_folds_free(m->folds);
		free(m);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}

	m->skel = cellwatch_bpf__open();
	if (!m->skel) {
		ret = -errno;
		snprintf(err, errlen, "open BPF object: %s", strerror(-ret));
		goto fail;
	}
	ret = find_cell_hooks(m, err, errlen);
	if (ret)
		goto fail;
	m->skel->rodata->cw_cell_level = opts->cell_level;
	/* Tracing and kprobe programs share their helper list (tracing's: no probe of its own). */
	m->skel->rodata->cw_walk_cgroup = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE,
		BPF_FUNC_get_current_ancestor_cgroup_id, NULL) != 1;
	if (getrandom((void *)&m->skel->rodata->cw_fold_seed,
		      sizeof(m->skel->rodata->cw_fold_seed), 0) < 0) {
		ret = -errno;
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		goto fail;
	}
	m->skel->rodata->cw_bulk_wakeup_bytes = rb_bytes / 4;
	ret = bpf_map__set_max_entries(m->skel->maps.events, rb_bytes);
	if (!ret && crit_bytes)
		ret = bpf_map__set_max_entries(m->skel->maps.critical, crit_bytes);
	if (ret) {
		snprintf(err, errlen, "size ring buffer: %s", strerror(-ret));
		goto fail;
	}
	choose_syscall_hooks(m, opts->generic_syscalls);
	/* LSM where it works; the tracepoint backend enforces everywhere regardless. */
	m->lsm = !opts->no_lsm && cw_lsm_usable(m->lsm_why, sizeof(m->lsm_why));
	if (opts->no_lsm)
		snprintf(m->lsm_why, sizeof(m->lsm_why), "disabled");
	set_lsm_autoload(m, m->lsm);
	if (opts->pin_dir) {
		m->pin_dir = strdup(opts->pin_dir);
		ret = m->pin_dir ? prepare_pin_dir(m->pin_dir, err, errlen) : -ENOMEM;
		if (!ret)
			ret = set_map_pins(m, err, errlen);
		if (ret)
			goto fail;
		m->generation = pinned_generation(m) + 1;
		m->skel->rodata->cw_generation = m->generation;
	}
	ret = cellwatch_bpf__load(m->skel);
	if (ret) {
		snprintf(err, errlen, "load BPF programs: %s%s", strerror(-ret),
			 m->pin_dir ? " (maps pinned in the pin directory by an earlier monitor "
				      "may differ: another --ringbuf, another build)" :
			 verbose ? "" : " (run with -v for the verifier log)");
		goto fail;
	}
	m->maps = (struct cw_rule_maps){
		.exec_inode = bpf_map__fd(m->skel->maps.exec_inode_rules),
		.exec_name = bpf_map__fd(m->skel->maps.exec_name_rules),
		.open = bpf_map__fd(m->skel->maps.open_rules),
		.open_name = bpf_map__fd(m->skel->maps.open_name_rules),
		.unix_path = bpf_map__fd(m->skel->maps.unix_rules),
		.net4 = bpf_map__fd(m->skel->maps.net4_rules),
		.net6 = bpf_map__fd(m->skel->maps.net6_rules),
		.syscall = bpf_map__fd(m->skel->maps.syscall_rules),
		.socket = bpf_map__fd(m->skel->maps.socket_rules),
		.glob = bpf_map__fd(m->skel->maps.glob_rules),
	};
	/* Policy ids are never reused, not even those of an earlier monitor. */
	m->next_policy = max_policy_in_use(m);
	m->first_policy = m->next_policy + 1;
	map_rings(m);
	if (opts->rules) {
		ret = cw_monitor_add_policy(m, opts->rules, &id, err, errlen);
		if (ret)
			goto fail;
	}
	watch_syscalls(m);
	ret = attach_tracing(m, err, errlen);
	if (ret)
		goto fail;
	ret = open_rings(m);
	if (ret) {
		snprintf(err, errlen, "ring buffers: %s", strerror(-ret));
		goto fail;
	}
	*out = m;
	return 0;
fail:
	cw_monitor_close(m);
	return ret;
}

void cw_monitor_close(struct cw_monitor *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->ncells; i++)
		destroy_links(&m->cells[i]);
	free(m->cells);
	for (int i = 0; i < m->ncell_hooks; i++)
		bpf_link__destroy(m->held_hooks[i]);
	for (size_t i = 0; i < m->nlinks; i++)
		bpf_link__destroy(m->links[i]);
	free(m->links);
	forget_rates(m, 0, 0);
	cw_corr_free(m->corr);
	ring_buffer__free(m->rb);
	ring_buffer__free(m->rb_critical);
	if (m->epfd >= 0)
		close(m->epfd);
	for (int i = 0; i < 2; i++) {
		for (int j = 0; j < 2; j++) {
			if (m->ring_pos[i][j])
				munmap((void *)m->ring_pos[i][j], getpagesize());
		}
	}
	cellwatch_bpf__destroy(m->skel);
	free(m->pin_dir);
	cw_proctree_free(m->tree);
	cw_folds_free(m->folds);
	free(m);
}

static void untrack(struct cw_monitor *m, struct cw_cell_links *l)
{
	destroy_links(l);
	*l = m->cells[--m->ncells];
}

static void cell_pin_dir(const struct cw_monitor *m, __u64 id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/cells/%llu", m->pin_dir, (unsigned long long)id);
}

/*
 * The cgroup hooks of a cell: an earlier monitor's pinned links when
 * @adopt finds them, new ones otherwise (pinned when pinning).
 */
static int attach_cell_hooks(struct cw_monitor *m, struct cw_cell_links *l, int cgroup_fd,
			     bool adopt)
{
	struct bpf_program *const *progs = m->cell_hooks;
	char dir[PATH_MAX], path[PATH_MAX + 64];
	int ret;

	if (m->pin_dir) {
		cell_pin_dir(m, l->id, dir, sizeof(dir));
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
	}
	for (int i = 0; i < m->ncell_hooks; i++) {
		if (m->pin_dir)
			snprintf(path, sizeof(path), "%s/%s", dir, bpf_program__name(progs[i]));
		/* An earlier monitor's hook now runs this monitor's program. */
		if (adopt && m->pin_dir) {
			l->links[i] = bpf_link__open(path);
			if (l->links[i] && !bpf_link__update_program(l->links[i], progs[i]))
				continue;
			bpf_link__destroy(l->links[i]);
		}
		l->links[i] = bpf_program__attach_cgroup(progs[i], cgroup_fd);
		if (!l->links[i])
			return -errno;
		if (m->pin_dir && !m->cell_links_unpinnable) {
			ret = pin_replace(l->links[i], path);
			if (ret == -EPERM)
				m->cell_links_unpinnable = true;
			else if (ret)
				return ret;
		}
	}
	return 0;
}

int cw_monitor_hold_cell_hooks(struct cw_monitor *m, int cgroup_fd)
{
	for (int i = 0; i < m->ncell_hooks; i++) {
		if (m->held_hooks[i])
			continue;
		m->held_hooks[i] = bpf_program__attach_cgroup(m->cell_hooks[i], cgroup_fd);
		if (!m->held_hooks[i])
			return -errno;
	}
	return 0;
}

/* Track the cell at @cgroup_fd and hook it; the caller puts it in the cells map. */
static struct cw_cell_links *track_cell(struct cw_monitor *m, int cgroup_fd, __u64 id,
					__u32 policy, bool adopt, int *ret)
{
	struct cw_cell_links *grown, *l;

	grown = realloc(m->cells, (m->ncells + 1) * sizeof(*m->cells));
	if (!grown) {
		*ret = -ENOMEM;
		return NULL;
	}
	m->cells = grown;
	l = &m->cells[m->ncells];
	memset(l, 0, sizeof(*l));
	l->id = id;
	l->policy = policy;
	l->cgroup_fd = fcntl(cgroup_fd, F_DUPFD_CLOEXEC, 3);
	if (l->cgroup_fd < 0) {
		*ret = -errno;
		return NULL;
	}
	/* Hooks first: once the cell is in the map its tasks are watched. */
	*ret = attach_cell_hooks(m, l, cgroup_fd, adopt);
	if (*ret) {
		destroy_links(l);
		if (m->pin_dir && !adopt) {
			char dir[PATH_MAX];

			cell_pin_dir(m, id, dir, sizeof(dir));
			remove_pins(dir);
		}
		return NULL;
	}
	m->ncells++;
	return l;
}

/* The id of the cgroup at @cgroup_fd, if it can become one of our cells under @policy. */
static int check_new_cell(struct cw_monitor *m, int cgroup_fd, __u32 policy, __u64 *cell_id)
{
	int ret;

	if (policy && !find_policy(m, policy))
		return -ENOENT;
	ret = cg2_id(cgroup_fd, cell_id);
	if (ret)
		return ret;
	return find_cell(m, *cell_id) ? -EEXIST : 0;
}

int cw_monitor_add_cell(struct cw_monitor *m, int cgroup_fd, __u32 policy, __u32 net_policy,
			__u64 *cell_id)
{
	struct cw_cell cell = { .policy = policy, .net_policy = net_policy };
	struct cw_cell_links *l;
	int ret = check_new_cell(m, cgroup_fd, policy, cell_id);

	if (ret)
		return ret;
	l = track_cell(m, cgroup_fd, *cell_id, policy, false, &ret);
	if (!l)
		return ret;
	if (bpf_map_update_elem(bpf_map__fd(m->skel->maps.cells), cell_id, &cell, BPF_ANY)) {
		ret = -errno;
		cw_monitor_remove_cell(m, *cell_id);
		return ret;
	}
	return 0;
}

int cw_monitor_adopt_cell(struct cw_monitor *m, int cgroup_fd, __u32 policy, __u64 *cell_id)
{
	int fd = bpf_map__fd(m->skel->maps.cells), ret;
	struct cw_cell cell;

	ret = check_new_cell(m, cgroup_fd, policy, cell_id);
	if (ret)
		return ret;
	if (bpf_map_lookup_elem(fd, cell_id, &cell))
		return -ENOENT;
	if (!track_cell(m, cgroup_fd, *cell_id, policy, true, &ret))
		return ret;
	cell.policy = policy;
	if (bpf_map_update_elem(fd, cell_id, &cell, BPF_EXIST)) {
		/* Its pinned hooks and entry stay: the kernel goes on enforcing. */
		ret = -errno;
		untrack(m, find_cell(m, *cell_id));
		return ret;
	}
	return 0;
}

int cw_monitor_remove_cell(struct cw_monitor *m, __u64 cell_id)
{
	struct cw_cell_links *l = find_cell(m, cell_id);
	int ret = bpf_map_delete_elem(bpf_map__fd(m->skel->maps.cells), &cell_id) ? -errno : 0;
	char dir[PATH_MAX];

	bpf_map_delete_elem(bpf_map__fd(m->skel->maps.doomed), &cell_id);	/* if it was */
	/* Its losses were read by now (cw_monitor_cell_losses()); a new cell starts at 0. */
	bpf_map_delete_elem(bpf_map__fd(m->skel->maps.cell_loss), &cell_id);
	forget_rates(m, 0, cell_id);
	cw_corr_forget(m->corr, 0, cell_id);

	if (m->pin_dir) {
		cell_pin_dir(m, cell_id, dir, sizeof(dir));
		remove_pins(dir);
	}
	if (l) {
		untrack(m, l);
		return 0;
	}
	return ret;
}

int cw_monitor_kernel_cells(struct cw_monitor *m, __u64 *ids, int max)
{
	int fd = bpf_map__fd(m->skel->maps.cells), n = 0;
	__u64 key, *prev = NULL;

	while (n < max && !bpf_map_get_next_key(fd, prev, &key)) {
		ids[n++] = key;
		prev = &ids[n - 1];
	}
	return n;
}

void cw_monitor_purge_old_policies(struct cw_monitor *m)
{
	if (m->first_policy <= 1)
		return;
	cw_rules_delete_range(&m->maps, 1, m->first_policy - 1);
	cw_judged_uncompile_range(1, m->first_policy - 1, bpf_map__fd(m->skel->maps.open_watch),
				  bpf_map__fd(m->skel->maps.policy_watch));
}

void cw_monitor_unpin(struct cw_monitor *m)
{
	char path[PATH_MAX];

	if (!m->pin_dir)
		return;
	snprintf(path, sizeof(path), "%s/maps", m->pin_dir);
	remove_pins(path);
	snprintf(path, sizeof(path), "%s/links", m->pin_dir);
	remove_pins(path);
	snprintf(path, sizeof(path), "%s/cells", m->pin_dir);
	for (size_t i = 0; i < m->ncells; i++) {
		char dir[PATH_MAX];

		cell_pin_dir(m, m->cells[i].id, dir, sizeof(dir));
		remove_pins(dir);
	}
	rmdir(path);
	rmdir(m->pin_dir);
}

int cw_monitor_unpinned_links(struct cw_monitor *m, __u64 cell_id, int *fds, int max)
{
	struct cw_cell_links *l;
	int n = 0;

	if (!cell_id) {
		for (size_t i = 0; m->links_unpinnable && i < m->nlinks && n < max; i++)
			fds[n++] = bpf_link__fd(m->links[i]);
		return n;
	}
	l = find_cell(m, cell_id);
	for (int i = 0; l && m->cell_links_unpinnable && i < m->ncell_hooks && n < max; i++)
		fds[n++] = bpf_link__fd(l->links[i]);
	return n;
}

void cw_monitor_ring_fill(struct cw_monitor *m, __u64 used[CW_RINGS], __u64 size[CW_RINGS])
{
	for (int i = 0; i < CW_RINGS; i++) {
		const unsigned long *cons = m->ring_pos[i][0], *prod = m->ring_pos[i][1];

		size[i] = m->ring_size[i];
		used[i] = cons && prod ? __atomic_load_n(prod, __ATOMIC_ACQUIRE) -
					 __atomic_load_n(cons, __ATOMIC_ACQUIRE) : 0;
	}
}

int cw_monitor_fd(struct cw_monitor *m)
{
	return m->epfd;
}

int cw_monitor_poll(struct cw_monitor *m, int timeout_ms)
{
	struct epoll_event ev;

	if (timeout_ms < 0 || timeout_ms > CW_MONITOR_TICK_MS)
		timeout_ms = CW_MONITOR_TICK_MS;
	if (epoll_wait(m->epfd, &ev, 1, timeout_ms) < 0)
		return errno == EINTR ? 0 : -errno;
	return cw_monitor_drain(m);
}

/* Up to @max records of @rb; *more: it stopped at @max, so more may wait. */
static int consume_slice(struct cw_monitor *m, struct ring_buffer *rb, unsigned int max,
			 bool *more)
{
	int ret;

	m->slice = 0;
	m->slice_max = max;
	ret = ring_buffer__consume(rb);
	*more = ret == -EAGAIN;
	if (m->slice && m->on_slice_end)
		m->on_slice_end(m->ctx);
	return ret < 0 && ret != -EAGAIN ? ret : (int)m->slice;
}

/*
 * Verdicts first: a flood of opens in the bulk ring must not hold back the
 * kill-run that ends the rest of a cell, so the critical ring is read
 * before every slice of the bulk one.
 */
int cw_monitor_drain(struct cw_monitor *m)
{
	int n = 0, ret;
	bool more;

	for (;;) {
		ret = consume_slice(m, m->rb_critical, UINT_MAX, &more);
		if (ret < 0)
			return ret;
		n += ret;
		ret = consume_slice(m, m->rb, BULK_SLICE, &more);
		if (ret < 0)
			return ret;
		n += ret;
		if (!more)
			return n;
	}
}

int cw_monitor_consume(struct cw_monitor *m)
{
	int crit, bulk;
	bool more;

	crit = consume_slice(m, m->rb_critical, CONSUME_SLICE, &more);
	if (crit < 0)
		return crit;
	bulk = consume_slice(m, m->rb, CONSUME_SLICE, &more);
	return bulk < 0 ? bulk : crit + bulk;
}

void cw_monitor_ring_mark(struct cw_monitor *m, struct cw_ring_mark *mark)
{
	for (int i = 0; i < CW_RINGS; i++) {
		const unsigned long *prod = m->ring_pos[i][1];

		mark->pos[i] = prod ? __atomic_load_n(prod, __ATOMIC_ACQUIRE) : 0;
		mark->known[i] = prod && m->ring_pos[i][0];
	}
}

bool cw_monitor_delivered(struct cw_monitor *m, const struct cw_ring_mark *mark,
			  enum cw_ring ring)
{
	const unsigned long *cons = m->ring_pos[ring][0];

	/* Without a view of the positions, deliver everything to be sure. */
	if (!mark->known[ring]) {
		cw_monitor_drain(m);
		return true;
	}
	/* Positions only grow. */
	return (long)(__atomic_load_n(cons, __ATOMIC_ACQUIRE) - mark->pos[ring]) >= 0;
}

int cw_monitor_stats(struct cw_monitor *m, struct cw_stats *st)
{
	int ncpus = libbpf_num_possible_cpus();
	int fd = bpf_map__fd(m->skel->maps.counters);
	__u64 sums[CW_CNT_MAX] = {};
	__u64 *vals;

	if (ncpus < 0)
		return ncpus;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 key = 0; key < CW_CNT_MAX; key++) {
		if (bpf_map_lookup_elem(fd, &key, vals)) {
			free(vals);
			return -errno;
		}
		for (int cpu = 0; cpu < ncpus; cpu++)
			sums[key] += vals[cpu];
	}
	free(vals);
	st->events = sums[CW_CNT_EVENTS];
	st->drops = sums[CW_CNT_DROPS] + sums[CW_CNT_DROPS_CRITICAL];
	st->drops_critical = sums[CW_CNT_DROPS_CRITICAL];
	st->folded = sums[CW_CNT_FOLDED];
	st->kills = sums[CW_CNT_KILLS] + m->user_kills;
	st->decode_errors = m->decode_errors;
	return 0;
}

void cw_monitor_drops_reported(struct cw_monitor *m, __u64 total)
{
	m->drops_reported = total;
}

__u64 cw_monitor_new_drops(struct cw_monitor *m, __u64 *total)
{
	struct cw_stats st;
	__u64 fresh;

	if (cw_monitor_stats(m, &st) || st.drops == m->drops_reported)
		return 0;
	/* Counters newer than what was reported (pins removed in between). */
	if (st.drops < m->drops_reported)
		m->drops_reported = 0;
	fresh = st.drops - m->drops_reported;
	m->drops_reported = st.drops;
	*total = st.drops;
	return fresh;
}

int cw_monitor_cell_loss(struct cw_monitor *m, __u64 cell_id, struct cw_cell_loss *loss)
{
	memset(loss, 0, sizeof(*loss));
	if (bpf_map_lookup_elem(bpf_map__fd(m->skel->maps.cell_loss), &cell_id, loss))
		return errno == ENOENT ? 0 : -errno;
	return 0;
}

/*
 * One cell's losses since the last report.  A lost critical record doomed
 * the cell in the kernel already; cgroup.kill ends the tasks that pass no
 * hook (kill_run()), whoever calls this.
 */
static void check_cell_loss(struct cw_monitor *m, struct cw_cell_links *l, cw_loss_fn fn,
			    void *ctx)
{
	struct cw_cell_loss now, fresh;

	if (cw_monitor_cell_loss(m, l->id, &now))
		return;
	if (now.bulk == l->lost_reported.bulk && now.critical == l->lost_reported.critical)
		return;
	fresh.bulk = now.bulk - l->lost_reported.bulk;
	fresh.critical = now.critical - l->lost_reported.critical;
	l->lost_reported = now;
	if (now.critical && l->cgroup_fd >= 0 && !kill_run(m, l, CW_RULE_EVENTS_LOST))
		m->user_kills++;
	if (fn)
		fn(ctx, l->id, &fresh, &now);
}

void cw_monitor_cell_losses(struct cw_monitor *m, __u64 cell_id, cw_loss_fn fn, void *ctx)
{
	struct cw_cell_links *l;

	if (cell_id) {
		l = find_cell(m, cell_id);
		if (l)
			check_cell_loss(m, l, fn, ctx);
		return;
	}
	for (size_t i = 0; i < m->ncells; i++)
		check_cell_loss(m, &m->cells[i], fn, ctx);
}
