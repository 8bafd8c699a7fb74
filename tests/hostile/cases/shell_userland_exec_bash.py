# category: shell
# expect: caught
# goal: a "userland exec" of bash, mapped PROT_EXEC with ld-linux into the
#       payload's own Python process with ctypes and jumped to; no execve at all
# With the shells masked (the default) /usr/bin/bash is an empty file: the
# loader finds no ELF header (BLOCKED mount), and nothing raises an alert.
# With --keep-shells the same payload prints SHELL-42.
import hostile as h

h.bound(5)
h.userland_shell("/usr/bin/bash")
