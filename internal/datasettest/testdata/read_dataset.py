"""Reads a saved dataset with pandas.read_sql through the gateway and
prints what the Go test compares: the columns, the row count, and each
row as JSON (timestamps in ISO 8601, NaN and None as null).

usage: read_dataset.py SQLALCHEMY_URL QUERY
"""
import json
import math
import sys

import pandas as pd
import sqlalchemy as sa


def cell(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v


def main():
    engine = sa.create_engine(sys.argv[1])
    df = pd.read_sql(sys.argv[2], engine)
    rows = [[cell(v) for v in r] for r in df.itertuples(index=False)]
    print(json.dumps({"columns": list(df.columns), "rows": rows}))


main()
