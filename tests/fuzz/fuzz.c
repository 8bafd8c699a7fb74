// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "fuzz.h"
#include "ecs.h"
#include "daemon/rfc5424.h"

void cw_fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
	abort();
}

void cw_fuzz_emit(const struct cw_event *ev)
{
	static char buf[65536];
	static int null_fd = -1;
	json_t *doc;

	if (null_fd < 0)
		null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	doc = cw_event_to_ecs(ev);
	/* A decoded event the log cannot carry would be an alert lost. */
	FUZZ_CHECK(doc);
	FUZZ_CHECK(cw_write_json_line(null_fd, doc) == 0);
	FUZZ_CHECK(cw_syslog_format(buf, sizeof(buf), LOG_AUTH, cw_syslog_severity(doc),
				    "host", 1, doc) > 0);
	json_decref(doc);
	cw_format_alert(ev, buf, sizeof(buf));
}
