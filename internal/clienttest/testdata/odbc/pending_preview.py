"""PENDING, not run by the tests yet: what BI tools send to a relation they
list, through psqlODBC: a preview without a key, SELECT * FROM <feature
view> LIMIT 10, and the zero-row probes that ask for a result's columns,
WHERE 1=0 and LIMIT 0. Usage: pending_preview.py URL USEDECLAREFETCH USER1 USER2 preview

Expected, for both UseDeclareFetch values (on PostgreSQL directly the two
probes give exactly this; the preview's rows are the gateway's to define):

  where 1=0 columns user_id,event_timestamp,months_active,monthly_fee,paperless_billing,plan_stream_tv,plan_stream_movies,net_service rows 0
  limit 0 columns user_id,event_timestamp,months_active,monthly_fee,paperless_billing,plan_stream_tv,plan_stream_movies,net_service rows 0
  limit 10 columns user_id,event_timestamp,months_active,monthly_fee,paperless_billing,plan_stream_tv,plan_stream_movies,net_service rows 10

Today, with UseDeclareFetch=0, "limit 0" passes and the other two are refused:

  where 1=0 ERROR NotSupportedError 0A000 [0A000] ERROR: subs_profile_fv is a feature
    relation: without AS OF it is read by entity key from the online store, and its
    WHERE clause must give the …
  limit 10 ERROR NotSupportedError 0A000 [0A000] ERROR: subs_profile_fv is a feature
    relation: without AS OF it is read by entity key from the online store, and a
    lookup returns one row per key: LIMIT is not accepted

and with UseDeclareFetch=1 (inside declare "SQL_CUR0x…" cursor with hold for …)
all three are refused:

  … ERROR NotSupportedError 0A000 [0A000] ERROR: subs_profile_fv is a feature
    relation: without AS OF it is read by entity key from the online store, and this
    statement reads it in another way

Once the gateway serves them, run this script from TestODBC for both
UseDeclareFetch values and check those lines.
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
