/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Rule files (rules/README.md) and their compilation into the kernel's
 * maps.  A rule set is loaded whole or not at all: on any error nothing is
 * returned and the message names the file, the place and the rule.
 */
#ifndef CW_RULES_H
#define CW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "cellwatch.h"

enum cw_priority {
	CW_PRIO_EMERGENCY, CW_PRIO_ALERT, CW_PRIO_CRITICAL, CW_PRIO_ERROR,
	CW_PRIO_WARNING, CW_PRIO_NOTICE, CW_PRIO_INFORMATIONAL, CW_PRIO_DEBUG,
};

struct cw_rule {
	__u32 id;			/* 1-based; what the kernel reports */
	char *name;
	char *description;
	__u32 event;			/* enum cw_event_type */
	__u32 action;			/* enum cw_action */
	enum cw_priority priority;
	char **tags;
	size_t ntags;
	char **binaries;		/* exec: names ("sh") or paths ("/bin/sh") */
	size_t nbinaries;
};

struct cw_ruleset {
	char *source;			/* file it was loaded from */
	struct cw_rule *rules;
	size_t nrules;
};

/* Parse @path into @rs.  On error returns -EINVAL and fills @err. */
int cw_rules_load(struct cw_ruleset *rs, const char *path, char *err, size_t errlen);
void cw_rules_free(struct cw_ruleset *rs);

const struct cw_rule *cw_rules_by_id(const struct cw_ruleset *rs, __u32 id);
const char *cw_priority_name(enum cw_priority prio);
const char *cw_action_name(__u32 action);

/*
 * Fill the exec rule maps: by inode for every binary found on the host
 * (symlinks followed, so /bin/sh means whatever it points to), by basename
 * for every name (so a renamed path still matches by its name).
 */
int cw_rules_compile(const struct cw_ruleset *rs, int inode_map_fd, int name_map_fd,
		     char *err, size_t errlen);

#endif /* CW_RULES_H */
