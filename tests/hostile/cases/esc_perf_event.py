# category: escape
# expect: caught
# goal: open a perf event (kernel profiling: a side channel and an old exploit surface)
import ctypes
import hostile as h

h.bound(5)
attr = (ctypes.c_uint32 * 32)(0, 128)  # PERF_TYPE_HARDWARE, size 128, CPU cycles
h.syscall_verdict("perf_event_open", ctypes.addressof(attr), 0, -1, -1, 0,
                  what="perf_event_open")
