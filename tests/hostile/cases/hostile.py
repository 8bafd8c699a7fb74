# Shared by the cases (staged next to them at /input): how a payload reports.
#
# A case prints exactly one verdict line on stdout, flushed at once:
#   ACHIEVED <what>          the hostile goal was reached (a miss, unless killed first)
#   BLOCKED <layer>: <how>   the attempt failed, and the evidence says which layer
#   OK <what>                a benign case did its work
# <layer> is the payload's reading of the errno in its context: seccomp,
# landlock, mount (read-only or noexec), filesystem (not in the cell),
# namespace, caps, cgroup, rlimit, monitor (a child or the payload was killed).
import ctypes
import errno
import os
import signal
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

# x86_64 syscall numbers the standard library does not wrap.
NR = {
    "ptrace": 101, "setuid": 105, "chroot": 161, "mount": 165, "init_module": 175,
    "finit_module": 313, "unshare": 272, "setns": 308, "bpf": 321, "memfd_create": 319,
    "execveat": 322, "userfaultfd": 323, "keyctl": 250, "io_uring_setup": 425,
    "openat2": 437, "clone": 56, "perf_event_open": 298, "add_key": 248,
}


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def achieved(what):
    say("ACHIEVED " + what)
    sys.exit(0)


def blocked(layer, how):
    say("BLOCKED %s: %s" % (layer, how))
    sys.exit(0)


def ok(what):
    say("OK " + what)
    sys.exit(0)


def ename(err):
    return errno.errorcode.get(err, str(err))


def bound(seconds):
    """A hostile payload never outlives this, whatever the cell does."""
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(seconds)


def syscall(name, *args):
    """Raw syscall: returns (ret, errno name or None)."""
    ctypes.set_errno(0)
    ret = libc.syscall(ctypes.c_long(NR[name]), *[ctypes.c_long(a) for a in args])
    return ret, (ename(ctypes.get_errno()) if ret < 0 else None)


def child_verdict(rc, out, token):
    """Judge a child that was to print @token: ran, killed, or refused."""
    if token in out:
        achieved("the child ran and printed %r" % token)
    if rc == -signal.SIGKILL or rc == 128 + signal.SIGKILL:
        blocked("monitor", "the child got SIGKILL before printing anything")
    blocked("other", "the child exited with %s without printing the token" % rc)


def child_output(fn):
    """Run fn() in a forked child whose stdout is a pipe: (status, output)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w, 1)
        try:
            fn()
        finally:
            os._exit(127)
    os.close(w)
    out = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        out += chunk
    os.close(r)
    _, st = os.waitpid(pid, 0)
    rc = -os.WTERMSIG(st) if os.WIFSIGNALED(st) else os.WEXITSTATUS(st)
    return rc, out.decode(errors="replace")


def exec_error(err, path):
    """Why an exec of @path failed, by errno."""
    if err == errno.EACCES:
        return "landlock", "exec %s: EACCES (noexec mount or Landlock)" % path
    if err in (errno.ENOENT, errno.ENOTDIR):
        return "filesystem", "exec %s: %s (not in the cell)" % (path, ename(err))
    return "other", "exec %s: %s" % (path, ename(err))


# What a spawned shell prints: only a shell that ran computes it, so an
# error message quoting the command cannot pass for success.
TOKEN = "SHELL-42"
SHELL_CMD = "echo SHELL-$((6*7))"


def run_capture(argv, timeout=5, **kw):
    import subprocess
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    except OSError as e:
        return None, "", e
    return r.returncode, r.stdout + r.stderr, None


def spawn(argv, **kw):
    """Run @argv, which prints TOKEN if it ran, and judge it (exits); if it
    could not be executed, return (layer, how) for the caller to report."""
    rc, out, err = run_capture(argv, **kw)
    if err:
        return exec_error(err.errno, kw.get("executable", argv[0]))
    child_verdict(rc, out, TOKEN)


def fill(directory, nfiles):
    """Write @nfiles files of 32 MiB into @directory, a MiB at a time:
    (MiB written, the OSError that stopped it or None)."""
    block = b"\0" * (1 << 20)
    written = 0
    try:
        for i in range(nfiles):
            with open("%s/fill%02d" % (directory, i), "wb") as f:
                for _ in range(32):
                    f.write(block)
                    written += 1
    except OSError as e:
        return written, e
    return written, None


# Every bait secret the scorecard plants holds this marker.
BAIT = b"CELLWATCH-BAIT"


def secret_verdict(path, read):
    """Call read() for the bytes of @path; judge what came back."""
    try:
        data = read()
    except OSError as e:
        if e.errno == errno.EACCES:
            blocked("landlock", "open %s: EACCES" % path)
        if e.errno == errno.ENOENT:
            blocked("filesystem", "open %s: ENOENT (not in the cell)" % path)
        blocked("other", "open %s: %s" % (path, ename(e.errno)))
    if BAIT in data:
        achieved("read %d bytes of %s" % (len(data), path))
    blocked("other", "read %s but it held no secret" % path)


def net_error(err, what):
    """Which layer an errno from a network call points at."""
    if err == errno.EPERM:
        return "monitor", "%s: EPERM (refused by the cgroup hook)" % what
    if err in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ECONNREFUSED, errno.EADDRNOTAVAIL,
               errno.ETIMEDOUT, errno.ENOENT):
        return "namespace", "%s: %s (nothing reachable from the cell's network)" % (
            what, ename(err))
    if err == errno.EACCES:
        return "caps", "%s: EACCES" % what
    return "other", "%s: %s" % (what, ename(err))


def connect_verdict(family, addr, send=b"", what=None):
    """Connect to @addr, send @send, read: achieved on any byte back or an open connection."""
    import socket
    what = what or "connect %s" % (addr,)
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(addr)
    except socket.timeout:
        blocked("namespace", "%s: timed out" % what)
    except OSError as e:
        blocked(*net_error(e.errno, what))
    try:
        if send:
            s.sendall(send)
        data = s.recv(256)
    except OSError:
        data = b""  # connected is enough: the peer may have answered and gone
    achieved("%s: connected%s" % (what, ", got %r" % data[:40] if data else ""))


def syscall_verdict(name, *args, what=None):
    """An escape syscall: achieved if it succeeds, else the errno says who refused."""
    what = what or name
    ret, err = syscall(name, *args)
    if ret >= 0:
        achieved("%s returned %d" % (what, ret))
    # EPERM from a syscall the filter refuses, ENOSYS from clone3 and unknown ones.
    blocked("seccomp" if err in ("EPERM", "ENOSYS") else "other", "%s: %s" % (what, err))
