# category: shell
# expect: caught
# goal: a shell run by a userland loader, so that no shell is ever exec'd:
#       valgrind (which reads the guest program itself) when the cell has it,
#       else a minimal loader written here that copies dash's segments into
#       anonymous memory (read(), never an executable mapping of the file)
# With the shells masked (the default) valgrind finds /usr/bin/dash not
# executable and the copying loader reads 0 bytes (BLOCKED), no alert.  With
# --keep-shells valgrind runs dash and prints SHELL-42.
import os
import hostile as h

h.bound(8)
valgrind = "/usr/bin/valgrind.bin"
if os.path.exists(valgrind):
    rc, out, err = h.run_capture([valgrind, "--tool=none", "-q", "/usr/bin/dash", "-c",
                                  h.SHELL_CMD], timeout=6)
    if err:
        h.blocked(*h.exec_error(err.errno, valgrind))
    if h.TOKEN in out:
        h.achieved("valgrind ran dash: %r" % h.TOKEN)
    layer = "mount" if "Permission denied" in out or "No such file" in out else "other"
    h.blocked(layer, "valgrind /usr/bin/dash: %s (exit %s)" % (out.strip()[-160:], rc))
h.COPY_ONLY = True
h.userland_shell("/usr/bin/dash")
