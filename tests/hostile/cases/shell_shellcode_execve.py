# category: shell
# expect: caught
# goal: native code in anonymous executable memory calls execve("/bin/sh")
#       directly (no libc, no Python exec path)
import ctypes
import mmap
import struct
import hostile as h

h.bound(5)
path = ctypes.create_string_buffer(b"/bin/sh")
args = [ctypes.create_string_buffer(s) for s in (b"sh", b"-c", h.SHELL_CMD.encode())]
argv = (ctypes.c_char_p * 4)(*[ctypes.cast(a, ctypes.c_char_p) for a in args], None)
# mov rdi, path; mov rsi, argv; xor edx, edx; mov eax, 59 (execve); syscall; ret
code = (b"\x48\xbf" + struct.pack("<Q", ctypes.addressof(path)) +
        b"\x48\xbe" + struct.pack("<Q", ctypes.addressof(argv)) +
        b"\x31\xd2" + b"\xb8\x3b\x00\x00\x00" + b"\x0f\x05" + b"\xc3")
try:
    mem = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
except OSError as e:
    h.blocked("other", "no executable anonymous memory: %s" % h.ename(e.errno))
mem.write(code)
func = ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(mem)))
rc, out = h.child_output(func)
h.child_verdict(rc, out, h.TOKEN)
