# category: discovery
# expect: alerted
# alert: discovery
# goal: find out, without running one program, whether this is a container and
#       which walls are up: /.dockerenv, pid 1's sched line, the mount and cgroup
#       layout, the capability and seccomp lines of /proc/self/status
import hostile as h

h.bound(8)
found = []
for path in ("/.dockerenv", "/run/.containerenv"):
    try:
        open(path).close()
        found.append(path)
    except OSError:
        pass
sched = open("/proc/1/sched").readline().strip()
mounts = len(open("/proc/self/mountinfo").read().splitlines())
cgroup = open("/proc/self/cgroup").read().strip()
status = {k: v.strip() for k, v in (l.split(":", 1) for l in open("/proc/self/status")
                                    if l.startswith(("CapEff", "Seccomp", "NoNewPrivs")))}
h.achieved("discovery: markers %s, pid 1 %s, %d mounts, cgroup %s, %s" % (
    found, sched[:30], mounts, cgroup[:30], status))
