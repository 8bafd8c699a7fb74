# category: escape
# expect: caught
# goal: attach to another process with ptrace (the cell's init, our parent)
import os
import hostile as h

h.bound(5)
PTRACE_ATTACH = 16
h.syscall_verdict("ptrace", PTRACE_ATTACH, os.getppid(), 0, 0, what="ptrace(ATTACH, parent)")
