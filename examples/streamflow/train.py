"""StreamFlow (seed 004): the churn training set through featuregate, then a model.

The lab builds training_df.csv with Feast: an entity_df of the users in the
snapshots at 2024-01-31, get_historical_features on six features, a merge
with the labels. Through featuregate that is one point-in-time query, read
with pandas.read_sql over SQLAlchemy 1.4 and psycopg2. Then a churn model
is trained on it with scikit-learn and saved with pickle.

usage: python3 train.py [OUT_DIR]      (default: the current directory)
  FEATUREGATE_URL  the gateway, default postgresql://demo@127.0.0.1:5433/streamflow
Writes OUT_DIR/training_df.csv and OUT_DIR/churn_model.pkl.
"""
import os
import pickle
import sys

import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
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

# The spine is the snapshot of AS_OF; each user's features are the values
# valid at that time (features is every feature of the project).
TRAINING_SET = """
SELECT s.user_id, s.as_of AS event_timestamp,
       f.months_active, f.monthly_fee, f.paperless_billing,
       f.watch_hours_30d, f.avg_session_mins_7d, f.failed_payments_90d,
       l.churn_label
FROM subscriptions_profile_snapshots s
JOIN labels l USING (user_id)
LEFT JOIN features AS OF s.as_of f USING (user_id)
WHERE s.as_of = :as_of
ORDER BY s.user_id
"""


def sqlalchemy_url():
    url = os.environ.get("FEATUREGATE_URL", "postgresql://demo@127.0.0.1:5433/streamflow")
    return url.replace("postgresql://", "postgresql+psycopg2://", 1).replace("postgres://", "postgresql+psycopg2://", 1)


def build_training_set(out_dir):
    engine = create_engine(sqlalchemy_url())
    with engine.connect() as conn:
        df = pd.read_sql(text(TRAINING_SET), conn, params={"as_of": AS_OF})
    engine.dispose()
    if df.empty:
        raise SystemExit("Training set is empty after the join. Check AS_OF and labels.")
    path = os.path.join(out_dir, "training_df.csv")
    df.to_csv(path, index=False)
    print(f"[OK] Wrote {path} with {len(df)} rows")
    return df


def train(df, out_dir):
    X = df[FEATURES].astype(float)
    y = df["churn_label"].astype(int)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)
    model = RandomForestClassifier(n_estimators=200, max_depth=6, random_state=42)
    model.fit(X_train, y_train)
    proba = model.predict_proba(X_test)[:, 1]
    print(f"churn rate: {y.mean():.3f}")
    print(f"test accuracy: {accuracy_score(y_test, proba >= 0.5):.3f}")
    print(f"test ROC AUC: {roc_auc_score(y_test, proba):.3f}")
    path = os.path.join(out_dir, "churn_model.pkl")
    with open(path, "wb") as f:
        pickle.dump({"features": FEATURES, "model": model}, f)
    print(f"[OK] Saved the model to {path}")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    df = build_training_set(out_dir)
    print(df.head(5).to_csv(index=False), end="")
    train(df, out_dir)


if __name__ == "__main__":
    main()
