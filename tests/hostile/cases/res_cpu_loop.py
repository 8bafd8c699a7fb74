# category: resources
# expect: caught
# cell: --timeout 3
# goal: spin the CPU for 15 s (the payload's own bound), far past the cell's timeout
import time
import hostile as h

h.bound(20)
end = time.time() + 15
n = 0
while time.time() < end:
    n += 1
h.achieved("spun 15 s (%d iterations)" % n)
