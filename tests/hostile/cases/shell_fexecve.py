# category: shell
# expect: caught
# goal: dash executed from an open file descriptor (fexecve), no path in the exec
import os
import hostile as h

h.bound(5)
fd = os.open("/usr/bin/dash", os.O_RDONLY)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.dup2(w, 1)
    try:
        os.execve(fd, ["sh", "-c", h.SHELL_CMD], {"PATH": "/usr/bin:/bin"})
    finally:
        os._exit(127)
os.close(w)
out = b""
while True:
    chunk = os.read(r, 4096)
    if not chunk:
        break
    out += chunk
_, st = os.waitpid(pid, 0)
rc = -os.WTERMSIG(st) if os.WIFSIGNALED(st) else os.WEXITSTATUS(st)
h.child_verdict(rc, out.decode(errors="replace"), h.TOKEN)
