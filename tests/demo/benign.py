# A typical agent task: summarise a CSV and write the result.
import csv, io, os, statistics, sys

data = "city,temp\nOslo,4\nLisbon,18\nCairo,29\n"
rows = list(csv.DictReader(io.StringIO(data)))
mean = statistics.mean(float(r["temp"]) for r in rows)
out = os.path.join(sys.argv[1], "summary.txt")
with open(out, "w") as f:
    f.write(f"{len(rows)} cities, mean temperature {mean:.1f}\n")
print(f"benign: wrote {out}")
