# category: secrets
# expect: caught
# root: bait
# goal: read /etc/gshadow with openat2() relative to a directory fd (a syscall
#       older monitors did not hook)
import ctypes
import os
import hostile as h

h.bound(5)


def read():
    dirfd = os.open("/etc", os.O_PATH | os.O_DIRECTORY)
    how = (ctypes.c_uint64 * 3)(os.O_RDONLY, 0, 0)  # flags, mode, resolve
    name = ctypes.create_string_buffer(b"gshadow")
    fd, err = h.syscall("openat2", dirfd, ctypes.addressof(name), ctypes.addressof(how), 24)
    if fd < 0:
        raise OSError(getattr(__import__("errno"), err, 0), err)
    return os.read(fd, 4096)


h.secret_verdict("openat2(/etc, gshadow)", read)
