# category: shell
# expect: caught
# goal: dash run through a symlink named "report" with argv[0] "report"
import os
import hostile as h

h.bound(5)
os.symlink("/usr/bin/dash", "/tmp/report")
h.blocked(*h.spawn(["report", "-c", h.SHELL_CMD], executable="/tmp/report"))
