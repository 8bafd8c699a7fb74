/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Rule files (rules/README.md): parsing, validation, evaluation, and
 * compilation of what the kernel can decide into its maps.  A rule set is
 * loaded whole or not at all: on any error nothing is returned and the
 * message says file:line:column and the rule.
 *
 * How a rule matches: every condition of "match" must hold (AND); a
 * condition lists values, any of which may hold (OR); "not" holds a nested
 * match that must not hold; "@name" in a list inserts the named list.  A
 * "rate" makes the rule fire only past N matches within T seconds in one
 * cell; a "correlate" makes it fire when the rules of its group have
 * seen several distinct signals within T seconds in one cell.
 */
#ifndef CW_RULES_H
#define CW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "cellwatch.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

struct cw_event;

enum cw_priority {
	CW_PRIO_EMERGENCY, CW_PRIO_ALERT, CW_PRIO_CRITICAL, CW_PRIO_ERROR,
	CW_PRIO_WARNING, CW_PRIO_NOTICE, CW_PRIO_INFORMATIONAL, CW_PRIO_DEBUG,
};

/* Rule event kinds: the event types, with open, network, ... by name. */
struct cw_strlist {
	char **v;
	size_t n;
};

struct cw_cidr {
	__u16 family;		/* AF_INET or AF_INET6 */
	__u8 prefix;		/* bits */
	__u8 addr[16];
};

struct cw_portrange {
	__u16 lo, hi;
};

struct cw_match {
	struct cw_strlist binary;	/* exec: by identity or basename */
	struct cw_strlist path;		/* the event's path, exactly */
	struct cw_strlist path_prefix;
	struct cw_strlist basename;
	struct cw_strlist glob;		/* fnmatch(3) with FNM_PATHNAME */
	struct cw_strlist argv_contains;
	struct cw_strlist parent;	/* parent executable: path or basename */
	struct cw_strlist ancestor;	/* any ancestor executable */
	struct cw_strlist flags;	/* open: read, write, create, truncate (any) */
	struct cw_strlist exec_how;	/* exec: memfd, deleted, fd, loader (any) */
	struct cw_strlist family;	/* network: ipv4, ipv6, unix, netlink, packet */
	struct cw_strlist op;		/* network: connect, sendto, sendmsg, socket */
	struct cw_strlist socket_type;	/* network: stream, dgram, raw, ... */
	struct cw_strlist protocol;	/* network, inet families: tcp, udp, icmp, icmpv6, ... */
	struct cw_strlist syscall;	/* syscall: names */
	struct cw_strlist abi;		/* syscall: a foreign ABI, i386, x32, arm (any) */
	struct cw_strlist outcome;	/* success, failure */
	struct cw_strlist error;	/* errno names */
	__u32 *uids;
	size_t nuids;
	struct cw_cidr *cidrs;
	size_t ncidrs;
	struct cw_portrange *ports;
	size_t nports;
	struct cw_match *not;
	/* exec "binary" entries resolved to identities when the rules loaded */
	struct cw_inode_key *inodes;
	size_t ninodes;
};

/* Userspace-level action: the kernel's enum cw_action plus killing the whole run. */
enum cw_rule_action {
	CW_RULE_ALERT = CW_ACTION_ALERT,
	CW_RULE_KILL = CW_ACTION_KILL,
	CW_RULE_DENY = CW_ACTION_DENY,
	CW_RULE_KILL_RUN = CW_ACTION_KILL_RUN,
};

/*
 * How the kernel decides a rule, from the table of rule conditions in
 * rules.c: which compiled maps hold it.  CW_KERNEL_NONE: userspace judges it.
 */
enum cw_kernel_target {
	CW_KERNEL_NONE,
	CW_KERNEL_EXEC,		/* exec_inode_rules, exec_name_rules */
	CW_KERNEL_OPEN_PATH,	/* open_rules (LPM) */
	CW_KERNEL_OPEN_NAME,	/* open_name_rules */
	CW_KERNEL_OPEN_GLOB,	/* glob_rules */
	CW_KERNEL_NET,		/* net4_rules, net6_rules (LPM) */
	CW_KERNEL_SOCKET,	/* socket_rules */
	CW_KERNEL_UNIX,		/* unix_rules (LPM) */
	CW_KERNEL_SYSCALL,	/* syscall_rules */
	CW_KERNEL_SIGNAL,	/* syscall_rules under CW_NR_SIGNAL_OUT */
	CW_KERNEL_ABI,		/* syscall_rules under CW_NR_ABI_* */
	CW_KERNEL_EXEC_HOW,	/* syscall_rules under CW_NR_EXEC_* */
	CW_KERNEL_EXEC_REFUSED,	/* syscall_rules under CW_NR_EXEC_REFUSED_BASE + errno */
	CW_KERNEL_TARGETS
};

struct cw_rule {
	__u32 id;			/* 1-based within its set; what the kernel reports */
	char *name;
	char *description;
	__u32 event;			/* enum cw_event_type */
	__u32 action;			/* enum cw_rule_action */
	enum cw_priority priority;
	struct cw_strlist tags;
	struct cw_match match;
	__u32 rate_count;		/* 0: no rate */
	__u32 rate_seconds;
	/*
	 * "correlate": rules naming the same group count together per cell;
	 * the rule fires when its group has seen corr_distinct distinct
	 * signals within corr_seconds (correlate.h).  NULL group: none.
	 */
	char *corr_group;
	char *corr_signal;		/* every match counts as this signal; NULL: its object */
	__u32 corr_distinct;
	__u32 corr_seconds;
	enum cw_kernel_target kernel;	/* how the kernel can decide it, set at load */
	bool in_kernel;			/* compiled into the kernel's maps: it decides */
};

struct cw_ruleset {
	char *source;			/* file it was loaded from */
	struct cw_rule *rules;
	size_t nrules;
};

/* A rule file larger than this is refused unread. */
#define CW_RULES_FILE_MAX	(64u << 20)

/* Parse @path into @rs.  On error returns -EINVAL and fills @err. */
int cw_rules_load(struct cw_ruleset *rs, const char *path, char *err, size_t errlen);
/* The same for the @len bytes of rule file text at @text, called @name in messages. */
int cw_rules_parse(struct cw_ruleset *rs, const char *name, const char *text, size_t len,
		   char *err, size_t errlen);
void cw_rules_free(struct cw_ruleset *rs);

const struct cw_rule *cw_rules_by_id(const struct cw_ruleset *rs, __u32 id);
const char *cw_priority_name(enum cw_priority prio);
const char *cw_action_name(__u32 action);
const char *cw_event_kind_name(__u32 event);

/* The maps a target compiles into, for messages and docs ("net4_rules, net6_rules"). */
const char *cw_kernel_target_name(enum cw_kernel_target t);

/*
 * Does the kernel see every event of @r's kind that @r's target judges?
 * (A failed open has no file for the kernel's lookup; the cgroup hooks see
 * inet destinations only.)  False for CW_KERNEL_NONE.
 */
bool cw_kernel_target_sees(enum cw_kernel_target t, const struct cw_event *ev);

/* Does @r's match hold for @ev (rates aside)? */
bool cw_rule_matches(const struct cw_rule *r, const struct cw_event *ev);

#endif /* CW_RULES_H */
