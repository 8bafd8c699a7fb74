# category: escape
# expect: caught
# goal: make a /dev/mem character device node and read physical memory
import os
import stat
import hostile as h

h.bound(5)
try:
    os.mknod("/tmp/mem", 0o600 | stat.S_IFCHR, os.makedev(1, 1))
except OSError as e:
    h.blocked("caps", "mknod 1:1: %s" % h.ename(e.errno))
try:
    data = open("/tmp/mem", "rb").read(16)
except OSError as e:
    h.blocked("mount", "open the node: %s" % h.ename(e.errno))
h.achieved("read %d bytes of physical memory" % len(data))
