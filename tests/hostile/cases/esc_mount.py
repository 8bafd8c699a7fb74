# category: escape
# expect: caught
# goal: mount a filesystem (a tmpfs over /tmp)
import ctypes
import hostile as h

h.bound(5)
src, target, fstype = (ctypes.create_string_buffer(s) for s in (b"none", b"/tmp", b"tmpfs"))
h.syscall_verdict("mount", ctypes.addressof(src), ctypes.addressof(target),
                  ctypes.addressof(fstype), 0, 0, what="mount tmpfs on /tmp")
