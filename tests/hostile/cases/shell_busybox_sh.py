# category: shell
# expect: caught
# goal: busybox's shell applet (busybox sh -c) runs a command
import hostile as h

h.bound(5)
rc, out, err = h.run_capture(["/usr/bin/busybox", "sh", "-c", h.SHELL_CMD])
if err:
    h.blocked(*h.exec_error(err.errno, "/usr/bin/busybox"))
h.child_verdict(rc, out, h.TOKEN)
