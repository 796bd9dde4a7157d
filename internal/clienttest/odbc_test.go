package clienttest

import (
	"testing"
)

// psqlODBC, the "PostgreSQL Unicode" driver of Debian's odbc-postgresql as
// unixODBC registers it, driven from pyodbc (python3-pyodbc) with a
// DSN-less connection string, as BI tools and Excel-style clients use it.
const odbcScript = "testdata/odbc/odbc_client.py"

// odbcArgs runs odbcScript's sections with UseDeclareFetch set to
// declareFetch.
func odbcArgs(declareFetch, u1, u2 string, sections ...string) func(dsn string) []string {
	return func(dsn string) []string {
		return append([]string{"-B", odbcScript, dsn, declareFetch, u1, u2}, sections...)
	}
}

// TestODBC reads the StreamFlow project through psqlODBC, reading results
// whole (UseDeclareFetch=0) and through the cursors the driver declares
// for every SELECT (UseDeclareFetch=1): the catalog calls and errors are
// the same as on PostgreSQL, AS OF queries and lookups give the snapshot
// tables' values.
func TestODBC(t *testing.T) {
	const db = "clients_odbc"
	f, u1, u2 := featureFixture(t, db)
	want := expectedFeatureLines(t, f, u1, u2)
	for _, declareFetch := range []string{"0", "1"} {
		t.Run("UseDeclareFetch="+declareFetch, func(t *testing.T) {
			out := sameOutput(t, f, pyTimeout, pythonBin, odbcArgs(declareFetch, u1, u2, "meta", "errors"))
			mustContain(t, "psqlODBC", out,
				// SQLTables lists feature relations as views of fg_<project>, beside the tables
				"table "+db+" fg_"+db+" subs_profile_fv VIEW\n", "table "+db+" fg_"+db+" features VIEW\n",
				"table "+db+" public users TABLE\n", "view fg_"+db+" churn_v1\n",
				"pattern public subscriptions_profile_snapshots TABLE\n",
				"unqualified []\n", "qualified fg_"+db+" subs_profile_fv VIEW\n",
				// SQLColumns: name, type, ODBC type, size, nullable, position
				"column subs_profile_fv event_timestamp timestamptz 93 26 1 2\n",
				"column subs_profile_fv monthly_fee float4 7 9 1 4\n",
				"column churn_v1 failed_payments_90d int8 -5 19 1 10\n",
				"pk as_of 2 subscriptions_profile_snapshots_pkey\n",
				"snapshot "+u1+" 2024-02-29 ", "users 105 895 ", "count (2000, 1000)\n",
				`syntax ERROR ProgrammingError 42601 [42601] ERROR: syntax error at or near "SELEC"`+"\nsyntax after 1\n",
				"undefined table ERROR ProgrammingError 42P01 ", "undefined column ERROR ProgrammingError 42703 ",
				"division with params ERROR DataError 22012 ", "bad date param ERROR DataError 22008 ",
				"final still usable\n", "== done\n")

			// With UseDeclareFetch=1 the lookups run inside the cursors the
			// driver declares.
			out = run(t, pyTimeout, pythonBin, odbcArgs(declareFetch, u1, u2, "asof", "lookup")(f.via)...)
			checkFeatureLines(t, "psqlODBC", out, want)
			mustContain(t, "psqlODBC", out, "describe user_id:str,months_active:int,fee:float\n")

			// SQL-level PREPARE and EXECUTE of a lookup.
			prep := []string{"-B", "testdata/odbc/prepare_execute.py", f.via, declareFetch, u1, u2, "prepare_execute"}
			lookups := withPrefix(want, "lookup ")
			mustContain(t, "psqlODBC", run(t, pyTimeout, pythonBin, prep...),
				lookups[0]+"\n"+lookups[1]+"\n"+lookups[2]+"\ndeallocated\n")

			// A BI tool's preview and zero-row probes: the one-time form.
			preview := []string{"-B", "testdata/odbc/preview.py", f.via, declareFetch, u1, u2, "preview"}
			cols := "columns user_id,event_timestamp,months_active,monthly_fee,paperless_billing,plan_stream_tv,plan_stream_movies,net_service"
			mustContain(t, "psqlODBC", run(t, pyTimeout, pythonBin, preview...),
				"where 1=0 "+cols+" rows 0\n", "limit 0 "+cols+" rows 0\n", "limit 10 "+cols+" rows 10\n")
		})
	}
}
