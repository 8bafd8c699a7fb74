# category: secrets
# expect: caught
# root: bait
# goal: read root's SSH private key (/root/.ssh/id_rsa), present and world-readable in the bait root
import hostile as h

h.bound(5)
path = "/root/.ssh/id_rsa"
h.secret_verdict(path, lambda: open(path, "rb").read())
