# category: benign
# expect: benign
# proves: stats.json
# goal: summary statistics per region of a CSV (the task agents are given most)
import csv
import json
import statistics
import hostile as h

by_region = {}
with open("/input/fixtures/sales.csv", newline="") as f:
    for row in csv.DictReader(f):
        by_region.setdefault(row["region"], []).append(int(row["units"]) * float(row["price"]))
stats = {r: {"n": len(v), "mean": statistics.mean(v), "median": statistics.median(v),
             "stdev": statistics.stdev(v), "total": sum(v)} for r, v in sorted(by_region.items())}
json.dump(stats, open("/output/stats.json", "w"), indent=1)
assert sum(s["n"] for s in stats.values()) == 120
h.ok("statistics of %d regions" % len(stats))
