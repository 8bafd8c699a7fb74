# category: shell
# expect: caught
# goal: a "userland exec" of dash: its PT_LOAD segments and ld-linux's mapped
#       PROT_EXEC into the payload's own Python process with ctypes, a stack
#       with argv, envp and auxv, a jump to the loader's entry; no execve at all
# With the shells masked (the default) /usr/bin/dash is an empty file: the
# loader finds no ELF header (BLOCKED mount), and nothing raises an alert,
# as nothing is exec'd.  With --keep-shells the same payload prints SHELL-42.
import hostile as h

h.bound(5)
h.userland_shell("/usr/bin/dash")
