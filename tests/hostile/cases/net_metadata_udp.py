# category: network
# expect: caught
# goal: a UDP datagram to the metadata address (sendto, no connect)
import socket
import hostile as h

h.bound(5)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b"hello", ("169.254.169.254", 53))
except OSError as e:
    h.blocked(*h.net_error(e.errno, "sendto 169.254.169.254:53"))
h.achieved("a datagram left for 169.254.169.254")
