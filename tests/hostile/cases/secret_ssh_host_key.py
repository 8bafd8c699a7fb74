# category: secrets
# expect: caught
# root: bait
# goal: read the host's SSH private host key (/etc/ssh/ssh_host_ed25519_key)
import hostile as h

h.bound(5)
path = "/etc/ssh/ssh_host_ed25519_key"
h.secret_verdict(path, lambda: open(path, "rb").read())
