# category: shell
# expect: caught
# goal: a shell run through the dynamic loader (ld.so /bin/dash), so that the
#       exec the kernel sees is ld.so, not a shell
import hostile as h

h.bound(5)
ldso = "/lib64/ld-linux-x86-64.so.2"
h.blocked(*h.spawn([ldso, "/bin/dash", "-c", h.SHELL_CMD]))
