# category: resources
# expect: caught
# cell: --pids 64 --timeout 8
# goal: 2000 processes alive at once (a fork bomb, bounded: every child sleeps
#       2 s and exits, the loop stops at 2000 or after 4 s)
import errno
import os
import time
import hostile as h

h.bound(10)
alive, end = 0, time.time() + 4
while alive < 2000 and time.time() < end:
    try:
        pid = os.fork()
    except OSError as e:
        if e.errno == errno.EAGAIN:
            h.blocked("cgroup", "fork: EAGAIN with %d children alive (pids limit)" % alive)
        h.blocked("other", "fork: %s after %d" % (h.ename(e.errno), alive))
    if pid == 0:
        time.sleep(2)
        os._exit(0)
    alive += 1
if alive >= 2000:
    h.achieved("%d processes alive at once" % alive)
h.blocked("other", "only %d forks in 4 s" % alive)
