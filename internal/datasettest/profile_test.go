package datasettest

import (
	"context"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/catalog"
)

// storedDataset reads a dataset's registry row directly on PostgreSQL.
func storedDataset(t *testing.T, direct *pgx.Conn, project, name string) *catalog.Dataset {
	t.Helper()
	var def []byte
	err := direct.QueryRow(context.Background(), `SELECT definition FROM featuregate_registry.datasets
		WHERE project = $1 AND name = $2`, project, name).Scan(&def)
	if err != nil {
		t.Fatalf("the registry row of dataset %s: %v", name, err)
	}
	var d catalog.Dataset
	if err := json.Unmarshal(def, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// TestProfile checks the registry's record of a dataset, and its profile
// against values computed in Go from the table's rows.
func TestProfile(t *testing.T) {
	gw, direct := project(t, "ds_profile")
	admin := connect(t, gw, "admin", "ds_profile")
	exec(t, admin, "CREATE DATASET train AS "+trainingQuery)
	d := storedDataset(t, direct, "ds_profile", "train")
	if d.Rows != 200 || d.CreatedBy != "admin" || d.Version == 0 || len(d.Views) != 1 || d.Views[0] != "stats" {
		t.Fatalf("dataset record: rows %d, by %q, version %d, views %v", d.Rows, d.CreatedBy, d.Version, d.Views)
	}
	if len(d.JoinKeys) != 1 || d.JoinKeys[0] != "user_id" || d.TimeColumn != "as_of" {
		t.Fatalf("join keys %v, time column %q", d.JoinKeys, d.TimeColumn)
	}
	if d.MinTime == nil || d.MinTime.UTC().Format("2006-01-02 15") != "2024-01-03 12" || d.MaxTime.UTC().Format("2006-01-02 15") != "2024-01-04 12" {
		t.Fatalf("event time range %v .. %v", d.MinTime, d.MaxTime)
	}
	rows := textRows(t, direct, "SELECT score, plan, active FROM fg_datasets_ds_profile.train")
	checkNumber(t, d.Profile.Column("score"), column(rows, 0))
	checkCategory(t, d.Profile.Column("plan"), column(rows, 1))
	active := column(rows, 2)
	for i, v := range active { // a boolean's text in the profile is PostgreSQL's ::text
		active[i] = map[string]string{"t": "true", "f": "false", "NULL": "NULL"}[v]
	}
	checkCategory(t, d.Profile.Column("active"), active)
	if c := d.Profile.Column("as_of"); c.Class != catalog.ClassTime || c.Min == nil || *c.Min != "2024-01-03 12:00:00+00" {
		t.Fatalf("as_of profile: %+v", c)
	}
}

func column(rows [][]string, i int) []string {
	out := make([]string, len(rows))
	for j, r := range rows {
		out[j] = r[i]
	}
	return out
}

// checkNumber compares a number column's profile with the values.
func checkNumber(t *testing.T, p *catalog.ColumnProfile, values []string) {
	t.Helper()
	var xs []float64
	for _, v := range values {
		if v != "NULL" {
			f, _ := strconv.ParseFloat(v, 64)
			xs = append(xs, f)
		}
	}
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / float64(len(xs)-1))
	sort.Float64s(xs)
	nulls := float64(len(values)-len(xs)) / float64(len(values))
	lo, _ := strconv.ParseFloat(*p.Min, 64)
	hi, _ := strconv.ParseFloat(*p.Max, 64)
	if p.Class != catalog.ClassNumber || !near(p.NullFraction, nulls) || !near(*p.Mean, mean) || !near(*p.StdDev, sd) ||
		lo != xs[0] || hi != xs[len(xs)-1] {
		t.Fatalf("%s profile %+v (mean %v sd %v); from the rows: nulls %v, mean %v, sd %v, min %v, max %v",
			p.Name, p, *p.Mean, *p.StdDev, nulls, mean, sd, xs[0], xs[len(xs)-1])
	}
}

// checkCategory compares a text or boolean column's profile with the
// values.
func checkCategory(t *testing.T, p *catalog.ColumnProfile, values []string) {
	t.Helper()
	counts := map[string]int64{}
	nulls := 0
	for _, v := range values {
		if v == "NULL" {
			nulls++
			continue
		}
		counts[v]++
	}
	if p.Class != catalog.ClassCategory || p.Distinct == nil || *p.Distinct != int64(len(counts)) ||
		!near(p.NullFraction, float64(nulls)/float64(len(values))) || len(p.Top) != len(counts) {
		t.Fatalf("%s profile %+v; from the rows: %v, %d nulls", p.Name, p, counts, nulls)
	}
	for i, tv := range p.Top {
		if counts[tv.Value] != tv.Count {
			t.Fatalf("%s top value %q counted %d, the rows %d", p.Name, tv.Value, tv.Count, counts[tv.Value])
		}
		if i > 0 && p.Top[i-1].Count < tv.Count {
			t.Fatalf("%s top values out of order: %v", p.Name, p.Top)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestProfileInfinity: a dataset whose float column holds Infinity and
// NaN is saved; its mean and standard deviation are left out, its range
// keeps PostgreSQL's text.
func TestProfileInfinity(t *testing.T) {
	gw, direct := project(t, "ds_inf")
	admin := connect(t, gw, "admin", "ds_inf")
	exec(t, admin, `CREATE DATASET odd AS SELECT * FROM (VALUES (1, 'Infinity'::float8), (2, 1.5), (3, 'NaN'::float8), (4, '-Infinity'::float8)) AS t(id, x)`)
	c := storedDataset(t, direct, "ds_inf", "odd").Profile.Column("x")
	if c == nil || c.Mean != nil || c.StdDev != nil || c.Min == nil || *c.Min != "-Infinity" || c.Max == nil || *c.Max != "NaN" {
		t.Fatalf("profile of x: %+v", c)
	}
}

// TestProfileInfiniteTime: a dataset whose time column holds ±infinity is
// saved; its time range is that of the finite times.
func TestProfileInfiniteTime(t *testing.T) {
	gw, direct := project(t, "ds_inftime")
	admin := connect(t, gw, "admin", "ds_inftime")
	exec(t, admin, `CREATE DATASET odd AS SELECT * FROM (VALUES (1, 'infinity'::timestamptz), (2, '2024-01-02T00:00:00Z'),
		(3, '-infinity'), (4, '2024-01-05T00:00:00Z')) AS t(id, event_timestamp)`)
	d := storedDataset(t, direct, "ds_inftime", "odd")
	if d.MinTime == nil || d.MaxTime == nil || d.MinTime.UTC().Format("2006-01-02") != "2024-01-02" || d.MaxTime.UTC().Format("2006-01-02") != "2024-01-05" {
		t.Fatalf("time range %v .. %v (column %q)", d.MinTime, d.MaxTime, d.TimeColumn)
	}
}
