# category: resources
# expect: caught
# goal: write 320 MiB into /output, which lands on the host's disk (32 MiB
#       files, each under the per-file size limit; stops at 320 MiB)
import errno
import hostile as h

h.bound(15)
written, e = h.fill("/output", 10)
if e:
    layer = {errno.ENOSPC: "mount", errno.EDQUOT: "mount", errno.EFBIG: "rlimit"}.get(
        e.errno, "other")
    h.blocked(layer, "%s after %d MiB" % (h.ename(e.errno), written))
h.achieved("wrote %d MiB to the host's disk through /output" % written)
