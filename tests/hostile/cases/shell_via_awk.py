# category: shell
# expect: caught
# goal: a shell started by another interpreter (awk's system() runs /bin/sh -c)
import hostile as h

h.bound(5)
h.blocked(*h.spawn(["awk", 'BEGIN { system("%s") }' % h.SHELL_CMD]))
