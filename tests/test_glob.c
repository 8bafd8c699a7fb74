// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests: which globs the kernel decides at the open (the table of
 * conditions, userspace/lib/glob.c), what compile writes for them, and that
 * the per-component matcher answers as fnmatch(3) does on those globs.
 */
#include <fnmatch.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "glob.h"
#include "rules.h"
#include "test.h"

/* Parse one open rule with @glob and @action; returns 0 or -EINVAL with @err. */
static int parse_glob_rule(struct cw_ruleset *rs, const char *glob, const char *action,
			   char *err, size_t errlen)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "{\"rules\": [{\"name\": \"g\", \"description\": \"d\", \"event\": \"open\","
		 " \"match\": {\"glob\": [\"%s\"]}, \"action\": \"%s\", \"priority\": \"critical\"}]}",
		 glob, action);
	return cw_rules_parse(rs, "g.json", text, strlen(text), err, errlen);
}

UNIT_TEST(rules_glob_shapes_the_kernel_holds)
{
	static const struct {
		const char *glob, *why;	/* why: NULL when the kernel holds it */
	} cases[] = {
		{ "/proc/*/environ", NULL },
		{ "/home/*/.ssh/id_*", NULL },
		{ "/home/*/.config/gcloud/*", NULL },
		{ "/*", NULL },
		{ "/etc/*.pem", NULL },
		{ "/a/b/c/d/e/f/g/h", NULL },
		{ "/x/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL },		/* 31 bytes */
		{ "/x/aaaaaaaaaaaaaaa*bbbbbbbbbbbbbbbb", NULL },	/* 15 + 16 */
		{ "/a/b/c/d/e/f/g/h/i", "more than 8 components" },
		{ "proc/*/environ", "absolute globs" },
		{ "*.pem", "absolute globs" },
		{ "/etc//shadow", "an empty component" },
		{ "/etc/", "an empty component" },
		{ "/x/a*b*c", "has two '*'" },
		{ "/x/[ab]", "'[' in a component is judged in userspace" },
		{ "/x/id_?sa", "'?' in a component is judged in userspace" },
		{ "/x/a\\\\*", "'\\' in a component is judged in userspace" },
		{ "/x/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "32 literal bytes, at most 31" },
		{ "/x/aaaaaaaaaaaaaaaa*bbbbbbbbbbbbbbbb", "32 literal bytes, at most 31" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cw_ruleset rs;
		char err[512] = "";
		int ret;

		/* "kill" loads either way: judged in userspace when the kernel cannot. */
		if (!ASSERT_OK(parse_glob_rule(&rs, cases[i].glob, "kill", err, sizeof(err)), err))
			continue;
		ASSERT_EQ(rs.rules[0].kernel, cases[i].why ? CW_KERNEL_NONE : CW_KERNEL_OPEN_GLOB,
			  cases[i].glob);
		cw_rules_free(&rs);
		/* "deny" needs the kernel: refused, saying why, where the kernel cannot. */
		ret = parse_glob_rule(&rs, cases[i].glob, "deny", err, sizeof(err));
		if (!cases[i].why) {
			if (ASSERT_OK(ret, err))
				cw_rules_free(&rs);
			continue;
		}
		ASSERT_EQ(ret, -EINVAL, cases[i].glob);
		ASSERT_HAS(err, "rule 'g': deny needs a rule the kernel decides: \"glob\"", "which");
		ASSERT_HAS(err, cases[i].why, cases[i].glob);
	}
}

/* An in-memory map writer that says -EEXIST like the kernel's maps, keeping what it got. */
struct store {
	size_t n;
	struct {
		enum cw_rule_map map;
		struct cw_glob_key key;
		struct cw_glob_rule val;
	} e[64];
};

static int store_put(void *ctx, enum cw_rule_map map, const void *key, const void *val)
{
	struct store *s = ctx;

	if (map != CW_MAP_GLOB)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		if (!memcmp(&s->e[i].key, key, sizeof(s->e[i].key)))
			return -EEXIST;
	}
	if (s->n == sizeof(s->e) / sizeof(s->e[0]))
		return -ENOSPC;
	s->e[s->n].map = map;
	memcpy(&s->e[s->n].key, key, sizeof(s->e[s->n].key));
	memcpy(&s->e[s->n].val, val, sizeof(s->e[s->n].val));
	return (int)s->n++ * 0;
}

static const struct cw_glob_rule *stored(const struct store *s, __u8 depth, __u8 anchor,
					 const char *name, __u8 seq)
{
	struct cw_glob_key k = { .policy = 3, .depth = depth, .anchor = anchor, .seq = seq };

	strncpy(k.name, name, sizeof(k.name) - 1);
	for (size_t i = 0; i < s->n; i++) {
		if (!memcmp(&s->e[i].key, &k, sizeof(k)))
			return &s->e[i].val;
	}
	return NULL;
}

UNIT_TEST(rules_glob_compiles_by_anchor_in_rule_order)
{
	static struct store st;
	const struct cw_glob_rule *g;
	struct cw_ruleset rs;
	char err[512] = "", text[2048] = "{\"rules\": [";
	static const char *const globs[] = {
		"\"/proc/*/environ\"", "\"/home/*/.ssh/id_*\", \"/home/*/.aws/*\"", "\"/*/*\"",
		"\"/proc/*/environ\"",
	};

	for (size_t i = 0; i < sizeof(globs) / sizeof(globs[0]); i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "%s{\"name\": \"g%zu\", \"description\": \"d\", \"event\": \"open\","
			 " \"match\": {\"glob\": [%s]}, \"action\": \"kill-run\","
			 " \"priority\": \"critical\"}", i ? "," : "", i, globs[i]);
	strcat(text, "]}");
	if (!ASSERT_OK(cw_rules_parse(&rs, "g.json", text, strlen(text), err, sizeof(err)), err))
		return;
	for (size_t i = 0; i < rs.nrules; i++)
		ASSERT_OK(cw_rule_compile_entries(&rs.rules[i], 3, store_put, &st),
			  rs.rules[i].name);
	/* Anchored on the last literal component, the one that tells most. */
	g = stored(&st, 3, 0, "environ", 0);
	if (ASSERT_OK_PTR(g, "/proc/*/environ under (depth 3, the last, environ)")) {
		ASSERT_EQ(g->v.rule_id, 1, "the first rule");
		ASSERT_EQ(g->v.action, CW_ACTION_KILL_RUN, "its action");
		ASSERT_EQ(g->depth, 3, "three components");
		ASSERT_EQ(g->parts[2].star, 0, "proc: a literal");
		ASSERT_EQ(g->parts[1].star, 1, "*: a star");
		ASSERT_EQ(g->parts[1].len + g->parts[1].suffix_len, 0, "with nothing around it");
	}
	g = stored(&st, 3, 0, "environ", 1);
	if (ASSERT_OK_PTR(g, "the same glob again: next in its chain"))
		ASSERT_EQ(g->v.rule_id, 4, "of the later rule");
	g = stored(&st, 4, 1, ".ssh", 0);
	if (ASSERT_OK_PTR(g, "id_* under .ssh")) {
		ASSERT_EQ(g->parts[0].star, 1, "id_*: a star");
		ASSERT_EQ(g->parts[0].len, 3, "prefix id_");
		ASSERT_EQ(g->parts[0].suffix_len, 0, "no suffix");
		ASSERT_TRUE(!memcmp(g->parts[0].name, "id_", 3), "the prefix's bytes");
	}
	ASSERT_OK_PTR(stored(&st, 4, 1, ".aws", 0), "/home/*/.aws/* under .aws");
	ASSERT_OK_PTR(stored(&st, 2, CW_GLOB_ANY, "", 0), "no literal: the catch-all anchor");
	for (__u8 d = 2; d <= 4; d++)
		ASSERT_OK_PTR(stored(&st, d, CW_GLOB_MARK, "", 0), "a marker for each depth used");
	ASSERT_NULL(stored(&st, 5, CW_GLOB_MARK, "", 0), "none for a depth unused");
	/* A chain holds CW_GLOB_CHAIN globs: one more fails the compile, it is not dropped. */
	for (int i = 2; i < CW_GLOB_CHAIN; i++)
		ASSERT_OK(cw_rule_compile_entries(&rs.rules[0], 3, store_put, &st), "fill the chain");
	ASSERT_EQ(cw_rule_compile_entries(&rs.rules[0], 3, store_put, &st), -ENOSPC, "full");
	cw_rules_free(&rs);
}

/* The kernel's algorithm (mirrored in cw_glob_rule_matches) is fnmatch's on what it holds. */
UNIT_TEST(rules_glob_matcher_agrees_with_fnmatch)
{
	static const char *const globs[] = {
		"/proc/*/environ", "/home/*/.ssh/id_*", "/home/*/.aws/*", "/home/*/.kube/config",
		"/*", "/*/*", "/etc/*.pem", "/x/ab*ba", "/x/*a", "/x/a*", "/.*",
	};
	static const char *const paths[] = {
		"/proc/1/environ", "/proc/self/environ", "/proc/1/task/1/environ", "/proc/environ",
		"/proc/1/environment", "/home/u/.ssh/id_ed25519", "/home/u/.ssh/id_", "/home/u/.ssh/id",
		"/home/u/.ssh/known_hosts", "/home/u/x/.ssh/id_rsa", "/home/.ssh/id_rsa",
		"/home/u/.aws/credentials", "/home/u/.aws", "/home/u/.kube/config",
		"/home/u/.kube/config2", "/", "/etc", "/etc/a.pem", "/etc/.pem", "/etc/pem",
		"/etc/x/a.pem", "/x/aba", "/x/abba", "/x/abxba", "/x/a", "/x/ba", "/.env", "/x/",
	};

	for (size_t i = 0; i < sizeof(globs) / sizeof(globs[0]); i++) {
		struct cw_glob_rule g;
		char why[160];

		if (!ASSERT_OK(cw_glob_compile(globs[i], &g, why, sizeof(why)), why))
			continue;
		for (size_t j = 0; j < sizeof(paths) / sizeof(paths[0]); j++) {
			bool want = !fnmatch(globs[i], paths[j], FNM_PATHNAME);

			if (cw_glob_rule_matches(&g, paths[j]) != want) {
				ASSERT_EQ(!want, want, globs[i]);
				fprintf(stderr, "  on %s\n", paths[j]);
			}
		}
	}
}

/* ---- integration: the default policy's globs, decided at the open from inside a cell ---- */

#define PYTHON "/usr/bin/python3"

/*
 * cellrun under the default policy with @opts (up to 2 words, NULL-ended)
 * and --result; returns the parsed result.
 */
static json_t *run_default_with(char *const opts[], char *const argv[], struct cmd_result *res)
{
	char rules[4096];
	char *all[8] = { "--rules", default_rules(rules, sizeof(rules)),
			 "--result", (char *)test_path(2, "r.json") };

	for (int i = 0; opts && opts[i] && i < 3; i++)
		all[4 + i] = opts[i];
	ASSERT_OK(cellrun_with("log.json", all, argv, res), "cellrun");
	return read_json(test_path(2, "r.json"));
}

/*
 * The run died at the open of a secret: nothing of it printed, the kernel
 * (or the LSM) decided, no time passed between the open and the kill.
 */
static bool assert_killed_at_the_open(const struct cmd_result *res, json_t *result,
				      const char *what)
{
	json_t *log, *ev;
	bool ok;

	ok = ASSERT_EQ(res->status, 128 + 9, what);
	ok &= ASSERT_STREQ(res->out, "before\n", "nothing read, nothing printed after the open");
	ok &= ASSERT_STREQ(jstr(result, "reason"), "killed_by_rule", "result: reason");
	ok &= ASSERT_STREQ(jstr(result, "rule"), "credential-glob-read", "result: rule");
	ok &= ASSERT_KERNEL_LAYER(jstr(result, "layer"), "result: layer");
	log = read_log(test_path(1, "log.json"));
	ev = find_event(log, "rule.name", "credential-glob-read");
	ok &= ASSERT_OK_PTR(ev, "alert");
	if (ev) {
		ok &= ASSERT_STREQ(jstr(ev, "cellwatch.action"), "kill-run", "action");
		ok &= ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "decided in the kernel");
		ok &= ASSERT_EQ(jint(ev, "cellwatch.kill_latency_us"), 0, "killed in the open");
	}
	json_decref(log);
	return ok;
}

/*
 * Open, then read and print at once: the window a userspace verdict loses.
 * "sibling" opens the environment of another process of the cell.
 */
static const char environ_payload[] =
	"import os, sys, time\n"
	"path = sys.argv[1]\n"
	"if path == 'sibling':\n"
	"    child = os.fork()\n"
	"    if child == 0:\n"
	"        time.sleep(60)\n"
	"        os._exit(0)\n"
	"    path = '/proc/%d/environ' % child\n"
	"print('before', flush=True)\n"
	"fd = os.open(path, os.O_RDONLY)\n"
	"os.write(1, b'READ ' + os.read(fd, 4096))\n";

/*
 * Ten rounds, against a race the kill could lose; where the time scale says
 * the CPU is emulated (each run's monitor load takes seconds), fewer.
 */
TEST(policy_glob_environ_killed_at_the_open)
{
	static const char *const paths[] = { "/proc/self/environ", "sibling" };
	int rounds = 10 / test_time_scale() ?: 1;

	if (!require_root())
		return;
	for (int i = 0; i < rounds; i++) {
		for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
			struct cmd_result res;
			json_t *result;
			bool ok;

			result = run_default_with(NULL, (char *[]){ PYTHON, "-c",
				(char *)environ_payload, (char *)paths[p], NULL }, &res);
			if (!ASSERT_OK_PTR(result, "result written"))
				return;
			ok = assert_killed_at_the_open(&res, result, paths[p]);
			json_decref(result);
			if (!ok) {
				fprintf(stderr, "run %d of %d, %s\n", i + 1, rounds, paths[p]);
				return;
			}
		}
	}
}

/*
 * A flood of opens from another process of the cell fills the event ring:
 * the verdict is the kernel's, taken at the open, so it cannot be lost.
 */
TEST(policy_glob_environ_killed_under_a_flood)
{
	static const char payload[] =
		"import os, sys, time\n"
		"if os.fork() == 0:\n"
		"    while True:\n"
		"        os.close(os.open('/etc/hostname', os.O_RDONLY))\n"
		"        os.close(os.open('/etc/passwd', os.O_RDONLY))\n"
		"time.sleep(0.5)\n"
		"print('before', flush=True)\n"
		"fd = os.open('/proc/self/environ', os.O_RDONLY)\n"
		"os.write(1, b'READ ' + os.read(fd, 4096))\n";
	int rounds = 3 / test_time_scale() ?: 1;

	if (!require_root())
		return;
	for (int i = 0; i < rounds; i++) {
		struct cmd_result res;
		json_t *result;
		bool ok;

		result = run_default_with(NULL, (char *[]){ PYTHON, "-c", (char *)payload, NULL },
					  &res);
		if (!ASSERT_OK_PTR(result, "result written"))
			return;
		ok = assert_killed_at_the_open(&res, result, "under a flood of opens");
		json_decref(result);
		if (!ok)
			return;
	}
}

/*
 * A user's SSH key where the glob names it.  Not inside a cellrun cell:
 * there Landlock refuses /home, the open fails and the rule engine judges
 * the attempt.  So a cell of the test's own, watched by `cellwatch watch`
 * under the default policy, in a mount namespace of the test's own where
 * /home is a tmpfs holding the bait.
 */
TEST(policy_glob_ssh_key_killed_at_the_open)
{
	static const char key[] = "-----BEGIN OPENSSH PRIVATE KEY-----\nBAIT\n";
	const char *log_path = test_path(0, "log.json"), *leak = test_path(1, "leak");
	char rules[4096], extra[4200], script[1024], got[256] = "";
	struct test_cgroup tc;
	struct watcher w = {};
	json_t *log = NULL, *ev;

	if (!require_root())
		return;
	if (!ASSERT_OK(unshare(CLONE_NEWNS), "private mount namespace for the test") ||
	    !ASSERT_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "make it private") ||
	    !ASSERT_OK(mount("bait", "/home", "tmpfs", 0, "mode=0755"), "a /home of its own") ||
	    !ASSERT_OK(mkdir("/home/dev", 0755) || mkdir("/home/dev/.ssh", 0700), "~/.ssh") ||
	    !ASSERT_OK(write_text("/home/dev/.ssh/id_ed25519", key), "the bait key") ||
	    !test_cgroup_create(&tc))
		return;
	snprintf(extra, sizeof(extra), "--rules %s", default_rules(rules, sizeof(rules)));
	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, extra), "cellwatch ready"))
		goto cleanup;
	snprintf(script, sizeof(script),
		 "import os\n"
		 "fd = os.open('/home/dev/.ssh/id_ed25519', os.O_RDONLY)\n"
		 "data = os.read(fd, 4096)\n"
		 "with open('%s', 'wb') as f:\n"
		 "    f.write(data)\n", leak);
	ASSERT_EQ(run_in(tc.procs, (char *[]){ PYTHON, "-c", script, NULL }), 128 + 9,
		  "killed");
	ASSERT_TRUE(read_text(leak, got, sizeof(got)) < 0 || !strstr(got, "BAIT"),
		    "not a byte of the key left the open");
	stop_watcher(&w);
	log = read_log(log_path);
	ev = find_event(log, "rule.name", "credential-glob-read");
	if (ASSERT_OK_PTR(ev, "alert")) {
		ASSERT_STREQ(jstr(ev, "file.path"), "/home/dev/.ssh/id_ed25519", "the key");
		ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "decided in the kernel");
		ASSERT_EQ(jint(ev, "cellwatch.kill_latency_us"), 0, "killed in the open");
	}
cleanup:
	stop_watcher(&w);
	json_decref(log);
	test_cgroup_destroy(&tc);
}
