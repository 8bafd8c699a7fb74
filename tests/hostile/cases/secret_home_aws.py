# category: secrets
# expect: caught
# root: bait
# goal: read a user's AWS credentials (/home/alice/.aws/credentials)
import hostile as h

h.bound(5)
path = "/home/alice/.aws/credentials"
h.secret_verdict(path, lambda: open(path, "rb").read())
