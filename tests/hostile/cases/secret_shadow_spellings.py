# category: secrets
# expect: caught
# goal: name /etc/shadow so that a literal match misses it (//, /./, a detour
#  through /tmp/..), as a failed open or a successful one
import hostile as h

h.bound(5)
for path in ("/etc//shadow", "/etc/./shadow", "/tmp/../etc/shadow"):
    try:
        data = open(path, "rb").read()
    except OSError:
        continue
    if h.BAIT in data:
        h.achieved("read %d bytes of %s" % (len(data), path))
h.blocked("filesystem", "every spelling of /etc/shadow failed (not in the cell)")
