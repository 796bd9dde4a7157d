package clienttest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// TestCatalogStreamFlowPsql applies the StreamFlow definitions of the
// course lab through psql, then reads them back with SHOW.
func TestCatalogStreamFlowPsql(t *testing.T) {
	f := newFixture(t, "streamflow", readFile(t, "testdata/catalog/streamflow_tables.sql"))
	out := psql(t, f.via, "testdata/catalog/streamflow.sql")
	for _, want := range []string{
		" user | user_id text | StreamFlow customer",
		"subs_profile_fv     | user   | subs_profile_source     |        6 | NONE    | t      | owner=mlops-course | subscription profile",
		"support_agg_90d_fv  | user   | support_agg_90d_source  |        2 | 90 days | t",
		"payments_agg_90d_fv | failed_payments_90d | bigint | payments_agg_90d_fv__failed_payments_90d",
		"churn_v1 | subs_profile_fv.*, usage_agg_30d_fv.watch_hours_30d, payments_agg_90d_fv.failed_payments_90d",
		`CREATE FEATURE VIEW support_agg_90d_fv (support_tickets_90d bigint, ticket_avg_resolution_hrs_90d real) ENTITY "user" SOURCE support_agg_90d_source TTL INTERVAL '90 days'`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ERROR") {
		t.Errorf("errors applying the definitions:\n%s", out)
	}
}

// TestCatalogErrors tries invalid definitions: each gets a precise error
// and the registry does not change; definitions stay within their project.
func TestCatalogErrors(t *testing.T) {
	f := newFixture(t, "catalog_errors", readFile(t, "testdata/catalog/streamflow_tables.sql"))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.via)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	mustExec := func(sql string) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	mustExec("CREATE ENTITY user (user_id TEXT)")
	mustExec("CREATE SOURCE pay TIMESTAMP COLUMN as_of AS TABLE payments_agg_90d_snapshots")
	for _, c := range []struct{ sql, code, msg string }{
		{"CREATE ENTITY user (user_id TEXT)", "42710", `entity "user" already exists`},
		{"CREATE FEATURE VIEW v (failed_payments_90d BIGINT) ENTITY nobody SOURCE pay", "42704", `entity "nobody"`},
		{"CREATE FEATURE VIEW v (nope BIGINT) ENTITY user SOURCE pay", "42704", `"nope"`},
		{"CREATE FEATURE VIEW v (failed_payments_90d BOOLEAN) ENTITY user SOURCE pay", "42804", "failed_payments_90d"},
		{"CREATE FEATURE VIEW v (x MONEY) ENTITY user SOURCE pay", "0A000", "money"},
		{"CREATE FEATURE SERVICE s AS nowhere.*", "42704", `"nowhere"`},
		{"CREATE ENTITY (x text)", "42601", "syntax error"},
		{"DROP ENTITY ghost", "42704", `entity "ghost" does not exist`},
		{"CREATE ENTITY e2 (k text); CREATE ENTITY e3 (k text", "42601", "syntax error"},
	} {
		_, err := conn.Exec(ctx, c.sql)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != c.code || !strings.Contains(pe.Message+" "+pe.Detail, c.msg) {
			t.Errorf("%s: want %s %q, got %v", c.sql, c.code, c.msg, err)
		}
	}
	rows, err := conn.Query(ctx, "SHOW ENTITIES")
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var name, keys, comment string
		err := r.Scan(&name, &keys, &comment)
		return name, err
	})
	if err != nil || strings.Join(names, ",") != "user" {
		t.Fatalf("entities after the errors: %v %v (nothing may be half-applied)", names, err)
	}
	// in a transaction block, and in another project
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(ctx, "CREATE ENTITY e4 (k text)")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "25001" {
		t.Fatalf("DDL in a transaction block: %v", err)
	}
	_ = tx.Rollback(ctx)
	other, err := pgx.Connect(ctx, f.gw.DSN("alice", "another_project"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	var n int
	if err := other.QueryRow(ctx, "SELECT count(*) FROM (VALUES (1)) v").Scan(&n); err != nil {
		t.Fatal(err)
	}
	rows, err = other.Query(ctx, "SHOW ENTITIES")
	if err != nil {
		t.Fatal(err)
	}
	others, err := pgx.CollectRows(rows, pgx.RowToMap)
	if err != nil || len(others) != 0 {
		t.Fatalf("another project sees %v (%v)", others, err)
	}
}

// TestCatalogExtendedProtocol reads SHOW results through pgx's cached
// statements (Parse, Describe, Bind, Execute; binary results) and through
// the unnamed statement inside a transaction.
func TestCatalogExtendedProtocol(t *testing.T) {
	f := newFixture(t, "catalog_ext", readFile(t, "testdata/catalog/streamflow_tables.sql"))
	ctx := context.Background()
	script := filepath.Join(t.TempDir(), "defs.sql")
	body := strings.Split(readFile(t, "testdata/catalog/streamflow.sql"), "SHOW ENTITIES;")[0]
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	psql(t, f.via, script)
	conn, err := pgx.Connect(ctx, f.via)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for i := 0; i < 3; i++ {
		var features int64
		var online bool
		if err := conn.QueryRow(ctx, "SHOW FEATURE VIEWS").Scan(new(string), new(string), new(string), &features, new(*string), &online, new(string), new(string)); err != nil {
			t.Fatal(err)
		}
		if features != 1 || !online { // payments_agg_90d_fv comes first
			t.Fatalf("first view: %d features, online %v", features, online)
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	rr := tx.Conn().PgConn().ExecParams(ctx, "SHOW FEATURES", nil, nil, nil, nil)
	n := 0
	for rr.NextRow() {
		n++
	}
	if _, err := rr.Close(); err != nil || n != 14 {
		t.Fatalf("SHOW FEATURES: %d rows, %v", n, err)
	}
}

// TestCatalogVisibility checks that psql, pgjdbc's DatabaseMetaData and
// SQLAlchemy's inspector see feature views and services as relations with
// typed columns, and that selecting from one without a key reads it at
// now() on the offline store, with a notice saying so.
func TestCatalogVisibility(t *testing.T) {
	f := newFixture(t, "streamflow_vis", readFile(t, "testdata/catalog/streamflow_tables.sql"))
	psql(t, f.via, "testdata/catalog/streamflow.sql")
	out := psql(t, f.via, "testdata/catalog/describe.sql")
	for _, want := range []string{
		"fg_streamflow_vis | subs_profile_fv     | view",
		"fg_streamflow_vis | churn_v1            | view",
		`View "fg_streamflow_vis.subs_profile_fv"`,
		"user_id            | text",
		"event_timestamp    | timestamp with time zone",
		"monthly_fee        | real",
		"failed_payments_90d | bigint",
		// a read without key through the gateway is the one-time form, said so
		"NOTICE:  featuregate: subs_profile_fv read at now() on the offline PostgreSQL",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("psql output lacks %q:\n%s", want, out)
		}
	}
	jdbcBase, user := jdbcURL(t, f.via, "")
	jdbc := run(t, 120*time.Second, "java", "-cp", "/usr/share/java/postgresql.jar",
		"testdata/catalog/CatalogMeta.java", jdbcBase+"&user="+user)
	for _, want := range []string{
		"table fg_streamflow_vis.subs_profile_fv VIEW", "table fg_streamflow_vis.churn_v1 VIEW",
		"column user_id text", "column event_timestamp timestamptz", "column months_active int8",
		"column paperless_billing bool", "column monthly_fee float4",
	} {
		if !strings.Contains(jdbc, want) {
			t.Errorf("JDBC metadata lacks %q:\n%s", want, jdbc)
		}
	}
	py := run(t, 60*time.Second, pythonBin, "-B", "testdata/catalog/sa_inspector.py", f.via, "fg_streamflow_vis")
	for _, want := range []string{
		"churn_v1 [('user_id', 'TEXT'), ('event_timestamp', 'TIMESTAMP'), ('months_active', 'BIGINT')",
		"payments_agg_90d_fv [('user_id', 'TEXT'), ('event_timestamp', 'TIMESTAMP'), ('failed_payments_90d', 'BIGINT')]",
	} {
		if !strings.Contains(py, want) {
			t.Errorf("SQLAlchemy inspector lacks %q:\n%s", want, py)
		}
	}
}

// TestCatalogTwoGateways runs two gateways over one offline database: each
// sees what the other applied at once, and concurrent changes through both
// all land.
func TestCatalogTwoGateways(t *testing.T) {
	f := newFixture(t, "two_gateways", readFile(t, "testdata/catalog/streamflow_tables.sql"))
	other := gatewaytest.Start(t, pg, "two_gateways")
	ctx := context.Background()
	a, err := pgx.Connect(ctx, f.via)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	b, err := pgx.Connect(ctx, other.DSN("bob", "two_gateways"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	if _, err := a.Exec(ctx, "CREATE ENTITY user (user_id TEXT)"); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := b.QueryRow(ctx, "SHOW ENTITIES").Scan(&name, new(string), new(string)); err != nil || name != "user" {
		t.Fatalf("the other gateway sees %q, %v", name, err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 10; i++ {
		for j, conn := range []*pgx.Conn{a, b} {
			wg.Add(1)
			go func(conn *pgx.Conn, n int) {
				defer wg.Done()
				_, err := conn.Exec(ctx, fmt.Sprintf("CREATE ENTITY e%02d (k bigint)", n))
				errs <- err
			}(conn, 2*i+j)
		}
		wg.Wait() // one statement at a time per connection
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	rows, err := a.Query(ctx, "SHOW ENTITIES")
	if err != nil {
		t.Fatal(err)
	}
	all, err := pgx.CollectRows(rows, pgx.RowToMap)
	if err != nil || len(all) != 21 {
		t.Fatalf("entities after concurrent changes: %d (%v)", len(all), err)
	}
}
