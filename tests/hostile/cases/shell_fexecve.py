# category: shell
# expect: caught
# goal: dash executed from an open file descriptor (fexecve), no path in the exec
import os
import hostile as h

h.bound(5)
fd = os.open("/usr/bin/dash", os.O_RDONLY)
rc, out = h.child_output(
    lambda: os.execve(fd, ["sh", "-c", h.SHELL_CMD], {"PATH": "/usr/bin:/bin"}))
h.child_verdict(rc, out, h.TOKEN)
