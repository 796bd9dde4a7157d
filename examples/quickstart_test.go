package examples_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// driverRow is one row of the quickstart's driver_stats, computed in Go
// from the formulas of quickstart/data.sql (not read from PostgreSQL).
type driverRow struct {
	conv, acc float32
	trips     int
	ts        time.Time
}

// quickstartStart is the first hour of the quickstart's data; it has 72.
var quickstartStart = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// driverAt returns the row of driver d valid at t under the point-in-time
// rule (the newest hour at or before t, the late correction of 1001's last
// hour winning its tie), and false before the data starts.
func driverAt(d int, t time.Time) (driverRow, bool) {
	if t.Before(quickstartStart) {
		return driverRow{}, false
	}
	h := min(int(t.Sub(quickstartStart)/time.Hour), 71)
	ts := quickstartStart.Add(time.Duration(h) * time.Hour)
	if d == 1001 && h == 71 {
		return driverRow{0.99, 0.99, 999, ts}, true
	}
	return driverRow{
		conv:  float32(10+(d*37+h*11)%80) / 100,
		acc:   float32(50+(d*13+h*7)%50) / 100,
		trips: 100 + (d*31+h*17)%900,
		ts:    ts,
	}, true
}

// pgReal prints a real as PostgreSQL does (shortest form).
func pgReal(x float32) string { return strconv.FormatFloat(float64(x), 'f', -1, 32) }

// psqlTime prints a timestamptz as psql does in UTC.
func psqlTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") + "+00" }

// TestQuickstartTour runs the README's tour, tour.sql, with psql through
// the gateway and checks each step against values computed from
// data.sql's formulas.
func TestQuickstartTour(t *testing.T) {
	ex := startExample(t, "quickstart")
	out := normalize(runPsql(t, ex.gw.DSN("demo", "quickstart"), "-f", "quickstart/tour.sql"))

	containsLines(t, "SHOW FEATURE VIEWS", section(t, out, "== 1."), []string{
		"driver_hourly_stats | driver | driver_stats_source | 3 | NONE | t | team=driver_performance | hourly driver statistics",
		"driver_hourly_stats | avg_daily_trips | bigint | driver_hourly_stats__avg_daily_trips |",
		`View "fg_quickstart.driver_activity"`,
		"conv_rate | real | | |",
	})

	type spineRow struct {
		driver int
		ts     string
		label  string
	}
	spine := []spineRow{ // tour.sql's VALUES, in its ORDER BY
		{1001, "2025-06-01 10:30:00", "t"}, {1001, "2025-06-04 12:00:00", "t"},
		{1002, "2025-06-02 08:00:00", "f"}, {1003, "2025-06-03 12:59:59", "t"},
		{1004, "2025-05-31 23:00:00", "f"},
	}
	var want []string
	for _, s := range spine {
		ts, err := time.Parse(time.DateTime, s.ts)
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%d | %s | %s | | |", s.driver, psqlTime(ts), s.label)
		if r, ok := driverAt(s.driver, ts); ok {
			line = fmt.Sprintf("%d | %s | %s | %s | %s | %d", s.driver, psqlTime(ts), s.label, pgReal(r.conv), pgReal(r.acc), r.trips)
		}
		want = append(want, line)
	}
	training := section(t, out, "== 2.")
	if !strings.Contains(training, strings.Join(want, "\n")+"\n(5 rows)") {
		t.Errorf("the training set is not\n%s\n\n%s", strings.Join(want, "\n"), training)
	}
	if !strings.Contains(training, "1001 | 2025-06-04 12:00:00+00 | t | 0.99 | 0.99 | 999") {
		t.Errorf("the late correction of driver 1001 did not win its tie:\n%s", training)
	}

	want = nil
	at := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	for d := 1001; d <= 1005; d++ {
		r, _ := driverAt(d, at)
		want = append(want, fmt.Sprintf("%d | %s | %s | %d", d, pgReal(r.conv), pgReal(r.acc), r.trips))
	}
	if s := section(t, out, "== 3."); !strings.Contains(s, strings.Join(want, "\n")+"\n(5 rows)") {
		t.Errorf("AS OF one time is not one row per driver:\n%s\nwant\n%s", s, strings.Join(want, "\n"))
	}

	for _, w := range []string{
		"NOTICE: featuregate: driver_hourly_stats AS OF s.ts reads feature view driver_hourly_stats by LATERAL probe per spine row, on the index of (driver_id, event_timestamp)",
		"NOTICE: featuregate: driver_hourly_stats AS OF s.ts runs as: (SELECT",
		"Index Scan Backward using driver_stats_driver_ts on driver_stats fg_src",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("EXPLAIN lacks %q:\n%s", w, out)
		}
	}

	if s := section(t, out, "== 5."); !strings.Contains(s,
		"driver_hourly_stats | 2025-06-01 00:00:00+00 | 2025-06-04 00:00:00+00 | 5 | 5 | 0 |") {
		t.Errorf("MATERIALIZE did not read and write one row per driver:\n%s", s)
	}

	end := quickstartStart.Add(100 * time.Hour)
	var lookups []string
	for _, d := range []int{1001, 1005} {
		r, _ := driverAt(d, end)
		lookups = append(lookups, fmt.Sprintf("%d | %s | %s | %s | %d", d, psqlTime(r.ts), pgReal(r.conv), pgReal(r.acc), r.trips))
	}
	lookups = append(lookups, "9999 | | | |", "(3 rows)")
	r1002, _ := driverAt(1002, end)
	lookups = append(lookups, "driver_id | conv_rate", fmt.Sprintf("1002 | %s", pgReal(r1002.conv)))
	containsLines(t, "the lookups", section(t, out, "== 6."), lookups)
}
