package filesource_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/featuregate/featuregate"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCSV(t *testing.T) {
	s, dsn := newStore(t)
	path := filepath.Join(t.TempDir(), "rides.csv")
	writeFile(t, path, "\xEF\xBB\xBFdriver_id,event_timestamp,ok,rate,day,local_ts,note,n\r\n"+
		"1001,2024-01-31 10:00:00+00,true,0.5,2024-01-31,2024-01-31T10:00:00,\"plain\",\r\n"+
		"1002,2024-01-31T11:00:00Z,F,1e-3,2024-02-01,2024-01-31 11:00,\"a, \"\"quoted\"\" one\",\r\n"+
		"1003,2024-01-31 12:00:00.25+02,,,,,\"two\nlines\",\r\n"+
		"1004,2024-01-31 13:00:00-05:30,t,-2,2024-02-03,2024-01-31 13:00:00.5,\"\",\r\n")
	if err := createSource(t, s, "CREATE SOURCE rides TIMESTAMP COLUMN event_timestamp AS FILE 'rides.csv'", path); err != nil {
		t.Fatal(err)
	}
	types := query(t, dsn, `SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute
		WHERE attrelid = '`+fileTable("rides")+`'::regclass AND attnum > 0 ORDER BY attnum`)
	want := []string{"driver_id bigint", "event_timestamp timestamp with time zone", "ok boolean", "rate double precision",
		"day date", "local_ts timestamp without time zone", "note text", "n text"}
	if !slices.Equal(types, want) {
		t.Errorf("types:\n got %q\nwant %q", types, want)
	}
	got := query(t, dsn, "SELECT *, note IS NULL FROM "+fileTable("rides")+" ORDER BY driver_id")
	wantRows := []string{
		"1001 | 2024-01-31 10:00:00+00 | t | 0.5 | 2024-01-31 | 2024-01-31 10:00:00 | plain | NULL | f",
		`1002 | 2024-01-31 11:00:00+00 | f | 0.001 | 2024-02-01 | 2024-01-31 11:00:00 | a, "quoted" one | NULL | f`,
		"1003 | 2024-01-31 10:00:00.25+00 | NULL | NULL | NULL | NULL | two\nlines | NULL | f",
		"1004 | 2024-01-31 18:30:00+00 | t | -2 | 2024-02-03 | 2024-01-31 13:00:00.5 |  | NULL | f",
	}
	if !slices.Equal(got, wantRows) {
		t.Errorf("rows:\n got %q\nwant %q", got, wantRows)
	}
	snap, err := s.Snapshot(t.Context(), "p")
	if err != nil {
		t.Fatal(err)
	}
	if f := snap.Sources[0].File; f.Rows != 4 || f.Format != "csv" {
		t.Errorf("fingerprint %+v", f)
	}
}

// TestCSVInference checks the type each column of values gets.
func TestCSVInference(t *testing.T) {
	s, dsn := newStore(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "x.csv")
	writeFile(t, path, "ts,big,mixed_num,mixed_time,id,empty,spaced\n"+
		"2024-01-01,1,1,2024-01-01,00123,,\" 1\"\n"+
		"2024-01-02 10:00,2,2.5,2024-01-01 10:00:00+00,99999999999999999999,,2\n")
	if err := createSource(t, s, "CREATE SOURCE x TIMESTAMP COLUMN ts AS FILE 'x.csv'", path); err != nil {
		t.Fatal(err)
	}
	types := query(t, dsn, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute
		WHERE attrelid = '`+fileTable("x")+`'::regclass AND attnum > 0 ORDER BY attnum`)
	want := []string{"timestamp without time zone", "bigint", "double precision", "timestamp with time zone", "text", "text", "text"}
	if !slices.Equal(types, want) {
		t.Errorf("types:\n got %q\nwant %q", types, want)
	}
	if got := query(t, dsn, "SELECT id, spaced FROM "+fileTable("x")+" ORDER BY ts"); !slices.Equal(got, []string{"00123 |  1", "99999999999999999999 | 2"}) {
		t.Errorf("text kept as written: %q", got)
	}
}

func TestCSVErrors(t *testing.T) {
	s, dsn := newStore(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name, text string
		kind       featuregate.Kind
		parts      []string
	}{
		{"empty", "", featuregate.KindInvalid, []string{"is empty"}},
		{"short_row", "ts,v\n2024-01-01,1\n2024-01-02\n2024-01-03,3\n", featuregate.KindInvalid,
			[]string{"row 2 (line 3): 1 fields, where the header has 2"}},
		{"long_row_after_newline", "ts,v\n2024-01-01,\"a\nb\"\n2024-01-02,1,2\n", featuregate.KindInvalid,
			[]string{"row 2 (line 4): 3 fields"}},
		{"open_quote", "ts,v\n2024-01-01,\"never closed\n", featuregate.KindInvalid,
			[]string{"row 1 (line 2): a quoted field is not closed"}},
		{"mixed_endings", "ts,v\r\n2024-01-01,1\n", featuregate.KindInvalid,
			[]string{`row 1 (line 2): the line ends with "\n" where the first line ends with "\r\n"`}},
		{"no_name", "ts,,v\n2024-01-01,1,2\n", featuregate.KindInvalid, []string{"column 2 of the header has no name"}},
		{"twice", "ts,v,v\n2024-01-01,1,2\n", featuregate.KindDuplicate, []string{`column "v" appears twice`}},
		{"no_ts", "day,v\n2024-01-01,1\n", featuregate.KindUndefined, []string{`"ts"`}},
		{"text_ts", "ts,v\nsoon,1\n", featuregate.KindDatatypeMismatch, []string{`"ts"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".csv")
			writeFile(t, path, c.text)
			err := createSource(t, s, "CREATE SOURCE s TIMESTAMP COLUMN ts AS FILE 'x.csv'", path)
			wantKind(t, err, c.kind, c.parts...)
		})
	}
	if got := query(t, dsn, "SELECT count(*) FROM featuregate_registry.objects"); !slices.Equal(got, []string{"0"}) {
		t.Errorf("something was applied: %q", got)
	}
}

// TestCSVQuotesMidField: a quote inside a field starts a quoted part, as
// COPY reads it, so the file splits as PostgreSQL splits it.
func TestCSVQuotesMidField(t *testing.T) {
	s, dsn := newStore(t)
	path := filepath.Join(t.TempDir(), "q.csv")
	writeFile(t, path, "ts,v,w\n2024-01-01,a\"b,c\"d,e\n2024-01-02,x\"\"y,\"\"\n")
	if err := createSource(t, s, "CREATE SOURCE q TIMESTAMP COLUMN ts AS FILE 'q.csv'", path); err != nil {
		t.Fatal(err)
	}
	got := query(t, dsn, "SELECT v, w, w IS NULL FROM "+fileTable("q")+" ORDER BY ts")
	if want := []string{"ab,cd | e | f", "xy |  | f"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestCSVColumnNames: names PostgreSQL cannot make a table of are refused
// as the file's fault, and nothing is applied.
func TestCSVColumnNames(t *testing.T) {
	s, _ := newStore(t)
	path := filepath.Join(t.TempDir(), "n.csv")
	long := strings.Repeat("x", 70)
	writeFile(t, path, "ts,"+long+"1,"+long+"2\n2024-01-01,1,2\n")
	err := createSource(t, s, "CREATE SOURCE n TIMESTAMP COLUMN ts AS FILE 'n.csv'", path)
	wantKind(t, err, featuregate.KindInvalid, "cannot make a table", "specified more than once")
}
