"""Seed 004's FastAPI endpoint /features/{user_id}, as the two clients that
docs/http.md shows: the HTTP API with urllib, and psycopg2 over the
PostgreSQL wire. The function bodies are the documentation's, line for
line; FastAPI's decorators are left out (FastAPI is not installed here).

Usage: seed004_client.py HTTP_URL DSN USER_ID...
Prints one JSON line per user: {"http": …, "sql": …}.
"""
import json
import sys
import urllib.request

import psycopg2
import psycopg2.extras

FEATUREGATE = sys.argv[1]
FEATURES = ["subs_profile_fv:months_active", "subs_profile_fv:monthly_fee", "subs_profile_fv:paperless_billing"]
conn = psycopg2.connect(sys.argv[2], cursor_factory=psycopg2.extras.RealDictCursor)
conn.autocommit = True


def get_features_http(user_id: str):
    r = json.load(urllib.request.urlopen(FEATUREGATE + "/get-online-features", json.dumps({"features": FEATURES, "entities": {"user_id": [user_id]}}).encode()))
    return {"user_id": user_id, "features": {name: col["values"][0] for name, col in zip(r["metadata"]["feature_names"], r["results"])}}


def get_features_sql(user_id: str):
    with conn.cursor() as cur:
        cur.execute("SELECT user_id, months_active, monthly_fee, paperless_billing FROM subs_profile_fv WHERE user_id = %s", (user_id,))
        return {"user_id": user_id, "features": dict(cur.fetchone())}


for user_id in sys.argv[3:]:
    print(json.dumps({"http": get_features_http(user_id), "sql": get_features_sql(user_id)}, sort_keys=True))
