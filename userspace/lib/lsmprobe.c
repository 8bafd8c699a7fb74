// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Does BPF-LSM work here?  Not a question of config: a kernel can list "bpf"
 * among its LSMs and still refuse the programs (this project's build hosts
 * do).  The probe loads a program, attaches it and sees it fire on our own
 * open.  That costs a parse of the kernel's BTF, a load, and an attach and a
 * detach, each a patch of the kernel's text: on an emulated CPU more than the
 * rest of a launch.  The answer cannot change before the next boot, so it is
 * kept in CW_LSM_PROBE_CACHE under the boot's id, and probed once per boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "files.h"
#include "lsmprobe.h"
#include "lsmprobe.skel.h"

#define BOOT_ID		"/proc/sys/kernel/random/boot_id"
#define ENOTSUPP	524	/* the kernel's own, which libc has no name for */

struct verdict {
	bool works;
	bool lasting;		/* true until the next boot: worth keeping */
	char why[128];
};

/* strerror(), with words for ENOTSUPP. */
static const char *bpf_strerror(int err)
{
	return err == ENOTSUPP ? "not supported by this kernel (ENOTSUPP)" : strerror(err);
}

/* Out of memory or of descriptors, interrupted: the next run may see otherwise. */
static bool transient(int err)
{
	return err == ENOMEM || err == EAGAIN || err == EINTR || err == EBUSY ||
	       err == EMFILE || err == ENFILE;
}

/*
 * Is "bpf" in the kernel's list of active LSMs?  1 yes, 0 no, -1 unknown
 * (no securityfs).  A no spares the probe: stock kernels leave bpf out of lsm=.
 */
static int bpf_lsm_listed(void)
{
	char list[512], *tok, *save;
	ssize_t n;
	int fd = open("/sys/kernel/security/lsm", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, list, sizeof(list) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	list[n] = '\0';
	for (tok = strtok_r(list, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save)) {
		if (!strcmp(tok, "bpf"))
			return 1;
	}
	return 0;
}

static void refused(struct verdict *v, const char *step, int err)
{
	snprintf(v->why, sizeof(v->why), "%s: %s", step, bpf_strerror(err));
	v->lasting = !transient(err);
}

static void probe(struct verdict *v)
{
	struct lsmprobe_bpf *p;
	int fd, err;

	*v = (struct verdict){ .lasting = true };
	p = lsmprobe_bpf__open();
	if (!p) {
		refused(v, "open", errno);
		return;
	}
	p->rodata->probe_tgid = getpid();
	err = lsmprobe_bpf__load(p);
	if (err) {
		refused(v, "load", -err);
		goto out;
	}
	err = lsmprobe_bpf__attach(p);
	if (err) {
		refused(v, "attach", -err);
		goto out;
	}
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	if (p->bss->probe_hits)
		v->works = true;
	else
		snprintf(v->why, sizeof(v->why),
			 "loaded but never called (bpf not among the active LSMs)");
out:
	lsmprobe_bpf__destroy(p);
}

/*
 * The verdict kept for @boot, if root kept it (anyone else could switch
 * enforcement off with a forged one).  False when there is none to trust.
 */
static bool read_kept(const char *boot, struct verdict *v)
{
	char text[256], id[64];
	struct stat st;
	int works, at = 0;
	ssize_t n;
	int fd = open(CW_LSM_PROBE_CACHE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		close(fd);
		return false;
	}
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0 || text[n - 1] != '\n')
		return false;
	text[n - 1] = '\0';
	if (sscanf(text, "%63s %d%n", id, &works, &at) != 2 || strcmp(id, boot) ||
	    (works != 0 && works != 1))
		return false;
	/* A refusal says why; a success has nothing to say. */
	if (text[at] == ' ')
		at++;
	if (works == !!text[at] || strlen(text + at) >= sizeof(v->why))
		return false;
	v->works = works;
	v->lasting = true;
	snprintf(v->why, sizeof(v->why), "%s", text + at);
	return true;
}

static void keep(const char *boot, const struct verdict *v)
{
	char text[256];

	if (geteuid() || !v->lasting || cw_make_dirs(CW_LSM_PROBE_DIR, 0755))
		return;
	snprintf(text, sizeof(text), "%s %d %s\n", boot, v->works, v->why);
	cw_write_file(CW_LSM_PROBE_CACHE, text);
}

bool cw_lsm_usable(char *why, size_t len)
{
	static struct verdict v;
	static bool known;
	char boot[64];

	if (!known) {
		known = true;
		cw_read_line(BOOT_ID, boot, sizeof(boot));
		if (!bpf_lsm_listed()) {
			snprintf(v.why, sizeof(v.why),
				 "bpf not among the active LSMs (/sys/kernel/security/lsm)");
		} else if (!boot[0]) {
			probe(&v);	/* no boot to keep the verdict under */
		} else if (!read_kept(boot, &v)) {
			probe(&v);
			keep(boot, &v);
		}
	}
	snprintf(why, len, "%s", v.why);
	return v.works;
}
