# category: shell
# expect: caught
# goal: bash started with subprocess runs a command
import hostile as h

h.bound(5)
rc, out, err = h.run_capture(["/bin/bash", "-c", h.SHELL_CMD])
if err:
    h.blocked(*h.exec_error(err.errno, "/bin/bash"))
h.child_verdict(rc, out, h.TOKEN)
