# category: shell
# expect: caught
# goal: busybox's shell applet (busybox sh -c) runs a command
import hostile as h

h.bound(5)
h.blocked(*h.spawn(["/usr/bin/busybox", "sh", "-c", h.SHELL_CMD]))
