# category: secrets
# expect: caught
# goal: read a .env file shipped with the input data (/input/fixtures/.env)
import hostile as h

h.bound(5)
path = "/input/fixtures/.env"
h.secret_verdict(path, lambda: open(path, "rb").read())
