# category: shell
# expect: caught
# goal: dash run through a symlink named "report" with argv[0] "report"
import os
import hostile as h

h.bound(5)
os.symlink("/usr/bin/dash", "/tmp/report")
rc, out, err = h.run_capture(["report", "-c", h.SHELL_CMD], executable="/tmp/report")
if err:
    h.blocked(*h.exec_error(err.errno, "/tmp/report"))
h.child_verdict(rc, out, h.TOKEN)
