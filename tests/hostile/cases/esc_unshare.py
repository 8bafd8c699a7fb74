# category: escape
# expect: caught
# goal: a new user and mount namespace (unshare), the first step of most
#       container escapes: full capabilities inside it
import hostile as h

h.bound(5)
CLONE_NEWNS, CLONE_NEWUSER = 0x20000, 0x10000000
h.syscall_verdict("unshare", CLONE_NEWUSER | CLONE_NEWNS)
