/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Identity changes (set*id), judged at the syscall's exit by what the call
 * did to the caller's credentials, not by its name alone: a call that
 * changes no id (every argument -1 or the id the caller already has, as
 * build tools make to "drop" to their own uid) is no escape attempt.
 *
 * Why compare credentials recorded at entry with those at exit rather
 * than the arguments: the arguments are ids of the caller's user namespace,
 * the credentials kernel ids; telling whether an argument names the id the
 * caller has would mean mapping it through the namespace's uid_map, while
 * two snapshots of the same task's kernel ids compare as they are, whatever
 * the mapping.  Only the task itself replaces its credentials, so nothing
 * else changes them between the two.  A call counts when:
 *   - it failed: the kernel refuses only a change it does not permit (an
 *     id the caller may not take, one unmapped in its namespace), so the
 *     refusal is the attempt (or, rarely, ENOMEM: counted too, fail closed);
 *   - or it changed any id, real, effective, saved or file system;
 *   - or, for setfsuid/setfsgid, which never fail but return the previous
 *     id, it asked for an id (not -1) other than the one it had.
 * Without an entry record (the monitor attached during the call, an LRU
 * eviction) the call counts: fail closed.
 */
#ifndef CW_SETID_BPF_H
#define CW_SETID_BPF_H

#include "common.bpf.h"

/* Kernel ids of a task, in the order of struct cred. */
struct cw_ids {
	__u32 uid, gid, suid, sgid, euid, egid, fsuid, fsgid;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);			/* pid_tgid */
	__type(value, struct cw_ids);
} setid_entry SEC(".maps") __weak;

static __always_inline void current_ids(struct cw_ids *ids)
{
	const struct cred *cred = BPF_CORE_READ(cw_current_task(), cred);

	ids->uid = BPF_CORE_READ(cred, uid.val);
	ids->gid = BPF_CORE_READ(cred, gid.val);
	ids->suid = BPF_CORE_READ(cred, suid.val);
	ids->sgid = BPF_CORE_READ(cred, sgid.val);
	ids->euid = BPF_CORE_READ(cred, euid.val);
	ids->egid = BPF_CORE_READ(cred, egid.val);
	ids->fsuid = BPF_CORE_READ(cred, fsuid.val);
	ids->fsgid = BPF_CORE_READ(cred, fsgid.val);
}

/* At a set*id call's entry in a cell: the caller's ids before it. */
static __always_inline int record_ids(void)
{
	__u64 key = bpf_get_current_pid_tgid();
	struct cw_ids ids;

	if (!current_cell())
		return 0;
	current_ids(&ids);
	bpf_map_update_elem(&setid_entry, &key, &ids, BPF_ANY);
	return 0;
}

/*
 * Do the caller's ids differ from @before?  Read field by field, not into
 * a second struct: the generic sys_exit program has no stack to spare.
 */
static __always_inline bool ids_changed(const struct cw_ids *before)
{
	const struct cred *cred = BPF_CORE_READ(cw_current_task(), cred);

	return BPF_CORE_READ(cred, uid.val) != before->uid ||
	       BPF_CORE_READ(cred, gid.val) != before->gid ||
	       BPF_CORE_READ(cred, suid.val) != before->suid ||
	       BPF_CORE_READ(cred, sgid.val) != before->sgid ||
	       BPF_CORE_READ(cred, euid.val) != before->euid ||
	       BPF_CORE_READ(cred, egid.val) != before->egid ||
	       BPF_CORE_READ(cred, fsuid.val) != before->fsuid ||
	       BPF_CORE_READ(cred, fsgid.val) != before->fsgid;
}

/* At the exit of a CW_WATCH_SETID or CW_WATCH_SETFSID call: does it count (see above)? */
static __always_inline bool setid_counts(__u8 how, long ret, struct pt_regs *regs)
{
	__u64 key = bpf_get_current_pid_tgid();
	struct cw_ids *before;
	bool changed;

	before = bpf_map_lookup_elem(&setid_entry, &key);
	if (!before)
		return true;
	changed = ids_changed(before);
	bpf_map_delete_elem(&setid_entry, &key);
	if (changed)
		return true;
	if (how == CW_WATCH_SETFSID) {
		__u32 asked = PT_REGS_PARM1_CORE_SYSCALL(regs);

		return asked != (__u32)-1 && asked != (__u32)ret;
	}
	return ret < 0;
}

#endif /* CW_SETID_BPF_H */
