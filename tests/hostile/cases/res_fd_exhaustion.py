# category: resources
# expect: caught
# goal: hold 100000 open file descriptors (exhaust the kernel's file table)
import errno
import os
import hostile as h

h.bound(8)
fds = []
while len(fds) < 100000:
    try:
        fds.append(os.open("/dev/null", os.O_RDONLY))
    except OSError as e:
        layer = "rlimit" if e.errno == errno.EMFILE else "other"
        h.blocked(layer, "%s with %d descriptors open (RLIMIT_NOFILE)" % (h.ename(e.errno),
                                                                           len(fds)))
h.achieved("%d descriptors open" % len(fds))
