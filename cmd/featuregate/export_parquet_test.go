package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/parquettest"
)

// typedTable holds a row of every type parquet export maps, a row of
// NULLs, and a row of edge values (before 1970, empty text, negative
// decimals), keyed by driver and time as a spine: exported as a saved
// dataset and passed through get-historical-features.
const typedTable = `
CREATE TABLE typed (
  id int, driver_id bigint, event_timestamp timestamptz,
  i2 smallint, i4 integer, i8 bigint, r real, d double precision,
  t text, vc varchar(20), bp char(5), b boolean,
  tstz timestamptz, ts timestamp, dt date,
  n9 numeric(9,3), n18 numeric(18,4), n30 numeric(30,5), n text, nfree numeric,
  js json, jb jsonb, by bytea, u uuid);
INSERT INTO typed VALUES
  (1, 1, '2024-01-10 00:00:00+00', -32768, 2147483647, -9223372036854775808, 0.1, 1e-300,
   'héllo, "wörld"' || chr(10) || 'line 2 ✓ 🚀', 'väl,ue', 'ab', true,
   '2024-03-10 01:30:00.123456-08', '2024-03-10 02:30:00.5', '2024-02-29',
   123456.789, -12345678901234.5678, 1234567890123456789012345.12345, 'n', 3.14159265358979323846264338327950288,
   '{"a": [1, 2], "b": "x"}', '{"b": "x", "a": [1, 2]}', '\xdeadbeef00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
  (2, 2, '2023-12-31 00:00:00+00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (3, 1, '2024-02-10 00:00:00+00', 0, -1, 1, 1.5e-45, -2.5,
   '', ' ', 'abcde', false,
   '1969-12-31 23:59:59.999999+00', '1900-01-01 00:00:00', '1900-01-01',
   -0.001, 0, -99999999999999999999999.99999, '', -1e-20,
   '[]', 'null', '\x', '00000000-0000-0000-0000-000000000000'),
  (4, 4, '2024-01-10 00:00:00+00', 32767, -2147483648, 9223372036854775807, -3.4e38, 1.5e100,
   'x', 'y', 'z', true,
   '2262-04-11 23:47:16.854775+00', '2100-12-31 23:59:59.999999', '9999-12-31',
   999999.999, 99999999999999.9999, 1, 'N', 1e30,
   '"s"', '{"nested": {"deep": [true, null, 1.5]}}', '\x00ff', 'ffffffff-ffff-ffff-ffff-ffffffffffff');
`

// A typedColumn says how PostgreSQL and DuckDB each render a column as
// text, so that the values the exported file holds (read by DuckDB) and
// those PostgreSQL holds can be compared without featuregate's code, and
// the type DuckDB's DESCRIBE gives the parquet column.
type typedColumn struct {
	name, pg, duck, duckType string
	float                    int // 32 or 64: compare as floats of that size
}

// typedColumns are typed's columns and, last, the features
// get-historical-features adds.
var typedColumns = []typedColumn{
	{"id", "", "", "INTEGER", 0},
	{"driver_id", "", "", "BIGINT", 0},
	{"event_timestamp", "(extract(epoch FROM %s) * 1000000)::bigint::text", "epoch_us(%s)::varchar", "TIMESTAMP WITH TIME ZONE", 0},
	{"i2", "", "", "SMALLINT", 0},
	{"i4", "", "", "INTEGER", 0},
	{"i8", "", "", "BIGINT", 0},
	{"r", "", "", "FLOAT", 32},
	{"d", "", "", "DOUBLE", 64},
	{"t", "", "", "VARCHAR", 0},
	{"vc", "", "", "VARCHAR", 0},
	{"bp", "%s", "", "VARCHAR", 0}, // char(n)'s output keeps its padding, ::text drops it
	{"b", "%s", "", "BOOLEAN", 0},
	{"tstz", "(extract(epoch FROM %s) * 1000000)::bigint::text", "epoch_us(%s)::varchar", "TIMESTAMP WITH TIME ZONE", 0},
	{"ts", "(extract(epoch FROM %s) * 1000000)::bigint::text", "epoch_us(%s)::varchar", "TIMESTAMP", 0},
	{"dt", "", "", "DATE", 0},
	{"n9", "", "", "DECIMAL(9,3)", 0},
	{"n18", "", "", "DECIMAL(18,4)", 0},
	{"n30", "", "", "DECIMAL(30,5)", 0},
	{"n", "", "", "VARCHAR", 0},
	{"nfree", "", "", "VARCHAR", 0},
	{"js", "", "", "JSON", 0},
	{"jb", "", "", "JSON", 0},
	{"by", "encode(%s, 'hex')", "lower(hex(%s))", "BLOB", 0},
	{"u", "", "", "UUID", 0},
}

// render is the select list that renders cols as text on one side:
// PostgreSQL's ::text (with true as t) or DuckDB's ::varchar unless the
// column says otherwise.
func render(cols []typedColumn, duck bool) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		q := `"` + c.name + `"`
		expr := c.pg
		switch {
		case duck && c.duck != "":
			expr = c.duck
		case duck && c.duckType == "BOOLEAN":
			expr = "CASE WHEN %s THEN 't' WHEN NOT %s THEN 'f' END"
		case duck:
			expr = "%s::varchar"
		case expr == "":
			expr = "%s::text"
		}
		out[i] = strings.ReplaceAll(expr, "%s", q)
	}
	return strings.Join(out, ", ")
}

// pgTexts runs query on PostgreSQL and returns its rows as text, NULL as
// "NULL".
func pgTexts(t *testing.T, conn *pgx.Conn, query string) [][]string {
	t.Helper()
	rows, err := conn.Query(context.Background(), query, pgx.QueryResultFormats{pgx.TextFormatCode})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var row []string
		for _, raw := range rows.RawValues() {
			if raw == nil {
				row = append(row, "NULL")
			} else {
				row = append(row, string(raw))
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

// duckTexts reads the parquet file with DuckDB: its rows rendered as text
// by sel and ordered by order, and DESCRIBE's column names and types.
func duckTexts(t *testing.T, file, sel, order string) (rows [][]string, names, types []string) {
	t.Helper()
	src := "read_parquet('" + file + "')"
	for _, r := range parquettest.Run(t, "DESCRIBE SELECT * FROM "+src) {
		names = append(names, fmt.Sprint(r["column_name"]))
		types = append(types, fmt.Sprint(r["column_type"]))
	}
	// DuckDB names rendered columns after their expressions: name them c0, c1, ….
	for _, r := range parquettest.Run(t, "SELECT "+numbered(sel)+" FROM "+src+" ORDER BY "+order) {
		row := make([]string, len(names))
		for j := range row {
			row[j] = "NULL"
			if v := r["c"+strconv.Itoa(j)]; v != nil {
				row[j] = fmt.Sprint(v)
			}
		}
		rows = append(rows, row)
	}
	return rows, names, types
}

// numbered names the items of a select list c0, c1, …; the items hold no
// top-level comma but inside parentheses or quotes.
func numbered(sel string) string {
	var items []string
	depth, start, quoted := 0, 0, false
	for i, r := range sel {
		switch {
		case r == '\'':
			quoted = !quoted
		case quoted:
		case r == '(':
			depth++
		case r == ')':
			depth--
		case r == ',' && depth == 0:
			items = append(items, strings.TrimSpace(sel[start:i]))
			start = i + 1
		}
	}
	items = append(items, strings.TrimSpace(sel[start:]))
	for i := range items {
		items[i] += " AS c" + strconv.Itoa(i)
	}
	return strings.Join(items, ", ")
}

// compareExport fails the test unless DuckDB reads from file the columns
// cols, of their DuckDB types, and the rows PostgreSQL's query gives.
func compareExport(t *testing.T, file string, cols []typedColumn, want [][]string) {
	t.Helper()
	got, names, types := duckTexts(t, file, render(cols, true), "id")
	for i, c := range cols {
		if i >= len(names) || names[i] != c.name || types[i] != c.duckType {
			t.Errorf("DESCRIBE: column %d is %v %v, want %s %s", i, names, types, c.name, c.duckType)
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("DuckDB read %d rows, PostgreSQL has %d", len(got), len(want))
	}
	for i := range want {
		for j, c := range cols {
			if !sameValue(got[i][j], want[i][j], c.float) {
				t.Errorf("row %d, column %s: parquet %q, PostgreSQL %q", i+1, c.name, got[i][j], want[i][j])
			}
		}
	}
}

// sameValue compares two renderings; floats by value (NaN equal to NaN,
// -0 not to 0), since PostgreSQL and DuckDB print them differently
// (1e+30 and 1e30, NaN and nan).
func sameValue(got, want string, float int) bool {
	if got == want || float == 0 {
		return got == want
	}
	g, err1 := strconv.ParseFloat(got, float)
	w, err2 := strconv.ParseFloat(want, float)
	if err1 != nil || err2 != nil {
		return false
	}
	return g == w && math.Signbit(g) == math.Signbit(w) || math.IsNaN(g) && math.IsNaN(w)
}

// TestParquetExport exports a saved dataset and a get-historical-features
// result of every supported type to parquet, reads them back with DuckDB
// and compares them value for value with PostgreSQL's.
func TestParquetExport(t *testing.T) {
	ctx := context.Background()
	dsn := ridesDB(t)
	direct, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close(ctx)
	if _, err := direct.Exec(ctx, typedTable); err != nil {
		t.Fatal(err)
	}
	cfg := ridesConfig(t, dsn)
	addr := startGateway(t, cfg)
	gw, err := pgx.Connect(ctx, "postgres://tester@"+addr+"/rides")
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close(ctx)
	for _, q := range []string{"CREATE DATASET typed_ds AS SELECT * FROM typed", "CREATE DATASET empty_ds AS SELECT * FROM typed WHERE false"} {
		if _, err := gw.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	dir := t.TempDir()

	t.Run("saved dataset", func(t *testing.T) {
		file := filepath.Join(dir, "typed.parquet")
		mustRun(t, "saved-datasets", "export", "typed_ds", "--output", file, "--config", cfg, "--listen", addr)
		compareExport(t, file, typedColumns, pgTexts(t, direct, "SELECT "+render(typedColumns, false)+" FROM typed ORDER BY id"))
	})
	t.Run("empty", func(t *testing.T) {
		file := filepath.Join(dir, "empty.bin")
		mustRun(t, "saved-datasets", "export", "empty_ds", "--output", file, "--format", "parquet", "--config", cfg, "--listen", addr)
		compareExport(t, file, typedColumns, nil)
	})
	t.Run("get-historical-features", func(t *testing.T) {
		file := filepath.Join(dir, "training.parquet")
		// Floats a saved dataset's profile cannot hold pass through the spine.
		spine := "SELECT *, CASE id WHEN 1 THEN 'NaN'::float8 WHEN 3 THEN '-Infinity' WHEN 4 THEN '-0' END AS special FROM typed"
		if out := mustRun(t, "get-historical-features", "--config", cfg, "--entity-sql", spine,
			"--service", "driver_service", "--output", file, "--listen", addr); out != "" {
			t.Errorf("stdout: %q", out)
		}
		cols := append(slices.Clone(typedColumns), typedColumn{"special", "", "", "DOUBLE", 64},
			typedColumn{"conv_rate", "", "", "FLOAT", 32}, typedColumn{"trips", "", "", "BIGINT", 0})
		// PostgreSQL's own point-in-time join: the latest row at or before
		// the spine's time.
		want := pgTexts(t, direct, "SELECT "+render(cols, false)+" FROM ("+spine+`) s LEFT JOIN LATERAL (
			SELECT conv_rate, trips FROM driver_stats d WHERE d.driver_id = s.driver_id AND d.event_timestamp <= s.event_timestamp
			ORDER BY d.event_timestamp DESC LIMIT 1) f ON true ORDER BY id`)
		compareExport(t, file, cols, want)
	})
}

// TestParquetExportFails: an export that fails, before its first row or
// midway, leaves no file and exits 1 with the reason; a format it cannot
// tell is a usage error.
func TestParquetExportFails(t *testing.T) {
	ctx := context.Background()
	dsn := ridesDB(t)
	direct, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close(ctx)
	if _, err := direct.Exec(ctx, `CREATE TABLE odd AS SELECT g AS id, interval '1 day' * g AS span, ARRAY[g::float8] AS arr FROM generate_series(1, 200000) g`); err != nil {
		t.Fatal(err)
	}
	cfg := ridesConfig(t, dsn)
	addr := startGateway(t, cfg)
	gw, err := pgx.Connect(ctx, "postgres://tester@"+addr+"/rides")
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close(ctx)
	for _, q := range []string{
		"CREATE DATASET spans AS SELECT id, span FROM odd", "CREATE DATASET arrays AS SELECT id, arr FROM odd",
	} {
		if _, err := gw.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out.parquet")
	tests := []struct {
		code  int
		args  []string
		wants []string
	}{
		{1, []string{"saved-datasets", "export", "spans", "--output", out}, []string{`column "span" has type interval, which parquet export does not support`, "cast it in the query"}},
		{1, []string{"saved-datasets", "export", "arrays", "--output", out}, []string{`column "arr" has type _float8, which parquet export does not support`}},
		{1, []string{"get-historical-features", "--entity-sql", "SELECT 1::bigint AS driver_id, now() AS event_timestamp, CASE g WHEN 150000 THEN timestamptz 'infinity' END AS at FROM generate_series(1, 200000) g",
			"-f", "driver_stats_fv:trips", "--output", out}, []string{`column "at" holds an infinite timestamp, which parquet cannot represent`}},
		{1, []string{"get-historical-features", "--entity-sql", "SELECT 1 AS driver_id, now() AS event_timestamp, 1 AS a, 2 AS a", "-f", "driver_stats_fv:trips", "--output", out},
			[]string{`the result has two columns named "a"`}},
		// PostgreSQL fails the query after sending rows.
		{1, []string{"get-historical-features", "--entity-sql", "SELECT 1::bigint AS driver_id, now() AS event_timestamp, 1 / (150000 - g) AS x FROM generate_series(1, 200000) g",
			"-f", "driver_stats_fv:trips", "--output", out}, []string{"division by zero (SQLSTATE 22012)"}},
		{2, []string{"get-historical-features", "--entity-sql", "SELECT 1", "-f", "driver_stats_fv:trips", "-o", "parquet"}, []string{"-o parquet writes a file: give it with --output FILE.parquet"}},
		{2, []string{"saved-datasets", "export", "spans", "--output", filepath.Join(dir, "x.txt")}, []string{`cannot tell the format of`, "name a .csv or .parquet file"}},
		{2, []string{"saved-datasets", "export", "spans", "--output", out, "--format", "orc"}, []string{`unknown format "orc": use --format csv or parquet`}},
	}
	for _, tt := range tests {
		wantFail(t, tt.code, tt.wants, append(tt.args, "--config", cfg, "--listen", addr)...)
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("featuregate %s left %s: %v", strings.Join(tt.args, " "), out, err)
		}
	}
}
