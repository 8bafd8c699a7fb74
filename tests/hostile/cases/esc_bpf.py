# category: escape
# expect: caught
# goal: create a BPF map (bpf(BPF_MAP_CREATE)), the way to load kernel code
import ctypes
import hostile as h

h.bound(5)
attr = (ctypes.c_uint32 * 30)(2, 4, 4, 1)  # BPF_MAP_TYPE_ARRAY, key 4, value 4, 1 entry
h.syscall_verdict("bpf", 0, ctypes.addressof(attr), ctypes.sizeof(attr),
                  what="bpf(BPF_MAP_CREATE)")
