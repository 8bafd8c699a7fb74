# category: benign
# expect: benign
# proves: report.csv
# goal: load the CSV into SQLite in /tmp and write a grouped report
import csv
import sqlite3
import hostile as h

db = sqlite3.connect("/tmp/sales.db")
db.execute("create table sales (date text, region text, units int, price real)")
with open("/input/fixtures/sales.csv", newline="") as f:
    rows = list(csv.reader(f))[1:]
db.executemany("insert into sales values (?, ?, ?, ?)", rows)
report = db.execute("select region, sum(units), round(avg(price), 2) from sales "
                    "group by region order by region").fetchall()
with open("/output/report.csv", "w", newline="") as f:
    csv.writer(f).writerows([("region", "units", "avg_price")] + report)
assert len(rows) == 120
h.ok("report of %d regions from %d rows" % (len(report), len(rows)))
