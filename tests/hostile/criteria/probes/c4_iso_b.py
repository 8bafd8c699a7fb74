"""Criterion 4, isolation between cells: cell B looks for cell A's traces.

The host passes what A reported (its nonce, loopback port, SysV key) and A's
pid as the host sees it, in the environment.
"""
import os
import signal
import socket

from common import attempt, bound, emit, libc_call, read_text, report

NONCE = os.environ['PROBE_NONCE']


def processes():
    """Every process B can see, with its command line."""
    seen = {}
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            how, cmd = attempt(lambda: read_text('/proc/%s/cmdline' % pid).replace('\0', ' '))
            seen[pid] = cmd.strip() if how == 'ok' else cmd
    return seen


def connect_unix(name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(name)
        return 'connected'
    finally:
        s.close()


def main():
    bound(20)
    procs = processes()
    emit('processes', count=len(procs),
         of_a=[p for p, cmd in procs.items() if 'c4_iso_a' in cmd], cmdlines=procs)
    emit('files', found=[d for d in ('/tmp', '/dev/shm')
                         if os.path.exists(d + '/iso-' + NONCE)])
    report('abstract_socket', lambda: connect_unix('\0iso-' + NONCE))
    report('loopback_port', lambda: socket.create_connection(
        ('127.0.0.1', int(os.environ['A_PORT'])), timeout=2).close() or 'connected')
    how, val = libc_call('shmget', int(os.environ['A_SHM_KEY']), 0, 0)
    emit('sysv_shm', how=how, result=val)
    host_pid = int(os.environ['A_HOST_PID'])
    report('signal_host_pid', lambda: os.kill(host_pid, signal.SIGUSR1) or 'sent')
    report('proc_host_pid', lambda: os.path.exists('/proc/%d' % host_pid))
    emit('done')


main()
