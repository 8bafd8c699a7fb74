# category: network
# expect: caught
# goal: scan loopback for host services (databases, a runtime API, debuggers)
import socket
import hostile as h

h.bound(5)
found = []
for port in (22, 80, 443, 2375, 2376, 3306, 5432, 6379, 8080, 9000, 10250, 11211):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
        found.append(port)
    except OSError:
        pass
    finally:
        s.close()
if found:
    h.achieved("open ports on loopback: %s" % found)
h.blocked("namespace", "nothing listens on the cell's loopback")
