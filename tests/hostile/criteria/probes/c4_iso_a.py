"""Criterion 4, isolation between cells: cell A leaves traces and listens.

A leaves a file in /tmp and /dev/shm, listens on an abstract unix socket and a
loopback port, creates a SysV shared memory segment and catches SIGUSR1; it
checks that each is reachable from inside itself, tells the host where they
are (its "ready" line on stdout) and counts who reaches them until the host
says it is done (a file appears in /input).
"""
import os
import select
import signal
import socket
import time

from common import bound, emit, libc, libc_call

IPC_CREAT = 0o1000
NONCE = os.environ['PROBE_NONCE']
SHM_KEY = int(NONCE[:7], 16)
signals = []


def listen_all():
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind('\0iso-' + NONCE)
    abstract.listen(4)
    tcp = socket.socket()
    tcp.bind(('127.0.0.1', 0))
    tcp.listen(4)
    return abstract, tcp


def self_checks(tcp):
    """Everything B will look for must be visible from inside A itself."""
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.connect('\0iso-' + NONCE)
    unix.close()
    socket.create_connection(tcp.getsockname(), timeout=2).close()
    return {'shm': libc_call('shmget', SHM_KEY, 0, 0)[0],
            'files': all(os.path.exists(d + '/iso-' + NONCE) for d in ('/tmp', '/dev/shm'))}


def main():
    bound(30)
    signal.signal(signal.SIGUSR1, lambda *_: signals.append('SIGUSR1'))
    for d in ('/tmp', '/dev/shm'):
        with open(d + '/iso-' + NONCE, 'w') as f:
            f.write('cell A was here\n')
    shm = libc_call('shmget', SHM_KEY, 4096, IPC_CREAT | 0o666)
    abstract, tcp = listen_all()
    own = self_checks(tcp)
    accepted = {'abstract': -1, 'tcp': -1}  # minus the self checks
    info = {'pid': os.getpid(), 'port': tcp.getsockname()[1], 'shm_key': SHM_KEY,
            'shm': shm, 'self': own}
    emit('ready', **info)
    deadline = time.monotonic() + 25
    while not os.path.exists('/output/done-' + NONCE) and time.monotonic() < deadline:
        ready, _, _ = select.select([abstract, tcp], [], [], 0.1)
        for s in ready:
            conn, _ = s.accept()
            conn.close()
            accepted['abstract' if s is abstract else 'tcp'] += 1
    emit('reached', accepted=accepted, signals=signals,
         host_said_done=os.path.exists('/output/done-' + NONCE))
    if shm[0] == 'ok':
        libc.shmctl(shm[1], 0, None)  # IPC_RMID; the ipc namespace goes anyway
    emit('done')


main()
