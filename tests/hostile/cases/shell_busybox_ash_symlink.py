# category: shell
# expect: caught
# goal: busybox's ash through a symlink called "ash" in /tmp (argv[0] picks the applet)
import os
import hostile as h

h.bound(5)
os.symlink("/usr/bin/busybox", "/tmp/ash")
h.blocked(*h.spawn(["/tmp/ash", "-c", h.SHELL_CMD]))
