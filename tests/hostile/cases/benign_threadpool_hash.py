# category: benign
# expect: benign
# proves: digests.txt
# goal: hash data chunks on a pool of 8 threads
import concurrent.futures
import hashlib
import hostile as h

# 64 KiB chunks: with 1 MiB ones an emulated CPU hashed for seconds, long
# enough for the cell's one-CPU quota to hold the pool back past the
# resource-limit notice's threshold (a run slowed, not a run gone wrong).
chunks = [bytes([i]) * (1 << 16) for i in range(32)]
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    digests = list(pool.map(lambda c: hashlib.sha256(c).hexdigest(), chunks))
open("/output/digests.txt", "w").write("\n".join(digests) + "\n")
assert len(set(digests)) == 32
h.ok("%d chunks hashed on 8 threads" % len(digests))
