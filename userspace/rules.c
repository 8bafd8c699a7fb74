// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include <jansson.h>

#include "rules.h"

static const char *const prio_names[] = {
	[CW_PRIO_EMERGENCY] = "emergency",	[CW_PRIO_ALERT] = "alert",
	[CW_PRIO_CRITICAL] = "critical",	[CW_PRIO_ERROR] = "error",
	[CW_PRIO_WARNING] = "warning",		[CW_PRIO_NOTICE] = "notice",
	[CW_PRIO_INFORMATIONAL] = "informational", [CW_PRIO_DEBUG] = "debug",
};

static const char *const action_names[] = {
	[CW_ACTION_NONE] = "none",
	[CW_ACTION_ALERT] = "alert",
	[CW_ACTION_KILL] = "kill",
	[CW_ACTION_DENY] = "deny",
};

static const char *const event_names[] = {
	[CW_EVENT_EXEC] = "exec",
	[CW_EVENT_OPEN] = "open",
	[CW_EVENT_NET] = "network",
};

/* Directories searched for a binary named without a path. */
static const char *const bin_dirs[] = {
	"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *cw_priority_name(enum cw_priority prio)
{
	return (unsigned int)prio < ARRAY_SIZE(prio_names) ? prio_names[prio] : "unknown";
}

const char *cw_action_name(__u32 action)
{
	return action < ARRAY_SIZE(action_names) ? action_names[action] : "unknown";
}

static int lookup_name(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (names[i] && !strcmp(names[i], s))
			return i;
	}
	return -1;
}

struct parser {
	const char *file;
	const char *rule;		/* rule being parsed, for messages */
	json_t *lists;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (p->rule)
		n = snprintf(p->err, p->errlen, "%s: rule '%s': ", p->file, p->rule);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->file);
	if (n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int get_string(struct parser *p, json_t *obj, const char *key, bool required,
		      const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v)
		return required ? fail(p, "missing \"%s\"", key) : 0;
	if (!json_is_string(v) || !json_string_length(v))
		return fail(p, "\"%s\" must be a non-empty string", key);
	*out = json_string_value(v);
	return 0;
}

/* Append the strings of @arr to @out, expanding "@list" references once. */
static int collect_strings(struct parser *p, json_t *arr, const char *what, char ***out,
			   size_t *n, bool expand)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return fail(p, "\"%s\" must be an array of strings", what);
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		char **grown;

		if (!s || !*s)
			return fail(p, "\"%s\"[%zu] must be a non-empty string", what, i);
		if (expand && s[0] == '@') {
			json_t *list = json_object_get(p->lists, s + 1);

			if (!list)
				return fail(p, "\"%s\"[%zu]: no list named '%s'", what, i, s + 1);
			if (collect_strings(p, list, s, out, n, false))
				return -EINVAL;
			continue;
		}
		grown = realloc(*out, (*n + 1) * sizeof(**out));
		if (!grown)
			return -ENOMEM;
		*out = grown;
		(*out)[*n] = strdup(s);
		if (!(*out)[*n])
			return -ENOMEM;
		(*n)++;
	}
	return 0;
}

static int parse_match(struct parser *p, json_t *match, struct cw_rule *r)
{
	const char *key;
	json_t *v;

	if (!json_is_object(match))
		return fail(p, "\"match\" must be an object");
	json_object_foreach(match, key, v) {
		if (!strcmp(key, "binary") && r->event == CW_EVENT_EXEC) {
			if (collect_strings(p, v, "match.binary", &r->binaries, &r->nbinaries, true))
				return -EINVAL;
		} else {
			return fail(p, "unknown matcher \"%s\" for %s events", key,
				    event_names[r->event]);
		}
	}
	if (!r->nbinaries)
		return fail(p, "\"match\" selects nothing");
	return 0;
}

static int parse_rule(struct parser *p, json_t *obj, struct cw_rule *r)
{
	const char *name, *desc, *event, *action, *prio;
	json_t *enabled, *tags;
	int idx;

	if (!json_is_object(obj))
		return fail(p, "rule %u is not an object", r->id);
	if (get_string(p, obj, "name", true, &name))
		return -EINVAL;
	p->rule = name;
	if (get_string(p, obj, "description", true, &desc) ||
	    get_string(p, obj, "event", true, &event) ||
	    get_string(p, obj, "action", true, &action) ||
	    get_string(p, obj, "priority", true, &prio))
		return -EINVAL;

	idx = lookup_name(event_names, ARRAY_SIZE(event_names), event);
	if (idx < 0)
		return fail(p, "unknown event \"%s\" (exec, open, network)", event);
	r->event = idx;
	idx = lookup_name(action_names, ARRAY_SIZE(action_names), action);
	if (idx <= CW_ACTION_NONE || idx == CW_ACTION_DENY)
		return fail(p, "unknown action \"%s\" (alert, kill)", action);
	r->action = idx;
	idx = lookup_name(prio_names, ARRAY_SIZE(prio_names), prio);
	if (idx < 0)
		return fail(p, "unknown priority \"%s\" (emergency ... debug)", prio);
	r->priority = idx;

	enabled = json_object_get(obj, "enabled");
	if (enabled && !json_is_boolean(enabled))
		return fail(p, "\"enabled\" must be true or false");
	tags = json_object_get(obj, "tags");
	if (tags && collect_strings(p, tags, "tags", &r->tags, &r->ntags, false))
		return -EINVAL;
	r->name = strdup(name);
	r->description = strdup(desc);
	if (!r->name || !r->description)
		return -ENOMEM;
	if (parse_match(p, json_object_get(obj, "match") ?: json_null(), r))
		return -EINVAL;
	if (enabled && json_is_false(enabled))
		return 1;
	return 0;
}

static void free_rule(struct cw_rule *r)
{
	for (size_t i = 0; i < r->ntags; i++)
		free(r->tags[i]);
	for (size_t i = 0; i < r->nbinaries; i++)
		free(r->binaries[i]);
	free(r->tags);
	free(r->binaries);
	free(r->name);
	free(r->description);
	memset(r, 0, sizeof(*r));
}

void cw_rules_free(struct cw_ruleset *rs)
{
	for (size_t i = 0; i < rs->nrules; i++)
		free_rule(&rs->rules[i]);
	free(rs->rules);
	free(rs->source);
	memset(rs, 0, sizeof(*rs));
}

static int parse_ruleset(struct parser *p, json_t *root, struct cw_ruleset *rs)
{
	json_t *rules, *obj;
	size_t i;
	int ret;

	if (!json_is_object(root))
		return fail(p, "top level must be an object with \"rules\"");
	p->lists = json_object_get(root, "lists");
	if (p->lists && !json_is_object(p->lists))
		return fail(p, "\"lists\" must be an object of string arrays");
	rules = json_object_get(root, "rules");
	if (!json_is_array(rules))
		return fail(p, "\"rules\" must be an array");
	rs->rules = calloc(json_array_size(rules) + 1, sizeof(*rs->rules));
	if (!rs->rules)
		return -ENOMEM;
	json_array_foreach(rules, i, obj) {
		struct cw_rule *r = &rs->rules[rs->nrules];

		p->rule = NULL;
		r->id = rs->nrules + 1;
		ret = parse_rule(p, obj, r);
		if (ret < 0) {
			free_rule(r);
			return ret;
		}
		for (size_t j = 0; j < rs->nrules; j++) {
			if (!strcmp(rs->rules[j].name, r->name)) {
				free_rule(r);
				return fail(p, "duplicate rule name");
			}
		}
		if (ret > 0)	/* disabled: validated, not kept */
			free_rule(r);
		else
			rs->nrules++;
	}
	return 0;
}

int cw_rules_load(struct cw_ruleset *rs, const char *path, char *err, size_t errlen)
{
	struct parser p = { .file = path, .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(rs, 0, sizeof(*rs));
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	ret = parse_ruleset(&p, root, rs);
	json_decref(root);
	if (!ret) {
		rs->source = strdup(path);
		if (!rs->source)
			ret = -ENOMEM;
	}
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	if (ret)
		cw_rules_free(rs);
	return ret;
}

const struct cw_rule *cw_rules_by_id(const struct cw_ruleset *rs, __u32 id)
{
	if (!rs || id == 0 || id > rs->nrules)
		return NULL;
	return &rs->rules[id - 1];
}

/* The kernel's dev_t encoding (MKDEV in include/linux/kdev_t.h). */
static __u64 kernel_dev(dev_t dev)
{
	return ((__u64)major(dev) << 20) | minor(dev);
}

static int add_inode(int fd, const char *path, const struct cw_exec_rule *val)
{
	struct cw_inode_key key = {};
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return 0;	/* not on this host: the name rule still applies */
	key.dev = kernel_dev(st.st_dev);
	key.ino = st.st_ino;
	/* First rule wins, as rules are listed in priority order. */
	if (bpf_map_update_elem(fd, &key, val, BPF_NOEXIST) && errno != EEXIST)
		return -errno;
	return 0;
}

static int add_name(int fd, const char *name, const struct cw_exec_rule *val)
{
	struct cw_name_key key = {};

	if (strlen(name) >= sizeof(key.name))
		return 0;	/* the kernel compares CW_NAME_MAX - 1 bytes at most */
	memcpy(key.name, name, strlen(name));
	if (bpf_map_update_elem(fd, &key, val, BPF_NOEXIST) && errno != EEXIST)
		return -errno;
	return 0;
}

static int compile_binary(const char *bin, int inode_fd, int name_fd,
			  const struct cw_exec_rule *val)
{
	const char *base = strrchr(bin, '/');
	char path[4096];
	int err;

	if (base) {
		err = add_inode(inode_fd, bin, val);
		return err ?: add_name(name_fd, base + 1, val);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bin_dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", bin_dirs[i], bin);
		err = add_inode(inode_fd, path, val);
		if (err)
			return err;
	}
	return add_name(name_fd, bin, val);
}

int cw_rules_compile(const struct cw_ruleset *rs, int inode_map_fd, int name_map_fd,
		     char *err, size_t errlen)
{
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct cw_rule *r = &rs->rules[i];
		struct cw_exec_rule val = { .rule_id = r->id, .action = r->action };

		if (r->event != CW_EVENT_EXEC)
			continue;
		for (size_t j = 0; j < r->nbinaries; j++) {
			int ret = compile_binary(r->binaries[j], inode_map_fd, name_map_fd, &val);

			if (ret) {
				snprintf(err, errlen, "%s: rule '%s': binary '%s': %s", rs->source,
					 r->name, r->binaries[j], strerror(-ret));
				return ret;
			}
		}
	}
	return 0;
}
