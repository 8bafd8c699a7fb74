# category: network
# expect: caught
# goal: reach a host service on an abstract unix socket ($SC_ABSTRACT, the
#       scorecard's banner server: abstract names are per network namespace)
import os
import socket
import hostile as h

h.bound(5)
name = "\0" + os.environ["SC_ABSTRACT"]
h.connect_verdict(socket.AF_UNIX, name, what="connect @" + os.environ["SC_ABSTRACT"])
