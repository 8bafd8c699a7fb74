# category: escape
# expect: caught
# goal: write /proc/sys/kernel/core_pattern (a pipe to a program the kernel
#       runs as root on the next crash: the classic container escape)
import errno
import hostile as h

h.bound(5)
path = "/proc/sys/kernel/core_pattern"
try:
    with open(path, "w") as f:
        f.write("|/tmp/pwn")
except OSError as e:
    layer = {errno.EROFS: "mount", errno.EACCES: "landlock", errno.EPERM: "caps"}.get(
        e.errno, "other")
    h.blocked(layer, "write %s: %s" % (path, h.ename(e.errno)))
h.achieved("wrote %s" % path)
