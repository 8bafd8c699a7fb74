# category: secrets
# expect: caught
# goal: read another process's environment through /proc/<pid>/environ, a
#       sibling of the same cell (same uid, so ptrace access allows it), and
#       print it at once: the glob /proc/*/environ must stop it at the open
import os
import time

import hostile as h

h.bound(5)
child = os.fork()
if child == 0:
    time.sleep(4)
    os._exit(0)
path = "/proc/%d/environ" % child
try:
    fd = os.open(path, os.O_RDONLY)
    data = os.read(fd, 65536)
except OSError as e:
    h.blocked("other", "open %s: %s" % (path, h.ename(e.errno)))
h.achieved("read %d bytes of a sibling's environment from %s" % (len(data), path))
