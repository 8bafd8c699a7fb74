"""Criterion 1, arbitrary command execution: which programs can the code start?"""
import os
import shutil
import subprocess
import sys

from common import attempt, bound, emit, errname

MARK = 'probe-ran'


def run(argv, **kw):
    """Start ARGV; what happened: its status (negative: killed by signal) and output."""
    try:
        p = subprocess.run(argv, capture_output=True, timeout=5, **kw)
    except Exception as e:
        return {'started': False, 'error': errname(e)}
    return {'started': True, 'returncode': p.returncode,
            'stdout': p.stdout.decode('utf-8', 'replace')[:200]}


def exec_dropped(directory):
    """Write a copy of an installed binary where the cell may write, then run it."""
    path = os.path.join(directory, 'dropped-id')
    how, err = attempt(lambda: shutil.copy(b'/usr/bin/id', path.encode()))
    if how == 'error':
        return {'written': False, 'error': err}
    os.chmod(path, 0o755)
    return dict(run([path]), written=True)


def exec_memfd():
    """Run a program that exists only in memory (the fileless trick)."""
    fd = os.memfd_create('probe', 0)
    with open('/usr/bin/id', 'rb') as f:
        os.write(fd, f.read())
    return run(['/proc/self/fd/%d' % fd], pass_fds=(fd,))


def shell_through_loader(loader, tries=300):
    """A shell started by the dynamic loader: the new image is the loader, not
    the shell, so only a rule on the loader itself can stop it. Count how
    often the shell gets to print before that happens."""
    for i in range(1, tries + 1):
        r = run([loader, '/bin/dash', '-c', 'echo ' + MARK])
        if MARK in r.get('stdout', ''):
            return {'tries': i, 'shell_ran': True, 'returncode': r['returncode']}
    return {'tries': tries, 'shell_ran': False, 'returncode': r.get('returncode')}


def main():
    bound(40)
    for shell in ('/bin/sh', '/bin/bash', '/bin/dash', '/bin/busybox'):
        if os.path.exists(shell):
            argv = [shell, 'sh', '-c', 'echo ' + MARK] if 'busybox' in shell \
                else [shell, '-c', 'echo ' + MARK]
            emit('shell', path=shell, **run(argv))
    status = os.system('echo %s >&2' % MARK)
    emit('os_system', waitstatus=status,
         signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None)
    emit('installed_binary', path='/usr/bin/id', **run(['/usr/bin/id']))
    emit('interpreter', path=sys.executable,
         **run([sys.executable, '-c', 'print("%s")' % MARK]))
    for directory in ('/tmp', '/dev/shm', '/output'):
        if os.path.isdir(directory):
            emit('dropped_binary', dir=directory, **exec_dropped(directory))
    emit('memfd_exec', **exec_memfd())
    loader = '/lib64/ld-linux-x86-64.so.2'
    if os.path.exists(loader):
        emit('loader_exec', path=loader, **run([loader, '/usr/bin/id']))
        emit('loader_shell', path=loader, **shell_through_loader(loader))
    emit('done')


main()
