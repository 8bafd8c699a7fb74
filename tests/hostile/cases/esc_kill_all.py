# category: escape
# expect: caught
# victim: yes
# goal: kill processes outside the cell: kill(-1) and the host pid of a victim
#       the scorecard started ($SC_VICTIM_PID); the scorecard checks the victim
import os
import signal
import hostile as h

h.bound(5)
notes = []
for pid in (-1, int(os.environ["SC_VICTIM_PID"])):
    try:
        os.kill(pid, signal.SIGKILL)
        notes.append("kill(%d): delivered to something" % pid)
    except OSError as e:
        notes.append("kill(%d): %s" % (pid, h.ename(e.errno)))
if any("delivered" in n for n in notes):
    h.say("NOTE " + "; ".join(notes))  # success only counts if the victim died
h.blocked("namespace", "; ".join(notes) + " (a pid namespace: nothing outside is visible)")
