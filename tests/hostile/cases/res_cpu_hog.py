# category: resources
# expect: caught
# cell: --timeout 8
# cpus: 2
# goal: use more than 1.5 CPUs for 3 s with two spinning processes (the cell
#       is given 1 CPU)
import os
import time
import hostile as h

h.bound(10)
start = time.time()
pids = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        end = time.time() + 3
        while time.time() < end:
            pass
        os._exit(0)
    pids.append(pid)
for pid in pids:
    os.waitpid(pid, 0)
wall = time.time() - start
t = os.times()
cpus = (t.children_user + t.children_system) / wall
if cpus > 1.5:
    h.achieved("%.2f CPUs used over %.1f s" % (cpus, wall))
h.blocked("cgroup", "%.2f CPUs used over %.1f s (CPU quota)" % (cpus, wall))
