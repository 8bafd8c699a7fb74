# category: network
# expect: caught
# goal: resolve a name through the C library's resolver (getaddrinfo)
import socket
import hostile as h

h.bound(6)
try:
    info = socket.getaddrinfo("example.com", 443, proto=socket.IPPROTO_TCP)
except socket.gaierror as e:
    h.blocked("namespace", "getaddrinfo: %s (no resolver reachable)" % e)
h.achieved("resolved example.com to %s" % info[0][4][0])
