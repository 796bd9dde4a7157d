package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sortedLines returns the header line and the sorted other lines of out:
// a point-in-time join keeps every spine row, in no promised order.
func sortedLines(out string) []string {
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	slices.Sort(lines[1:])
	return lines
}

// TestGetHistoricalFeaturesCSV joins a CSV spine point in time: each row
// gets the latest value at or before its time, never a later one, and a
// row with none keeps its place with empty features.
func TestGetHistoricalFeaturesCSV(t *testing.T) {
	cfg := ridesConfig(t, ridesDB(t))
	dir := t.TempDir()
	writeFile(t, dir, "spine.csv", "driver_id,event_timestamp,label\n"+
		"1,2024-01-10T00:00:00,a\n"+ // driver 1: the row of Jan 1st
		"1,2024-02-10 00:00:00+00,b\n"+ // Feb 1st
		"1,2024-01-15T00:00:00Z,c\n"+ // Jan 15th: a row at exactly that time counts
		"2,2023-12-31,d\n"+ // before any row of driver 2
		"4,2024-01-10,\n") // no such driver; an empty label is NULL
	spine := filepath.Join(dir, "spine.csv")
	out := mustRun(t, "get-historical-features", "--config", cfg, "--entities", spine,
		"--features", "driver_stats_fv:conv_rate,driver_stats_fv:trips")
	want := []string{
		"driver_id,event_timestamp,label,conv_rate,trips",
		"1,2024-01-10 00:00:00+00,a,0.1,10",
		"1,2024-01-15 00:00:00+00,c,0.15,15",
		"1,2024-02-10 00:00:00+00,b,0.2,20",
		"2,2023-12-31 00:00:00+00,d,,",
		"4,2024-01-10 00:00:00+00,,,",
	}
	if got := sortedLines(out); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The same to a file, through a feature service and with full names.
	file := filepath.Join(dir, "training.csv")
	if out := mustRun(t, "get-historical-features", "--config", cfg, "--entities", spine,
		"--service", "driver_service", "--full-feature-names", "--output", file); out != "" {
		t.Errorf("with --output, stdout got %q", out)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want[0] = "driver_id,event_timestamp,label,driver_stats_fv__conv_rate,driver_stats_fv__trips"
	if got := sortedLines(string(b)); !slices.Equal(got, want) {
		t.Errorf("--output file:\n%s", b)
	}
}

// TestGetHistoricalFeaturesSQL uses a query of the offline store as the
// spine, with a composite key from Feast's JSON rows too.
func TestGetHistoricalFeaturesSQL(t *testing.T) {
	cfg := ridesConfig(t, ridesDB(t))
	out := mustRun(t, "get-historical-features", "--config", cfg,
		"--entity-sql", "SELECT driver_id, event_timestamp AS ts, churned FROM labels;",
		"--timestamp-column", "ts", "--service", "driver_service", "-o", "table")
	want := []string{
		"driver_id  ts                      churned  conv_rate  trips",
		"1          2024-01-10 00:00:00+00  f        0.1        10",
		"1          2024-02-10 00:00:00+00  t        0.2        20",
		"2          2023-12-31 00:00:00+00  f",
		"4          2024-01-10 00:00:00+00  t",
	}
	if got := sortedLines(out); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	out = mustRun(t, "get-historical-features", "--config", cfg, "-f", "trip_fv:fare", "-o", "json",
		"--dataframe", `[{"trip_id": 100, "driver_id": 2, "event_timestamp": "2024-01-05T00:00:00"},
		                 {"driver_id": 2, "trip_id": 100, "event_timestamp": "2024-01-10T00:00:00Z", "note": "x"}]`)
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	slices.SortFunc(rows, func(a, b map[string]any) int {
		return strings.Compare(a["event_timestamp"].(string), b["event_timestamp"].(string))
	})
	if len(rows) != 2 || rows[0]["fare"] != 30.0 || rows[1]["fare"] != 31.0 || rows[0]["trip_id"] != 100.0 || rows[1]["note"] != "x" ||
		!strings.HasPrefix(out, "[\n  {\n    \"trip_id\": ") {
		t.Errorf("-o json:\n%s", out)
	}
}

func TestGetHistoricalFeaturesErrors(t *testing.T) {
	cfg := ridesConfig(t, ridesDB(t))
	dir := t.TempDir()
	writeFile(t, dir, "nots.csv", "driver_id,as_of\n1,2024-01-01\n")
	writeFile(t, dir, "badts.csv", "driver_id,event_timestamp\n1,someday\n")
	writeFile(t, dir, "badkey.csv", "driver_id,event_timestamp\n1,2024-01-10\n2,2024-01-10\nabc,2024-01-10\n3,2024-01-10\n")
	tests := []struct {
		code  int
		args  []string
		wants []string
	}{
		{2, []string{"-f", "driver_stats_fv:trips"}, []string{"give the entity spine with one of --entities FILE.csv, --entity-sql QUERY or --dataframe JSON"}},
		{2, []string{"--entities", "x.csv", "--entity-sql", "SELECT 1", "-f", "driver_stats_fv:trips"}, []string{"give the entity spine with one of"}},
		{2, []string{"--entity-sql", "SELECT 1"}, []string{"give either --features"}},
		{2, []string{"--entity-sql", "SELECT 1", "-f", "driver_stats_fv:trips", "-o", "yaml"}, []string{`unknown output format "yaml": use -o csv, table, json or parquet`}},
		{2, []string{"--dataframe", "{}", "-f", "driver_stats_fv:trips"}, []string{"--dataframe is not a JSON list of objects"}},
		{1, []string{"--entities", filepath.Join(dir, "missing.csv"), "-f", "driver_stats_fv:trips"}, []string{"no such file"}},
		{1, []string{"--entities", filepath.Join(dir, "nots.csv"), "-f", "driver_stats_fv:trips"},
			[]string{`have no column "event_timestamp": they need the join keys (driver_id) and the timestamp column (--timestamp-column event_timestamp); their columns are driver_id, as_of`}},
		{1, []string{"--entities", filepath.Join(dir, "badts.csv"), "-f", "driver_stats_fv:trips"}, []string{"entities row 1 (line 2) of", "(SQLSTATE 22"}},
		{1, []string{"--entities", filepath.Join(dir, "badkey.csv"), "-f", "driver_stats_fv:trips"},
			[]string{"entities row 3 (line 4) of", `invalid input syntax for type bigint: "abc"`}},
		{1, []string{"--entity-sql", "SELECT 1 AS driver_id, now() AS event_timestamp", "-f", "nope_fv:x"},
			[]string{`feature view "nope_fv" does not exist in project "rides"`, "hint: featuregate feature-views list"}},
		{1, []string{"--entity-sql", "SELECT 1 AS driver_id, now() AS event_timestamp", "-f", "driver_stats_fv:nope"},
			[]string{`feature view "driver_stats_fv" has no feature "nope"`}},
		{1, []string{"--entity-sql", "SELECT 1 AS driver_id, now() AS event_timestamp", "--service", "nope"},
			[]string{`feature service "nope" does not exist`}},
		{1, []string{"--entity-sql", "SELECT 1 AS driver_id FROM nowhere", "-f", "driver_stats_fv:trips"},
			[]string{`relation "nowhere" does not exist (SQLSTATE 42P01)`}},
	}
	for _, tt := range tests {
		wantFail(t, tt.code, tt.wants, append([]string{"get-historical-features", "--config", cfg}, tt.args...)...)
	}
	// A failed run leaves no partial output file.
	out := filepath.Join(dir, "out.csv")
	wantFail(t, 1, nil, "get-historical-features", "--config", cfg, "--entities", filepath.Join(dir, "badts.csv"),
		"-f", "driver_stats_fv:trips", "--output", out)
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s: %v", out, err)
	}
}

func TestJSONSpine(t *testing.T) {
	sp, err := jsonSpine(`[{"b": {"x": [1, 2]}, "a": 1.50}, {"c": null, "a": true}]`)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sp.cols, []string{"b", "a", "c"}) || *sp.rows[0][1] != "1.50" || sp.rows[1][0] != nil ||
		sp.rows[1][2] != nil || *sp.rows[1][1] != "true" {
		t.Errorf("jsonSpine: %v %v", sp.cols, sp.rows)
	}
}
