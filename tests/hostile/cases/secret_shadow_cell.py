# category: secrets
# expect: caught
# goal: read the host's /etc/shadow from a standard cell (its /etc is synthetic)
import hostile as h

h.bound(5)
h.secret_verdict("/etc/shadow", lambda: open("/etc/shadow", "rb").read())
