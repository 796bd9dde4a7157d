"""pandas uploads a spine with DataFrame.to_sql through featuregate as a
read-only user, as the Feast lab does with its entity_df, and reads a
training set with read_sql over it. Usage: pandas_to_sql.py DSN USER1 USER2

Prints the training set, then the same rows read with a spine in the
query text, which must agree.
"""
import sys

import pandas as pd
import sqlalchemy

from features_sql import ASOF_SPINE, line

dsn, u1, u2 = sys.argv[1:4]
engine = sqlalchemy.create_engine(dsn.replace("postgres://", "postgresql+psycopg2://", 1))
t = pd.Timestamp("2024-01-31", tz="UTC")
entity_df = pd.DataFrame({"user_id": [u1, u2, "nobody"], "event_timestamp": [t, t, t]})
with engine.connect() as conn:
    entity_df.to_sql("entity_df", conn, index=False)
    training = pd.read_sql(
        "SELECT e.user_id, f.months_active, round(f.watch_hours_30d::numeric, 2)::text AS watch "
        "FROM entity_df e LEFT JOIN features AS OF e.event_timestamp f USING (user_id) ORDER BY e.user_id",
        conn)
    for row in training.itertuples(index=False):
        print(line("to_sql", [None if pd.isna(v) else (int(v) if isinstance(v, float) and v == int(v) else v)
                              for v in row]))
    for user in sorted((u1, u2, "nobody")):
        spine = ASOF_SPINE.replace("$2", "%(user)s").replace("$1", "%(t)s")
        for r in conn.exec_driver_sql(spine, {"user": user, "t": t.to_pydatetime()}):
            print(line("to_sql", r))
