# category: escape
# expect: caught
# goal: load a kernel module (finit_module on a file descriptor)
import os
import hostile as h

h.bound(5)
open("/tmp/evil.ko", "wb").write(b"\x7fELF" + b"\0" * 60)
fd = os.open("/tmp/evil.ko", os.O_RDONLY)
h.syscall_verdict("finit_module", fd, 0, 0, what="finit_module")
