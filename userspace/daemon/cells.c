// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Cells: registration, tracking, reaping by ring marks, and taking them over
 * after a restart.
 */
#include "internal.h"

static void state_path(struct daemon *d, __u64 id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/cells/%llu.json", d->state_dir, (unsigned long long)id);
}

/* What a restarted daemon needs to take the cell over: written whole (rename) before the ack. */
static int save_state(struct daemon *d, struct cell *c)
{
	json_t *doc = json_pack("{s:I, s:s, s:s, s:s?, s:O?}", "cell_id", (json_int_t)c->id,
				"cgroup", c->path, "policy", c->policy, "run_id", c->run_id,
				"labels", c->labels);
	char path[PATH_MAX], *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	int ret;

	json_decref(doc);
	if (!text)
		return -ENOMEM;
	state_path(d, c->id, path, sizeof(path));
	ret = cw_write_file(path, text);
	free(text);
	return ret;
}

void free_cell(struct cell *c)
{
	if (c->src.fd >= 0)
		close(c->src.fd);
	if (c->cgroup_fd >= 0)
		close(c->cgroup_fd);
	free(c->path);
	free(c->run_id);
	free(c->policy);
	json_decref(c->labels);
	free(c);
}

/* 1 when the cgroup open at @events_fd (its cgroup.events) has processes, 0, or -errno. */
static int populated(int events_fd)
{
	char buf[256];
	ssize_t n = pread(events_fd, buf, sizeof(buf) - 1, 0);
	char *p;

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	p = strstr(buf, "populated ");
	return p ? p[10] == '1' : -EINVAL;
}

/* Watch @c: its hooks are in place; now follow its cgroup until it empties. */
static int track_cell(struct daemon *d, struct cell *c)
{
	int ret;

	c->src.kind = SRC_CELL;
	c->src.fd = openat(c->cgroup_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (c->src.fd < 0)
		return -errno;
	ret = watch_fd(d, &c->src, EPOLLPRI);
	if (ret)
		return ret;
	c->next = d->cells;
	d->cells = c;
	return 0;
}

/*
 * Every alert of the emptied cell has been read (only the critical ring
 * carries records a rule judges): its cellrun may write the verdict, with
 * the cell's losses, final since no task of it is left.
 */
static void tell_end(struct daemon *d, struct cell *c)
{
	struct cw_cell_loss lost;
	int ret;

	c->told = true;
	if (!c->owner)
		return;
	/* Unanswered, its cellrun says the end was never confirmed: no count made up. */
	ret = cw_monitor_cell_loss(d->mon, c->id, &lost);
	if (ret) {
		cw_warn("cell %llu: its losses: %s", (unsigned long long)c->id, strerror(-ret));
		return;
	}
	client_tell_untold(d, c->owner, true);
	client_reply(d, c->owner, json_pack("{s:s, s:I, s:{s:I, s:I}}", "reply", "end",
					    "cell_id", (json_int_t)c->id, "events_lost",
					    "bulk", (json_int_t)lost.bulk,
					    "critical", (json_int_t)lost.critical));
}

/* Every record of the emptied cell has been read: log its end, forget it. */
static void reap_cell(struct daemon *d, struct cell *c)
{
	struct cell **pp;
	char path[PATH_MAX];
	int ret;

	/* Its losses before the kernel forgets them with the cell. */
	cw_session_report_loss(d->s, c->id);
	if (d->keeper_fd >= 0)
		cw_keeper_drop(d->keeper_fd, c->id);
	ret = cw_monitor_remove_cell(d->mon, c->id);
	if (ret)
		cw_warn("remove cell %llu: %s", (unsigned long long)c->id, strerror(-ret));
	state_path(d, c->id, path, sizeof(path));
	unlink(path);
	emit_cell_record(d, c, "cell-ended", "end");
	for (pp = &d->cells; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	epoll_ctl(d->ep, EPOLL_CTL_DEL, c->src.fd, NULL);
	free_cell(c);
}

/*
 * An emptied cell caused every event it will: they lie in the rings before
 * where the producers stand now.  It is reaped once the daemon has read
 * that far (reap_delivered()), never by draining the rings at once, which
 * another cell's flood would make endless.
 */
void check_cell(struct daemon *d, struct cell *c)
{
	int ret;

	if (c->emptied)
		return;
	ret = populated(c->src.fd);
	/* ENODEV: the cgroup was removed, so empty too. */
	if (ret == 0 || ret == -ENODEV) {
		c->emptied = true;
		cw_monitor_ring_mark(d->mon, &c->mark);
	}
}

void reap_delivered(struct daemon *d)
{
	struct cell *c = d->cells, *next;

	for (; c; c = next) {
		next = c->next;
		if (!c->emptied)
			continue;
		if (!c->told && cw_monitor_delivered(d->mon, &c->mark, CW_RING_CRITICAL))
			tell_end(d, c);
		/*
		 * Both rings: a backlog of critical records (a flood of judged
		 * opens) may trail an empty bulk ring, and a record read after
		 * the reap would lose its run's metadata and its verdict.
		 */
		if (c->told && cw_monitor_delivered(d->mon, &c->mark, CW_RING_BULK))
			reap_cell(d, c);
	}
}

/* The cgroup @req names, if it is a direct child of the cells' parent. */
static int resolve_cell_path(struct daemon *d, const char *req, char *real, char *err,
			     size_t errlen)
{
	char *slash;

	if (!realpath(req, real)) {
		snprintf(err, errlen, "cgroup %.300s: %s", req, strerror(errno));
		return -errno;
	}
	slash = strrchr(real, '/');
	if (!slash || (size_t)(slash - real) != strlen(d->parent) ||
	    strncmp(real, d->parent, slash - real)) {
		snprintf(err, errlen, "cgroup %.200s: not a child of %.200s", req, d->parent);
		return -EINVAL;
	}
	return 0;
}

static int check_text(json_t *v, const char *what, char *err, size_t errlen)
{
	if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > MAX_TEXT) {
		snprintf(err, errlen, "%s: a string of 1 to %d bytes expected", what, MAX_TEXT);
		return -EINVAL;
	}
	return 0;
}

static bool present(json_t *v)
{
	return v && !json_is_null(v);
}

/* Check a register request whole before anything is created. */
static int check_register(json_t *req, char *err, size_t errlen)
{
	json_t *labels = json_object_get(req, "labels"), *v;
	const char *k;

	if (!json_is_string(json_object_get(req, "cgroup"))) {
		snprintf(err, errlen, "cgroup: a path expected");
		return -EINVAL;
	}
	if (present(json_object_get(req, "run_id")) &&
	    check_text(json_object_get(req, "run_id"), "run_id", err, errlen))
		return -EINVAL;
	if (present(json_object_get(req, "policy")) &&
	    check_text(json_object_get(req, "policy"), "policy", err, errlen))
		return -EINVAL;
	if (!present(labels))
		return 0;
	if (!json_is_object(labels) || json_object_size(labels) > MAX_LABELS) {
		snprintf(err, errlen, "labels: an object of at most %d strings expected",
			 MAX_LABELS);
		return -EINVAL;
	}
	json_object_foreach(labels, k, v) {
		if (!*k || strlen(k) > MAX_TEXT) {
			snprintf(err, errlen, "labels: key '%.32s': 1 to %d bytes", k, MAX_TEXT);
			return -EINVAL;
		}
		if (check_text(v, "labels: value", err, errlen))
			return -EINVAL;
	}
	return 0;
}

/*
 * The labels as ECS keeps them: a key's dots become '_', or Elasticsearch
 * reads "app.kubernetes.io/name" as an object path and the next run's
 * "app" label as a conflicting type.  Two keys that meet that way are
 * refused, not merged.  A new object, or NULL with the reason in @err.
 */
static json_t *ecs_labels(json_t *labels, char *err, size_t errlen)
{
	json_t *out = json_object(), *v;
	const char *k;

	json_object_foreach(labels, k, v) {
		char key[MAX_TEXT + 1];

		snprintf(key, sizeof(key), "%s", k);
		cw_ecs_label_key(key);
		if (out && json_object_get(out, key)) {
			snprintf(err, errlen, "labels: '%.64s' is another label's key once dots "
				 "become '_'", k);
			json_decref(out);
			return NULL;
		}
		if (!out || json_object_set(out, key, v)) {
			snprintf(err, errlen, "labels: out of memory");
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static char *dup_opt(json_t *v)
{
	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static int register_cell(struct daemon *d, struct client *cl, json_t *req, char *err,
			 size_t errlen)
{
	const char *pname = json_string_value(json_object_get(req, "policy")) ?: "default";
	struct cw_policy *pol = cw_session_policy(d->s, pname);
	json_t *labels = NULL;
	char real[PATH_MAX];
	struct cell *c;
	int ret;

	ret = check_register(req, err, errlen);
	if (ret)
		return ret;
	if (!pol) {
		snprintf(err, errlen, "policy '%s': unknown", pname);
		return -ENOENT;
	}
	ret = resolve_cell_path(d, json_string_value(json_object_get(req, "cgroup")), real, err,
				errlen);
	if (ret)
		return ret;
	if (present(json_object_get(req, "labels"))) {
		labels = ecs_labels(json_object_get(req, "labels"), err, errlen);
		if (!labels)
			return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		json_decref(labels);
		return -ENOMEM;
	}
	c->src.fd = -1;
	c->path = strdup(real);
	c->policy = strdup(pname);
	c->run_id = dup_opt(json_object_get(req, "run_id"));
	c->labels = labels;
	c->cgroup_fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->cgroup_fd < 0 || !c->path || !c->policy) {
		ret = c->cgroup_fd < 0 ? -errno : -ENOMEM;
		snprintf(err, errlen, "open %.300s: %s", real, strerror(-ret));
		free_cell(c);
		return ret;
	}
	ret = cw_monitor_add_cell(d->mon, c->cgroup_fd, pol->id,
				  CW_NETPOL_DENY_EXTERNAL | CW_NETPOL_DENY_RAW, &c->id);
	if (ret) {
		snprintf(err, errlen, "watch %.300s: %s", real, strerror(-ret));
		free_cell(c);
		return ret;
	}
	ret = save_state(d, c);
	if (!ret)
		ret = track_cell(d, c);
	if (ret) {
		snprintf(err, errlen, "cell state: %s", strerror(-ret));
		cw_monitor_remove_cell(d->mon, c->id);
		free_cell(c);
		return ret;
	}
	keeper_hold_cell(d, c->id);
	c->owner = cl;
	cl->cell = c->id;
	cl->run_id = c->run_id ? strdup(c->run_id) : NULL;
	cl->labels = c->labels ? json_incref(c->labels) : NULL;
	emit_cell_record(d, c, "cell-registered", "start");
	client_reply(d, cl, json_pack("{s:s, s:b, s:I, s:b}", "reply", "register", "ok", 1,
				      "cell_id", (json_int_t)c->id,
				      "lsm", cw_monitor_lsm(d->mon, NULL)));
	/* Registered while already empty: nothing will ever wake us for it. */
	check_cell(d, c);
	return 0;
}

static void subscribe(struct daemon *d, struct client *c, json_t *req)
{
	json_int_t since = json_integer_value(json_object_get(req, "since"));
	size_t n = since < 0 ? 0 : (size_t)since;

	if (n > d->backlog_n)
		n = d->backlog_n;
	c->subscriber = true;
	client_reply(d, c, json_pack("{s:s, s:b, s:I}", "reply", "subscribe", "ok", 1,
				     "replayed", (json_int_t)n));
	for (size_t i = d->backlog_n - n; i < d->backlog_n; i++)
		client_send(d, c, d->backlog[(d->backlog_head + i) % d->backlog_len]);
}

static bool peer_is_root(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) && cred.uid == 0;
}

/*
 * An event cellrun saw for its own cell (its egress proxy's decisions, the
 * limits the run reached): logged like the kernel's, under the cell the
 * connection registered, whatever the document claims, also once the cell
 * was reaped (cellrun learns of a limit only when its run is over).
 */
static void cell_event(struct daemon *d, struct client *c, json_t *req)
{
	json_t *doc = json_object_get(req, "event");

	if (!c->cell || !json_is_object(doc) ||
	    !json_is_string(json_object_get(doc, "@timestamp")))
		return;
	doc = json_deep_copy(doc);
	if (!doc)
		return;
	cw_json_set(doc, "cellwatch.cell.id", json_integer(c->cell));
	cw_label_doc(doc, c->run_id, c->labels);
	cw_metrics_event(d->metrics, json_string_value(json_object_get(
		json_object_get(doc, "event"), "action")) ?: "?");
	cw_session_emit(d->s, doc, c->cell);
}

/*
 * The cell's cellrun saw it empty: its end need not wait for cgroup.events,
 * which the kernel holds back up to 12 ms (CGROUP_FILE_NOTIFY_MIN_INTV)
 * after the notice of the cell's start.  Only the connection that
 * registered the cell may say so, and the claim is not trusted:
 * check_cell() reads "populated" itself, so a cell that still runs stays
 * watched.  Answered with the end, or with the refusal.
 */
static void cell_empty(struct daemon *d, struct client *cl, json_t *req)
{
	json_t *id = json_object_get(req, "cell_id");
	struct cell *c = cl->cell ? cell_by_id(d, cl->cell) : NULL;
	const char *why;

	if (!cl->cell || !json_is_integer(id) || (__u64)json_integer_value(id) != cl->cell) {
		why = "not the cell this connection registered";
	} else if (!c || c->owner != cl) {
		why = "the cell has ended";
	} else {
		check_cell(d, c);
		if (c->emptied)
			return;
		why = "the cell still has processes";
	}
	client_reply(d, cl, json_pack("{s:s, s:b, s:O?, s:s}", "reply", "empty", "ok", 0,
				      "cell_id", id, "error", why));
}

static void handle_request(struct daemon *d, struct client *c, json_t *req)
{
	const char *op = json_string_value(json_object_get(req, "op"));
	char err[512];

	if (op && !strcmp(op, "subscribe")) {
		subscribe(d, c, req);
		return;
	}
	if (op && !strcmp(op, "event")) {
		cell_event(d, c, req);
		return;
	}
	if (op && !strcmp(op, "empty")) {
		cell_empty(d, c, req);
		return;
	}
	/* Where cellrun must create its cell for this daemon to take it. */
	if (op && !strcmp(op, "hello")) {
		client_reply(d, c, json_pack("{s:s, s:b, s:s}", "reply", "hello", "ok", 1,
					     "cgroup_parent", d->parent));
		return;
	}
	if (!op || strcmp(op, "register")) {
		client_reply(d, c, json_pack("{s:s, s:b, s:s}", "reply", op ?: "?", "ok", 0,
					     "error", "unknown op"));
		return;
	}
	if (c->cell) {
		snprintf(err, sizeof(err), "this connection already registered cell %llu",
			 (unsigned long long)c->cell);
	} else if (!peer_is_root(c->src.fd)) {
		snprintf(err, sizeof(err), "registering a cell needs uid 0");
	} else if (!register_cell(d, c, req, err, sizeof(err))) {
		return;
	}
	cw_warn("register refused: %s", err);
	client_reply(d, c, json_pack("{s:s, s:b, s:s}", "reply", "register", "ok", 0,
				     "error", err));
}

void client_readable(struct daemon *d, struct client *c)
{
	json_t *req;
	int ret = cw_api_recv(c->src.fd, &req, 0);

	if (ret == -ETIMEDOUT)
		return;
	if (ret == -EBADMSG) {
		client_reply(d, c, json_pack("{s:s, s:b, s:s}", "reply", "?", "ok", 0,
					     "error", "not a JSON object"));
	} else if (ret || !req) {
		client_close(d, c);
		return;
	} else {
		handle_request(d, c, req);
		json_decref(req);
	}
	if (c->deaf) {
		cw_warn("client closed: it left %u replies unread", c->len);
		client_close(d, c);
	}
}

void accept_client(struct daemon *d)
{
	int fd = accept4(d->listen.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c;

	if (fd < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->src = (struct source){ SRC_CLIENT, fd };
	if (watch_fd(d, &c->src, EPOLLIN)) {
		close(fd);
		free(c);
		return;
	}
	c->next = d->clients;
	d->clients = c;
}

/* ---- taking over after a restart ---- */

static struct cell *load_state(const char *file, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc = json_load_file(file, 0, &jerr);
	struct cell *c = NULL;

	if (!doc) {
		snprintf(err, errlen, "%.200s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_string(json_object_get(doc, "cgroup")) ||
	    !json_is_integer(json_object_get(doc, "cell_id"))) {
		snprintf(err, errlen, "%.200s: no cgroup or cell_id", file);
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto out;
	c->src.fd = -1;
	c->id = json_integer_value(json_object_get(doc, "cell_id"));
	c->path = dup_opt(json_object_get(doc, "cgroup"));
	c->policy = dup_opt(json_object_get(doc, "policy"));
	c->run_id = dup_opt(json_object_get(doc, "run_id"));
	c->labels = json_incref(json_object_get(doc, "labels"));
	c->cgroup_fd = c->path ? open(c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (c->cgroup_fd < 0) {
		snprintf(err, errlen, "%.200s: cgroup %.200s is gone", file, c->path ?: "?");
		free_cell(c);
		c = NULL;
	}
out:
	json_decref(doc);
	return c;
}

/* Take over one cell a dead daemon registered; false when it is over. */
static bool adopt(struct daemon *d, struct cell *c)
{
	struct cw_policy *pol = c->policy ? cw_session_policy(d->s, c->policy) : NULL;
	__u64 id;
	int ret, fd;

	if (!pol) {
		cw_warn("cell %llu: policy '%s' no longer configured: runs \"default\"",
			(unsigned long long)c->id, c->policy ?: "?");
		pol = cw_session_policy(d->s, "default");
		free(c->policy);
		c->policy = strdup("default");
	}
	fd = openat(c->cgroup_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	ret = fd < 0 ? -errno : populated(fd);
	if (fd >= 0)
		close(fd);
	if (ret <= 0)
		return false;
	ret = cw_monitor_adopt_cell(d->mon, c->cgroup_fd, pol->id, &id);
	if (!ret && id != c->id)
		ret = -ESTALE;	/* the path now names another cgroup */
	if (!ret)
		ret = track_cell(d, c);
	if (ret) {
		cw_warn("adopt cell %llu (%s): %s", (unsigned long long)c->id, c->path,
			strerror(-ret));
		return false;
	}
	emit_cell_record(d, c, "cell-adopted", "start");
	return true;
}

/*
 * A daemon found pins of an earlier one: take over the cells still
 * running, remove what is left of the others, then the old policies.
 */
void adopt_cells(struct daemon *d)
{
	__u64 ids[1024];
	int n = cw_monitor_kernel_cells(d->mon, ids, 1024), adopted = 0;
	char dir[PATH_MAX], path[PATH_MAX + 300], err[512];
	struct dirent *de;
	DIR *dd;

	snprintf(dir, sizeof(dir), "%s/cells", d->state_dir);
	dd = opendir(dir);
	while (dd && (de = readdir(dd))) {
		size_t len = strlen(de->d_name);
		struct cell *c;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		/* What a killed daemon's cw_write_file left half written: ID.json.PID.tmp */
		if (len > 4 && !strcmp(de->d_name + len - 4, ".tmp")) {
			unlink(path);
			continue;
		}
		if (len < 5 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		c = load_state(path, err, sizeof(err));
		if (c && adopt(d, c)) {
			adopted++;
			continue;
		}
		if (!c)
			cw_warn("%s", err);
		else
			free_cell(c);
		unlink(path);
	}
	if (dd)
		closedir(dd);
	for (int i = 0; i < n; i++) {
		if (!cell_by_id(d, ids[i]))
			cw_monitor_remove_cell(d->mon, ids[i]);
	}
	cw_monitor_purge_old_policies(d->mon);
	if (n || adopted)
		cw_warn("took over %d running cells of %d an earlier daemon left", adopted, n);
}

