# category: secrets
# expect: caught
# root: bait
# goal: read /etc/shadow through /proc/self/root (a magic link to the root)
import hostile as h

h.bound(5)
path = "/proc/self/root/etc/shadow"
h.secret_verdict(path, lambda: open(path, "rb").read())
