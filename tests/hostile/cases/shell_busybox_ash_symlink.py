# category: shell
# expect: caught
# goal: busybox's ash through a symlink called "ash" in /tmp (argv[0] picks the applet)
import os
import hostile as h

h.bound(5)
os.symlink("/usr/bin/busybox", "/tmp/ash")
rc, out, err = h.run_capture(["/tmp/ash", "-c", h.SHELL_CMD])
if err:
    h.blocked(*h.exec_error(err.errno, "/tmp/ash"))
h.child_verdict(rc, out, h.TOKEN)
