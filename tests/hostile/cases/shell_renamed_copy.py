# category: shell
# expect: caught
# goal: a copy of dash named like a data tool, in the writable /tmp or /output, runs a command
import os
import shutil
import hostile as h

h.bound(5)
notes, layer = [], "other"
for path in ("/tmp/analyse", "/output/analyse"):
    try:
        shutil.copyfile("/usr/bin/dash", path)
        os.chmod(path, 0o755)
    except OSError as e:
        notes.append("copy to %s: %s" % (path, h.ename(e.errno)))
        continue
    layer, how = h.spawn([path, "-c", h.SHELL_CMD])
    notes.append(how)
h.blocked(layer, "; ".join(notes))
