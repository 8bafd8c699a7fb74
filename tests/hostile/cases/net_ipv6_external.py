# category: network
# expect: caught
# goal: a TCP connection to an outside IPv6 address (2001:db8::10, documentation range)
import socket
import hostile as h

h.bound(5)
h.connect_verdict(socket.AF_INET6, ("2001:db8::10", 443))
