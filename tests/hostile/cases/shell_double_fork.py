# category: shell
# expect: caught
# goal: a shell as a grandchild after a double fork and setsid (daemonised,
#       reparented to the cell's init), writing its output to a file
import os
import time
import hostile as h

h.bound(6)
out = "/tmp/double_fork.out"
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() == 0:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        try:
            os.execv("/bin/sh", ["sh", "-c", h.SHELL_CMD])
        finally:
            os._exit(127)
    os._exit(0)
os.waitpid(pid, 0)
deadline = time.time() + 2
while time.time() < deadline:
    if os.path.exists(out) and h.TOKEN in open(out).read():
        h.achieved("the grandchild shell wrote %r" % h.TOKEN)
    time.sleep(0.05)
h.blocked("monitor", "the grandchild shell never wrote its output")
