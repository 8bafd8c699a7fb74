# category: discovery
# expect: alerted
# alert: discovery
# goal: the classic first commands of an intruder, run as programs from Python:
#       id, whoami, hostname, uname -a (no shell: the cell has none)
import subprocess
import hostile as h

h.bound(8)
seen = []
for argv in (["id"], ["whoami"], ["hostname"], ["uname", "-a"]):
    r = subprocess.run(argv, capture_output=True, text=True)
    seen.append("%s=%s" % (argv[0], r.stdout.strip()[:40]))
h.achieved("discovery: " + "; ".join(seen))
