# category: network
# expect: caught
# root: bait
# goal: talk to a container runtime's API socket mounted into the cell at
#       /var/run/docker.sock (a bait listener the scorecard serves; like rootless
#       Podman's socket, it was bound under another path on the host)
import socket
import hostile as h

h.bound(5)
h.connect_verdict(socket.AF_UNIX, "/var/run/docker.sock",
                  b"GET /containers/json HTTP/1.0\r\n\r\n", "connect /var/run/docker.sock")
