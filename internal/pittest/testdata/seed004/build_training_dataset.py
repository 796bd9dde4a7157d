"""Seed 004's build_training_dataset.py, through featuregate.

The course lab builds its churn training set with Feast: an entity_df of
the users in the snapshots at AS_OF = 2024-01-31, get_historical_features
on six features, a merge with the labels, then training_df.csv. Here the
same set is one point-in-time query (SURFACE.md section 2.2) read with
pandas.read_sql over SQLAlchemy 1.4 and psycopg2, through the gateway.

usage: build_training_dataset.py SQLALCHEMY_URL OUT_DIR
Prints the row count and checks; exits non-zero when a check fails.
"""
import os
import sys

import pandas as pd
from sqlalchemy import create_engine, text

AS_OF = "2024-01-31"

FEATURES = [
    "months_active",
    "monthly_fee",
    "paperless_billing",
    "watch_hours_30d",
    "avg_session_mins_7d",
    "failed_payments_90d",
]

TRAINING_SET = """
SELECT s.user_id, s.as_of AS event_timestamp, l.churn_label,
       f.months_active, f.monthly_fee, f.paperless_billing,
       f.watch_hours_30d, f.avg_session_mins_7d, f.failed_payments_90d
FROM subscriptions_profile_snapshots s
JOIN labels l USING (user_id)
LEFT JOIN features AS OF s.as_of f USING (user_id)
WHERE s.as_of = :as_of
"""


def check(ok, what):
    print(("[OK] " if ok else "[FAIL] ") + what)
    return ok


def main():
    url, out_dir = sys.argv[1], sys.argv[2]
    engine = create_engine(url)
    with engine.connect() as conn:
        df = pd.read_sql(text(TRAINING_SET), conn, params={"as_of": AS_OF})
        spine = pd.read_sql(
            text("SELECT count(*) AS n FROM subscriptions_profile_snapshots WHERE as_of = :as_of"),
            conn, params={"as_of": AS_OF})["n"][0]
    engine.dispose()
    if df.empty:
        raise SystemExit("Training set is empty. Check AS_OF and labels.")
    df = df[["user_id", "event_timestamp", *FEATURES, "churn_label"]]
    path = os.path.join(out_dir, "training_df.csv")
    df.to_csv(path, index=False)
    print(f"[OK] Wrote {path} with {len(df)} rows")
    print("dtypes: " + ", ".join(f"{c}={t}" for c, t in df.dtypes.items()))
    ok = all([
        check(len(df) == spine, f"one row per spine row ({len(df)} of {spine})"),
        check(df["user_id"].is_unique, "user_id is unique"),
        check((df["event_timestamp"].astype(str) == AS_OF).all(), f"every event_timestamp is {AS_OF}"),
        check(int(df[FEATURES].isna().sum().sum()) == 0, "no NULL feature"),
        check(df["churn_label"].dtype == bool, "churn_label is boolean"),
        check(str(df["months_active"].dtype) == "int64", "months_active is int64"),
    ])
    print(df.head(5).to_csv(index=False), end="")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
