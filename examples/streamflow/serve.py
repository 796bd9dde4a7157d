"""StreamFlow's feature endpoint: seed 004's FastAPI app, served by uvicorn.

  GET /health              {"status": "ok"}
  GET /features/USER_ID    {"user_id": "...", "features": {"months_active": ..., "monthly_fee": ...,
                                                           "paperless_billing": ...}}

The lab's app asked Feast's get_online_features; this one asks featuregate,
by default with one SQL lookup over psycopg2, or, when FEATUREGATE_HTTP is
set, through featuregate's Feast-compatible HTTP API.

usage: python3 serve.py [PORT]          (default 8000)
  FEATUREGATE_URL   the gateway, default postgresql://demo@127.0.0.1:5433/streamflow
  FEATUREGATE_HTTP  featuregate's HTTP API, e.g. http://127.0.0.1:6566 (then FEATUREGATE_URL is unused)
  FEATUREGATE_PROJECT  the project the HTTP API reads, default streamflow

Needs Debian's python3-fastapi and python3-uvicorn.
"""
import json
import os
import sys
import urllib.request

import psycopg2
import uvicorn
from fastapi import FastAPI, HTTPException

URL = os.environ.get("FEATUREGATE_URL", "postgresql://demo@127.0.0.1:5433/streamflow")
HTTP_API = os.environ.get("FEATUREGATE_HTTP", "")
PROJECT = os.environ.get("FEATUREGATE_PROJECT", "streamflow")
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
    body = {"features": [f"subs_profile_fv:{f}" for f in FEATURES], "entities": {"user_id": [user_id]},
            "project": PROJECT}
    req = urllib.request.Request(HTTP_API.rstrip("/") + "/get-online-features", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        out = json.load(resp)
    names = out["metadata"]["feature_names"]
    return {n: col["values"][0] for n, col in zip(names, out["results"]) if n in FEATURES}


app = FastAPI(title="StreamFlow features")


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/features/{user_id}")
def get_features(user_id: str):
    try:
        features = features_http(user_id) if HTTP_API else features_sql(user_id)
    except Exception as e:  # the gateway is down or refused: say so
        raise HTTPException(status_code=502, detail=str(e))
    return {"user_id": user_id, "features": features}


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    print(f"serving on http://127.0.0.1:{port} (features via {HTTP_API or 'SQL'})", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
