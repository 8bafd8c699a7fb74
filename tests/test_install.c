// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make install and make uninstall into a DESTDIR: every file where a host
 * looks for it, with the installation's paths written in, an operator's
 * edit of a configuration file kept; and the binaries' defaults under
 * sysconfdir, never in the build tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "buildconf.h"
#include "test.h"

static const char *const installed[][2] = {
	{ "usr/bin/cellwatch", "0755" },
	{ "usr/bin/cellrun", "0755" },
	{ "etc/cellwatch/default.json", "0644" },
	{ "etc/cellwatch/lenient.json", "0644" },
	{ "etc/cellwatch/cellwatch.conf", "0644" },
	{ "etc/logrotate.d/cellwatch", "0644" },
	{ "usr/lib/systemd/system/cellwatch.service", "0644" },
	{ "usr/share/man/man1/cellrun.1", "0644" },
	{ "usr/share/man/man5/cellwatch-rules.5", "0644" },
	{ "usr/share/man/man8/cellwatch.8", "0644" },
	{ "usr/share/bash-completion/completions/cellwatch", "0644" },
	{ "usr/share/doc/cellwatch/README.md", "0644" },
	{ "usr/share/doc/cellwatch/events.md", "0644" },
	{ "usr/share/doc/cellwatch/rules.md", "0644" },
	{ "var/log/cellwatch", "0750" },	/* the configured log's directory, private */
};

/* `make -C <source> OUT=<build> DESTDIR=@dest prefix=/usr @target`: its result. */
static int make_target(const char *dest, const char *target, struct cmd_result *res)
{
	const char *make = require_tool("make", "make");
	char out[4200], destdir[4200];

	res->status = -1;
	res->out[0] = res->err[0] = '\0';
	if (!make)
		return -ENOENT;
	snprintf(out, sizeof(out), "OUT=%s", build_dir);
	snprintf(destdir, sizeof(destdir), "DESTDIR=%s", dest);
	return run_cmd((char *[]){ (char *)make, "--no-print-directory", "-C", (char *)src_dir,
				   out, destdir, "prefix=/usr", (char *)target, NULL }, 600, res);
}

static const char *at(const char *dest, const char *rel)
{
	static char path[2][4200];
	static int i;

	i ^= 1;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dest, rel);
	return path[i];
}

static void check_files(const char *dest)
{
	char mode[8], text[65536];
	struct stat st;

	for (size_t i = 0; i < sizeof(installed) / sizeof(installed[0]); i++) {
		if (!ASSERT_OK(stat(at(dest, installed[i][0]), &st), installed[i][0]))
			continue;
		snprintf(mode, sizeof(mode), "%04o", st.st_mode & 07777);
		ASSERT_STREQ(mode, installed[i][1], installed[i][0]);
		if (!S_ISREG(st.st_mode) || !strstr(installed[i][1], "0644"))
			continue;
		ASSERT_TRUE(read_text(at(dest, installed[i][0]), text, sizeof(text)) >= 0,
			    installed[i][0]);
		/* Every placeholder got the installation's path. */
		ASSERT_FALSE(strstr(text, "@bindir@") || strstr(text, "@sysconfdir@") ||
			     strstr(text, "@docdir@"), installed[i][0]);
	}
	ASSERT_OK(lstat(at(dest, "usr/share/bash-completion/completions/cellrun"), &st),
		  "cellrun's completion");
	ASSERT_TRUE(S_ISLNK(st.st_mode), "a link to cellwatch's");
}

static void check_contents(const char *dest)
{
	char bin[4200], want[256], text[65536];
	struct cmd_result res;

	ASSERT_TRUE(read_text(at(dest, "usr/lib/systemd/system/cellwatch.service"), text,
			      sizeof(text)) > 0, "the unit");
	ASSERT_HAS(text, "\nExecStart=/usr/bin/cellwatch daemon\n", "the unit runs what was installed");
	ASSERT_TRUE(read_text(at(dest, "etc/cellwatch/cellwatch.conf"), text, sizeof(text)) > 0,
		    "the configuration");
	ASSERT_HAS(text, "\nrules = /etc/cellwatch/default.json\n", "which names the policy");

	snprintf(bin, sizeof(bin), "%s", at(dest, "usr/bin/cellwatch"));
	run_cmd((char *[]){ bin, "--version", NULL }, 30, &res);
	snprintf(want, sizeof(want), "cellwatch %s\n", CW_VERSION);
	ASSERT_STREQ(res.out, want, "the installed cellwatch says its version");
	run_cmd((char *[]){ bin, "rules", "check", (char *)at(dest, "etc/cellwatch/default.json"),
			    NULL }, 30, &res);
	ASSERT_EQ(res.status, 0, "the installed policy is valid");
	/* The shipped file is read whole before --help is: it is a valid one. */
	run_cmd((char *[]){ bin, "daemon", "--config", (char *)at(dest, "etc/cellwatch/cellwatch.conf"),
			    "--help", NULL }, 30, &res);
	ASSERT_EQ(res.status, 0, "the installed configuration is valid");
	ASSERT_STREQ(res.err, "", "and nothing in it is refused");
	/* Defaults under sysconfdir, never in the tree the binaries were built in. */
	ASSERT_HAS(res.out, "(default /etc/cellwatch/default.json)", "the daemon's default policy");
	ASSERT_FALSE(strstr(res.out, src_dir), "nothing of the build tree");
	snprintf(bin, sizeof(bin), "%s", at(dest, "usr/bin/cellrun"));
	run_cmd((char *[]){ bin, "--help", NULL }, 30, &res);
	ASSERT_HAS(res.out, "(default /etc/cellwatch/default.json)", "cellrun's default policy");
	ASSERT_FALSE(strstr(res.out, src_dir), "nothing of the build tree");
}

UNIT_TEST(install_puts_every_file_in_place)
{
	const char *dest = test_path(0, "root");
	char conf[4200], text[4096];
	struct cmd_result res;

	make_target(dest, "install", &res);
	if (!ASSERT_EQ(res.status, 0, "make install")) {
		fprintf(stderr, "%s%s", res.out, res.err);
		return;
	}
	check_files(dest);
	check_contents(dest);

	/* An operator's edit survives the next install, which says where the new file went. */
	snprintf(conf, sizeof(conf), "%s", at(dest, "etc/cellwatch/cellwatch.conf"));
	if (!ASSERT_OK(write_text(conf, "log = /srv/events.json\n"), "the operator's edit"))
		return;
	make_target(dest, "install", &res);
	ASSERT_EQ(res.status, 0, "make install again");
	ASSERT_HAS(res.out, "/etc/cellwatch/cellwatch.conf differs from this version's: kept; "
		   "the new one is /etc/cellwatch/cellwatch.conf.new", "said");
	ASSERT_TRUE(read_text(conf, text, sizeof(text)) > 0, "the edited file");
	ASSERT_STREQ(text, "log = /srv/events.json\n", "kept as it was");
	ASSERT_OK(access(at(dest, "etc/cellwatch/cellwatch.conf.new"), F_OK), "the new one beside it");

	make_target(dest, "uninstall", &res);
	ASSERT_EQ(res.status, 0, "make uninstall");
	ASSERT_TRUE(access(at(dest, "usr/bin/cellwatch"), F_OK) && errno == ENOENT,
		    "the binaries are gone");
	ASSERT_TRUE(access(at(dest, "usr/share/man/man8/cellwatch.8"), F_OK) && errno == ENOENT,
		    "the man pages too");
	ASSERT_OK(access(conf, F_OK), "the configuration stays");
}

/* The last line of @text, without its newline, in @buf. */
static void last_line(const char *text, char *buf, size_t len)
{
	size_t n = strlen(text);
	const char *start;

	while (n && text[n - 1] == '\n')
		n--;
	start = memrchr(text, '\n', n);
	start = start ? start + 1 : text;
	snprintf(buf, len, "%.*s", (int)(n - (start - text)), start);
}

/*
 * make deb, then the package's life in a throw-away root (tests/deb/in-root.sh):
 * installed with its conffiles, the daemon started as its unit says serves
 * a cellrun --daemon run and logs it where its configuration says, and a
 * purge leaves nothing of it.
 */
TEST(deb_installs_serves_a_run_and_purges)
{
	char out[4200], deb[4200], script[4200], pin[128], version[64];
	const char *logged, *make;
	struct cmd_result res;
	struct statfs root;
	bool ok = true;

	if (!require_root())
		return;
	/*
	 * The throw-away root is an overlay on this one. Where this one is
	 * itself an overlay (the VM's, over virtiofs), programs in the upper
	 * one fail to load their libraries (EBADF, EMFILE): not a test of the
	 * package. The host stages run it.
	 */
	if (!statfs("/", &root) && root.f_type == OVERLAYFS_SUPER_MAGIC) {
		test__skip("/ is an overlay (the VM's): an overlay root on it cannot load "
			   "libraries; the host stages run this test");
		return;
	}
	make = require_tool("make", "make");
	if (!make)
		return;
	snprintf(out, sizeof(out), "OUT=%s", build_dir);
	run_cmd((char *[]){ (char *)make, "--no-print-directory", "-C", (char *)src_dir, out, "deb",
			    NULL }, 600, &res);
	if (!ASSERT_EQ(res.status, 0, "make deb")) {
		fprintf(stderr, "%s%s", res.out, res.err);
		return;
	}
	last_line(res.out, deb, sizeof(deb));
	ASSERT_HAS(deb, ".deb", "make deb names the package");
	snprintf(script, sizeof(script), "%s/tests/deb/in-root.sh", src_dir);
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/cellwatch-deb-%d", getpid());
	run_cmd((char *[]){ script, deb, pin, NULL }, 600, &res);
	ok &= ASSERT_EQ(res.status, 0, "the throw-away root");
	ok &= ASSERT_HAS(res.out, "status=install ok installed\n", "installed");
	snprintf(version, sizeof(version), "version=cellwatch %s\n", CW_VERSION);
	ok &= ASSERT_HAS(res.out, version, "its version");
	ok &= ASSERT_HAS(res.out, "conffile=/etc/cellwatch/cellwatch.conf\n", "the configuration");
	ok &= ASSERT_HAS(res.out, "conffile=/etc/cellwatch/default.json\n", "the policy");
	ok &= ASSERT_HAS(res.out, "conffile=/etc/logrotate.d/cellwatch\n", "logrotate's file");
	ok &= ASSERT_HAS(res.out, "execstart=/usr/bin/cellwatch daemon\n", "the unit");
	ok &= ASSERT_HAS(res.out, "cellrun=0 from-the-cell", "the daemon served a run");
	ok &= ASSERT_HAS(res.out, "daemon=0", "and stopped cleanly");
	logged = strstr(res.out, "logged=");
	ok &= ASSERT_TRUE(logged && atoi(logged + 7) > 0, "the run is in the configured log");
	ok &= ASSERT_FALSE(strstr(res.out, "left="), "purge leaves nothing");
	ok &= ASSERT_HAS(res.out, "end=yes\n", "the script ran to its end");
	if (!ok)
		fprintf(stderr, "%s%s", res.out, res.err);
	if (!access(pin, F_OK)) {
		snprintf(out, sizeof(out), "rm -rf '%s'", pin);
		if (system(out))
			fprintf(stderr, "could not remove %s\n", pin);
	}
}
