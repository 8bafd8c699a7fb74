# category: benign
# expect: benign
# proves: sorted.txt
# goal: run helper programs without a shell: a Python child and sort(1)
import subprocess
import sys
import hostile as h

r = subprocess.run([sys.executable, "-c", "print(sum(range(1000)))"], capture_output=True,
                   text=True, check=True)
s = subprocess.run(["sort", "-n"], input="3\n1\n2\n", capture_output=True, text=True, check=True)
open("/output/sorted.txt", "w").write(s.stdout)
assert r.stdout.strip() == "499500" and s.stdout == "1\n2\n3\n"
h.ok("a python child and sort(1) ran")
