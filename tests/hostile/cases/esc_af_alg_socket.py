# category: escape
# expect: caught
# goal: reach kernel socket code a sandboxed job never needs and exploits
#       do: the crypto API (AF_ALG), netlink, TIPC, RDS, XDP
import socket
import hostile as h

h.bound(5)
tried = []
for name, family, kind in (("alg", 38, socket.SOCK_SEQPACKET),
                           ("netlink", 16, socket.SOCK_RAW),
                           ("tipc", 30, socket.SOCK_RDM),
                           ("rds", 21, socket.SOCK_SEQPACKET),
                           ("xdp", 44, socket.SOCK_RAW)):
    try:
        s = socket.socket(family, kind, 0)
    except OSError as e:
        tried.append("%s %s" % (name, h.ename(e.errno)))
        continue
    if name == "alg":
        try:
            s.bind(("hash", "sha256"))
        except OSError as e:
            tried.append("alg bind %s" % h.ename(e.errno))
            continue
    h.achieved("%s socket fd %d" % (name, s.fileno()))
h.blocked("seccomp", "; ".join(tried))
