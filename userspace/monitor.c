// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <seccomp.h>

#include "cgroup.h"
#include "compile.h"
#include "monitor.h"
#include "proctree.h"
#include "cellwatch.skel.h"
#include "lsmprobe.skel.h"

#define DEFAULT_RINGBUF_BYTES	(8U << 20)
#define MAX_POLICIES		64

/* The cgroup hooks attached to one cell, and what it runs under. */
struct cw_cell_links {
	__u64 id;
	__u32 policy;
	int cgroup_fd;			/* for cgroup.kill when a rule kills the run */
	struct bpf_link *links[5];
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

struct cw_monitor {
	struct cellwatch_bpf *skel;
	struct ring_buffer *rb;
	struct cw_proctree *tree;
	struct cw_rule_maps maps;
	struct policy policies[MAX_POLICIES];
	__u32 next_policy;
	struct rate *rates;
	cw_event_fn on_event;
	void *ctx;
	__s64 boot_to_real_ns;		/* add to CLOCK_BOOTTIME to get CLOCK_REALTIME */
	__u64 decode_errors;
	__u64 user_kills;
	__u64 drops_reported;		/* losses already handed out by cw_monitor_new_drops() */
	struct cw_cell_links *cells;
	size_t ncells;
	struct bpf_link **links;	/* tracing programs */
	size_t nlinks;
	const char *backend;		/* which syscall hooks are in use */
	bool lsm;			/* BPF-LSM programs loaded and attached */
	char lsm_why[128];		/* why not, when not */
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

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG || !verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
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

/* Kill one process by pid, through a pidfd so a signal never lands on a reused pid later. */
static int kill_process(__u32 pid)
{
	int fd = syscall(SYS_pidfd_open, pid, 0), ret = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0))
		ret = -errno;
	close(fd);
	return ret;
}

/* Carry out a rule's action from userspace, and say when it landed. */
static void act(struct cw_monitor *m, struct cw_cell_links *cell, struct cw_event *ev,
		__u32 action)
{
	int ret = 0;

	if (action == CW_ACTION_KILL)
		ret = kill_process(ev->hdr.pid);
	else if (action == CW_ACTION_KILL_RUN && cell && cell->cgroup_fd >= 0)
		ret = cg2_kill(cell->cgroup_fd);
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
	ev->rule = cw_rules_by_id(rs, ev->hdr.rule_id);
	if (ev->hdr.action != CW_ACTION_NONE) {
		ev->layer = ev->hdr.layer == CW_LAYER_LSM ? "lsm" : "kernel";
		/* The kernel killed the offender; the rest of the run is ours to end. */
		if (ev->hdr.action == CW_ACTION_KILL_RUN)
			act(m, cell, ev, CW_ACTION_KILL_RUN);
		else if (ev->hdr.action == CW_ACTION_KILL)
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
		ev->rule = r;
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
	ev.realtime_ns = ev.hdr.ts_boot_ns + m->boot_to_real_ns;
	cw_proctree_update(m->tree, &ev);
	judge(m, &ev);
	if (m->on_event)
		m->on_event(m->ctx, &ev);
	return 0;
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
	fprintf(stderr, "cellwatch: mounted tracefs at " TRACEFS " for syscall tracepoints\n");
	return !access(TRACEFS "/events/syscalls", F_OK);
}

/*
 * Per-syscall exit tracepoints where tracefs has them (cheapest for the
 * rest of the host, see bpf/syscall.bpf.c); otherwise the generic program.
 */
static void choose_syscall_hooks(struct cw_monitor *m, bool force_generic)
{
	bool specific = !force_generic && have_tracefs();
	struct bpf_program *prog;
	char event[128];

	bpf_object__for_each_program(prog, m->skel->obj) {
		const char *name = bpf_program__name(prog);

		if (strncmp(name, "cw_x_", 5))
			continue;
		snprintf(event, sizeof(event), TRACEFS "/events/syscalls/sys_exit_%s", name + 5);
		/* A syscall this architecture lacks has no tracepoint: not loaded. */
		bpf_program__set_autoload(prog, specific && !access(event, F_OK));
	}
	bpf_program__set_autoload(m->skel->progs.cw_sys_exit, !specific);
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

/*
 * Does BPF-LSM work here?  Load, attach and see a probe fire on our own
 * open: a kernel can list "bpf" among its LSMs and still refuse the
 * programs (this project's build hosts do).  Cached: one answer per process.
 */
static bool lsm_works(char *why, size_t len)
{
	static int cached = -1;
	static char cached_why[128];
	struct lsmprobe_bpf *p;
	int fd, err;

	if (cached >= 0) {
		snprintf(why, len, "%s", cached_why);
		return cached;
	}
	cached = 0;
	p = lsmprobe_bpf__open();
	if (!p) {
		snprintf(cached_why, sizeof(cached_why), "open: %s", strerror(errno));
		goto out;
	}
	p->rodata->probe_tgid = getpid();
	err = lsmprobe_bpf__load(p);
	if (err) {
		snprintf(cached_why, sizeof(cached_why), "load: %s", strerror(-err));
		goto out;
	}
	err = lsmprobe_bpf__attach(p);
	if (err) {
		snprintf(cached_why, sizeof(cached_why), "attach: %s", strerror(-err));
		goto out;
	}
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	if (!p->bss->probe_hits) {
		snprintf(cached_why, sizeof(cached_why), "loaded but never called "
			 "(bpf not among the active LSMs)");
		goto out;
	}
	cached = 1;
	cached_why[0] = '\0';
out:
	lsmprobe_bpf__destroy(p);
	snprintf(why, len, "%s", cached_why);
	return cached;
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

/* Attach every loaded tracing program; the cgroup hooks attach per cell in cw_monitor_add_cell(). */
static int attach_tracing(struct cw_monitor *m, char *err, size_t errlen)
{
	struct bpf_program *prog;
	int nlsm = 0;

	bpf_object__for_each_program(prog, m->skel->obj) {
		struct bpf_link **grown, *link;

		if (!bpf_program__autoload(prog) ||
		    bpf_program__type(prog) == BPF_PROG_TYPE_CGROUP_SOCK_ADDR ||
		    bpf_program__type(prog) == BPF_PROG_TYPE_CGROUP_SOCK)
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
	}
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
	slot->id = *id;
	slot->rules = rs;
	return 0;
}

int cw_monitor_replace_policy(struct cw_monitor *m, __u32 old, struct cw_ruleset *rs,
			      __u32 *id, char *err, size_t errlen)
{
	struct policy *prev = find_policy(m, old);
	int ret;

	if (!prev) {
		snprintf(err, errlen, "no policy %u", old);
		return -ENOENT;
	}
	ret = cw_monitor_add_policy(m, rs, id, err, errlen);
	if (ret)
		return ret;	/* the old rules stay in force */
	/* Each cell switches with one map update: it runs old or new, never a mix. */
	for (size_t i = 0; i < m->ncells; i++) {
		struct cw_cell_links *l = &m->cells[i];
		struct cw_cell cell;
		int fd = bpf_map__fd(m->skel->maps.cells);

		if (l->policy != old || bpf_map_lookup_elem(fd, &l->id, &cell))
			continue;
		cell.policy = *id;
		if (!bpf_map_update_elem(fd, &l->id, &cell, BPF_EXIST))
			l->policy = *id;
	}
	cw_rules_uncompile(prev->rules, old, &m->maps);
	prev->id = 0;
	prev->rules = NULL;
	return 0;
}

int cw_monitor_open(struct cw_monitor **out, const struct cw_monitor_opts *opts,
		    char *err, size_t errlen)
{
	size_t rb_bytes = opts->ringbuf_bytes ?: DEFAULT_RINGBUF_BYTES;
	struct cw_monitor *m;
	__u32 id;
	int ret;

	verbose = opts->verbose;
	libbpf_set_print(libbpf_print);
	if (rb_bytes < (size_t)getpagesize() || (rb_bytes & (rb_bytes - 1))) {
		snprintf(err, errlen, "ring buffer size %zu: not a power of two >= page size",
			 rb_bytes);
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	m->on_event = opts->on_event;
	m->ctx = opts->ctx;
	m->boot_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	m->tree = cw_proctree_new();
	if (!m->tree) {
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
	m->skel->rodata->cw_cell_level = opts->cell_level;
	ret = bpf_map__set_max_entries(m->skel->maps.events, rb_bytes);
	if (ret) {
		snprintf(err, errlen, "size ring buffer: %s", strerror(-ret));
		goto fail;
	}
	choose_syscall_hooks(m, opts->generic_syscalls);
	/* LSM where it works; the tracepoint backend enforces everywhere regardless. */
	m->lsm = !opts->no_lsm && lsm_works(m->lsm_why, sizeof(m->lsm_why));
	if (opts->no_lsm)
		snprintf(m->lsm_why, sizeof(m->lsm_why), "disabled");
	set_lsm_autoload(m, m->lsm);
	ret = cellwatch_bpf__load(m->skel);
	if (ret) {
		snprintf(err, errlen, "load BPF programs: %s%s", strerror(-ret),
			 verbose ? "" : " (run with -v for the verifier log)");
		goto fail;
	}
	m->maps = (struct cw_rule_maps){
		.exec_inode = bpf_map__fd(m->skel->maps.exec_inode_rules),
		.exec_name = bpf_map__fd(m->skel->maps.exec_name_rules),
		.open = bpf_map__fd(m->skel->maps.open_rules),
		.net4 = bpf_map__fd(m->skel->maps.net4_rules),
		.net6 = bpf_map__fd(m->skel->maps.net6_rules),
		.syscall = bpf_map__fd(m->skel->maps.syscall_rules),
		.socket = bpf_map__fd(m->skel->maps.socket_rules),
	};
	if (opts->rules) {
		ret = cw_monitor_add_policy(m, opts->rules, &id, err, errlen);
		if (ret)
			goto fail;
	}
	watch_syscalls(m);
	ret = attach_tracing(m, err, errlen);
	if (ret)
		goto fail;
	m->rb = ring_buffer__new(bpf_map__fd(m->skel->maps.events), handle_record, m, NULL);
	if (!m->rb) {
		ret = -errno;
		snprintf(err, errlen, "ring buffer: %s", strerror(-ret));
		goto fail;
	}
	ret = ring_buffer__add(m->rb, bpf_map__fd(m->skel->maps.critical), handle_record, m);
	if (ret) {
		snprintf(err, errlen, "critical ring buffer: %s", strerror(-ret));
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
	for (size_t i = 0; i < m->nlinks; i++)
		bpf_link__destroy(m->links[i]);
	free(m->links);
	while (m->rates) {
		struct rate *next = m->rates->next;

		free(m->rates->ts);
		free(m->rates);
		m->rates = next;
	}
	ring_buffer__free(m->rb);
	cellwatch_bpf__destroy(m->skel);
	cw_proctree_free(m->tree);
	free(m);
}

int cw_monitor_add_cell(struct cw_monitor *m, int cgroup_fd, __u32 policy, __u32 net_policy,
			__u64 *cell_id)
{
	struct cw_cell cell = { .policy = policy, .net_policy = net_policy };
	struct cw_cell_links *grown, *l;
	int ret;

	if (policy && !find_policy(m, policy))
		return -ENOENT;
	ret = cg2_id(cgroup_fd, cell_id);
	if (ret)
		return ret;
	grown = realloc(m->cells, (m->ncells + 1) * sizeof(*m->cells));
	if (!grown)
		return -ENOMEM;
	m->cells = grown;
	l = &m->cells[m->ncells];
	memset(l, 0, sizeof(*l));
	l->id = *cell_id;
	l->policy = policy;
	l->cgroup_fd = fcntl(cgroup_fd, F_DUPFD_CLOEXEC, 3);
	if (l->cgroup_fd < 0)
		return -errno;

	/* Hooks first: once the cell is in the map its tasks are watched. */
	struct bpf_program *progs[] = {
		m->skel->progs.cw_connect4, m->skel->progs.cw_connect6,
		m->skel->progs.cw_sendmsg4, m->skel->progs.cw_sendmsg6,
		m->skel->progs.cw_sock_create,
	};
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		l->links[i] = bpf_program__attach_cgroup(progs[i], cgroup_fd);
		if (!l->links[i])
			goto fail;
	}
	if (bpf_map_update_elem(bpf_map__fd(m->skel->maps.cells), cell_id, &cell, BPF_ANY))
		goto fail;
	m->ncells++;
	return 0;
fail:
	ret = -errno;
	destroy_links(l);
	return ret;
}

int cw_monitor_remove_cell(struct cw_monitor *m, __u64 cell_id)
{
	for (size_t i = 0; i < m->ncells; i++) {
		struct cw_cell_links *l = &m->cells[i];

		if (l->id != cell_id)
			continue;
		bpf_map_delete_elem(bpf_map__fd(m->skel->maps.cells), &cell_id);
		destroy_links(l);
		*l = m->cells[--m->ncells];
		return 0;
	}
	return -ENOENT;
}

int cw_monitor_fd(struct cw_monitor *m)
{
	return ring_buffer__epoll_fd(m->rb);
}

int cw_monitor_poll(struct cw_monitor *m, int timeout_ms)
{
	int n = ring_buffer__poll(m->rb, timeout_ms);

	return n == -EINTR ? 0 : n;
}

int cw_monitor_drain(struct cw_monitor *m)
{
	return ring_buffer__consume(m->rb);
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
	st->kills = sums[CW_CNT_KILLS] + m->user_kills;
	st->decode_errors = m->decode_errors;
	return 0;
}

__u64 cw_monitor_new_drops(struct cw_monitor *m, __u64 *total)
{
	struct cw_stats st;
	__u64 fresh;

	if (cw_monitor_stats(m, &st) || st.drops == m->drops_reported)
		return 0;
	fresh = st.drops - m->drops_reported;
	m->drops_reported = st.drops;
	*total = st.drops;
	return fresh;
}
