# category: secrets
# expect: caught
# root: bait
# goal: read /etc/shadow where it exists and is readable (the bait root): only
#       the monitor stands between the payload and the bytes
import hostile as h

h.bound(5)
h.secret_verdict("/etc/shadow", lambda: open("/etc/shadow", "rb").read())
