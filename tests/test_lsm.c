// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: the BPF-LSM backend is probed, not assumed, and every report
 * says whether it is in force.  Where it loads (make vmtest), a denied open
 * leaves no fd and names the LSM; here, the fallback enforces and says why.
 */
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buildconf.h"
#include "lsmprobe.h"
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

/* What `cellwatch status` says of BPF-LSM: "active" or "unavailable (WHY)". */
static bool status_lsm(char *buf, size_t len)
{
	char bin[4096];
	struct cmd_result res;
	const char *line, *end;

	snprintf(bin, sizeof(bin), "%s/cellwatch", build_dir);
	if (!ASSERT_OK(run_cmd((char *[]){ bin, "status", NULL }, 60, &res), "cellwatch status") ||
	    !ASSERT_EQ(res.status, 0, "status exit code"))
		return false;
	line = strstr(res.out, "lsm:");
	if (!ASSERT_OK_PTR(line, "status names the LSM layer"))
		return false;
	line += strspn(line + 4, " ") + 4;
	end = strchrnul(line, '\n');
	snprintf(buf, len, "%.*s", (int)(end - line), line);
	return true;
}

/* Put @text in the kept verdict, owned by @uid with @mode. */
static bool forge_verdict(const char *text, uid_t uid, mode_t mode)
{
	return ASSERT_OK(write_text(CW_LSM_PROBE_CACHE, text), "write the verdict") &&
	       ASSERT_OK(chown(CW_LSM_PROBE_CACHE, uid, 0), "chown") &&
	       ASSERT_OK(chmod(CW_LSM_PROBE_CACHE, mode), "chmod");
}

/*
 * The probe runs once per boot: its verdict is kept, tagged with the boot's
 * id, and believed while the id is this boot's and root alone could have
 * written it.  A forged "unavailable" shows which runs believed it.  In a
 * mount namespace of the test's own, over a directory of its own.
 */
TEST(lsm_probe_kept_for_the_boot)
{
	char boot[64], real[256], said[256], kept[256], text[512];
	bool active;
	static const struct {
		const char *what;
		const char *boot;	/* NULL: this boot's */
		uid_t uid;
		mode_t mode;
		const char *body;
	} untrusted[] = {
		{ "another boot's", "00000000-0000-0000-0000-000000000000", 0, 0600, "0 forged" },
		{ "writable by others", NULL, 0, 0666, "0 forged" },
		{ "owned by another user", NULL, 65534, 0600, "0 forged" },
		{ "a success with a reason", NULL, 0, 0600, "1 forged" },
		{ "a verdict that is neither", NULL, 0, 0600, "2 forged" },
		{ "without its newline", NULL, 0, 0600, NULL },
	};

	if (!require_root())
		return;
	if (!ASSERT_TRUE(read_text("/proc/sys/kernel/random/boot_id", boot, sizeof(boot)) > 0,
			 "boot id"))
		return;
	boot[strcspn(boot, "\n")] = '\0';
	if (!ASSERT_OK(unshare(CLONE_NEWNS), "unshare") ||
	    !ASSERT_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "make / private") ||
	    !ASSERT_TRUE(!mkdir(CW_LSM_PROBE_DIR, 0755) || errno == EEXIST, "mkdir") ||
	    !ASSERT_OK(mount("none", CW_LSM_PROBE_DIR, "tmpfs", 0, "size=64k,mode=0755"),
		       "a directory of the test's own"))
		return;

	if (!status_lsm(real, sizeof(real)))
		return;
	if (!ASSERT_TRUE(read_text(CW_LSM_PROBE_CACHE, kept, sizeof(kept)) > 0, "verdict kept"))
		return;
	active = !strcmp(real, "active");
	/* "unavailable (WHY)": WHY is kept. */
	snprintf(text, sizeof(text), "%s %d %.*s\n", boot, active,
		 active ? 0 : (int)strlen(real) - 14, active ? "" : real + 13);
	ASSERT_STREQ(kept, text, "the boot's id, the verdict and why");

	snprintf(text, sizeof(text), "%s 0 forged by the test\n", boot);
	if (forge_verdict(text, 0, 0600) && status_lsm(said, sizeof(said)))
		ASSERT_STREQ(said, "unavailable (forged by the test)", "the kept verdict, believed");

	for (size_t i = 0; i < sizeof(untrusted) / sizeof(untrusted[0]); i++) {
		if (untrusted[i].body)
			snprintf(text, sizeof(text), "%s %s\n", untrusted[i].boot ?: boot,
				 untrusted[i].body);
		else
			snprintf(text, sizeof(text), "%s 0 forged", boot);
		if (!forge_verdict(text, untrusted[i].uid, untrusted[i].mode) ||
		    !status_lsm(said, sizeof(said)))
			return;
		ASSERT_STREQ(said, real, untrusted[i].what);
	}
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
