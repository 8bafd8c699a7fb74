# category: escape
# expect: caught
# goal: reach the cgroup filesystem to set a release_agent or move into
#       another cgroup (cgroup v1 release_agent escape)
import errno
import hostile as h

h.bound(5)
for path in ("/sys/fs/cgroup/release_agent", "/sys/fs/cgroup/cgroup.procs"):
    try:
        with open(path, "w") as f:
            f.write("1")
        h.achieved("wrote %s" % path)
    except OSError as e:
        if e.errno != errno.ENOENT:
            h.blocked("other", "write %s: %s" % (path, h.ename(e.errno)))
h.blocked("filesystem", "no /sys/fs/cgroup in the cell (ENOENT)")
