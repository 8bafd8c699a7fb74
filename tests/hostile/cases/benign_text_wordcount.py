# category: benign
# expect: benign
# proves: words.json
# goal: word frequencies of a text with regular expressions
import collections
import json
import re
import hostile as h

text = open("/input/hostile.py").read()
words = collections.Counter(re.findall(r"[a-z]{4,}", text.lower()))
json.dump(words.most_common(20), open("/output/words.json", "w"))
assert words
h.ok("%d distinct words" % len(words))
