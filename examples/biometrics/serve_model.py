"""Seed 000's serve_model.py: the health predictions as a FastAPI app.

  POST /predict   {"user_ids": ["user_1", ...]}
                  -> {"predictions": {"user_1": {"normal_probability": 0.93,
                                                 "abnormal_probability": 0.07}, ...}}
                  404 when a user has no valid online features
  GET  /health    {"status": "healthy"}

The seed asked Feast's get_online_features; this app asks featuregate with
one key lookup (predict.py's online_features) and predicts with the model
train.py saved.

usage: /usr/bin/python3 serve_model.py [--model MODEL_PATH] [PORT]   (default 8000)
  FEATUREGATE_URL  the gateway, default postgresql://demo@127.0.0.1:5433/biometrics
Needs Debian's python3-fastapi and python3-uvicorn.
"""
import argparse
import os
import pickle
import sys
from typing import Dict, List

import pandas as pd
import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from predict import online_features  # noqa: E402

app = FastAPI(title="Health Status Prediction API")
saved = {}


class HealthPredictionRequest(BaseModel):
    user_ids: List[str]


class HealthPredictionResponse(BaseModel):
    predictions: Dict[str, Dict[str, float]]


@app.post("/predict", response_model=HealthPredictionResponse)
def predict_health_status(request: HealthPredictionRequest):
    features, model = saved["features"], saved["model"]
    df = online_features(request.user_ids, features)
    predictions = {}
    for _, row in df.iterrows():
        if row[features].isna().any():
            raise HTTPException(status_code=404, detail=f"No features found for user {row['user_id']}")
        p = model.predict_proba(pd.DataFrame([row[features].astype(float)]))[0]
        predictions[row["user_id"]] = {"normal_probability": float(p[0]), "abnormal_probability": float(p[1])}
    return HealthPredictionResponse(predictions=predictions)


@app.get("/health")
def health_check():
    return {"status": "healthy"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=os.path.join("models", "health_status_model.pkl"))
    ap.add_argument("port", nargs="?", type=int, default=8000)
    args = ap.parse_args()
    with open(args.model, "rb") as f:
        saved.update(pickle.load(f))
    print(f"serving on http://127.0.0.1:{args.port}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
