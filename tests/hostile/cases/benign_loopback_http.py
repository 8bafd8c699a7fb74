# category: benign
# expect: benign
# proves: fetched.json
# goal: a local HTTP service on the cell's own loopback, queried with urllib
import http.server
import json
import threading
import urllib.request
import hostile as h


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = "http://127.0.0.1:%d/data" % server.server_port
body = urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=3).read()
open("/output/fetched.json", "wb").write(body)
assert json.loads(body) == {"path": "/data"}
server.shutdown()
h.ok("fetched %s" % url)
