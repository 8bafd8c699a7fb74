// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: the BPF-LSM backend is probed, not assumed, and every report
 * says whether it is in force.  Where it loads (make vmtest), a denied open
 * leaves no fd and names the LSM; here, the fallback enforces and says why.
 */
#include <sys/stat.h>

#include "buildconf.h"
#include "test.h"

#define PYTHON "/usr/bin/python3"

static bool lsm_active(void)
{
	char bin[4096];
	struct cmd_result res;

	snprintf(bin, sizeof(bin), "%s/cellwatch", build_dir);
	if (run_cmd((char *[]){ bin, "status", NULL }, 60, &res) || res.status)
		return false;
	return strstr(res.out, "lsm:          active\n") != NULL;
}

TEST(lsm_backend_probed_and_reported)
{
	char bin[4096];
	struct cmd_result res;
	json_t *result;
	bool active;

	if (!require_root())
		return;
	snprintf(bin, sizeof(bin), "%s/cellwatch", build_dir);
	ASSERT_OK(run_cmd((char *[]){ bin, "status", NULL }, 60, &res), "cellwatch status");
	ASSERT_EQ(res.status, 0, "status exit code");
	ASSERT_HAS(res.out, "lsm:", "status names the LSM layer");
	/* What the skeleton holds, not a line of text: every cgroup hook by name. */
	for (const char *const *h = (const char *const[]){ "cw_connect4", "cw_connect6",
			"cw_sendmsg4", "cw_sendmsg6", "cw_sock_create", NULL }; *h; h++)
		ASSERT_HAS(res.out, *h, "a cgroup hook in status");
	active = strstr(res.out, "lsm:          active\n") != NULL;
	if (!active)
		ASSERT_HAS(res.out, "lsm:          unavailable (", "and why it is unavailable");
	/* The same facts as one JSON document. */
	ASSERT_OK(run_cmd((char *[]){ bin, "status", "--json", NULL }, 60, &res), "status --json");
	ASSERT_EQ(res.status, 0, "status --json exit code");
	result = json_loads(res.out, 0, NULL);
	if (ASSERT_OK_PTR(result, "one JSON document")) {
		ASSERT_STREQ(jstr(result, "monitor"), "loaded", "monitor");
		ASSERT_STREQ(jstr(result, "version"), CW_VERSION, "version");
		ASSERT_EQ(json_is_true(jget(result, "lsm.active")), active, "lsm.active agrees");
		ASSERT_TRUE(json_array_size(jget(result, "cgroup_hooks")) >= 5, "the cgroup hooks");
		ASSERT_TRUE(jint(result, "programs") > 0, "programs attached");
	}
	json_decref(result);

	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--result", (char *)test_path(2, "r.json"),
						       NULL },
			       (char *[]){ "/usr/bin/true", NULL }, &res), "cellrun");
	result = read_json(test_path(2, "r.json"));
	if (!ASSERT_OK_PTR(result, "result"))
		return;
	ASSERT_EQ(json_is_true(jget(result, "layers.lsm.active")), active,
		  "cellrun's result agrees with status");
	ASSERT_STREQ(jstr(result, "layers.monitor"), active ? "lsm+tracepoint" : "tracepoint",
		     "the monitor's layers");
	if (!active)
		ASSERT_TRUE(jstr(result, "layers.lsm.why") != NULL, "the result says why");
	json_decref(result);
}

/*
 * A kernel whose list of active LSMs lacks bpf is believed: no probe is
 * loaded, and the reason names the list.  The list is faked in a mount
 * namespace of the test's own.
 */
TEST(lsm_probe_believes_the_kernels_list)
{
	char bin[4096], script[4096 + 256];
	struct cmd_result res;

	if (!require_root())
		return;
	snprintf(bin, sizeof(bin), "%s/cellwatch", build_dir);
	snprintf(script, sizeof(script),
		 "mount -t tmpfs -o size=64k none /sys/kernel/security && "
		 "echo lockdown,capability,landlock,yama > /sys/kernel/security/lsm && "
		 "exec '%s' status", bin);
	ASSERT_OK(run_cmd((char *[]){ "/usr/bin/unshare", "--mount", "--propagation", "private",
				      "/bin/sh", "-c", script, NULL }, 60, &res),
		  "cellwatch status under a list without bpf");
	ASSERT_EQ(res.status, 0, "status exit code");
	ASSERT_HAS(res.out, "lsm:          unavailable (bpf not among the active LSMs "
		   "(/sys/kernel/security/lsm))", "the kernel's list is the reason");
}

static const char *deny_rules(void)
{
	const char *path = test_path(0, "deny.json");
	FILE *f = fopen(path, "w");

	fputs("{\"rules\": ["
	      "{\"name\": \"no-secret\", \"description\": \"d\", \"event\": \"open\","
	      " \"match\": {\"path\": [\"/input/secret\"]}, \"action\": \"deny\","
	      " \"priority\": \"critical\"},"
	      "{\"name\": \"no-key\", \"description\": \"d\", \"event\": \"open\","
	      " \"match\": {\"glob\": [\"/input/*.key\"]}, \"action\": \"deny\","
	      " \"priority\": \"critical\"},"
	      "{\"name\": \"no-id\", \"description\": \"d\", \"event\": \"exec\","
	      " \"match\": {\"binary\": [\"id\"]}, \"action\": \"deny\","
	      " \"priority\": \"critical\"}]}\n", f);
	fclose(f);
	return path;
}

/*
 * Under the LSM, a denied open fails with EPERM and no fd ever exists, a
 * denied exec returns EPERM and the caller lives on.  Without it, such
 * rules are refused whole: nothing pretends to deny.
 */
TEST(lsm_deny_exec_and_open)
{
	const char *in = test_path(2, "in");
	char secret[4200];
	struct cmd_result res;
	json_t *log, *ev;
	FILE *f;

	if (!require_root())
		return;
	mkdir(in, 0755);
	snprintf(secret, sizeof(secret), "%s/secret", in);
	f = fopen(secret, "w");
	fputs("s3cr3t\n", f);
	fclose(f);
	snprintf(secret, sizeof(secret), "%s/api.key", in);
	f = fopen(secret, "w");
	fputs("k3y\n", f);
	fclose(f);
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--rules", (char *)deny_rules(), "--input",
						       (char *)in, NULL },
			       (char *[]){ PYTHON, "-c",
				"import os, subprocess\n"
				"fds = len(os.listdir('/proc/self/fd'))\n"
				"try:\n"
				"    os.open('/input/secret', os.O_RDONLY)\n"
				"    print('OPENED')\n"
				"except OSError as e:\n"
				"    print('open', e.errno, 'fds', len(os.listdir('/proc/self/fd')) - fds)\n"
				"try:\n"
				"    os.open('/input/api.key', os.O_RDONLY)\n"
				"    print('OPENED')\n"
				"except OSError as e:\n"
				"    print('glob', e.errno, 'fds', len(os.listdir('/proc/self/fd')) - fds)\n"
				"try:\n"
				"    subprocess.run(['/usr/bin/id'])\n"
				"except OSError as e:\n"
				"    print('exec', e.errno)\n", NULL }, &res), "cellrun");
	if (!lsm_active()) {
		ASSERT_EQ(res.status, 123, "refused to run: deny of exec/open needs the LSM");
		ASSERT_HAS(res.err, "needs BPF-LSM, unavailable here", "and says why");
		return;
	}
	ASSERT_EQ(res.status, 0, "the caller lives on");
	ASSERT_HAS(res.out, "open 1 fds 0\n", "EPERM, and no fd was ever created");
	ASSERT_HAS(res.out, "glob 1 fds 0\n", "by glob too");
	ASSERT_HAS(res.out, "exec 1\n", "the exec returned EPERM");
	log = read_log(test_path(1, "log.json"));
	ev = find_event(log, "rule.name", "no-secret");
	if (ASSERT_OK_PTR(ev, "open alert"))
		ASSERT_STREQ(jstr(ev, "cellwatch.layer"), "lsm", "decided by the LSM");
	ev = find_event(log, "rule.name", "no-key");
	if (ASSERT_OK_PTR(ev, "glob alert"))
		ASSERT_STREQ(jstr(ev, "cellwatch.layer"), "lsm", "decided by the LSM");
	ev = find_event(log, "rule.name", "no-id");
	if (ASSERT_OK_PTR(ev, "exec alert")) {
		ASSERT_STREQ(jstr(ev, "cellwatch.layer"), "lsm", "decided by the LSM");
		ASSERT_STREQ(jstr(ev, "cellwatch.action"), "deny", "denied, not killed");
	}
	json_decref(log);
}

/* The default policy under the LSM: the same verdicts, taken by the LSM. */
TEST(lsm_default_policy_same_verdicts)
{
	char rules[4096];
	struct cmd_result res;
	json_t *log, *ev;

	if (!require_root())
		return;
	if (!lsm_active()) {
		test__skip("BPF-LSM does not load on this kernel (cellwatch status says why); "
			   "the policy tests cover the tracepoint backend here");
		return;
	}
	/* The LSM's verdict on a shell is under test: the shells stay. */
	ASSERT_OK(cellrun_with("log.json", (char *[]){ "--rules", default_rules(rules, sizeof(rules)),
						       "--keep-shells", NULL },
			       (char *[]){ PYTHON, "-c",
				"import subprocess\n"
				"r = subprocess.run(['/bin/sh', '-c', 'echo x'])\n"
				"print('shell', r.returncode, flush=True)\n", NULL }, &res),
		  "cellrun");
	ASSERT_EQ(res.status, 128 + 9, "the shell ended the run");
	ASSERT_STREQ(res.out, "", "the shell printed nothing, nor did its parent");
	log = read_log(test_path(1, "log.json"));
	ev = find_event(log, "rule.name", "shell-spawn");
	if (ASSERT_OK_PTR(ev, "shell alert")) {
		ASSERT_STREQ(jstr(ev, "cellwatch.layer"), "lsm", "the LSM refused the exec");
		ASSERT_STREQ(json_string_value(json_array_get(jget(ev, "process.args"), 2)), "echo x",
			     "argv of the refused exec");
	}
	json_decref(log);
	ASSERT_OK(cellrun_with("log2.json", (char *[]){ "--rules", rules, NULL },
			       (char *[]){ PYTHON, "-c",
				"import socket\n"
				"socket.socket().connect(('169.254.169.254', 80))\n", NULL }, &res),
		  "cellrun");
	ASSERT_EQ(res.status, 128 + 9, "the metadata connect killed the run");
	log = read_log(test_path(1, "log2.json"));
	ev = find_event(log, "rule.name", "metadata-service");
	if (ASSERT_OK_PTR(ev, "metadata alert"))
		ASSERT_STREQ(jstr(ev, "cellwatch.layer"), "lsm", "the LSM refused the connect");
	json_decref(log);
}
