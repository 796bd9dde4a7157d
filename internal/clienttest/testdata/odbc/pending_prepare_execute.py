"""PENDING, not run by the tests yet: an online lookup through SQL-level
PREPARE and EXECUTE, sent by psqlODBC (either UseDeclareFetch). Usage:
pending_prepare_execute.py URL USEDECLAREFETCH USER1 USER2 prepare_execute

Expected: for each of USER1, nobody, USER2 the line TestODBC's lookup
section prints ("lookup <user> <months_active> <fee>", NULLs for nobody),
then "deallocated". Today PREPARE is refused (docs/sql.md: SQL-level
PREPARE … AS SELECT … FROM <relation> is not a lookup):

  pyodbc.NotSupportedError: ('0A000', '[0A000] ERROR: subs_profile_fv is a feature
  relation: without AS OF it is read by entity key from the online store, and this
  statement reads it in another way; …')

Once the gateway serves it, run this script from TestODBC and compare its
lines with expectedFeatureLines' first three lookup lines.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import odbc_client  # noqa: E402
from features_sql import LOOKUP, line  # noqa: E402  (odbc_client put testdata/features on the path)


def prepare_execute(conn, users):
    u1, u2 = users
    cur = conn.cursor()
    cur.execute("PREPARE fg_lookup(text) AS " + LOOKUP)
    for u in (u1, "nobody", u2):
        cur.execute("EXECUTE fg_lookup(?)", u)
        for r in cur.fetchall():
            print(line("lookup", r))
    cur.execute("DEALLOCATE fg_lookup")
    print("deallocated")
    conn.commit()


if __name__ == "__main__":
    odbc_client.main(sys.argv, {"prepare_execute": prepare_execute})
