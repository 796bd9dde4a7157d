"""StreamFlow's feature endpoint (seed 004's FastAPI app) on the standard library.

  GET /health              {"status": "ok"}
  GET /features/USER_ID    {"user_id": "...", "features": {"months_active": ..., "monthly_fee": ...,
                                                           "paperless_billing": ...}}

The lab's app asked Feast's get_online_features; this one asks featuregate,
by default with one SQL lookup over psycopg2, or, when FEATUREGATE_HTTP is
set, through featuregate's Feast-compatible HTTP API.

usage: python3 serve.py [PORT]          (default 8000)
  FEATUREGATE_URL   the gateway, default postgresql://demo@127.0.0.1:5433/streamflow
  FEATUREGATE_HTTP  featuregate's HTTP API, e.g. http://127.0.0.1:6566 (then FEATUREGATE_URL is unused)
"""
import json
import os
import sys
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import psycopg2

URL = os.environ.get("FEATUREGATE_URL", "postgresql://demo@127.0.0.1:5433/streamflow")
HTTP_API = os.environ.get("FEATUREGATE_HTTP", "")
FEATURES = ["months_active", "monthly_fee", "paperless_billing"]

_conn = None


def features_sql(user_id):
    """One online lookup through the gateway; NULLs for an unknown user."""
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg2.connect(URL)
        _conn.autocommit = True
    with _conn.cursor() as cur:
        cur.execute("SELECT months_active, monthly_fee, paperless_billing FROM subs_profile_fv WHERE user_id = %s",
                    (user_id,))
        return dict(zip(FEATURES, cur.fetchone()))


def features_http(user_id):
    """The same lookup as Feast's feature server request."""
    body = {"features": [f"subs_profile_fv:{f}" for f in FEATURES], "entities": {"user_id": [user_id]}}
    req = urllib.request.Request(HTTP_API.rstrip("/") + "/get-online-features", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        out = json.load(resp)
    names = out["metadata"]["feature_names"]
    return {n: col["values"][0] for n, col in zip(names, out["results"]) if n in FEATURES}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            return self.reply(200, {"status": "ok"})
        if self.path.startswith("/features/") and len(self.path) > len("/features/"):
            user_id = urllib.parse.unquote(self.path[len("/features/"):])
            try:
                features = features_http(user_id) if HTTP_API else features_sql(user_id)
            except Exception as e:  # the gateway is down or refused: say so
                return self.reply(502, {"detail": str(e)})
            return self.reply(200, {"user_id": user_id, "features": features})
        self.reply(404, {"detail": "Not Found"})

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    server = HTTPServer(("127.0.0.1", port), Handler)
    print(f"serving on http://127.0.0.1:{port} (features via {HTTP_API or 'SQL'})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
