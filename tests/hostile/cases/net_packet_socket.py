# category: network
# expect: caught
# goal: open a packet socket (whole frames on an interface: sniffing)
import socket
import hostile as h

h.bound(5)
try:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
except OSError as e:
    h.blocked("caps", "packet socket: %s (no CAP_NET_RAW)" % h.ename(e.errno))
h.achieved("packet socket fd %d" % s.fileno())
