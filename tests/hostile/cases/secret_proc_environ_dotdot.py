# category: secrets
# expect: caught
# goal: read another process's environment through /proc/1/../1/environ
import hostile as h

h.bound(5)
path = "/proc/1/../1/environ"
try:
    data = open(path, "rb").read()
except OSError as e:
    h.blocked("caps", "open %s: %s" % (path, h.ename(e.errno)))
h.achieved("read %d bytes of %s" % (len(data), path))
