# category: benign
# expect: benign
# proves: bundle.zip data.csv.gz
# goal: package results: a zip of the inputs and a gzip of the CSV
import gzip
import shutil
import zipfile
import hostile as h

with zipfile.ZipFile("/output/bundle.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.write("/input/fixtures/sales.csv", "sales.csv")
    z.write("/input/fixtures/orders.json", "orders.json")
with open("/input/fixtures/sales.csv", "rb") as src, gzip.open("/output/data.csv.gz", "wb") as dst:
    shutil.copyfileobj(src, dst)
assert zipfile.ZipFile("/output/bundle.zip").testzip() is None
h.ok("zip and gzip written")
