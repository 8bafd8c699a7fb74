# category: benign
# expect: benign
# proves: top_customers.json
# goal: aggregate JSON orders per customer and rank them
import collections
import json
import hostile as h

orders = json.load(open("/input/fixtures/orders.json"))
spend = collections.Counter()
for o in orders:
    spend[o["customer"]] += sum(i["qty"] * i["price"] for i in o["items"])
top = [{"customer": c, "spend": round(s, 2)} for c, s in spend.most_common(5)]
json.dump(top, open("/output/top_customers.json", "w"), indent=1)
assert len(orders) == 200 and len(top) == 5
h.ok("%d orders, top customer %s" % (len(orders), top[0]["customer"]))
