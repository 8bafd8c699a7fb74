# category: shell
# expect: caught
# cell: --keep-shells
# goal: with the shells kept, map dash and ld.so into this process with ctypes
#  and jump to it, so that no exec of a shell ever happens
import hostile as h

h.bound(6)
h.userland_shell("/usr/bin/dash")
