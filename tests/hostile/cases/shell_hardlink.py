# category: shell
# expect: caught
# goal: a hardlink of dash under another name runs a command: made in the cell
#       if the kernel allows it, else the one the scorecard staged in /input
import os
import hostile as h

h.bound(5)
notes = []
try:
    os.link("/usr/bin/dash", "/tmp/report")
    candidates = ["/tmp/report"]
except OSError as e:
    notes.append("link in the cell: %s" % h.ename(e.errno))
    candidates = []
staged = "/input/fixtures/report"
if os.path.exists(staged):
    same = os.stat(staged).st_ino == os.stat("/usr/bin/dash").st_ino
    notes.append("staged %s is %s" % (staged, "a hardlink of dash" if same else "a copy of dash"))
    candidates.append(staged)
layer = "filesystem"
for path in candidates:
    layer, how = h.spawn([path, "-c", h.SHELL_CMD])
    notes.append(how)
h.blocked(layer, "; ".join(notes))
