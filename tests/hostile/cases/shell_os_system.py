# category: shell
# expect: caught
# goal: a shell started with os.system() runs a command
import os
import hostile as h

h.bound(5)
out = "/tmp/os_system.out"
st = os.system(h.SHELL_CMD + " > " + out)
text = open(out).read() if os.path.exists(out) else ""
rc = -os.WTERMSIG(st) if os.WIFSIGNALED(st) else os.WEXITSTATUS(st)
h.child_verdict(rc, text, h.TOKEN)
