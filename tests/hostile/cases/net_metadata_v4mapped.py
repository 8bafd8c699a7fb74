# category: network
# expect: caught
# goal: reach the metadata service by its IPv4-mapped IPv6 address
#       (::ffff:169.254.169.254) on an IPv6 socket, past IPv4-only rules
import socket
import hostile as h

h.bound(5)
h.connect_verdict(socket.AF_INET6, ("::ffff:169.254.169.254", 80),
                  b"GET /latest/meta-data/ HTTP/1.0\r\n\r\n")
