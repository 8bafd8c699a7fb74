# category: escape
# expect: caught
# goal: setns(), the call that joins another namespace (tried on the cell's own
#       network namespace: the only one a cell can open)
import os
import hostile as h

h.bound(5)
fd = os.open("/proc/self/ns/net", os.O_RDONLY)
h.syscall_verdict("setns", fd, 0, what="setns(/proc/self/ns/net)")
