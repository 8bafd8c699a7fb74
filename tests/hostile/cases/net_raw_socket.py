# category: network
# expect: caught
# goal: open a raw IPv4 socket (craft any packet: spoofing, scanning)
import socket
import hostile as h

h.bound(5)
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
except OSError as e:
    h.blocked("caps", "raw socket: %s (no CAP_NET_RAW)" % h.ename(e.errno))
h.achieved("raw socket fd %d" % s.fileno())
