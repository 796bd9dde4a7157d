"""psycopg 3 reads features through featuregate: usage psycopg3_features.py DSN USER1 USER2

Prints one line per result row: prepared AS OF queries (server-side
parameters, the extended protocol) and prepared online lookups.
"""
import datetime
import sys

import psycopg

from features_sql import ASOF_CONST, ASOF_SPINE, LOOKUP, line

dsn, u1, u2 = sys.argv[1:4]
t = datetime.datetime(2024, 1, 31, tzinfo=datetime.timezone.utc)
with psycopg.connect(dsn, autocommit=True) as conn:
    for user in (u1, u2):
        for r in conn.execute(ASOF_CONST.replace("$1", "%s").replace("$2", "%s"), (t, user), prepare=True):
            print(line("asof-const", r))
        spine = ASOF_SPINE.replace("$2", "%(user)s").replace("$1", "%(t)s")
        for r in conn.execute(spine, {"user": user, "t": t}, prepare=True):
            print(line("asof-spine", r))
    for user in (u1, "nobody", u2, u1, u2, u1):
        for r in conn.execute(LOOKUP.replace("$1", "%s"), (user,), prepare=True):
            print(line("lookup", r))
    cur = conn.cursor()
    cur.execute(LOOKUP.replace("$1", "%s"), (u1,), prepare=True)
    print("describe", ",".join(f"{d.name}:{d.type_code}" for d in cur.description))
