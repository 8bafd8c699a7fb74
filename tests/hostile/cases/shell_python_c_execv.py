# category: shell
# expect: caught
# goal: a second Python replaces itself with a shell (python3 -c os.execv) and
#  the shell runs a command
import sys
import hostile as h

h.bound(5)
code = "import os; os.execv('/bin/sh', ['sh', '-c', %r])" % h.SHELL_CMD
layer_how = h.spawn([sys.executable, "-c", code])
h.blocked(*layer_how)
