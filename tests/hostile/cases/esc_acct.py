# category: escape
# expect: caught
# goal: switch on process accounting to a file of the cell's choosing (acct)
import ctypes
import hostile as h

h.bound(5)
ctypes.set_errno(0)
libc = ctypes.CDLL(None, use_errno=True)
ret = libc.acct(b"/tmp/acct")
if ret == 0:
    h.achieved("process accounting on")
h.blocked("seccomp", "acct: %s" % h.ename(ctypes.get_errno()))
