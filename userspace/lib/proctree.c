// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>

#include "proctree.h"

/*
 * Open addressing on pid, tombstones for removed entries; grows at 50%
 * load.  Pids are host pids: unique among live processes.
 */
struct proc {
	__u32 pid;		/* 0: empty */
	__u32 ppid;
	bool dead;		/* tombstone */
	char *exe;		/* NULL: not known (started before the monitor) */
};

struct cw_proctree {
	struct proc *slots;
	size_t cap;		/* power of two */
	size_t used;		/* live entries and tombstones */
};

struct cw_proctree *cw_proctree_new(void)
{
	struct cw_proctree *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cap = 256;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	return t;
}

void cw_proctree_free(struct cw_proctree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].exe);
	free(t->slots);
	free(t);
}

static size_t hash(__u32 pid, size_t cap)
{
	return (pid * 2654435761u) & (cap - 1);
}

static struct proc *find(struct cw_proctree *t, __u32 pid)
{
	for (size_t i = hash(pid, t->cap), n = 0; n < t->cap; i = (i + 1) & (t->cap - 1), n++) {
		struct proc *p = &t->slots[i];

		if (!p->pid && !p->dead)
			return NULL;
		if (p->pid == pid && !p->dead)
			return p;
	}
	return NULL;
}

static int grow(struct cw_proctree *t)
{
	struct cw_proctree bigger = { .cap = t->cap * 2 };

	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		struct proc *p = &t->slots[i];
		size_t j;

		if (!p->pid || p->dead)
			continue;
		for (j = hash(p->pid, bigger.cap); bigger.slots[j].pid;
		     j = (j + 1) & (bigger.cap - 1))
			;
		bigger.slots[j] = *p;
		bigger.used++;
	}
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i].dead)
			free(t->slots[i].exe);
	}
	free(t->slots);
	*t = bigger;
	return 0;
}

static struct proc *insert(struct cw_proctree *t, __u32 pid)
{
	struct proc *p = find(t, pid);
	size_t i;

	if (p)
		return p;
	if ((t->used + 1) * 2 > t->cap && grow(t))
		return NULL;
	for (i = hash(pid, t->cap); t->slots[i].pid && !t->slots[i].dead;
	     i = (i + 1) & (t->cap - 1))
		;
	p = &t->slots[i];
	if (!p->dead)
		t->used++;
	free(p->exe);
	*p = (struct proc){ .pid = pid };
	return p;
}

static void set_exe(struct proc *p, const char *exe)
{
	char *copy = exe ? strdup(exe) : NULL;

	if (exe && !copy)
		return;	/* keep the old name rather than none */
	free(p->exe);
	p->exe = copy;
}

static void fill_ancestry(struct cw_proctree *t, struct cw_event *ev)
{
	__u32 pid = ev->hdr.ppid;
	struct proc *p;

	ev->nancestry = 0;
	if (!pid) {
		p = find(t, ev->hdr.pid);
		pid = p ? p->ppid : 0;
	}
	while (pid && ev->nancestry < CW_ANCESTRY_MAX && (p = find(t, pid))) {
		ev->ancestry[ev->nancestry++] = p->exe;
		pid = p->ppid;
	}
}

void cw_proctree_update(struct cw_proctree *t, struct cw_event *ev)
{
	struct proc *p, *parent;

	switch (ev->hdr.type) {
	case CW_EVENT_FORK:
		parent = find(t, ev->hdr.pid);
		p = insert(t, ev->proc.child_pid);
		if (p) {
			p->ppid = ev->hdr.pid;
			/* Until it execs, a child runs its parent's image. */
			parent = find(t, ev->hdr.pid);
			set_exe(p, parent ? parent->exe : NULL);
		}
		break;
	case CW_EVENT_EXEC:
		p = insert(t, ev->hdr.pid);
		if (p) {
			p->ppid = ev->hdr.ppid;
			/* A refused exec, or a mapped image, leaves the process its image. */
			if (!ev->exec.ret && !(ev->hdr.flags & CW_F_EXEC_MAPPED))
				set_exe(p, ev->exec.data);
		}
		break;
	default:
		break;
	}
	fill_ancestry(t, ev);
	if (!ev->hdr.ppid) {
		p = find(t, ev->hdr.pid);
		if (p)
			ev->hdr.ppid = p->ppid;
	}
	if (ev->hdr.type == CW_EVENT_EXIT) {
		p = find(t, ev->hdr.pid);
		if (p)
			p->dead = true;
	}
}
