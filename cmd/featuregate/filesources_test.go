package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate/catalog"

	"github.com/featuregate/featuregate/internal/parquettest"
)

// driverStatsRows are the rows of testdata/rides/data.sql's driver_stats,
// for DuckDB.
const driverStatsRows = `SELECT * FROM (VALUES
  (1::BIGINT, TIMESTAMPTZ '2024-01-01 00:00:00+00', 0.10::FLOAT, 10::BIGINT),
  (1, TIMESTAMPTZ '2024-01-15 00:00:00+00', 0.15, 15),
  (1, TIMESTAMPTZ '2024-02-01 00:00:00+00', 0.20, 20),
  (2, TIMESTAMPTZ '2024-01-01 00:00:00+00', 0.30, 30),
  (2, TIMESTAMPTZ '2024-01-20 00:00:00+00', 0.35, 35),
  (3, TIMESTAMPTZ '2024-01-01 00:00:00+00', 0.50, 50),
  (3, TIMESTAMPTZ '2024-01-25 00:00:00+00', 1.50, 55)%s
) AS t(driver_id, event_timestamp, conv_rate, trips)`

// fileRidesRepo writes the rides repo with driver_stats_source read from a
// parquet file of the same rows (plus extra, DuckDB VALUES rows), and
// returns its directory.
func fileRidesRepo(t *testing.T, dir, extra string) {
	t.Helper()
	defs, err := os.ReadFile(filepath.Join(ridesRepo, "rides.sql"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(defs), "AS TABLE driver_stats;", "AS FILE 'data/driver_stats.parquet';", 1)
	writeFile(t, dir, "rides.sql", text)
	parquettest.Write(t, filepath.Join(dir, "data", "driver_stats.parquet"), fmt.Sprintf(driverStatsRows, extra))
}

// TestFileSourceRepo applies a repo whose source is a parquet file, reads
// it point in time as the same rows in a table are read, and reloads it
// when it changes.
func TestFileSourceRepo(t *testing.T) {
	dsn := ridesDB(t) // project rides: driver_stats in a table
	dir := t.TempDir()
	fileRidesRepo(t, dir, "")
	reg := []string{"--offline", dsn, "--project", "filerides"}
	out := mustFG(t, append([]string{"plan", dir}, reg...)...)
	if !strings.Contains(out, "+ source driver_stats_source\n") {
		t.Fatalf("plan:\n%s", out)
	}
	mustFG(t, append([]string{"apply", dir}, reg...)...)
	if out := mustFG(t, append([]string{"plan", dir}, reg...)...); out != "No changes.\n" {
		t.Fatalf("plan of the applied repo: %q", out)
	}
	checkFileIndex(t, dsn)

	// The same training set from the file source and from the table.
	spine := filepath.Join(dir, "spine.csv")
	writeFile(t, dir, "spine.csv", "driver_id,event_timestamp\n1,2024-01-10T00:00:00Z\n1,2024-01-15T00:00:00Z\n"+
		"2,2024-01-19T00:00:00Z\n3,2024-02-01T00:00:00Z\n4,2024-02-01T00:00:00Z\n")
	historical := func(project string) []string {
		cfg := projectConfig(t, dsn, project)
		return sortedLines(mustRun(t, "get-historical-features", "--config", cfg, "--entities", spine,
			"--features", "driver_stats_fv:conv_rate,driver_stats_fv:trips"))
	}
	fromTable, fromFile := historical("rides"), historical("filerides")
	if strings.Join(fromTable, "\n") != strings.Join(fromFile, "\n") || len(fromFile) != 6 {
		t.Errorf("AS OF over the file source:\n%s\nover the table:\n%s", strings.Join(fromFile, "\n"), strings.Join(fromTable, "\n"))
	}

	// The file changes: plan shows it, apply reloads it.
	fileRidesRepo(t, dir, ", (4, TIMESTAMPTZ '2024-01-30 00:00:00+00', 0.9, 90)")
	out = mustFG(t, append([]string{"plan", dir}, reg...)...)
	if !regexp.MustCompile(`^~ source driver_stats_source: file changed \(size \d+ -> \d+ bytes, rows 7 -> 8\)\nPlan: 0 to create, 1 to replace, 0 to drop.\n$`).MatchString(out) {
		t.Errorf("plan of a changed file:\n%s", out)
	}
	mustFG(t, append([]string{"apply", dir}, reg...)...)
	checkFileIndex(t, dsn)
	after := historical("filerides")
	if want := "4,2024-02-01 00:00:00+00,0.9,90"; after[len(after)-1] != want {
		t.Errorf("after the reload, the last row is %q, want %q", after[len(after)-1], want)
	}
	if out := mustFG(t, append([]string{"plan", dir}, reg...)...); out != "No changes.\n" {
		t.Errorf("plan after the reload: %q", out)
	}

	// REFRESH from the CLI.
	out = mustFG(t, append([]string{"refresh", "driver_stats_source", "--repo", dir}, reg...)...)
	if !regexp.MustCompile(`^Refreshed source driver_stats_source: 8 rows from data/driver_stats.parquet \(\d+ bytes\). Applied version 3.\n$`).MatchString(out) {
		t.Errorf("refresh: %q", out)
	}
	wantFail(t, 1, []string{`source "trip_fares_source" is not a file source`},
		append([]string{"refresh", "trip_fares_source", "--repo", dir}, reg...)...)

	// A file that is missing is an error at its statement.
	if err := os.Remove(filepath.Join(dir, "data", "driver_stats.parquet")); err != nil {
		t.Fatal(err)
	}
	wantFail(t, 1, []string{"rides.sql:", `file "data/driver_stats.parquet" cannot be read`},
		append([]string{"plan", dir}, reg...)...)
}

// projectConfig writes a featuregate.yaml for project on dsn, as
// ridesConfig does for rides, and returns its path.
func projectConfig(t *testing.T, dsn, project string) string {
	t.Helper()
	dir := t.TempDir()
	body := fmt.Sprintf("project: %s\nlisten: %s\nhttp_listen: \"off\"\ndata_dir: %s\noffline:\n  dsn: %s\n",
		project, freeAddr(t), filepath.Join(dir, "data"), dsn)
	writeFile(t, dir, "featuregate.yaml", body)
	return filepath.Join(dir, "featuregate.yaml")
}

// gatewayExec runs sql on the gateway at addr, in project rides, and
// returns PostgreSQL's error, if any.
func gatewayExec(t *testing.T, addr, sql string) *pgconn.PgError {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, "postgres://tester@"+addr+"/rides")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	var pe *pgconn.PgError
	if err != nil && !errors.As(err, &pe) {
		t.Fatalf("%s: %v", sql, err)
	}
	return pe
}

// TestFileSourceOverTheWire creates and refreshes a file source with SQL
// sent to a gateway, which reads files under its files.root only.
func TestFileSourceOverTheWire(t *testing.T) {
	dsn := ridesDB(t)
	cfgPath := ridesConfig(t, dsn)
	root := filepath.Join(filepath.Dir(cfgPath), "shared")
	parquettest.Write(t, filepath.Join(root, "stats", "driver_stats.parquet"), fmt.Sprintf(driverStatsRows, ""))
	parquettest.Write(t, filepath.Join(filepath.Dir(cfgPath), "secret.parquet"), fmt.Sprintf(driverStatsRows, ""))
	body, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Dir(cfgPath), "featuregate.yaml", string(body)+"files:\n  root: shared\n")
	addr := startGateway(t, cfgPath)

	if pe := gatewayExec(t, addr, "CREATE SOURCE file_stats TIMESTAMP COLUMN event_timestamp AS FILE 'stats/driver_stats.parquet'"); pe != nil {
		t.Fatalf("create: %v", pe)
	}
	table := `featuregate_files."rides.file_stats"`
	if got := queryGateway(t, addr, "SELECT count(*) FROM "+table); !slices.Equal(got, []string{"7"}) {
		t.Errorf("rows read through the gateway: %q", got)
	}
	for _, path := range []string{"../secret.parquet", "stats/../../secret.parquet", "/etc/passwd", filepath.Join(root, "stats", "driver_stats.parquet")} {
		pe := gatewayExec(t, addr, "CREATE SOURCE bad TIMESTAMP COLUMN event_timestamp AS FILE "+catalog.QuoteLiteral(path))
		if pe == nil || pe.Code != "42501" || !strings.Contains(pe.Hint, "relative to files.root") {
			t.Errorf("%s: %+v", path, pe)
		}
	}

	parquettest.Write(t, filepath.Join(root, "stats", "driver_stats.parquet"),
		fmt.Sprintf(driverStatsRows, ", (4, TIMESTAMPTZ '2024-01-30 00:00:00+00', 0.9, 90)"))
	if pe := gatewayExec(t, addr, "REFRESH SOURCE file_stats"); pe != nil {
		t.Fatalf("refresh: %v", pe)
	}
	if got := queryGateway(t, addr, "SELECT count(*) FROM "+table); !slices.Equal(got, []string{"8"}) {
		t.Errorf("rows after REFRESH SOURCE: %q", got)
	}
	if pe := gatewayExec(t, addr, "REFRESH SOURCE driver_stats_source"); pe == nil || pe.Code != "22023" || !strings.Contains(pe.Message, "not a file source") {
		t.Errorf("REFRESH of a table source: %+v", pe)
	}
	if pe := gatewayExec(t, addr, "REFRESH SOURCE nope"); pe == nil || pe.Code != "42704" {
		t.Errorf("REFRESH of no source: %+v", pe)
	}

	// A gateway without files.root reads no files.
	other := startGateway(t, ridesConfig(t, dsn))
	pe := gatewayExec(t, other, "CREATE SOURCE s2 TIMESTAMP COLUMN event_timestamp AS FILE 'stats/driver_stats.parquet'")
	if pe == nil || pe.Code != "42501" || !strings.Contains(pe.Hint, "files.root") {
		t.Errorf("without files.root: %+v", pe)
	}
}

// checkFileIndex: the file source's table is indexed for its feature view,
// on the entity's key then the timestamp, once.
func checkFileIndex(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT regexp_replace(indexdef, '^.* USING ', '') FROM pg_indexes
		WHERE schemaname = 'featuregate_files' AND tablename = 'filerides.driver_stats_source'`)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(defs, []string{"btree (driver_id, event_timestamp)"}) {
		t.Errorf("indexes of the file source's table: %q", defs)
	}
}
