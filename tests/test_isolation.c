// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Integration: two cells at once cannot see or signal each other. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

TEST(cells_cannot_see_or_signal_each_other)
{
	const char *out = make_output_dir("out");
	char bin[4096], alive[4200], rules[4096];
	struct cmd_result res;
	int status = -1;
	pid_t a;

	if (!require_root())
		return;
	observe_rules(rules, sizeof(rules));
	snprintf(bin, sizeof(bin), "%s/cellrun", build_dir);
	snprintf(alive, sizeof(alive), "%s/alive", out);
	/* Cell A: lives three seconds, then leaves a mark. */
	a = fork();
	if (a == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		dup2(devnull, 2);
		execl(bin, bin, "--rules", rules, "--output", out, "--", "/usr/bin/python3", "-c",
		      "import time\ntime.sleep(3)\nopen('/output/alive', 'w').write('yes')\n",
		      NULL);
		_exit(127);
	}
	usleep(500000);
	/* Cell B: looks for every process it can see and signals all it can. */
	ASSERT_OK(cellrun("log.json", (char *[]){ "/usr/bin/python3", "-c",
			"import os, signal\n"
			"me = os.getpid()\n"
			"seen = [p for p in range(1, 1 << 16) if p != me and\n"
			"        os.path.exists('/proc/%d' % p)]\n"
			"print('seen', seen)\n"
			"hit = 0\n"
			"for p in range(2, 1 << 16):\n"
			"    if p == me:\n"
			"        continue\n"
			"    try:\n"
			"        os.kill(p, signal.SIGKILL); hit += 1\n"
			"    except (ProcessLookupError, PermissionError):\n"
			"        pass\n"
			"print('signalled', hit)\n",
			NULL }, &res), "cellrun");
	ASSERT_EQ(res.status, 0, "cell B exits normally");
	ASSERT_HAS(res.out, "seen [1]\n", "B sees only its own init");
	ASSERT_HAS(res.out, "signalled 0\n", "B could signal nothing outside itself");
	/* Only the process we started, by pid. */
	waitpid(a, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "cell A ran to its end");
	ASSERT_OK(access(alive, F_OK), "cell A left its mark");
}
