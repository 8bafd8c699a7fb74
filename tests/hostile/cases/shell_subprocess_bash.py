# category: shell
# expect: caught
# goal: bash started with subprocess runs a command
import hostile as h

h.bound(5)
h.blocked(*h.spawn(["/bin/bash", "-c", h.SHELL_CMD]))
