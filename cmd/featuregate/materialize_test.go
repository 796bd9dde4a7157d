package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// materializeRow is a row of materialize -o json.
type materializeRow struct {
	View     string   `json:"feature_view"`
	Start    *string  `json:"start"`
	End      string   `json:"end"`
	Read     int64    `json:"rows_read"`
	Written  int64    `json:"rows_written"`
	Rejected int64    `json:"rows_rejected"`
	Seconds  *float64 `json:"seconds"`
}

func materializeJSON(t *testing.T, args ...string) []materializeRow {
	t.Helper()
	out := mustRun(t, append(args, "-o", "json")...)
	var rows []materializeRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return rows
}

// TestMaterializeInProcess runs materialize and materialize-incremental
// with no gateway running: each starts its own over the config's data
// directory, and the values stay there for the next command.
func TestMaterializeInProcess(t *testing.T) {
	cfg := ridesConfig(t, ridesDB(t))
	rows := materializeJSON(t, "materialize", "2024-01-01T00:00:00", "2024-02-01", "--config", cfg)
	if len(rows) != 2 {
		t.Fatalf("%d rows: %+v", len(rows), rows)
	}
	// Driver 1's latest row up to February 1st, included, is of that day,
	// driver 3's breaks the CHECK rule; trips: three keys.
	d, tr := rows[0], rows[1]
	if d.View != "driver_stats_fv" || *d.Start != "2024-01-01 00:00:00+00" || d.End != "2024-02-01 00:00:00+00" ||
		d.Read != 3 || d.Written != 2 || d.Rejected != 1 || d.Seconds == nil {
		t.Errorf("driver_stats_fv: %+v", d)
	}
	if tr.View != "trip_fv" || tr.Read != 3 || tr.Written != 3 || tr.Rejected != 0 {
		t.Errorf("trip_fv: %+v", tr)
	}
	online := func() string {
		return mustRun(t, "get-online-features", "--config", cfg, "-f", "driver_stats_fv:conv_rate,driver_stats_fv:trips",
			"-e", "driver_id=1", "-e", "driver_id=3", "-e", "driver_id=2")
	}
	want := "driver_id  conv_rate  trips\n1          0.2        20\n3\n2          0.35       35\n"
	if got := online(); got != want {
		t.Fatalf("online values after materialize:\n%s\nwant\n%s", got, want)
	}

	// Incremental: from each view's watermark (February 1st) to March; the
	// row of February 1st is read again, and not written (not newer).
	out := mustRun(t, "materialize-incremental", "2024-03-01T00:00:00Z", "--views", "driver_stats_fv", "--config", cfg)
	if !regexp.MustCompile(`^feature_view +start +end +rows_read +rows_written +rows_rejected +seconds\n` +
		`driver_stats_fv +2024-02-01 00:00:00\+00 +2024-03-01 00:00:00\+00 +1 +0 +0 +[0-9.e-]+\n$`).MatchString(out) {
		t.Errorf("materialize-incremental:\n%s", out)
	}
	want = "driver_id  conv_rate  trips\n1          0.2        20\n3\n2          0.35       35\n"
	if got := online(); got != want {
		t.Fatalf("online values after the incremental run:\n%s\nwant\n%s", got, want)
	}
	// A view never materialized starts from its whole history.
	rows = materializeJSON(t, "materialize-incremental", "now", "--config", cfg)
	if len(rows) != 2 || rows[0].Read != 0 || rows[1].View != "trip_fv" || rows[1].Start == nil {
		t.Errorf("materialize-incremental now: %+v", rows)
	}
}

// TestMaterializeRunningGateway: with a gateway running, materialize is
// its client: the values land in that gateway's online store (its Pebble
// directory is locked, so no other gateway could have written them).
func TestMaterializeRunningGateway(t *testing.T) {
	cfg := ridesConfig(t, ridesDB(t))
	addr := startGateway(t, cfg)
	out, errOut, code := fgRun("", "materialize", "2024-01-01", "2024-02-01", "--views", "trip_fv", "--config", cfg, "--listen", addr)
	if code != 0 || errOut != "" || !strings.HasPrefix(out, "feature_view  start") || !strings.Contains(out, "\ntrip_fv ") || strings.Contains(out, "driver_stats_fv") {
		t.Fatalf("materialize: exit %d\n%s%s", code, errOut, out)
	}
	got := queryGateway(t, addr, "SELECT fare FROM trip_fv WHERE driver_id = 2 AND trip_id = 100")
	if len(got) != 1 || got[0] != "31" {
		t.Errorf("the running gateway serves %v, want [31]", got)
	}
	got = queryGateway(t, addr, "SELECT conv_rate FROM driver_stats_fv WHERE driver_id = 1")
	if len(got) != 1 || got[0] != "NULL" {
		t.Errorf("driver_stats_fv was not asked for, but serves %v", got)
	}
}

// TestMaterializeProgress: on a terminal, a spinner per view shows the
// rows read, from the gateway's progress notices.
func TestMaterializeProgress(t *testing.T) {
	cfg := ridesConfig(t, ridesDB(t))
	addr := startGateway(t, cfg)
	defer func(f func(any) bool) { isTerminal = f }(isTerminal)
	isTerminal = func(any) bool { return true }
	out, errOut, code := fgRun("", "materialize", "2024-01-01", "2024-02-01", "--config", cfg, "--listen", addr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, w := range []string{"materialize driver_stats_fv: 3 rows read", "materialize trip_fv: 3 rows read"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("progress lacks %q:\n%q", w, errOut)
		}
	}
	if strings.Index(errOut, "driver_stats_fv") > strings.Index(errOut, "trip_fv") {
		t.Errorf("views out of order:\n%q", errOut)
	}
	if !strings.Contains(out, "driver_stats_fv") {
		t.Errorf("no result table:\n%s", out)
	}
}

func TestMaterializeUsage(t *testing.T) {
	cfg := ridesConfig(t, ridesDB(t))
	tests := []struct {
		code  int
		args  []string
		wants []string
	}{
		{2, []string{"materialize", "2024-01-01"}, []string{"accepts 2 arg(s), received 1", "Run 'featuregate materialize --help' for usage."}},
		{2, []string{"materialize", "yesterday", "2024-02-01"}, []string{`START "yesterday" is not a time: write 2024-01-31T00:00:00`}},
		{2, []string{"materialize", "2024-02-01", "2024-01-01"}, []string{"START 2024-02-01 is not before END 2024-01-01"}},
		{2, []string{"materialize", "2024-01-01", "2024-02-01", "-o", "xml"}, []string{`unknown output format "xml": use -o table, json or yaml`}},
		{2, []string{"materialize-incremental", "2024-01-01", "--bogus"}, []string{"unknown flag: --bogus"}},
		{1, []string{"materialize", "2024-01-01", "2024-02-01", "--views", "nope_fv"},
			[]string{`featuregate: feature view "nope_fv" does not exist (SQLSTATE 42704)`, "hint: featuregate feature-views list"}},
	}
	for _, tt := range tests {
		wantFail(t, tt.code, tt.wants, append(tt.args, "--config", cfg)...)
	}
}

func TestParseCLITime(t *testing.T) {
	for in, want := range map[string]string{
		"2024-01-01T00:00:00":       "'2024-01-01T00:00:00Z'",
		"2024-01-01T00:00:00Z":      "'2024-01-01T00:00:00Z'",
		"2024-01-01T02:00:00+02:00": "'2024-01-01T00:00:00Z'",
		"2024-01-01 00:00:00.5":     "'2024-01-01T00:00:00.5Z'",
		"2024-01-01T10:30":          "'2024-01-01T10:30:00Z'",
		"2024-01-01":                "'2024-01-01T00:00:00Z'",
		"now":                       "now()",
	} {
		got, err := parseCLITime("T", in)
		if err != nil || got.sql() != want {
			t.Errorf("parseCLITime(%q) = %s, %v; want %s", in, got.sql(), err, want)
		}
	}
	if _, err := parseCLITime("T", "01/02/2024"); exitCode(err) != exitUsage {
		t.Errorf("01/02/2024: %v", err)
	}
}

func TestProgressNotices(t *testing.T) {
	var b strings.Builder
	p := &progress{w: &b}
	p.notice(&pgconn.Notice{Severity: "NOTICE", Message: "materialize a: 8192 rows read"})
	p.notice(&pgconn.Notice{Severity: "WARNING", Message: "something else"})
	p.finish()
	if b.String() != "WARNING: something else\n" {
		t.Errorf("without a terminal: %q", b.String())
	}
	for msg, want := range map[string]bool{
		"materialize a: 10 rows read": true, "materialize a: b: 10 rows read": true,
		"materialize a: ten rows read": false, "materialized": false,
	} {
		if _, _, ok := parseProgress(msg); ok != want {
			t.Errorf("parseProgress(%q): %v", msg, ok)
		}
	}
	if v, n, _ := parseProgress("materialize a: b: 10 rows read"); v != "a: b" || n != 10 {
		t.Errorf("parseProgress: %q %d", v, n)
	}
}
