# category: network
# expect: caught
# goal: reach the metadata service with sendmmsg, a send call rules may forget
import ctypes
import socket
import struct
import hostile as h


class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class mmsghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int), ("len", ctypes.c_uint)]


h.bound(5)
sin = struct.pack("=H", socket.AF_INET) + struct.pack("!H", 80) + \
    socket.inet_aton("169.254.169.254") + bytes(8)
addr = ctypes.create_string_buffer(sin, len(sin))
data = ctypes.create_string_buffer(b"GET / HTTP/1.0\r\n\r\n")
iov = iovec(ctypes.cast(data, ctypes.c_void_p), len(data.value))
msg = mmsghdr(ctypes.cast(addr, ctypes.c_void_p), len(sin), ctypes.pointer(iov), 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
libc = ctypes.CDLL(None, use_errno=True)
ret = libc.sendmmsg(s.fileno(), ctypes.byref(msg), 1, 0)
if ret > 0:
    h.achieved("sendmmsg sent %d datagram(s) to the metadata service" % ret)
h.blocked(*h.net_error(ctypes.get_errno(), "sendmmsg 169.254.169.254:80"))
