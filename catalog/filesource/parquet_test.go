package filesource_test

import (
	"fmt"
	"os"

	"github.com/featuregate/featuregate"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/featuregate/featuregate/internal/parquettest"
)

// allTypes is a DuckDB query with a column of every type the type map
// names, a row of values, a row of NULLs and a row of edge values.
const allTypes = `
SELECT * FROM (VALUES
  (1, TIMESTAMPTZ '2024-01-31 10:00:00+00', true, -8::TINYINT, -16::SMALLINT, -32::INTEGER, -64::BIGINT,
   200::UTINYINT, 60000::USMALLINT, 4000000000::UINTEGER, 18000000000000000000::UBIGINT,
   1.5::FLOAT, 2.25::DOUBLE, 123.4::DECIMAL(4,1), 12345678.91::DECIMAL(10,2), -1234567890123456789012.3456789::DECIMAL(38,7),
   'café', '\x00\x01'::BLOB, '550e8400-e29b-41d4-a716-446655440000'::UUID, DATE '2024-02-29', TIME '12:34:56.789',
   TIMESTAMP '2024-01-31 10:00:00.123456', TIMESTAMP_MS '2024-01-31 10:00:00.123', TIMESTAMP_NS '2024-01-31 10:00:00.123456789',
   TIMESTAMPTZ '2024-01-31 10:00:00.5+02', '{"a": [1, 2]}'::JSON,
   [1, 2, 3]::INTEGER[], ['x', NULL, 'z']::VARCHAR[], []::DOUBLE[]),
  (2, TIMESTAMPTZ '2024-02-01 00:00:00+00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (3, TIMESTAMPTZ '1969-12-31 23:59:59.999999+00', false, 127::TINYINT, 32767::SMALLINT, 2147483647::INTEGER, 9223372036854775807::BIGINT,
   255::UTINYINT, 65535::USMALLINT, 4294967295::UINTEGER, 18446744073709551615::UBIGINT,
   -0.0::FLOAT, 1e300::DOUBLE, -999.9::DECIMAL(4,1), 0.01::DECIMAL(10,2), 0::DECIMAL(38,7),
   '', ''::BLOB, '00000000-0000-0000-0000-000000000000'::UUID, DATE '1900-01-01', TIME '00:00:00',
   TIMESTAMP '1960-06-01 00:00:00', TIMESTAMP_MS '1960-06-01 00:00:00.001', TIMESTAMP_NS '1960-06-01 00:00:00.000001999',
   TIMESTAMPTZ '1960-06-01 00:00:00+00', '[]'::JSON,
   [NULL]::INTEGER[], []::VARCHAR[], [1.5, -2.5]::DOUBLE[])
) AS t(id, ts, b, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, dec4, dec10, dec38,
       s, blob, u, d, tm, tsnz, tsms, tsns, tstz, j, li, ls, ld)`

func TestParquetTypes(t *testing.T) {
	s, dsn := newStore(t)
	path := filepath.Join(t.TempDir(), "all.parquet")
	parquettest.Write(t, path, allTypes)
	if err := createSource(t, s, "CREATE SOURCE alltypes TIMESTAMP COLUMN ts AS FILE 'all.parquet'", path); err != nil {
		t.Fatal(err)
	}
	types := query(t, dsn, `SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute
		WHERE attrelid = '`+fileTable("alltypes")+`'::regclass AND attnum > 0 ORDER BY attnum`)
	want := []string{"id integer", "ts timestamp with time zone", "b boolean", "i8 smallint", "i16 smallint",
		"i32 integer", "i64 bigint", "u8 smallint", "u16 integer", "u32 bigint", "u64 numeric", "f32 real",
		"f64 double precision", "dec4 numeric", "dec10 numeric", "dec38 numeric", "s text", "blob bytea", "u uuid",
		"d date", "tm time without time zone", "tsnz timestamp without time zone", "tsms timestamp without time zone",
		"tsns timestamp without time zone", "tstz timestamp with time zone", "j jsonb", "li integer[]", "ls text[]",
		"ld double precision[]"}
	if !slices.Equal(types, want) {
		t.Errorf("column types:\n got %q\nwant %q", types, want)
	}
	got := query(t, dsn, "SELECT * FROM "+fileTable("alltypes")+" ORDER BY id")
	wantRows := []string{
		`1 | 2024-01-31 10:00:00+00 | t | -8 | -16 | -32 | -64 | 200 | 60000 | 4000000000 | 18000000000000000000 | 1.5 | 2.25 | 123.4 | 12345678.91 | -1234567890123456789012.3456789 | café | \x0001 | 550e8400-e29b-41d4-a716-446655440000 | 2024-02-29 | 12:34:56.789 | 2024-01-31 10:00:00.123456 | 2024-01-31 10:00:00.123 | 2024-01-31 10:00:00.123456 | 2024-01-31 08:00:00.5+00 | {"a": [1, 2]} | {1,2,3} | {x,NULL,z} | {}`,
		`2 | 2024-02-01 00:00:00+00 | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL`,
		`3 | 1969-12-31 23:59:59.999999+00 | f | 127 | 32767 | 2147483647 | 9223372036854775807 | 255 | 65535 | 4294967295 | 18446744073709551615 | -0 | 1e+300 | -999.9 | 0.01 | 0.0000000 |  | \x | 00000000-0000-0000-0000-000000000000 | 1900-01-01 | 00:00:00 | 1960-06-01 00:00:00 | 1960-06-01 00:00:00.001 | 1960-06-01 00:00:00.000001 | 1960-06-01 00:00:00+00 | [] | {NULL} | {} | {1.5,-2.5}`,
	}
	for i := range max(len(got), len(wantRows)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(wantRows) {
			w = wantRows[i]
		}
		if g != w {
			t.Errorf("row %d:\n got %s\nwant %s", i+1, g, w)
		}
	}
	snap, err := s.Snapshot(t.Context(), "p")
	if err != nil {
		t.Fatal(err)
	}
	f := snap.Sources[0].File
	if f.Rows != 3 || f.Format != "parquet" || f.Files != 1 || len(f.SHA256) != 64 || f.Size == 0 || f.ModTime.IsZero() {
		t.Errorf("fingerprint %+v", f)
	}
	if !strings.Contains(snap.Sources[0].SQL(), "AS FILE 'all.parquet'") {
		t.Errorf("SQL %s", snap.Sources[0].SQL())
	}
}

// writeParts writes a partitioned dataset: two files under year=2024/ and
// one under year=2025/, each of n rows of user_id, ts, score, with small
// row groups so that every file has several.
func writeParts(t *testing.T, dir string, n int) {
	t.Helper()
	for i, part := range []string{"year=2024/part-0.parquet", "year=2024/part-1.parquet", "year=2025/part-0.parquet"} {
		path := filepath.Join(dir, part)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		parquettest.Write(t, path, fmt.Sprintf(`SELECT (%d * 100000 + i)::BIGINT AS user_id,
			TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i) AS ts, (i * 0.5)::DOUBLE AS score
			FROM range(%d) AS r(i)`, i, n), "ROW_GROUP_SIZE 100")
	}
}

func TestParquetDirectory(t *testing.T) {
	s, dsn := newStore(t)
	dir := filepath.Join(t.TempDir(), "scores")
	writeParts(t, dir, 250)
	if err := os.WriteFile(filepath.Join(dir, "_SUCCESS"), nil, 0o644); err != nil {
		t.Fatal(err) // a marker file of no format: not read
	}
	if err := createSource(t, s, "CREATE SOURCE scores TIMESTAMP COLUMN ts AS FILE 'scores/'", dir); err != nil {
		t.Fatal(err)
	}
	got := query(t, dsn, "SELECT count(*), count(DISTINCT user_id), sum(score), min(ts), max(ts) FROM "+fileTable("scores"))
	want := []string{"750 | 750 | 46687.5 | 2024-01-01 00:00:00+00 | 2024-01-01 00:04:09+00"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// The same rows, read by DuckDB from the same files.
	duck := parquettest.Run(t, "SELECT count(*) AS n, sum(score) AS s FROM read_parquet('"+dir+"/**/*.parquet')")
	if fmt.Sprint(duck[0]["n"], " ", duck[0]["s"]) != "750 46687.5" {
		t.Errorf("DuckDB reads %v", duck)
	}
	// A glob names some of the files.
	if err := createSource(t, s, "CREATE SOURCE y2024 TIMESTAMP COLUMN ts AS FILE 'scores/year=2024/*.parquet'",
		filepath.Join(dir, "year=2024", "*.parquet")); err != nil {
		t.Fatal(err)
	}
	if got := query(t, dsn, "SELECT count(*) FROM "+fileTable("y2024")); !slices.Equal(got, []string{"500"}) {
		t.Errorf("glob: %q", got)
	}
	snap, err := s.Snapshot(t.Context(), "p")
	if err != nil {
		t.Fatal(err)
	}
	if f := snap.Sources[0].File; f.Files != 3 || f.Rows != 750 {
		t.Errorf("fingerprint %+v", f)
	}
}

func TestParquetSchemaMismatch(t *testing.T) {
	s, dsn := newStore(t)
	dir := filepath.Join(t.TempDir(), "scores")
	writeParts(t, dir, 10)
	parquettest.Write(t, filepath.Join(dir, "year=2026", "part-0.parquet"),
		`SELECT 1::BIGINT AS user_id, TIMESTAMPTZ '2026-01-01 00:00:00+00' AS ts, '0.5' AS score`)
	err := createSource(t, s, "CREATE SOURCE scores TIMESTAMP COLUMN ts AS FILE 'scores'", dir)
	wantKind(t, err, featuregate.KindDatatypeMismatch, "year=2026/part-0.parquet has other columns than", "score text", "score double precision")
	if got := query(t, dsn, "SELECT to_regclass('"+fileTable("scores")+"') IS NULL, count(*) FROM featuregate_registry.objects"); !slices.Equal(got, []string{"t | 0"}) {
		t.Errorf("something was loaded: %q", got)
	}
}

func TestParquetUnsupported(t *testing.T) {
	s, _ := newStore(t)
	dir := t.TempDir()
	for name, q := range map[string]string{
		"struct": `SELECT TIMESTAMP '2024-01-01' AS ts, {'a': 1} AS st`,
		"map":    `SELECT TIMESTAMP '2024-01-01' AS ts, MAP {'a': 1} AS m`,
		"nested": `SELECT TIMESTAMP '2024-01-01' AS ts, [[1]] AS ll`,
	} {
		path := filepath.Join(dir, name+".parquet")
		parquettest.Write(t, path, q)
		err := createSource(t, s, "CREATE SOURCE s TIMESTAMP COLUMN ts AS FILE 'x.parquet'", path)
		wantKind(t, err, featuregate.KindUnsupported, "which a file source cannot load")
	}
	err := createSource(t, s, "CREATE SOURCE s TIMESTAMP COLUMN ts AS FILE 'x.json'", filepath.Join(dir, "x.json"))
	wantKind(t, err, featuregate.KindUndefined, "cannot be read")
	if err := os.WriteFile(filepath.Join(dir, "x.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = createSource(t, s, "CREATE SOURCE s TIMESTAMP COLUMN ts AS FILE 'x.json'", filepath.Join(dir, "x.json"))
	wantKind(t, err, featuregate.KindUnsupported, "neither parquet nor CSV")
	if err := os.WriteFile(filepath.Join(dir, "bad.parquet"), []byte("PAR1 not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = createSource(t, s, "CREATE SOURCE s TIMESTAMP COLUMN ts AS FILE 'bad.parquet'", filepath.Join(dir, "bad.parquet"))
	wantKind(t, err, featuregate.KindInvalid, "not a valid parquet file")
}

func TestParquetTimestampColumn(t *testing.T) {
	s, _ := newStore(t)
	path := filepath.Join(t.TempDir(), "x.parquet")
	parquettest.Write(t, path, `SELECT 1 AS user_id, 'yesterday' AS ts`)
	err := createSource(t, s, "CREATE SOURCE s TIMESTAMP COLUMN ts AS FILE 'x.parquet'", path)
	wantKind(t, err, featuregate.KindDatatypeMismatch, "ts")
	err = createSource(t, s, "CREATE SOURCE s TIMESTAMP COLUMN event_timestamp AS FILE 'x.parquet'", path)
	wantKind(t, err, featuregate.KindUndefined, "event_timestamp")
}
