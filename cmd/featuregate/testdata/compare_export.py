"""Reads a CSV export with pandas.read_csv and the dataset itself with
pandas.read_sql through the gateway, and fails unless they are equal.

usage: compare_export.py SQLALCHEMY_URL DATASET FILE.csv TIME_COLUMN
"""
import sys

import pandas as pd
import sqlalchemy as sa

url, dataset, path, ts = sys.argv[1:5]
engine = sa.create_engine(url)
from_sql = pd.read_sql("SELECT * FROM " + dataset, engine)
from_csv = pd.read_csv(path, parse_dates=[ts], true_values=["t"], false_values=["f"])
from_csv[ts] = pd.to_datetime(from_csv[ts], utc=True)
from_sql[ts] = pd.to_datetime(from_sql[ts], utc=True)
pd.testing.assert_frame_equal(from_sql, from_csv, check_dtype=False)
print(len(from_csv), "rows equal")
