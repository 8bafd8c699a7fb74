// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Is BPF-LSM usable here?  Not a question of config: the program must load,
 * attach, and fire.  This one counts file_open calls of one process; the
 * loader (userspace/lib/lsmprobe.c) opens a file and reads the count.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

const volatile __u32 probe_tgid = 0;
__u64 probe_hits = 0;

SEC("lsm/file_open")
int BPF_PROG(cw_lsm_probe, struct file *file, int ret)
{
	if ((bpf_get_current_pid_tgid() >> 32) == probe_tgid)
		__sync_fetch_and_add(&probe_hits, 1);
	return ret;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
