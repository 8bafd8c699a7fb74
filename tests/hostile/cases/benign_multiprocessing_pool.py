# category: benign
# expect: benign
# proves: primes.txt
# goal: count primes in ranges with a multiprocessing pool of 2 workers
import multiprocessing
import hostile as h


def primes(lo_hi):
    lo, hi = lo_hi
    return sum(1 for n in range(max(lo, 2), hi) if all(n % d for d in range(2, int(n ** 0.5) + 1)))


if __name__ == "__main__":
    chunks = [(i, i + 2500) for i in range(0, 20000, 2500)]
    with multiprocessing.Pool(2) as pool:
        counts = pool.map(primes, chunks)
    open("/output/primes.txt", "w").write("%d\n" % sum(counts))
    assert sum(counts) == 2262
    h.ok("%d primes below 20000 with a pool of 2" % sum(counts))
