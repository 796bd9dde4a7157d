"""An online lookup through SQL-level PREPARE and EXECUTE, sent by
psqlODBC (either UseDeclareFetch). Usage:
prepare_execute.py URL USEDECLAREFETCH USER1 USER2 prepare_execute

Prints, for each of USER1, nobody, USER2, the line of the lookup section
("lookup <user> <months_active> <fee>", NULLs for nobody), then
"deallocated".
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
