# category: resources
# expect: caught
# cell: --memory 128M --timeout 8
# goal: hold 512 MiB of touched memory (the cell is given 128M; the balloon
#       stops at 512 MiB)
import sys
import hostile as h

h.bound(10)
chunks, mib = [], 0
while mib < 512:
    try:
        chunks.append(bytearray(b"\xa5") * (16 << 20))
    except MemoryError:
        h.blocked("rlimit", "MemoryError at %d MiB" % mib)
    mib += 16
    sys.stderr.write("balloon: %d MiB\n" % mib)
h.achieved("held %d MiB" % mib)
