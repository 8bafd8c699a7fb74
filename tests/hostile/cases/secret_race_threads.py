# category: secrets
# expect: caught
# root: bait
# goal: read /etc/sudoers by racing threads: one flips a symlink between a
#       harmless file and the secret while others open and read it, so that a
#       monitor reading the path string before the kernel resolves it sees the
#       harmless name
import os
import threading
import time
import hostile as h

h.bound(6)
open("/tmp/harmless.txt", "w").write("nothing to see\n")
os.symlink("/tmp/harmless.txt", "/tmp/a")
os.symlink("/etc/sudoers", "/tmp/b")
stop = time.time() + 2
got = []


def flip():
    while time.time() < stop and not got:
        os.symlink("/tmp/harmless.txt", "/tmp/t1")
        os.rename("/tmp/t1", "/tmp/link")
        os.symlink("/etc/sudoers", "/tmp/t2")
        os.rename("/tmp/t2", "/tmp/link")


def reader():
    while time.time() < stop and not got:
        try:
            with open("/tmp/link", "rb") as f:
                data = f.read()
        except OSError:
            continue
        if h.BAIT in data:
            got.append(data)


threads = [threading.Thread(target=flip)] + [threading.Thread(target=reader) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if got:
    h.achieved("a racing thread read %d bytes of /etc/sudoers" % len(got[0]))
h.blocked("other", "no thread read the secret in 2 s")
