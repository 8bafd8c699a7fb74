# category: shell
# expect: caught
# goal: a busybox applet reached through a symlink named like it (/tmp/printf),
#       the way busybox installs its tools: busybox's hundreds of applets
#       (nc, wget, httpd, sh) are one binary
import os
import hostile as h

h.bound(5)
os.symlink("/usr/bin/busybox", "/tmp/printf")
h.blocked(*h.spawn(["/tmp/printf", "SHELL-%d\\n", "42"]))
