# category: shell
# expect: caught
# goal: an interactive shell on a pseudo-terminal (pty.spawn), the classic shell upgrade
import os
import pty
import hostile as h

h.bound(5)
seen = []


def read_master(fd):
    data = os.read(fd, 1024)
    seen.append(data)
    return b""  # keep it off our stdout: the verdict line is the only output


try:
    st = pty.spawn(["/bin/sh", "-c", h.SHELL_CMD], read_master)
except OSError as e:
    h.blocked("filesystem", "pty.spawn: %s (no /dev/ptmx, no /dev/pts in the cell)" % e)
rc = -os.WTERMSIG(st) if os.WIFSIGNALED(st) else os.WEXITSTATUS(st)
h.child_verdict(rc, b"".join(seen).decode(errors="replace"), h.TOKEN)
