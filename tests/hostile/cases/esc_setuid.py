# category: escape
# expect: caught
# goal: become uid 0 (setuid(0))
import hostile as h

h.bound(5)
ret, err = h.syscall("setuid", 0)
if ret == 0:
    h.achieved("setuid(0) succeeded")
h.blocked("caps", "setuid(0): %s (no CAP_SETUID, uid 0 not mapped)" % err)
