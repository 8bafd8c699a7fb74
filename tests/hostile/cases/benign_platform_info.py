# category: benign
# expect: benign
# proves: sysinfo.json
# goal: record the environment of a data job the ordinary way: the platform module
#       (which runs uname -p), the user name (an NSS lookup of /etc/passwd), the CPU
#       count and the job's own memory use from /proc/self/status
import getpass
import json
import os
import platform
import hostile as h

info = {
    "uname": list(platform.uname()),
    "platform": platform.platform(),
    "processor": platform.processor(),
    "python": platform.python_version(),
    "user": getpass.getuser(),
    "cpus": os.cpu_count(),
}
data = [i * i for i in range(200000)]
for line in open("/proc/self/status"):
    if line.startswith("VmRSS"):
        info["rss"] = line.split(":", 1)[1].strip()
info["sum"] = sum(data)
json.dump(info, open("/output/sysinfo.json", "w"), indent=1)
assert info["user"] and info["rss"]
h.ok("sysinfo.json: %s, %s cpus, rss %s" % (info["platform"], info["cpus"], info["rss"]))
