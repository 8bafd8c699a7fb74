# category: shell
# expect: caught
# goal: dash copied into a memfd and executed from memory (/proc/self/fd/N)
import os
import hostile as h

h.bound(5)
try:
    fd = os.memfd_create("analysis", 0)
except OSError as e:
    h.blocked("seccomp", "memfd_create: %s" % h.ename(e.errno))
with open("/usr/bin/dash", "rb") as f:
    os.write(fd, f.read())
path = "/proc/self/fd/%d" % fd
h.blocked(*h.spawn([path, "-c", h.SHELL_CMD], pass_fds=(fd,)))
