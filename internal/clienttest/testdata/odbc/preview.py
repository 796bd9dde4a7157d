"""What BI tools send to a relation they list, through psqlODBC: a preview
without a key, SELECT * FROM <feature view> LIMIT 10, and the zero-row
probes that ask for a result's columns, WHERE 1=0 and LIMIT 0. Usage:
preview.py URL USEDECLAREFETCH USER1 USER2 preview

Each read is the one-time form at now() on the offline store (also inside
the cursors UseDeclareFetch=1 declares); TestODBC expects, for both values:

  where 1=0 columns user_id,event_timestamp,months_active,… rows 0
  limit 0 columns user_id,event_timestamp,months_active,… rows 0
  limit 10 columns user_id,event_timestamp,months_active,… rows 10
"""
import os
import sys

import pyodbc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import odbc_client  # noqa: E402


def preview(conn, users):
    cur = conn.cursor()
    schema = [t.table_schem for t in cur.tables(tableType="VIEW") if t.table_name == "subs_profile_fv"][0]
    for label, tail in (("where 1=0", "WHERE 1=0"), ("limit 0", "LIMIT 0"), ("limit 10", "LIMIT 10")):
        try:
            cur.execute('SELECT * FROM "%s"."subs_profile_fv" %s' % (schema, tail))
            rows = cur.fetchall()
            print(label, "columns", ",".join(d[0] for d in cur.description), "rows", len(rows))
        except pyodbc.Error as e:
            odbc_client.err(label, e)
        conn.rollback()


if __name__ == "__main__":
    odbc_client.main(sys.argv, {"preview": preview})
