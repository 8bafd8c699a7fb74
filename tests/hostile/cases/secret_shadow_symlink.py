# category: secrets
# expect: caught
# root: bait
# goal: read /etc/shadow through a symlink with an innocent name in /tmp
import os
import hostile as h

h.bound(5)
os.symlink("/etc/shadow", "/tmp/notes.txt")
h.secret_verdict("/tmp/notes.txt -> /etc/shadow", lambda: open("/tmp/notes.txt", "rb").read())
