"""Shared helpers of the criteria probes: they run inside a cell.

Every finding is one JSON object on its own line of stdout, flushed at once,
so that what was found before a kill still reaches the judge.
"""
import ctypes
import errno
import json
import os
import signal

libc = ctypes.CDLL(None, use_errno=True)


def bound(seconds):
    """A probe never outlives its budget, whatever it waits on."""
    signal.alarm(seconds)


def emit(check, **fields):
    print(json.dumps(dict(check=check, **fields), sort_keys=True), flush=True)


def errname(e):
    if isinstance(e, OSError) and e.errno in errno.errorcode:
        return errno.errorcode[e.errno]
    if isinstance(e, OSError) and e.errno:
        return '%s(%s)' % (type(e).__name__, e.errno)  # gaierror's EAI_* codes
    return type(e).__name__


def attempt(fn):
    """('ok', value) or ('error', errno name): what the caller would see."""
    try:
        return 'ok', fn()
    except Exception as e:  # every failure is a finding, never a crash
        return 'error', errname(e)


def report(check, fn):
    """Emit what calling FN did: how='ok' with its result, or how='error'."""
    how, value = attempt(fn)
    emit(check, how=how, result=value)


def libc_call(name, *args):
    """Call libc NAME; ('ok', ret) or ('error', errno name)."""
    fn = getattr(libc, name)
    ret = fn(*args)
    if ret == -1:
        return 'error', errno.errorcode.get(ctypes.get_errno(), '?')
    return 'ok', ret


def in_child(fn, seconds=3):
    """Run FN in a forked child: escape attempts may be killed by the monitor.

    Returns {'how': 'exited'|'signaled', 'code'|'signal', 'result'}.
    """
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        signal.alarm(seconds)
        try:
            res = fn()
        except Exception as e:
            res = ['error', errname(e)]
        os.write(wfd, json.dumps(res).encode())
        os._exit(0)
    os.close(wfd)
    data = b''
    while True:
        chunk = os.read(rfd, 4096)
        if not chunk:
            break
        data += chunk
    os.close(rfd)
    _, status = os.waitpid(pid, 0)
    out = {'result': json.loads(data) if data else None}
    if os.WIFSIGNALED(status):
        out.update(how='signaled', signal=signal.Signals(os.WTERMSIG(status)).name)
    else:
        out.update(how='exited', code=os.WEXITSTATUS(status))
    return out


def read_text(path, limit=65536):
    with open(path, 'rb') as f:
        return f.read(limit).decode('utf-8', 'replace')


def status_fields(path='/proc/self/status'):
    fields = {}
    for line in read_text(path).splitlines():
        key, _, value = line.partition(':')
        fields[key] = value.strip()
    return fields
