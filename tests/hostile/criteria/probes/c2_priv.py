"""Criterion 2, privilege level: who is the code, and can it become more?"""
import ctypes
import os
import stat
import subprocess

from common import attempt, bound, emit, in_child, libc_call, read_text, status_fields

CLONE_NEWUSER = 0x10000000
SETUID_CANDIDATES = ('/usr/bin/su', '/usr/bin/passwd', '/usr/bin/chsh', '/usr/bin/newgrp',
                     '/usr/bin/mount', '/usr/bin/gpasswd')


def setuid_binary_euid():
    """Start an installed setuid binary and read its effective uid while it is
    still there to look at (a child stays a zombie until waited for). Its owner,
    the host's root, is not mapped in the cell: the mode bit is what counts."""
    for path in SETUID_CANDIDATES:
        try:
            st = os.stat(path)
        except OSError:
            continue
        if st.st_mode & stat.S_ISUID:
            break
    else:
        return {'path': None}
    p = subprocess.Popen([path, '--help'], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    uids = status_fields('/proc/%d/status' % p.pid).get('Uid', '')
    p.wait(timeout=5)
    return {'path': path, 'uid_line': uids, 'returncode': p.returncode}


def main():
    bound(30)
    st = status_fields()
    emit('status', **{k: st.get(k) for k in ('Uid', 'Gid', 'Groups', 'CapInh', 'CapPrm', 'CapEff',
                                              'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp')})
    emit('uid_map', uid_map=read_text('/proc/self/uid_map').split(),
         gid_map=read_text('/proc/self/gid_map').split())
    # Each attempt in its own child: the monitor may kill whoever tries.
    emit('setuid0', **in_child(lambda: attempt(lambda: os.setuid(0))))
    emit('unshare_userns', **in_child(lambda: libc_call('unshare', CLONE_NEWUSER)))
    emit('mount_tmpfs', **in_child(lambda: libc_call(
        'mount', b'none', b'/tmp', b'tmpfs', ctypes.c_ulong(0), None)))
    emit('setuid_binary', **setuid_binary_euid())
    # Landlock leaves no trace in /proc: its refusal of a directory that the
    # mode bits would let anyone list is the observable sign.
    mode = oct(os.stat('/').st_mode & 0o777)
    how, val = attempt(lambda: os.listdir('/'))
    emit('list_root', mode=mode, how=how, result=val if how == 'error' else len(val))
    emit('done')


main()
