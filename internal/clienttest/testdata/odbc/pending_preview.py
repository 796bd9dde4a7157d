"""PENDING, not run by the tests yet: the preview a BI tool runs on a
relation it lists, SELECT * FROM <feature view> LIMIT 10, with no key,
through psqlODBC. Usage: pending_preview.py URL USEDECLAREFETCH USER1 USER2

Expected: "preview columns user_id,event_timestamp,months_active,monthly_fee,
paperless_billing,plan_stream_tv,plan_stream_movies,net_service" and
"preview rows 10" (the rows' choice is the gateway's to define). Today the
read is refused with UseDeclareFetch=0:

  pyodbc.NotSupportedError: ('0A000', '[0A000] ERROR: subs_profile_fv is a feature
  relation: without AS OF it is read by entity key from the online store, and a
  lookup returns one row per key: LIMIT is not accepted; …')

and with UseDeclareFetch=1 (inside declare "SQL_CUR0x…" cursor with hold for …):

  pyodbc.NotSupportedError: ('0A000', '[0A000] ERROR: subs_profile_fv is a feature
  relation: without AS OF it is read by entity key from the online store, and this
  statement reads it in another way; …')

Once the gateway serves previews, run this script from TestODBC for both
UseDeclareFetch values and check those two lines.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import odbc_client  # noqa: E402


def preview(conn, users):
    cur = conn.cursor()
    tables = [t for t in cur.tables(tableType="VIEW") if t.table_name == "subs_profile_fv"]
    cur.execute('SELECT * FROM "%s"."subs_profile_fv" LIMIT 10' % tables[0].table_schem)
    rows = cur.fetchall()
    print("preview columns", ",".join(d[0] for d in cur.description))
    print("preview rows", len(rows))
    conn.commit()


if __name__ == "__main__":
    odbc_client.main(sys.argv, {"preview": preview})
