package clienttest

import (
	"strings"
	"testing"
	"time"
)

// R's RPostgreSQL (Debian's r-cran-rpostgresql), run with Debian's Rscript.
const (
	rscriptBin = "/usr/bin/Rscript"
	rScript    = "testdata/r/rpostgresql_client.R"
	rTimeout   = 60 * time.Second
)

// TestRPostgreSQL reads the StreamFlow project from R: dbListTables and
// the other catalog calls, chunked reads and errors as on PostgreSQL; AS OF
// queries, a training set and lookups with parameters with the snapshot
// tables' values. RPostgreSQL gives no SQLSTATE, only libpq's message,
// which must be PostgreSQL's (LINE and caret included).
func TestRPostgreSQL(t *testing.T) {
	const db = "clients_r"
	f, u1, u2 := featureFixture(t, db)
	args := func(sections ...string) func(string) []string {
		return func(dsn string) []string {
			return append([]string{rScript, dsn, u1, u2}, sections...)
		}
	}
	out := sameOutput(t, f, rTimeout, rscriptBin, args("meta", "errors"))
	mustContain(t, "RPostgreSQL", out,
		// dbListTables reads pg_tables: tables of every schema, no views, so no feature relations
		"tables datasets,labels,meta,objects,payments_agg_90d_snapshots,project_locks,subscriptions_profile_snapshots,"+
			"support_agg_90d_snapshots,upstream_credentials,usage_agg_30d_snapshots,users,versions\n",
		"exists users TRUE\n", "exists subs_profile_fv FALSE\n", "fields subs_profile_fv 0\n",
		"fields user_id,as_of,months_active,monthly_fee,paperless_billing,plan_stream_tv,plan_stream_movies,net_service\n",
		"view fg_"+db+" churn_v1\n", "view fg_"+db+" subs_profile_fv\n",
		"columns subs_profile_fv user_id:text,event_timestamp:timestamp with time zone,months_active:bigint,monthly_fee:real,",
		"snapshot "+u1+" 2024-01-31 ", "readTable users 1000 user_id,signup_date,gender,senior_citizen\n",
		"chunks 300,300,300,100\n",
		`syntax ERROR RPosgreSQL error: could not Retrieve the result : ERROR:  syntax error at or near "SELEC"|LINE 1: SELEC 1|        ^|`+"\n",
		`undefined table ERROR RPosgreSQL error: could not Retrieve the result : ERROR:  relation "no_such_table" does not exist|`,
		`undefined column exception ERROR:  column "no_such_column" does not exist|`,
		"division with params ERROR RPosgreSQL error: could not Retrieve the result : ERROR:  division by zero|\n",
		`bad date param ERROR RPosgreSQL error: could not Retrieve the result : ERROR:  date/time field value out of range: "2024-02-30"|CONTEXT:  unnamed portal parameter $1 = '...'|`,
		"syntax after 1\n", "bad date param after 1\n",
		"failed transaction ERROR RPosgreSQL error: could not Retrieve the result : ERROR:  current transaction is aborted,",
		"final still usable\n", "== done\n")

	out = run(t, rTimeout, rscriptBin, args("features")(f.via)...)
	want := expectedFeatureLines(t, f, u1, u2)
	checkFeatureLines(t, "RPostgreSQL", out, want)
	lookups := withPrefix(want, "lookup ")
	mustContain(t, "RPostgreSQL", out,
		relabel(lookups[2:3], "fetched")[0]+"\n",
		strings.Join(relabel(withPrefix(want, "asof-const "), "training"), "\n")+"\n",
		"readtable TRUE user_id,event_timestamp,months_active\n",
		"== done\n")
}
