# category: escape
# expect: caught
# goal: a device node for the host's disk (block 254:0 and 8:0) to read it raw
import errno
import os
import stat
import hostile as h

h.bound(5)
notes = []
for major in (254, 8):
    path = "/tmp/disk%d" % major
    try:
        os.mknod(path, stat.S_IFBLK | 0o600, os.makedev(major, 0))
    except OSError as e:
        notes.append("mknod %d:0: %s" % (major, h.ename(e.errno)))
        continue
    try:
        data = open(path, "rb").read(512)
        h.achieved("read %d bytes of block device %d:0" % (len(data), major))
    except OSError as e:
        notes.append("open %d:0: %s (nodev /tmp)" % (major, h.ename(e.errno)))
h.blocked("caps", "; ".join(notes))
