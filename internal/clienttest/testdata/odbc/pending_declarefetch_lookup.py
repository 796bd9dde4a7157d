"""PENDING, not run by the tests yet: online lookups through psqlODBC with
UseDeclareFetch=1. Usage: pending_declarefetch_lookup.py URL USER1 USER2

With UseDeclareFetch=1 the driver substitutes the parameters itself and
sends every SELECT as one simple query, wrapped in a cursor:

  BEGIN;declare "SQL_CUR0x…" cursor with hold for SELECT user_id, months_active,
  monthly_fee AS fee FROM subs_profile_fv WHERE user_id = '<USER1>';fetch 100 in "SQL_CUR0x…"

Expected: the lines TestODBC expects from the lookup section with
UseDeclareFetch=0 (expectedFeatureLines' "lookup" lines: USER1, nobody,
USER2, USER1, USER2, USER1, then "describe user_id:str,months_active:int,fee:float").
Today the gateway refuses the lookup inside DECLARE CURSOR:

  pyodbc.NotSupportedError: ('0A000', '[0A000] ERROR: subs_profile_fv is a feature
  relation: without AS OF it is read by entity key from the online store, and this
  statement reads it in another way; …')

Once the gateway serves it, add "lookup" to the UseDeclareFetch=1 sections of
TestODBC (odbc_test.go) and delete this file.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import odbc_client  # noqa: E402

if __name__ == "__main__":
    url, u1, u2 = sys.argv[1:4]
    odbc_client.main([sys.argv[0], url, "1", u1, u2, "lookup"])
