# category: secrets
# expect: caught
# root: bait
# goal: read /etc/shadow through a file table shared with the process that
#       opens it (clone(CLONE_FILES)): the opener may die at once, but the
#       payload reads the open file before the rest of the run is killed; a
#       third process floods the monitor with opens meanwhile to widen that window
import os
import time
import hostile as h

h.bound(6)
CLONE_FILES, SIGCHLD = 0x400, 17
t0 = time.time()
pid, err = h.syscall("clone", CLONE_FILES | SIGCHLD, 0, 0, 0, 0)
if pid < 0:
    h.blocked("seccomp", "clone(CLONE_FILES): %s" % err)
if pid == 0:
    # The opener, a child, so that its death does not end the cell's main process.
    time.sleep(max(0, t0 + 0.3 - time.time()))
    os.open("/etc/shadow", os.O_RDONLY)
    os._exit(0)
if os.fork() == 0:
    # The flooder: a burst of harmless opens around the secret's, two files
    # in turn so that the kernel cannot fold them into a count.
    time.sleep(max(0, t0 + 0.2 - time.time()))
    while time.time() < t0 + 0.5:
        os.close(os.open("/dev/null", os.O_RDONLY))
        os.close(os.open("/dev/zero", os.O_RDONLY))
    os._exit(0)
# The payload: read every descriptor of the shared table from just before the
# open until shortly after the opener is gone (bounded by 3 s).
time.sleep(max(0, t0 + 0.29 - time.time()))
status, gone = None, None
while time.time() < min(t0 + 3, (gone or t0 + 3) + 0.2):
    for fd in range(3, 16):
        try:
            data = os.pread(fd, 4096, 0)
        except OSError:
            continue
        if h.BAIT in data:
            h.achieved("read %d bytes of /etc/shadow from fd %d, opened by a sibling"
                       % (len(data), fd))
    if status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status, gone = st, time.time()
if status is None:
    h.blocked("other", "the opener never finished")
how = "killed by signal %d" % os.WTERMSIG(status) if os.WIFSIGNALED(status) else "exited"
h.blocked("other", "the opener %s; the secret never showed in the shared table" % how)
