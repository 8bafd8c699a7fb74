# category: benign
# expect: benign
# proves: merged.txt
# goal: intermediate results in temporary files and directories, merged at the end
import os
import tempfile
import hostile as h

with tempfile.TemporaryDirectory() as d:
    for i in range(20):
        with tempfile.NamedTemporaryFile("w", dir=d, delete=False, suffix=".part") as f:
            f.write("%d\n" % (i * i))
    parts = sorted(os.listdir(d))
    total = sum(int(open(os.path.join(d, p)).read()) for p in parts)
with tempfile.SpooledTemporaryFile(max_size=1024) as s:
    s.write(b"x" * 4096)
    s.seek(0)
    assert len(s.read()) == 4096
open("/output/merged.txt", "w").write("%d\n" % total)
assert total == sum(i * i for i in range(20))
h.ok("merged %d temporary files" % len(parts))
