"""Seed 000's health predictions from online features served by featuregate.

Seed 000's serve_model.py asks Feast's get_online_features for the users of
a request and predicts with the trained model. Here the latest values come
from one key lookup through the gateway (psycopg2; the online store holds
what MATERIALIZE wrote). A user with no valid online values (unknown, not
materialized, older than the view's TTL, or whose latest reading broke a
CHECK rule) gets no prediction.

usage: /usr/bin/python3 predict.py [--model MODEL_PATH] USER_ID ...
  (default model: models/health_status_model.pkl)
  FEATUREGATE_URL  the gateway, default postgresql://demo@127.0.0.1:5433/biometrics
"""
import argparse
import os
import pickle

import pandas as pd
import psycopg2


def online_features(user_ids, features):
    url = os.environ.get("FEATUREGATE_URL", "postgresql://demo@127.0.0.1:5433/biometrics")
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            # One row per requested key, in request order: a list becomes an ARRAY.
            cur.execute(f"SELECT user_id, {', '.join(features)} FROM user_biometric_features "
                        "WHERE user_id = ANY(%s)", (list(user_ids),))
            return pd.DataFrame(cur.fetchall(), columns=["user_id", *features])
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=os.path.join("models", "health_status_model.pkl"))
    ap.add_argument("user_ids", nargs="+")
    args = ap.parse_args()
    with open(args.model, "rb") as f:
        saved = pickle.load(f)
    features, model = saved["features"], saved["model"]
    df = online_features(args.user_ids, features)
    for _, row in df.iterrows():
        if row[features].isna().any():
            print(f"{row['user_id']}: no valid online features")
            continue
        p = model.predict_proba(pd.DataFrame([row[features].astype(float)]))[0]
        status = "abnormal" if p[1] >= 0.5 else "normal"
        print(f"{row['user_id']}: {status} (normal {p[0]:.2f}, abnormal {p[1]:.2f})")


if __name__ == "__main__":
    main()
