# category: escape
# expect: caught
# goal: an io_uring instance: file and network I/O that bypasses syscall hooks
import ctypes
import hostile as h

h.bound(5)
params = (ctypes.c_uint32 * 30)()
h.syscall_verdict("io_uring_setup", 8, ctypes.addressof(params), what="io_uring_setup")
