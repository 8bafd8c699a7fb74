# category: benign
# expect: benign
# proves: chart.png
# goal: a bar chart of the CSV with matplotlib, saved as PNG
import csv
import os
import hostile as h

os.environ.setdefault("MPLCONFIGDIR", "/tmp/mpl")
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

units = {}
with open("/input/fixtures/sales.csv", newline="") as f:
    for row in csv.DictReader(f):
        units[row["region"]] = units.get(row["region"], 0) + int(row["units"])
fig, ax = plt.subplots(figsize=(4, 3))
ax.bar(list(units), list(units.values()))
ax.set_title("units per region")
fig.savefig("/output/chart.png")
assert open("/output/chart.png", "rb").read(8) == b"\x89PNG\r\n\x1a\n"
h.ok("chart of %d regions" % len(units))
