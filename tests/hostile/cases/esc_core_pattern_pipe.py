# category: escape
# expect: caught
# goal: point the kernel's core_pattern at a program of the cell's, through a
#  relative path from /proc/sys
import os
import hostile as h

h.bound(5)
try:
    os.chdir("/proc/sys/kernel")
    with open("./core_pattern", "w") as f:
        f.write("|/tmp/x")
except OSError as e:
    h.blocked("mount", "write core_pattern: %s" % h.ename(e.errno))
h.achieved("core_pattern rewritten")
