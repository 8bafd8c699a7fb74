/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Does BPF-LSM work on this kernel?  Probed once per boot. */
#ifndef CW_LSMPROBE_H
#define CW_LSMPROBE_H

#include <stdbool.h>
#include <stddef.h>

/* "BOOT-ID 0|1 WHY": the probe's verdict for the boot it names, root's only. */
#define CW_LSM_PROBE_DIR	"/run/cellwatch"
#define CW_LSM_PROBE_CACHE	CW_LSM_PROBE_DIR "/lsm-probe"

/* True if BPF-LSM programs load, attach and run here; else why not in @why. */
bool cw_lsm_usable(char *why, size_t len);

#endif /* CW_LSMPROBE_H */
