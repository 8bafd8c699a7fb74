# category: benign
# expect: benign
# host: timer-noise
# proves: busy.txt
# goal: two seconds of number crunching while a host process (not in any cell)
#       takes a SIGALRM every half millisecond, as timers on a busy host do
import time
import hostile as h

end, n, acc = time.time() + 2, 0, 0
while time.time() < end:
    acc = (acc * 31 + n) % 1000003
    n += 1
open("/output/busy.txt", "w").write("%d %d\n" % (n, acc))
h.ok("%d iterations in 2 s" % n)
