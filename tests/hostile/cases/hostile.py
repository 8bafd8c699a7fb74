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


def _is_mask(path):
    """Is @path (as the cell resolves it) an empty, read-only file: a masked shell?"""
    try:
        st = os.stat(path if "/" in path else "/usr/bin/" + path)
    except OSError:
        return False
    return st.st_size == 0 and not st.st_mode & 0o333


def exec_error(err, path):
    """Why an exec of @path failed, by errno."""
    if err == errno.EACCES and _is_mask(path):
        return "mount", "exec %s: EACCES (an empty, non-executable mask)" % path
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


# ---------------------------------------------------------------- userland exec
# A program run without an exec of it: its ELF segments and its dynamic
# loader's are mapped into this (Python) process, a fresh stack gets argv,
# envp and the auxiliary vector, and a few bytes of machine code jump to the
# loader's entry with the stack pointer there.  The kernel sees mmaps, no
# exec: only what the program does afterwards (its own syscalls).

PAGE = 4096
PT_LOAD, PT_PHDR, PT_INTERP = 1, 6, 3
AT = {"NULL": 0, "PHDR": 3, "PHENT": 4, "PHNUM": 5, "PAGESZ": 6, "BASE": 7, "FLAGS": 8,
      "ENTRY": 9, "UID": 11, "EUID": 12, "GID": 13, "EGID": 14, "SECURE": 23, "RANDOM": 25,
      "EXECFN": 31}
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS = 0x02, 0x10, 0x20


# Never map the file executable: copy its bytes into anonymous memory (what a
# loader does on a noexec mount).
COPY_ONLY = False


class LoadError(Exception):
    """Why a program could not be loaded: (layer, how) for blocked()."""


def _mmap(addr, length, prot, flags, fd, off):
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    ctypes.set_errno(0)
    a = libc.mmap(addr, length, prot, flags, fd, off)
    if a is None or a == ctypes.c_void_p(-1).value:
        return None, ename(ctypes.get_errno())
    return a, None


def _mprotect(addr, length, prot):
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return libc.mprotect(addr, length, prot)


def _headers(path):
    """(ELF header fields, program headers) of @path, or LoadError."""
    import struct
    try:
        with open(path, "rb") as f:
            data = f.read(PAGE)
    except OSError as e:
        raise LoadError("filesystem", "open %s: %s" % (path, ename(e.errno)))
    if len(data) < 64 or data[:4] != b"\x7fELF":
        raise LoadError("mount", "%s holds %d bytes, no ELF header (masked)" % (path, len(data)))
    e_type, _, _, e_entry, e_phoff = struct.unpack_from("<HHIQQ", data, 16)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 54)
    phdrs = [struct.unpack_from("<IIQQQQQQ", data, e_phoff + i * e_phentsize)
             for i in range(e_phnum)]
    return {"type": e_type, "entry": e_entry, "phoff": e_phoff, "phnum": e_phnum,
            "phent": e_phentsize}, phdrs


def _round_up(x):
    return (x + PAGE - 1) & ~(PAGE - 1)


def _copy_in(fd, addr, offset, length):
    """Read @length bytes at @offset of @fd into memory at @addr."""
    done = 0
    while done < length:
        chunk = os.pread(fd, min(1 << 20, length - done), offset + done)
        if not chunk:
            break
        ctypes.memmove(addr + done, chunk, len(chunk))
        done += len(chunk)


def load_elf(path, notes):
    """Map @path's PT_LOAD segments (PROT_EXEC from the file; where the mount
    refuses that, copied into anonymous memory): (base, header, phdrs)."""
    hdr, phdrs = _headers(path)
    loads = [p for p in phdrs if p[0] == PT_LOAD]
    lo = min(p[3] for p in loads) & ~(PAGE - 1)
    hi = _round_up(max(p[3] + p[6] for p in loads))
    base, err = _mmap(None, hi - lo, 0, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    if not base:
        raise LoadError("other", "reserve %d bytes: %s" % (hi - lo, err))
    base -= lo
    fd = os.open(path, os.O_RDONLY)
    for p_type, flags, off, vaddr, _, filesz, memsz, _ in loads:
        prot = (PROT_READ if flags & 4 else 0) | (PROT_WRITE if flags & 2 else 0) | \
               (PROT_EXEC if flags & 1 else 0)
        start = base + vaddr
        page = start & ~(PAGE - 1)
        span = _round_up(start + filesz) - page
        a, err = (None, "not tried") if COPY_ONLY else \
            _mmap(page, span, prot | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, off - (start - page))
        if not a:
            if not COPY_ONLY:
                notes.append("mmap %s PROT_EXEC: %s, copied instead" % (path, err)
                             if prot & PROT_EXEC else "mmap %s: %s" % (path, err))
            a, err = _mmap(page, span, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0)
            if not a:
                raise LoadError("other", "anonymous memory: %s" % err)
            _copy_in(fd, page, off - (start - page), span)
        end = _round_up(start + memsz)
        if memsz > filesz:
            # .bss: zero the rest of the last file page, then fresh pages.
            ctypes.memset(start + filesz, 0, _round_up(start + filesz) - (start + filesz))
            if end > _round_up(start + filesz):
                _mmap(_round_up(start + filesz), end - _round_up(start + filesz),
                      PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0)
        if _mprotect(page, end - page, prot):
            raise LoadError("kernel", "mprotect %s %#x: %s" % (path, prot,
                                                              ename(ctypes.get_errno())))
    os.close(fd)
    return base, hdr, phdrs


def _build_stack(argv, envp, auxv):
    """A new stack as the kernel lays it out at exec: its pointer."""
    import struct
    size = 1 << 20
    mem, err = _mmap(None, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    if not mem:
        raise LoadError("other", "stack: %s" % err)
    top = mem + size
    ptrs = {}

    def put(key, data):
        nonlocal top
        top -= len(data)
        ctypes.memmove(top, data, len(data))
        ptrs[key] = top

    for i, s in enumerate(argv):
        put(("argv", i), s.encode() + b"\0")
    for i, s in enumerate(envp):
        put(("envp", i), s.encode() + b"\0")
    put("random", os.urandom(16))
    auxv = [(AT["RANDOM"], ptrs["random"]), (AT["EXECFN"], ptrs[("argv", 0)])] + auxv
    words = [len(argv)] + [ptrs[("argv", i)] for i in range(len(argv))] + [0] + \
            [ptrs[("envp", i)] for i in range(len(envp))] + [0]
    for k, v in auxv + [(AT["NULL"], 0)]:
        words += [k, v]
    sp = (top - 8 * len(words) - 64) & ~15
    ctypes.memmove(sp, struct.pack("<%dQ" % len(words), *words), 8 * len(words))
    return sp


# mov rsp, rdi; xor edx, edx; jmp rsi: the program starts on its own stack.
_TRAMPOLINE = b"\x48\x89\xfc\x31\xd2\xff\xe6"


def userland_exec(path, argv, notes, interp="/lib64/ld-linux-x86-64.so.2"):
    """Run @path with @argv in this process, never returning when it works;
    raises LoadError when the program or its loader cannot be loaded."""
    base, hdr, phdrs = load_elf(path, notes)
    ibase, ihdr, _ = load_elf(interp, notes)
    phdr = [p for p in phdrs if p[0] == PT_PHDR]
    phdr_addr = base + (phdr[0][3] if phdr else hdr["phoff"])
    auxv = [(AT["PHDR"], phdr_addr), (AT["PHENT"], hdr["phent"]), (AT["PHNUM"], hdr["phnum"]),
            (AT["PAGESZ"], PAGE), (AT["BASE"], ibase), (AT["FLAGS"], 0),
            (AT["ENTRY"], base + hdr["entry"]), (AT["UID"], os.getuid()),
            (AT["EUID"], os.geteuid()), (AT["GID"], os.getgid()), (AT["EGID"], os.getegid()),
            (AT["SECURE"], 0)]
    envp = ["%s=%s" % kv for kv in os.environ.items()]
    sp = _build_stack(argv, envp, auxv)
    code, err = _mmap(None, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    if not code:
        raise LoadError("other", "trampoline: %s" % err)
    ctypes.memmove(code, _TRAMPOLINE, len(_TRAMPOLINE))
    if _mprotect(code, PAGE, PROT_READ | PROT_EXEC):
        raise LoadError("kernel", "trampoline PROT_EXEC: %s" % ename(ctypes.get_errno()))
    jump = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)(code)
    sys.stdout.flush()
    jump(sp, ibase + ihdr["entry"])


def userland_shell(path, seconds=3):
    """Run the shell at @path in a forked child by userland exec and judge it (exits)."""
    notes = []

    def child():
        signal.alarm(seconds)
        try:
            userland_exec(path, [path, "-c", SHELL_CMD], notes)
        except LoadError as e:
            sys.stdout.write("LOADERROR %s|%s|%s\n" % (e.args[0], e.args[1], "; ".join(notes)))
            sys.stdout.flush()
            os._exit(1)

    rc, out = child_output(child)
    if TOKEN in out:
        achieved("userland exec of %s printed %r" % (path, TOKEN))
    for line in out.splitlines():
        if line.startswith("LOADERROR "):
            layer, how, more = line[len("LOADERROR "):].split("|", 2)
            blocked(layer, how + ("; " + more if more else ""))
    if rc == -signal.SIGKILL:
        blocked("monitor", "the loading child got SIGKILL before the shell printed anything")
    blocked("other", "userland exec of %s ended with %s without output: %r" % (path, rc, out[-200:]))
