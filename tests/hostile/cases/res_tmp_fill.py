# category: resources
# expect: caught
# goal: write 512 MiB into /tmp (32 MiB files; stops at 512 MiB)
import errno
import hostile as h

h.bound(8)
written, e = h.fill("/tmp", 16)
if e:
    layer = {errno.ENOSPC: "mount", errno.EFBIG: "rlimit"}.get(e.errno, "other")
    h.blocked(layer, "%s after %d MiB (/tmp size)" % (h.ename(e.errno), written))
h.achieved("wrote %d MiB to /tmp" % written)
