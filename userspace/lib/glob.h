/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The globs the kernel matches at the open (bpf/glob.bpf.h): which
 * fnmatch(3) patterns (with FNM_PATHNAME, as rules match) fit its
 * per-component matcher, and their compiled form.  A glob fits when it is
 * absolute, has at most CW_GLOB_DEPTH components, none empty, and each
 * component is a literal of at most CW_NAME_MAX - 1 bytes, or a literal
 * prefix and suffix around one '*' (together at most as long); no '?',
 * '[' or '\'.  On those, the kernel's answer is fnmatch's.
 */
#ifndef CW_GLOB_H
#define CW_GLOB_H

#include <stddef.h>
#include <linux/types.h>
#include "cellwatch.h"

/*
 * Compile @glob into @out (its verdict left zero; the last component
 * first, as the kernel walks), or -EINVAL and why it does not fit.
 */
int cw_glob_compile(const char *glob, struct cw_glob_rule *out, char *why, size_t len);

/*
 * The component a compiled glob is found by: its last literal (the most
 * telling: "environ" rather than "proc"), or CW_GLOB_ANY when none is.
 */
__u8 cw_glob_anchor(const struct cw_glob_rule *g);

/* The kernel matcher's answer for the resolved @path, in userspace (for tests). */
bool cw_glob_rule_matches(const struct cw_glob_rule *g, const char *path);

#endif /* CW_GLOB_H */
