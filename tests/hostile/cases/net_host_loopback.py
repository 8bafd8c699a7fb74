# category: network
# expect: caught
# goal: reach a service listening on the host's loopback (the scorecard's
#       banner server on 127.0.0.1:$SC_HOST_PORT)
import os
import socket
import hostile as h

h.bound(5)
port = int(os.environ["SC_HOST_PORT"])
h.connect_verdict(socket.AF_INET, ("127.0.0.1", port))
