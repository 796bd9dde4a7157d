package clienttest

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/examples"
)

// The feature statements through every client of the extended protocol:
// prepared AS OF queries with $n parameters and prepared
// online lookups, on the StreamFlow example, against values read
// straight from its tables.

// featureFixture loads the StreamFlow example, applies its repo through
// the gateway and materializes January; it returns two user ids.
func featureFixture(t *testing.T, db string) (*fixture, string, string) {
	t.Helper()
	data, err := examples.FS.ReadFile("streamflow/data.sql")
	if err != nil {
		t.Fatal(err)
	}
	dropDB(t, db)
	f := newFixture(t, db, string(data))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.via)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	files, err := fs.Glob(examples.FS, "streamflow/repo/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no repo files: %v", err)
	}
	var stmts []ddl.ScriptStatement
	for _, name := range files {
		text, err := examples.FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ddl.ParseScriptStatements(name, string(text))
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, s...)
	}
	sort.SliceStable(stmts, func(i, j int) bool { return kindOrder(stmts[i].Statement) < kindOrder(stmts[j].Statement) })
	{
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stmts {
			if _, err := conn.Exec(ctx, st.Statement.SQL()); err != nil {
				t.Fatalf("%s: %v", st.Statement.SQL(), err)
			}
		}
	}
	if _, err := conn.Exec(ctx, "MATERIALIZE FROM '2024-01-01T00:00:00' TO '2024-02-01T00:00:00'"); err != nil {
		t.Fatal(err)
	}
	var u1, u2 string
	if err := conn.QueryRow(ctx, "SELECT min(user_id), max(user_id) FROM users").Scan(&u1, &u2); err != nil {
		t.Fatal(err)
	}
	return f, u1, u2
}

// dropDB drops database db if an earlier run (go test -count=N) left it,
// so that a fixture starts from its setup alone.
func dropDB(t *testing.T, db string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
}

// expectedFeatureLines computes, straight from the snapshot tables, what
// each client must print.
func expectedFeatureLines(t *testing.T, f *fixture, u1, u2 string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.direct)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	at := func(u string) (months int64, fee float64, watch string) {
		err := conn.QueryRow(ctx, `SELECT s.months_active, s.monthly_fee::float8, round(u.watch_hours_30d::numeric, 2)::text
			FROM subscriptions_profile_snapshots s JOIN usage_agg_30d_snapshots u USING (user_id, as_of)
			WHERE user_id = $1 AND as_of = '2024-01-31'`, u).Scan(&months, &fee, &watch)
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	var lines []string
	for _, u := range []string{u1, u2} {
		m, _, w := at(u)
		lines = append(lines, fmt.Sprintf("asof-const %s %d %s", u, m, w), fmt.Sprintf("asof-spine %s %d %s", u, m, w))
	}
	for _, u := range []string{u1, "nobody", u2, u1, u2, u1} {
		if u == "nobody" {
			lines = append(lines, "lookup nobody NULL NULL")
			continue
		}
		m, fee, _ := at(u)
		lines = append(lines, fmt.Sprintf("lookup %s %d %.2f", u, m, fee))
	}
	return lines
}

// checkFeatureLines compares a client's result lines with want, in order.
func checkFeatureLines(t *testing.T, client, out string, want []string) {
	t.Helper()
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(l, "asof-") || strings.HasPrefix(l, "lookup ") {
			got = append(got, l)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s printed\n%s\nwant\n%s", client, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFeaturesPsycopg3(t *testing.T) {
	f, u1, u2 := featureFixture(t, "features_psycopg3")
	out := run(t, pyTimeout, pythonBin, "-B", "testdata/features/psycopg3_features.py", f.via, u1, u2)
	checkFeatureLines(t, "psycopg 3", out, expectedFeatureLines(t, f, u1, u2))
	if !strings.Contains(out, "describe user_id:25,months_active:20,fee:700") {
		t.Errorf("psycopg 3 described the lookup as:\n%s", out)
	}
}

func TestFeaturesJDBC(t *testing.T) {
	f, u1, u2 := featureFixture(t, "features_jdbc")
	u, user := jdbcURL(t, f.via, "")
	out := run(t, jdbcTimeout, "java", "-Duser.timezone=UTC", "-cp", jdbcJar, "testdata/features/Features.java", u, user, u1, u2)
	checkFeatureLines(t, "pgjdbc", out, expectedFeatureLines(t, f, u1, u2))
	if !strings.Contains(out, "describe user_id:text,months_active:int8,fee:float4") {
		t.Errorf("pgjdbc described the lookup as:\n%s", out)
	}
	mustContain(t, "pgjdbc", out, "preview 2 user_id,event_timestamp,months_active\n")
}

func TestFeaturesNode(t *testing.T) {
	f, u1, u2 := featureFixture(t, "features_node")
	out := run(t, nodeTimeout, "node", "testdata/node/features.js", f.via, u1, u2)
	checkFeatureLines(t, "node-postgres", out, expectedFeatureLines(t, f, u1, u2))
	mustContain(t, "node-postgres", out, "preview 2 user_id,event_timestamp,months_active notice true\n")
}

// TestFeaturesPgx runs the same statements with pgx's prepared statements,
// in the binary format.
func TestFeaturesPgx(t *testing.T) {
	f, u1, u2 := featureFixture(t, "features_pgx")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.via)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	asofConst := "SELECT user_id, months_active, round(watch_hours_30d::numeric, 2)::text AS watch FROM features AS OF $1 WHERE user_id = $2"
	asofSpine := "SELECT s.user_id, f.months_active, round(f.watch_hours_30d::numeric, 2)::text AS watch " +
		"FROM (VALUES ($2::text, $1::timestamptz)) AS s(user_id, t) LEFT JOIN features AS OF s.t f USING (user_id)"
	lookup := "SELECT user_id, months_active, monthly_fee AS fee FROM subs_profile_fv WHERE user_id = $1"
	var out strings.Builder
	print := func(kind, sql string, args ...any) {
		rows, err := conn.Query(ctx, sql, args...)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		for rows.Next() {
			vals, _ := rows.Values()
			var cells []string
			for _, v := range vals {
				switch x := v.(type) {
				case nil:
					cells = append(cells, "NULL")
				case float64:
					cells = append(cells, fmt.Sprintf("%.2f", x))
				case float32:
					cells = append(cells, fmt.Sprintf("%.2f", x))
				default:
					cells = append(cells, fmt.Sprint(x))
				}
			}
			fmt.Fprintln(&out, kind, strings.Join(cells, " "))
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
	}
	for _, u := range []string{u1, u2} {
		print("asof-const", asofConst, "2024-01-31T00:00:00Z", u)
		print("asof-spine", asofSpine, "2024-01-31T00:00:00Z", u)
	}
	for _, u := range []string{u1, "nobody", u2, u1, u2, u1} {
		print("lookup", lookup, u)
	}
	checkFeatureLines(t, "pgx", out.String(), expectedFeatureLines(t, f, u1, u2))
}

// kindOrder sorts definitions so that each comes after what it names.
func kindOrder(d ddl.Statement) int {
	c, ok := d.(*ddl.CreateStmt)
	if !ok {
		return 4
	}
	return map[catalog.Kind]int{catalog.KindEntity: 0, catalog.KindSource: 1, catalog.KindFeatureView: 2, catalog.KindFeatureService: 3}[c.Object.Kind()]
}

// TestDropViewDropsOnlineValues drops a materialized view and creates it
// again with the same features: its old values must not come back.
func TestDropViewDropsOnlineValues(t *testing.T) {
	f := newFixture(t, "features_drop", `CREATE TABLE fares (driver_id bigint, ts timestamptz, fare real);
		INSERT INTO fares VALUES (1, '2024-01-10', 9.5)`)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.via)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	view := "CREATE FEATURE VIEW fare_fv (fare REAL) ENTITY driver SOURCE fares_src"
	for _, sql := range []string{
		"CREATE ENTITY driver (driver_id BIGINT)",
		"CREATE SOURCE fares_src TIMESTAMP COLUMN ts AS TABLE fares",
		view,
		"MATERIALIZE FROM '2024-01-01' TO '2024-02-01'",
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	fare := func() *float32 {
		var v *float32
		if err := conn.QueryRow(ctx, "SELECT fare FROM fare_fv WHERE driver_id = 1").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := fare(); v == nil || *v != 9.5 {
		t.Fatalf("after MATERIALIZE the fare is %v, want 9.5", v)
	}
	for _, sql := range []string{"DROP FEATURE VIEW fare_fv", view} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if v := fare(); v != nil {
		t.Fatalf("a view dropped and created again serves %v from before the drop", *v)
	}
}

// TestFeaturesPandasToSQL: a read-only user uploads a spine with pandas'
// DataFrame.to_sql (SQLAlchemy over psycopg2) and reads a training set
// AS OF its rows with read_sql: the upload is the session's temporary
// table, and the training set is the one a spine in the query gives.
func TestFeaturesPandasToSQL(t *testing.T) {
	f, u1, u2 := featureFixture(t, "features_pandas")
	out := run(t, pyTimeout, pythonBin, "-B", "testdata/features/pandas_to_sql.py", f.via, u1, u2)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 || strings.Join(lines[:3], "\n") != strings.Join(lines[3:], "\n") {
		t.Fatalf("the training set over to_sql's table and over a spine in the query differ:\n%s", out)
	}
	if !strings.Contains(lines[0], u1) && !strings.Contains(lines[1], u1) {
		t.Errorf("the training set lacks %s:\n%s", u1, out)
	}
	if strings.Count(out, "NULL") == len(lines)*2 {
		t.Errorf("every feature is NULL:\n%s", out)
	}
	t.Logf("pandas:\n%s", out)
}
