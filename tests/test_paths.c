// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests: canonical paths of failed opens (userspace/lib/paths.c), their
 * decoding from the kernel's record, their ECS fields and the rules that
 * match them.
 */
#include <fcntl.h>

#include "event.h"
#include "ecs.h"
#include "paths.h"
#include "rules.h"
#include "test.h"

#define PID 7
#define TID 9

static const struct {
	const char *name;
	const char *base;	/* NULL: none known */
	bool in_root;
	const char *want;
} cases[] = {
	/* Absolute names: folded on their own. */
	{ "/etc/shadow", NULL, false, "/etc/shadow" },
	{ "/etc//shadow", NULL, false, "/etc/shadow" },
	{ "//etc///shadow//", NULL, false, "/etc/shadow" },
	{ "/etc/./shadow", NULL, false, "/etc/shadow" },
	{ "/tmp/../etc/shadow", NULL, false, "/etc/shadow" },
	{ "/../../etc/shadow", NULL, false, "/etc/shadow" },
	{ "/etc/x/y/../../shadow", NULL, false, "/etc/shadow" },
	{ "/", NULL, false, "/" },
	{ "/..", NULL, false, "/" },
	{ "/etc/..", NULL, false, "/" },
	/* Relative names: joined to the cwd or dirfd the kernel resolved. */
	{ "../../etc/shadow", "/tmp", false, "/etc/shadow" },
	{ "../etc/shadow", "/tmp", false, "/etc/shadow" },
	{ "shadow", "/etc", false, "/etc/shadow" },
	{ "./shadow", "/etc", false, "/etc/shadow" },
	{ "", "/etc", false, "/etc" },
	{ "..", "/", false, "/" },
	{ "a/b", "/", false, "/a/b" },
	{ "/etc/shadow", "/tmp", false, "/etc/shadow" },	/* the base does not apply */
	/* RESOLVE_IN_ROOT: the base is the root; ".." and "/" stay beneath it. */
	{ "/etc/shadow", "/srv/root", true, "/srv/root/etc/shadow" },
	{ "../../etc/shadow", "/srv/root", true, "/srv/root/etc/shadow" },
	{ "x/../../..", "/srv/root", true, "/srv/root" },
	{ "/etc/shadow", "/", true, "/etc/shadow" },
	/* No base (a bad dirfd): relative stays relative, unknown ".." kept. */
	{ "../../etc/shadow", NULL, false, "../../etc/shadow" },
	{ "a/../../b", NULL, false, "../b" },
	{ "a/..", NULL, false, "." },
	{ "", NULL, false, "." },
	/* The cell's root through procfs magic links. */
	{ "/proc/self/root/etc/shadow", NULL, false, "/etc/shadow" },
	{ "/proc/thread-self/root/etc/shadow", NULL, false, "/etc/shadow" },
	{ "/proc/1/root/etc/shadow", NULL, false, "/etc/shadow" },
	{ "/proc/1/task/3/root/etc/shadow", NULL, false, "/etc/shadow" },
	{ "/proc/self/root/proc/1/root/etc//shadow", NULL, false, "/etc/shadow" },
	{ "/proc/self/root/../../etc/shadow", NULL, false, "/etc/shadow" },
	{ "root/etc/shadow", "/proc/1", false, "/etc/shadow" },
	{ "self/root/etc/shadow", "/proc", false, "/etc/shadow" },
	{ "/proc/self/cwd/root/etc/shadow", NULL, false, "/proc/7/cwd/root/etc/shadow" },
	{ "/proc/x1/root/etc/shadow", NULL, false, "/proc/x1/root/etc/shadow" },
	{ "/srv/proc/1/root/etc", NULL, false, "/srv/proc/1/root/etc" },
	{ "/proc/1/root", "/srv", true, "/srv/proc/1/root" },
	/* /proc/self and /proc/thread-self: the caller's pid and tid. */
	{ "/proc/self/environ", NULL, false, "/proc/7/environ" },
	{ "/proc/thread-self/environ", NULL, false, "/proc/7/task/9/environ" },
	{ "/proc/thread-self/../../environ", NULL, false, "/proc/7/environ" },
	{ "/proc/1/../1/environ", NULL, false, "/proc/1/environ" },
	{ "/proc/self/../self/./environ", NULL, false, "/proc/7/environ" },
	{ "environ", "/proc/12", false, "/proc/12/environ" },
	{ "/proc/./self/environ", NULL, false, "/proc/7/environ" },
	{ "/tmp/proc/self/environ", NULL, false, "/tmp/proc/self/environ" },
};

UNIT_TEST(paths_canonical_table)
{
	char out[CW_PATH_MAX], what[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cw_path_in in = {
			.name = cases[i].name, .base = cases[i].base,
			.base_is_root = cases[i].in_root, .pid = PID, .tid = TID,
		};
		int len = cw_path_canonical(&in, out, sizeof(out));

		snprintf(what, sizeof(what), "'%s' from '%s'%s", cases[i].name,
			 cases[i].base ?: "(none)", cases[i].in_root ? " in root" : "");
		ASSERT_STREQ(out, cases[i].want, what);
		ASSERT_EQ(len, strlen(cases[i].want), what);
	}
}

UNIT_TEST(paths_unknown_pid_keeps_self)
{
	struct cw_path_in in = { .name = "/proc/self/environ" };
	char out[64];

	cw_path_canonical(&in, out, sizeof(out));
	ASSERT_STREQ(out, "/proc/self/environ", "no pid: no rewrite");
	in.name = "/proc/thread-self/root/etc/shadow";
	cw_path_canonical(&in, out, sizeof(out));
	ASSERT_STREQ(out, "/etc/shadow", "the root is the root whoever asks");
}

UNIT_TEST(paths_too_long)
{
	struct cw_path_in in = { .name = "/etc/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/../shadow" };
	char out[16];

	ASSERT_EQ(cw_path_canonical(&in, out, sizeof(out)), -ENAMETOOLONG, "said");
	ASSERT_TRUE(memchr(out, '\0', sizeof(out)), "still a string");
	/* What did not fit is not folded away by the ".." after it. */
	ASSERT_STREQ(out, "/etc", "no /shadow made out of a cut path");
	in.name = "/etc/../etc/./shadow";
	ASSERT_EQ(cw_path_canonical(&in, out, sizeof(out)), 11, "the fold fits");
	ASSERT_STREQ(out, "/etc/shadow", "folded");
}

/* A failed open's record as bpf/open.bpf.h writes it: the name, then the base. */
static size_t failed_open(struct cw_open_event *e, const char *name, const char *base,
			  __u32 base_kind)
{
	memset(e, 0, sizeof(*e));
	e->hdr.type = CW_EVENT_OPEN;
	e->hdr.flags = CW_F_UNRESOLVED;
	e->hdr.pid = 5000;
	e->ret = -EACCES;
	e->flags = O_RDONLY;
	e->ns_pid = PID;
	e->ns_tid = TID;
	e->path_len = strlen(name) + 1;
	memcpy(e->path, name, e->path_len);
	if (base) {
		e->base = base_kind;
		e->base_len = strlen(base) + 1;
		memcpy(e->path + e->path_len, base, e->base_len);
	}
	return offsetof(struct cw_open_event, path) + e->path_len + e->base_len;
}

UNIT_TEST(paths_decode_failed_open)
{
	static struct cw_open_event raw;
	static struct cw_event ev;
	size_t size = failed_open(&raw, "../../etc//shadow", "/tmp/work", CW_BASE_CWD);
	json_t *doc;

	if (!ASSERT_OK(cw_event_decode(&ev, &raw, size), "decode"))
		return;
	ASSERT_STREQ(cw_event_path(&ev), "/etc/shadow", "canonical path");
	ASSERT_EQ(ev.open.path_len, strlen("/etc/shadow") + 1, "its length");
	ASSERT_STREQ(cw_event_requested(&ev), "../../etc//shadow", "the caller's string");
	doc = cw_event_to_ecs(&ev);
	if (ASSERT_OK_PTR(doc, "encode")) {
		ASSERT_STREQ(jstr(doc, "file.path"), "/etc/shadow", "file.path");
		ASSERT_STREQ(jstr(doc, "cellwatch.path_requested"), "../../etc//shadow",
			     "cellwatch.path_requested");
		ASSERT_TRUE(json_is_false(jget(doc, "cellwatch.path_resolved")), "not resolved");
		json_decref(doc);
	}

	/* The thread-self of the caller's namespace, not the host's pid. */
	size = failed_open(&raw, "/proc/thread-self/environ", NULL, 0);
	if (ASSERT_OK(cw_event_decode(&ev, &raw, size), "decode /proc"))
		ASSERT_STREQ(cw_event_path(&ev), "/proc/7/task/9/environ", "ns pid and tid");

	/* A successful open is the kernel's path, untouched and with no requested string. */
	size = failed_open(&raw, "/etc//x", NULL, 0);
	raw.hdr.flags = 0;
	raw.ret = 3;
	if (ASSERT_OK(cw_event_decode(&ev, &raw, size), "decode success")) {
		ASSERT_STREQ(cw_event_path(&ev), "/etc//x", "as the kernel resolved it");
		ASSERT_NULL(cw_event_requested(&ev), "nothing requested");
	}
}

UNIT_TEST(paths_decode_rejects_bad_base)
{
	static struct cw_open_event raw;
	static struct cw_event ev;
	size_t size;

	size = failed_open(&raw, "shadow", "/etc", CW_BASE_DIRFD);
	ASSERT_EQ(cw_event_decode(&ev, &raw, size - 1), -EINVAL, "size without the base's NUL");
	raw.base = CW_BASE_BADFD;
	ASSERT_EQ(cw_event_decode(&ev, &raw, size), -EINVAL, "a base where none can be");
	size = failed_open(&raw, "shadow", "etc", CW_BASE_DIRFD);
	ASSERT_EQ(cw_event_decode(&ev, &raw, size), -EINVAL, "a relative base");
	size = failed_open(&raw, "shadow", "/etc", CW_BASE_CWD);
	raw.hdr.flags = 0;
	raw.ret = 3;
	ASSERT_EQ(cw_event_decode(&ev, &raw, size), -EINVAL, "a base on a successful open");
	size = failed_open(&raw, "shadow", "/etc", CW_BASE_CWD);
	raw.base_len = CW_PATH_MAX;
	ASSERT_EQ(cw_event_decode(&ev, &raw, size), -EINVAL, "lengths past the buffer");
	raw.base_len = (__u32)-raw.path_len;
	ASSERT_EQ(cw_event_decode(&ev, &raw, size), -EINVAL, "lengths that wrap");
}

/* The default policy's secret rule sees through every spelling of /etc/shadow. */
UNIT_TEST(paths_default_rules_match_canonical)
{
	static const struct {
		const char *name, *base;
		__u32 kind;
	} forms[] = {
		{ "/etc//shadow", NULL, 0 },
		{ "/etc/./shadow", NULL, 0 },
		{ "/tmp/../etc/shadow", NULL, 0 },
		{ "../../etc/shadow", "/tmp", CW_BASE_CWD },
		{ "shadow", "/etc", CW_BASE_DIRFD },
		{ "/proc/self/root/etc/shadow", NULL, 0 },
		{ "/proc/thread-self/root/etc/shadow", NULL, 0 },
	};
	static struct cw_open_event raw;
	static struct cw_event ev;
	struct cw_ruleset rs;
	char path[4096], err[512] = "";

	snprintf(path, sizeof(path), "%s/rules/default.json", src_dir);
	if (!ASSERT_OK(cw_rules_load(&rs, path, err, sizeof(err)), err))
		return;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t size = failed_open(&raw, forms[i].name, forms[i].base, forms[i].kind);
		const struct cw_rule *hit = NULL;

		if (!ASSERT_OK(cw_event_decode(&ev, &raw, size), forms[i].name))
			continue;
		for (size_t r = 0; r < rs.nrules && !hit; r++) {
			if (rs.rules[r].event == CW_EVENT_OPEN &&
			    cw_rule_matches(&rs.rules[r], &ev))
				hit = &rs.rules[r];
		}
		if (ASSERT_OK_PTR(hit, forms[i].name))
			ASSERT_STREQ(hit->name, "secret-file-read", forms[i].name);
	}
	cw_rules_free(&rs);
}

/*
 * A process's environment by any /proc spelling: thread-self names the
 * thread's directory, whose environ is the process's.
 */
UNIT_TEST(paths_default_rules_match_environ)
{
	static const char *const forms[] = {
		"/proc/self/environ", "/proc/thread-self/environ", "/proc/1/../1/environ",
		"/proc/1/task/1/environ", "/proc/self/root/proc/1/environ",
	};
	static struct cw_open_event raw;
	static struct cw_event ev;
	struct cw_ruleset rs;
	char path[4096], err[512] = "";

	snprintf(path, sizeof(path), "%s/rules/default.json", src_dir);
	if (!ASSERT_OK(cw_rules_load(&rs, path, err, sizeof(err)), err))
		return;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		const struct cw_rule *hit = NULL;

		if (!ASSERT_OK(cw_event_decode(&ev, &raw, failed_open(&raw, forms[i], NULL, 0)),
			       forms[i]))
			continue;
		for (size_t r = 0; r < rs.nrules && !hit; r++) {
			if (rs.rules[r].event == CW_EVENT_OPEN &&
			    cw_rule_matches(&rs.rules[r], &ev))
				hit = &rs.rules[r];
		}
		if (ASSERT_OK_PTR(hit, forms[i]))
			ASSERT_STREQ(hit->name, "credential-glob-read", forms[i]);
	}
	cw_rules_free(&rs);
}
