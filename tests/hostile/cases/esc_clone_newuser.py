# category: escape
# expect: caught
# goal: a child in a new user namespace through raw clone(CLONE_NEWUSER), not unshare
import os
import hostile as h

h.bound(5)
CLONE_NEWUSER, SIGCHLD = 0x10000000, 17
ret, err = h.syscall("clone", CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0)
if ret == 0:
    os._exit(0)
if ret > 0:
    os.waitpid(ret, 0)
    h.achieved("a child in a new user namespace")
h.blocked("seccomp", "clone(CLONE_NEWUSER): %s" % err)
