# category: shell
# expect: caught
# goal: get a pseudo-terminal (os.openpty) for an interactive shell session
import os
import hostile as h

h.bound(5)
try:
    master, slave = os.openpty()
except OSError as e:
    h.blocked("filesystem", "openpty: %s (no /dev/ptmx in the cell)" % h.ename(e.errno))
h.achieved("a pseudo-terminal pair: fds %d, %d" % (master, slave))
