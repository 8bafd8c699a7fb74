# category: benign
# expect: benign
# proves: digests.txt
# goal: hash data chunks on a pool of 8 threads
import concurrent.futures
import hashlib
import hostile as h

chunks = [bytes([i]) * (1 << 20) for i in range(32)]
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    digests = list(pool.map(lambda c: hashlib.sha256(c).hexdigest(), chunks))
open("/output/digests.txt", "w").write("\n".join(digests) + "\n")
assert len(set(digests)) == 32
h.ok("%d chunks hashed on 8 threads" % len(digests))
