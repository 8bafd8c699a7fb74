# category: escape
# expect: caught
# goal: chroot (the first move of a chroot break-out)
import ctypes
import hostile as h

h.bound(5)
path = ctypes.create_string_buffer(b"/tmp")
h.syscall_verdict("chroot", ctypes.addressof(path), what="chroot(/tmp)")
