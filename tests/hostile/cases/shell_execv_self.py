# category: shell
# expect: caught
# goal: the payload replaces itself with bash (os.execv): no child to watch,
#       the shell prints the verdict itself
import os
import hostile as h

h.bound(5)
try:
    os.execv("/bin/bash", ["bash", "-c", "echo ACHIEVED bash replaced the payload: $((6*7))"])
except OSError as e:
    h.blocked(*h.exec_error(e.errno, "/bin/bash"))
