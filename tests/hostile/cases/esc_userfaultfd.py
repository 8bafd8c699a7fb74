# category: escape
# expect: caught
# goal: a userfaultfd (stalls the kernel mid-copy: the race primitive of many exploits)
import hostile as h

h.bound(5)
h.syscall_verdict("userfaultfd", 0, what="userfaultfd")
