/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Inside the daemon: its state, and what its parts (daemon.c: set-up, the
 * loop and the command line; clients.c, outputs.c, links.c, cells.c) call of one another.
 */
#ifndef CW_DAEMON_INTERNAL_H
#define CW_DAEMON_INTERNAL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.h"
#include "cgroup.h"
#include "config.h"
#include "buildconf.h"
#include "daemon.h"
#include "files.h"
#include "keeper.h"
#include "log.h"
#include "logfile.h"
#include "metrics.h"
#include "monitor.h"
#include "parse.h"
#include "ecs.h"
#include "rules.h"
#include "syslog_out.h"
#include "notify.h"
#include "session.h"

#define QUEUE_LEN	1024		/* messages a client may fall behind by */
#define REPLY_RESERVE	64		/* and replies past those, which are never dropped */
#define QUEUE_CAP	(QUEUE_LEN + REPLY_RESERVE)
#define MAX_LABELS	32
#define MAX_TEXT	128		/* run id, label keys and values, policy names */
#define MAX_TALLIES	64		/* rules whose alerts a cellrun is told of by count */
#define HOOKS_CGROUP	"hooks"		/* in the cells' parent: none of them, ever empty */

enum source_kind { SRC_RINGS, SRC_LISTEN, SRC_SIGNAL, SRC_HTTP, SRC_CLIENT, SRC_CELL };

/* What an epoll wake-up is about: the first member of everything it points to. */
struct source {
	enum source_kind kind;
	int fd;
};

/* A rule's alerts to a cellrun: sent whole, and not sent whole since it was last told. */
struct tally {
	char *rule;
	unsigned int sent;
	__u64 untold;
};

struct client {
	struct source src;
	bool subscriber;
	__u64 cell;			/* the cell it registered, 0: none */
	/* Of that cell, for its cellrun's events after the cell was reaped. */
	char *run_id;
	json_t *labels;
	char *queue[QUEUE_CAP];		/* messages the socket could not take yet */
	unsigned int head, len;
	__u64 dropped;			/* not queued since the last notice */
	struct tally tally[MAX_TALLIES];	/* its cell's alerts, by rule */
	unsigned int ntally;
	bool untold;			/* some tally has alerts to tell */
	bool deaf;			/* a reply found no room: it reads none, and is closed */
	struct client *next;
};

struct cell {
	struct source src;		/* its cgroup.events, for "populated 0" */
	__u64 id;
	int cgroup_fd;
	char *path;
	char *run_id;
	char *policy;
	json_t *labels;
	struct client *owner;		/* the registering cellrun, while connected */
	bool emptied;			/* no task left: done once the rings pass @mark */
	bool told;			/* its owner has its end: the critical ring passed @mark */
	struct cw_ring_mark mark;
	struct cell *next;
};

struct daemon {
	/* options */
	struct cw_session_opts so;
	const char *socket_path, *socket_group, *metrics_addr;
	const char *state_dir, *pin_dir;
	char parent[PATH_MAX];		/* cells are its children */
	bool to_syslog;
	struct cw_syslog_opts syslog_opts;
	size_t backlog_len;
	struct cw_config *config;	/* the file the options above may point into */

	struct cw_session *s;		/* the monitor, policies and log */
	struct cw_monitor *mon;		/* s->mon */
	struct cw_syslog *syslog;
	struct cw_metrics *metrics;
	struct cw_http *http;
	int ep;
	struct source rings, listen, signals, http_src;
	struct client *clients;
	struct cell *cells;
	char **backlog;			/* the last backlog_len event lines, a ring */
	size_t backlog_head, backlog_n;
	__u64 write_errors, subscriber_drops;	/* of the outputs past the session's */
	int keeper_fd;			/* the link keeper, when links could not be pinned */
	pid_t keeper_pid;
	unsigned long long watchdog_ms;	/* the service manager's, 0: none */
	long long kicked_ms, told_ms;	/* its last WATCHDOG=1 and STATUS= */
	bool stop;
};

/* daemon.c */
int watch_fd(struct daemon *d, struct source *src, __u32 events);
struct cell *cell_by_id(struct daemon *d, __u64 id);

/* clients.c */
bool client_flush(struct daemon *d, struct client *c);
void client_close(struct daemon *d, struct client *c);
void client_send(struct daemon *d, struct client *c, const char *text);
void client_reply(struct daemon *d, struct client *c, json_t *doc);
void client_alert(struct daemon *d, struct client *c, const struct cw_record *rec,
		  const char *text);
void client_tell_untold(struct daemon *d, struct client *c, bool before_end);

/* cells.c */
void check_cell(struct daemon *d, struct cell *c);
void reap_delivered(struct daemon *d);
void free_cell(struct cell *c);
void client_readable(struct daemon *d, struct client *c);
void accept_client(struct daemon *d);
void adopt_cells(struct daemon *d);

/* outputs.c */
extern const struct cw_session_hooks daemon_hooks;
#define CELL_POLICY	"cell-policy"	/* the alerts of a cell's policy, no rule */
void declare_metrics(struct daemon *d);
void load_drops_reported(struct daemon *d);
void emit_cell_record(struct daemon *d, struct cell *c, const char *action,
		      const char *type);

/* links.c */
void disarm_keeper(struct daemon *d);
int arm_keeper(struct daemon *d, pid_t *old_keeper);
void keeper_hold_cell(struct daemon *d, __u64 id);

#endif /* CW_DAEMON_INTERNAL_H */
