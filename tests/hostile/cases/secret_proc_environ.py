# category: secrets
# expect: caught
# goal: read the environment the launcher was started with through
#       /proc/1/environ (the cell's init was forked from it); the scorecard puts
#       a canary there
import hostile as h

h.bound(5)
path = "/proc/1/environ"
try:
    data = open(path, "rb").read()
except OSError as e:
    h.blocked("ptrace-check" if e.errno == 13 else "other",
              "open %s: %s (another process's environ needs ptrace access)" % (path, h.ename(e.errno)))
if b"CELLWATCH-CANARY-" in data:
    h.achieved("found the host canary in %s" % path)
h.blocked("other", "read %s (%d bytes) without the host canary" % (path, len(data)))
