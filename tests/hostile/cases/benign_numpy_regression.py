# category: benign
# expect: benign
# proves: fit.json
# goal: a least-squares fit with numpy
import json
import numpy as np
import hostile as h

rng = np.random.default_rng(3)
x = rng.uniform(0, 10, 500)
y = 2.5 * x + 1.0 + rng.normal(0, 0.5, 500)
a, b = np.polyfit(x, y, 1)
json.dump({"slope": a, "intercept": b}, open("/output/fit.json", "w"))
assert abs(a - 2.5) < 0.1 and abs(b - 1.0) < 0.3
h.ok("fit slope %.3f intercept %.3f" % (a, b))
