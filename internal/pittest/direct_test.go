package pittest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/pit"
)

// The direct suite runs the SQL package pit writes straight on
// PostgreSQL, wrapped as the planner wraps it, over data crowded around
// the daylight saving changes of several zones, and compares every row
// with the reference: sources whose timestamp is a timestamptz, a
// timestamp or a date; spines whose time is of each type; sessions in
// each zone; the indexed plan (with and without sequential scans) and the
// window plan; the extended and the simple protocol. Per-row joins,
// joins over views of several entities, the constant-time form and the
// materialization query. The reference reads naive times as UTC, so one
// answer holds in every zone and every plan.

// directSeeds are the seeds of the direct suite.
var directSeeds = []uint64{1, 2}

// directPlan is how the probes run.
type directPlan struct {
	name      string
	indexed   bool // pit's indexed plan (else the window plan)
	noSeqscan bool // enable_seqscan = off: PostgreSQL must use the index
}

var directPlans = []directPlan{{"indexed", true, false}, {"indexed-noseqscan", true, true}, {"window", false, false}}

// directCase is one query of the direct suite and its expected rows.
type directCase struct {
	name string
	sql  string
	args []any
	card cardinality
	want [][]any
	keys [][]any // the keys whose source rows explain a difference
	view []*directView
}

// TestDirectAgainstReference is the direct suite.
func TestDirectAgainstReference(t *testing.T) {
	ctx := context.Background()
	f := newDirect(t, "pit_direct", false)
	conns := map[string]*pgx.Conn{}
	for mode, qm := range modes {
		cfg, err := pgx.ParseConfig(pg.DSN("pit_direct"))
		if err != nil {
			t.Fatal(err)
		}
		cfg.DefaultQueryExecMode = qm
		cfg.RuntimeParams["jit"] = "off" // enable_seqscan = off makes every plan cost enough to compile
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		conns[mode] = c
	}
	for _, seed := range directSeeds {
		sc := generateDST(seed)
		if err := loadDST(ctx, f.direct, sc); err != nil {
			t.Fatal(err)
		}
		for _, zone := range dstZones {
			for mode, conn := range conns {
				if _, err := conn.Exec(ctx, "SET TIME ZONE '"+zone+"'"); err != nil {
					t.Fatal(err)
				}
				for _, p := range directPlans {
					t.Run(fmt.Sprintf("seed=%d/%s/%s/%s", seed, zone, mode, p.name), func(t *testing.T) {
						setSeqscan(t, conn, !p.noSeqscan)
						cases := append(perRowDirect(sc, p.indexed), severalEntitiesDirect(sc, p.indexed)...)
						cases = append(cases, constantDirect(sc, p.indexed)...)
						if p.name == "indexed" {
							cases = append(cases, latestDirect(sc)...)
						}
						for _, c := range cases {
							checkDirect(t, conn, sc, c)
						}
					})
				}
			}
		}
	}
}

func setSeqscan(t *testing.T, conn *pgx.Conn, on bool) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), fmt.Sprintf("SET enable_seqscan = %v", on)); err != nil {
		t.Fatal(err)
	}
}

// spineTimes are the spine's time columns, their types, and the spine
// row's value of each.
var spineTimes = []struct {
	col string
	typ pit.TimeType
	of  func(dstSpineRow) *time.Time
}{
	{"t_tz", pit.Timestamptz, func(s dstSpineRow) *time.Time { return s.tz }},
	{"t_ts", pit.Timestamp, func(s dstSpineRow) *time.Time { return s.ts }},
	{"t_d", pit.Date, func(s dstSpineRow) *time.Time { return s.d }},
}

// keysOf is the spine row's value of each key.
func (s dstSpineRow) keysOf(names []string) []any {
	var out []any
	for _, n := range names {
		if n == "k" {
			out = append(out, s.k)
		} else {
			out = append(out, s.k2)
		}
	}
	return out
}

func (sc *dstScenario) ids() []int64 {
	var ids []int64
	for _, s := range sc.spine {
		ids = append(ids, s.id)
	}
	return ids
}

// perRowDirect joins each view of one entity to the spine, on each time
// column, with USING as the planner writes it: LEFT JOIN (one row per
// spine row) and JOIN.
func perRowDirect(sc *dstScenario, indexed bool) []directCase {
	var out []directCase
	for _, v := range sc.views {
		if len(v.keys) != 1 {
			continue
		}
		key := v.keys[0]
		for _, st := range spineTimes {
			for _, inner := range []bool{false, true} {
				j := pit.Join{Keys: []pit.Key{{Name: key, Expr: pit.Ident(key)}}, Time: "s." + st.col,
					Views: []pit.View{v.pitView(indexed)}, Inner: inner, Using: true,
					Columns: []pit.Column{{View: v.name, Feature: "v", As: "v"}}}
				sub := mustSQL(j.SQL())
				join := map[bool]string{false: "LEFT JOIN", true: "JOIN"}[inner]
				c := directCase{name: fmt.Sprintf("%s %s AS OF s.%s", join, v.name, st.col),
					sql:  fmt.Sprintf("SELECT s.id, f.event_timestamp, f.v FROM dspine s %s LATERAL %s AS f USING (%s) WHERE s.id > $1", join, sub, key),
					args: []any{int64(0)}, card: cardinality{kind: cardSpine, atMost: inner}, view: []*directView{v}}
				for _, s := range sc.spine {
					k, at := s.keysOf(v.keys), st.of(s)
					r := v.match(k, at)
					switch {
					case inner && r == nil:
						continue
					case hasNull(k):
						c.want = append(c.want, []any{s.id, nil, nil})
					case r == nil:
						c.want = append(c.want, []any{s.id, at, nil})
					default:
						c.want = append(c.want, []any{s.id, at, r.feats[0]})
					}
					c.keys = append(c.keys, k)
				}
				out = append(out, c)
			}
		}
	}
	return out
}

// severalEntitiesDirect reads views of different keys through one join,
// as the planner must write it (Join.Using and SharedKeys): with USING the
// shared keys, with ON null-safe conditions on the others, with no shared
// key ON true. A NULL in a key blanks only the views that read it.
func severalEntitiesDirect(sc *dstScenario, indexed bool) []directCase {
	user, pair, k2 := sc.view("d_ts"), sc.view("d_pair"), sc.view("d_k2")
	keys := []pit.Key{{Name: "k", Expr: `"k"`}, {Name: "k2", Expr: `"k2"`}}
	var out []directCase
	for _, c := range []struct {
		name  string
		views []*directView
		using bool
		cond  string
	}{
		{"USING shared key", []*directView{user, pair}, true, ""},
		{"ON, other key null-safe", []*directView{user, pair}, false, "ON f.k = s.k AND f.k2 IS NOT DISTINCT FROM s.k2"},
		{"no shared key", []*directView{user, k2}, true, ""},
	} {
		for _, inner := range []bool{false, true} {
			j := pit.Join{Keys: keys, Time: "s.t_tz", Inner: inner, Using: c.using}
			for _, v := range c.views {
				j.Views = append(j.Views, v.pitView(indexed))
				j.Columns = append(j.Columns, pit.Column{View: v.name, Feature: "v", As: "v_" + v.name})
			}
			join := map[bool]string{false: "LEFT JOIN", true: "JOIN"}[inner]
			cond := c.cond
			if c.using { // the client wrote USING (k, k2)
				cond = j.UsingCondition()
			}
			dc := directCase{name: join + " " + c.name + " " + cond, card: cardinality{kind: cardSpine, atMost: inner}, view: c.views,
				sql: fmt.Sprintf("SELECT s.id, f.v_%s, f.v_%s FROM dspine s %s LATERAL %s AS f %s",
					c.views[0].name, c.views[1].name, join, mustSQL(j.SQL()), cond)}
			for _, s := range sc.spine {
				row, found := severalRow(s, c.views, cond != "ON true")
				if inner && !found {
					continue
				}
				dc.want = append(dc.want, row)
			}
			out = append(out, dc)
		}
	}
	return out
}

// severalRow is the expected row of s over views: each view's value on
// its own keys; with a join condition on k, a NULL k blanks them all.
func severalRow(s dstSpineRow, views []*directView, onK bool) ([]any, bool) {
	row := []any{s.id}
	found := true
	for _, v := range views {
		r := v.match(s.keysOf(v.keys), s.tz)
		found = found && r != nil
		if r == nil || onK && s.k == nil {
			row = append(row, nil)
			continue
		}
		row = append(row, r.feats[0])
	}
	return row, found
}

// constantInstants are the times the constant-time form is read at: the
// docs/pit.md example's, and changes of time in New York and Lord Howe,
// with their wall clocks read as UTC.
func constantInstants() []time.Time {
	ny := transitions("America/New_York")[0]
	lh := transitions("Australia/Lord_Howe")[0]
	return []time.Time{
		time.Date(2024, 3, 10, 3, 10, 0, 0, time.UTC), time.Date(2024, 3, 10, 7, 15, 0, 0, time.UTC),
		ny.Add(-time.Microsecond), lh.Add(90 * time.Minute),
	}
}

// constantDirect reads each view of key k at constant times, written as a
// timestamptz, a timestamp, a date and a parameter.
func constantDirect(sc *dstScenario, indexed bool) []directCase {
	var out []directCase
	for _, v := range sc.views {
		if !slices.Equal(v.keys, []string{"k"}) {
			continue
		}
		for _, at := range constantInstants() {
			day := dayOf(at)
			for _, form := range []struct {
				expr string
				args []any
				at   time.Time
			}{
				{lit(at), nil, at},
				{literal(&at, pit.Timestamp), nil, at},
				{literal(&day, pit.Date), nil, day},
				{"$1", []any{at}, at},
			} {
				a := pit.AtTime{Keys: v.keys, Time: form.expr, Views: []pit.View{v.pitView(indexed)},
					Columns: []pit.Column{{View: v.name, Feature: "v", As: "v"}}}
				c := directCase{name: v.name + " AS OF " + form.expr, args: form.args, view: []*directView{v},
					sql: "SELECT k, event_timestamp, v FROM LATERAL " + mustSQL(a.SQL()) + " AS f", card: cardinality{kind: cardKey, n: 1}}
				for _, k := range v.present(form.at) {
					c.want = append(c.want, []any{k[0], form.at, v.value(k, &form.at, "v")})
					c.keys = append(c.keys, k)
				}
				out = append(out, c)
			}
		}
	}
	return out
}

// latestDirect runs the materialization query of each view over windows
// that end on a change of time and on a source row's ts.
func latestDirect(sc *dstScenario) []directCase {
	var out []directCase
	for _, v := range sc.views {
		ends := []time.Time{transitions("Europe/Berlin")[0], time.Date(2024, 3, 10, 3, 10, 0, 0, time.UTC)}
		for _, r := range v.rows[:3] {
			if r.ts != nil {
				ends = append(ends, *r.ts)
			}
		}
		for _, end := range ends {
			from := end.Add(-36 * time.Hour)
			pv := v.pitView(true)
			c := directCase{name: fmt.Sprintf("materialize %s [%s, %s]", v.name, from.Format(time.RFC3339), end.Format(time.RFC3339)),
				sql: pv.Latest(), args: []any{from, end}, card: cardinality{kind: cardKey, n: len(v.keys)}, view: []*directView{v}}
			for _, r := range latestIn(v.refView, from, end) {
				row := append(append([]any{}, r.key...), *r.ts, nullable(r.c), r.feats[0], true)
				c.want = append(c.want, row)
				c.keys = append(c.keys, r.key)
			}
			out = append(out, c)
		}
	}
	return out
}

// latestIn is the reference of materialization: per non-NULL key, the
// row the rule picks among those with from <= ts <= to.
func latestIn(v *refView, from, to time.Time) []*srcRow {
	best := map[string]*srcRow{}
	var order []string
	for i := range v.rows {
		r := &v.rows[i]
		if r.ts == nil || hasNull(r.key) || r.ts.Before(from) || r.ts.After(to) {
			continue
		}
		k := canonRow(r.key)
		if b, ok := best[k]; !ok || newer(r, b) {
			if !ok {
				order = append(order, k)
			}
			best[k] = r
		}
	}
	var out []*srcRow
	for _, k := range order {
		out = append(out, best[k])
	}
	return out
}

func mustSQL(sql string, err error) string {
	if err != nil {
		panic(err)
	}
	return sql
}

// checkDirect runs c and compares its rows and their number with the
// reference.
func checkDirect(t *testing.T, conn *pgx.Conn, sc *dstScenario, c directCase) {
	t.Helper()
	_, got, err := queryRows(context.Background(), conn, c.sql, c.args...)
	if err != nil {
		t.Errorf("%s: %v\n%s", c.name, err, c.sql)
		return
	}
	if err := c.card.check(sc.ids(), got); err != nil {
		t.Errorf("seed %d: %s: %v", sc.seed, c.name, err)
	}
	want, gotRows := canonRows(c.want, false), canonRows(got, false)
	if slices.Equal(want, gotRows) {
		return
	}
	var ev strings.Builder
	seen := map[string]bool{}
	for _, k := range c.keys {
		for _, v := range c.view {
			if len(k) == len(v.keys) && !seen[v.name+canonRow(k)] && len(seen) < 4 {
				seen[v.name+canonRow(k)] = true
				ev.WriteString(v.rowsFor(k))
			}
		}
	}
	t.Errorf("seed %d: %s\n%s\n%s", sc.seed, c.name, diffReport(want, gotRows, false, 6), ev.String())
}

// TestDirectIndexProbeEveryType checks with EXPLAIN that the plain index
// on (keys, ts) serves the indexed probe whatever the column's type: the
// times are compared in the column's own type, so no expression index is
// needed, and a timestamp or date column is not cast per row.
func TestDirectIndexProbeEveryType(t *testing.T) {
	ctx := context.Background()
	f := newDirect(t, "pit_direct_explain", false)
	sc := generateDST(1)
	if err := loadDST(ctx, f.direct, sc); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{"SET enable_seqscan = off", "SET jit = off", "SET TIME ZONE 'America/New_York'"} {
		if _, err := f.direct.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"d_tz", "d_ts", "d_date"} {
		v := sc.view(name)
		j := pit.Join{Keys: []pit.Key{{Name: "k", Expr: `"k"`}}, Time: "s.t_ts", Views: []pit.View{v.pitView(true)}, Using: true,
			Columns: []pit.Column{{View: v.name, Feature: "v", As: "v"}}}
		_, rows, err := queryRows(ctx, f.direct, "EXPLAIN SELECT s.id, f.v FROM dspine s LEFT JOIN LATERAL "+mustSQL(j.SQL())+" AS f USING (k)")
		if err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		for _, r := range rows {
			fmt.Fprintln(&plan, r...)
		}
		p := plan.String()
		if !strings.Contains(p, "Index Scan Backward using "+v.table+"_k_ts_idx") || !strings.Contains(p, "(ts <= ") {
			t.Errorf("%s (%s): the probe is not an index descent on (k, ts):\n%s", name, sqlType(v.tsType), p)
		}
	}
}

// TestDirectInfiniteTimes reads AS OF infinity and -infinity, of each
// type: after every row (the newest value of every entity), and before
// any (no entity).
func TestDirectInfiniteTimes(t *testing.T) {
	ctx := context.Background()
	f := newDirect(t, "pit_direct_infinity", false)
	sc := generateDST(2)
	if err := loadDST(ctx, f.direct, sc); err != nil {
		t.Fatal(err)
	}
	v := sc.view("d_nots")
	late := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, typ := range []string{"TIMESTAMPTZ", "TIMESTAMP", "DATE"} {
		for _, indexed := range []bool{true, false} {
			for inf, want := range map[string][][]any{"infinity": nil, "-infinity": nil} {
				if inf == "infinity" {
					for _, k := range v.present(late) {
						want = append(want, []any{k[0], v.value(k, &late, "v")})
					}
				}
				a := pit.AtTime{Keys: v.keys, Time: typ + " '" + inf + "'", Views: []pit.View{v.pitView(indexed)},
					Columns: []pit.Column{{View: v.name, Feature: "v", As: "v"}}}
				checkDirect(t, f.direct, &dstScenario{seed: 2}, directCase{name: a.Time,
					sql: "SELECT k, v FROM LATERAL " + mustSQL(a.SQL()) + " AS f", want: want, card: cardinality{kind: cardKey, n: 1}})
			}
		}
	}
}
