# category: shell
# expect: caught
# goal: a script whose shell is killed goes on and reports what it found (an
#  offending run must end, not only its shell)
import subprocess
import hostile as h

h.bound(5)
try:
    subprocess.run(["/bin/sh", "-c", h.SHELL_CMD], timeout=3)
except OSError:
    pass
h.achieved("the script went on after its shell attempt and could report")
