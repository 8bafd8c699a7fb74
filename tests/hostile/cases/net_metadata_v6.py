# category: network
# expect: caught
# goal: reach the metadata service over IPv6 (fd00:ec2::254, AWS Nitro)
import socket
import hostile as h

h.bound(5)
h.connect_verdict(socket.AF_INET6, ("fd00:ec2::254", 80),
                  b"GET /latest/meta-data/ HTTP/1.0\r\n\r\n")
