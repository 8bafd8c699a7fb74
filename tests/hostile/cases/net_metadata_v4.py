# category: network
# expect: caught
# goal: reach the cloud metadata service (169.254.169.254:80) for the host's credentials
import socket
import hostile as h

h.bound(5)
h.connect_verdict(socket.AF_INET, ("169.254.169.254", 80),
                  b"GET /latest/meta-data/iam/ HTTP/1.0\r\n\r\n")
