# category: secrets
# expect: caught
# root: bait
# goal: read /etc/shadow by a relative, dotted path from another directory
import os
import hostile as h

h.bound(5)
os.chdir("/usr/share")
path = "../../etc/./shadow"
h.secret_verdict(path, lambda: open(path, "rb").read())
