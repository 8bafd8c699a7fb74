# category: resources
# expect: caught
# goal: write 512 MiB into /tmp (32 MiB files; stops at 512 MiB)
import errno
import hostile as h

h.bound(8)
block = b"\0" * (1 << 20)
written = 0
try:
    for i in range(16):
        with open("/tmp/fill%02d" % i, "wb") as f:
            for _ in range(32):
                f.write(block)
                written += 1
except OSError as e:
    layer = {errno.ENOSPC: "mount", errno.EFBIG: "rlimit"}.get(e.errno, "other")
    h.blocked(layer, "%s after %d MiB (/tmp size)" % (h.ename(e.errno), written))
h.achieved("wrote %d MiB to /tmp" % written)
