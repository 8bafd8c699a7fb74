# category: discovery
# expect: alerted
# alert: discovery
# goal: list the accounts and the network set-up: cat /etc/passwd, env, ip addr
import subprocess
import hostile as h

h.bound(8)
out = []
for argv in (["cat", "/etc/passwd"], ["env"], ["ip", "-brief", "addr"]):
    r = subprocess.run(argv, capture_output=True, text=True)
    out.append("%s: %d lines" % (argv[0], len(r.stdout.splitlines())))
h.achieved("discovery: " + ", ".join(out))
