# category: resources
# expect: caught
# cell: --pids 64 --timeout 8
# goal: 2000 threads alive at once (each sleeps 2 s; stops at 2000 or after 4 s)
import threading
import time
import hostile as h

h.bound(10)
alive, end = 0, time.time() + 4
while alive < 2000 and time.time() < end:
    try:
        threading.Thread(target=time.sleep, args=(2,), daemon=True).start()
    except RuntimeError as e:
        h.blocked("cgroup", "thread %d: %s (pids limit counts threads)" % (alive + 1, e))
    alive += 1
if alive >= 2000:
    h.achieved("%d threads alive at once" % alive)
h.blocked("other", "only %d threads in 4 s" % alive)
