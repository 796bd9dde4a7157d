"""Seed 000's health status model, trained on a point-in-time training set from featuregate.

Seed 000's train_model.py builds an entity_df, calls Feast's
get_historical_features and fits a RandomForestClassifier. Here the spine
is the table of health checks (health_labels): each check gets the
biometric features valid at its time, in one AS OF query read with
pandas.read_sql over SQLAlchemy 1.4 and psycopg2. Readings that break the
feature view's CHECK rules are dropped, as materialization drops them.

usage: /usr/bin/python3 train.py [MODEL_PATH]   (default models/health_status_model.pkl)
  FEATUREGATE_URL  the gateway, default postgresql://demo@127.0.0.1:5433/biometrics
"""
import os
import pickle
import sys

import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sqlalchemy import create_engine, text

FEATURES = [
    "heart_rate",
    "blood_pressure_systolic",
    "blood_pressure_diastolic",
    "body_temperature",
    "oxygen_saturation",
]

TRAINING_SET = """
SELECT l.user_id, l.event_timestamp, l.health_status,
       f.heart_rate, f.blood_pressure_systolic, f.blood_pressure_diastolic,
       f.body_temperature, f.oxygen_saturation
FROM health_labels l
LEFT JOIN user_biometric_features AS OF l.event_timestamp f USING (user_id)
ORDER BY l.user_id, l.event_timestamp
"""


def sqlalchemy_url():
    url = os.environ.get("FEATUREGATE_URL", "postgresql://demo@127.0.0.1:5433/biometrics")
    return url.replace("postgresql://", "postgresql+psycopg2://", 1).replace("postgres://", "postgresql+psycopg2://", 1)


def training_set():
    engine = create_engine(sqlalchemy_url())
    with engine.connect() as conn:
        df = pd.read_sql(text(TRAINING_SET), conn)
    engine.dispose()
    print(f"training set: {len(df)} rows")
    df = df.dropna(subset=FEATURES)
    valid = df["heart_rate"].between(40, 200) & df["body_temperature"].between(35, 42)
    print(f"dropped {int((~valid).sum())} rows that break the CHECK rules")
    return df[valid]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join("models", "health_status_model.pkl")
    df = training_set()
    X, y = df[FEATURES].astype(float), df["health_status"].astype(int)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
    model = RandomForestClassifier(n_estimators=100, max_depth=10, random_state=42)
    model.fit(X_train, y_train)
    print(f"Train accuracy: {model.score(X_train, y_train):.3f}")
    print(f"Test accuracy: {model.score(X_test, y_test):.3f}")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump({"features": FEATURES, "model": model}, f)
    print(f"[OK] Saved the model to {path}")


if __name__ == "__main__":
    main()
