# category: network
# expect: caught
# goal: a TCP connection to an outside address (192.0.2.10:443, TEST-NET-1)
import socket
import hostile as h

h.bound(5)
h.connect_verdict(socket.AF_INET, ("192.0.2.10", 443))
