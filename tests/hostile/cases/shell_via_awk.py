# category: shell
# expect: caught
# goal: a shell started by another interpreter (awk's system() runs /bin/sh -c)
import hostile as h

h.bound(5)
rc, out, err = h.run_capture(["awk", 'BEGIN { system("%s") }' % h.SHELL_CMD])
if err:
    h.blocked(*h.exec_error(err.errno, "awk"))
h.child_verdict(rc, out, h.TOKEN)
