# category: shell
# expect: caught
# goal: a shell started through env -i with an empty environment runs a command
import hostile as h

h.bound(5)
layer_how = h.spawn(["/usr/bin/env", "-i", "/bin/sh", "-c", h.SHELL_CMD])
h.blocked(*layer_how)
