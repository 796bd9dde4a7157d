package pittest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/pit"
)

// The data of the direct suite (direct_test.go): sources whose timestamp
// column is a timestamptz, a timestamp without time zone or a date, with
// values crowded around the daylight saving changes of several zones, as
// users in those zones would store them, and a spine with a time of each
// type. The reference reads a timestamp or a date as UTC (docs/pit.md,
// Times), so its answer is the same in every session time zone.

// dstZones are the session time zones of the suite: two northern and two
// southern changes (Lord Howe moves by 30 minutes, Chatham sits at +12:45),
// and a zone without daylight saving time at +05:30.
var dstZones = []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kolkata"}

// dstYear is the year whose changes the data crowds around.
const dstYear = 2024

// transitions returns the instants in dstYear at which zone's offset
// changes.
func transitions(zone string) []time.Time {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		panic(err)
	}
	var out []time.Time
	t := time.Date(dstYear, 1, 1, 0, 0, 0, 0, time.UTC)
	for end := t.AddDate(1, 0, 0); t.Before(end); t = t.Add(time.Hour) {
		_, a := t.In(loc).Zone()
		_, b := t.Add(time.Hour).In(loc).Zone()
		if a == b {
			continue
		}
		lo, hi := t, t.Add(time.Hour) // offset a at lo, b at hi
		for hi.Sub(lo) > time.Minute {
			mid := lo.Add(hi.Sub(lo) / 2)
			if _, o := mid.In(loc).Zone(); o == a {
				lo = mid
			} else {
				hi = mid
			}
		}
		out = append(out, hi)
	}
	return out
}

// focus is an instant the data crowds around: a change of some zone, and
// its local wall clock read as UTC (where a naive value stored there
// lands under the UTC rule).
func focusInstants() []time.Time {
	var out []time.Time
	for _, z := range dstZones {
		loc, _ := time.LoadLocation(z)
		for _, tr := range transitions(z) {
			out = append(out, tr, wallAsUTC(tr.In(loc)))
		}
	}
	return out
}

// wallAsUTC is the wall clock of t read as UTC: what a timestamp without
// time zone holding t's local time means under the UTC rule.
func wallAsUTC(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// dayOf is the date of t's wall clock, at midnight UTC.
func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// directView is a view of the direct suite: the reference's view and the
// types of its source's timestamp and created columns.
type directView struct {
	*refView
	tsType, cType pit.TimeType
}

// sqlType is the PostgreSQL type of a TimeType.
func sqlType(tt pit.TimeType) string {
	return map[pit.TimeType]string{pit.Timestamptz: "timestamptz", pit.Timestamp: "timestamp", pit.Date: "date"}[tt]
}

// directViews are the views of the direct suite: one per timestamp type
// (each with a TTL in another spelling, one without a created column), a
// view of (k, k2) and one of k2 alone, for the joins of several entities.
func directViews() []*directView {
	v := func(name, table string, keys []string, ts, c pit.TimeType, created bool, ttl time.Duration, ttlSQL string) *directView {
		kt := map[string]string{"k": "text", "k2": "bigint"}
		var types []string
		for _, k := range keys {
			types = append(types, kt[k])
		}
		return &directView{refView: &refView{name: name, keys: keys, keyTypes: types, features: []string{"v"},
			types: []string{"bigint"}, table: table, ttl: ttl, ttlSQL: ttlSQL, created: created}, tsType: ts, cType: c}
	}
	return []*directView{
		v("d_tz", "dsrc_tz", []string{"k"}, pit.Timestamptz, pit.Timestamptz, true, 23*time.Hour+30*time.Minute, "1 day -00:30:00"),
		v("d_ts", "dsrc_ts", []string{"k"}, pit.Timestamp, pit.Timestamp, true, 5*time.Hour+30*time.Minute, "PT5H30M"),
		v("d_date", "dsrc_date", []string{"k"}, pit.Date, pit.Timestamptz, true, 48*time.Hour, "@ 2 days"),
		v("d_nots", "dsrc_nots", []string{"k"}, pit.Timestamp, pit.Timestamp, false, 0, ""),
		v("d_pair", "dsrc_pair", []string{"k", "k2"}, pit.Timestamptz, pit.Timestamptz, false, 0, ""),
		v("d_k2", "dsrc_k2", []string{"k2"}, pit.Date, pit.Timestamp, true, 0, ""),
	}
}

// pitView describes v for package pit.
func (v *directView) pitView(indexed bool) pit.View {
	pv := pit.View{Name: v.name, Keys: v.keys, TTL: v.ttlSQL, Indexed: indexed,
		Source:   pit.Source{From: v.table, TS: "ts", TSType: v.tsType},
		Features: []pit.Feature{{Name: "v", Type: "bigint", As: "v"}}}
	if v.created {
		pv.Source.Created, pv.Source.CreatedType = "c", v.cType
	}
	return pv
}

// dstSpineRow is a spine row of the direct suite: keys and a time of each
// type (nil: NULL), the naive ones and the date held as UTC instants.
type dstSpineRow struct {
	id        int64
	k, k2     any
	tz, ts, d *time.Time
}

// dstScenario is one data set of the direct suite.
type dstScenario struct {
	seed  uint64
	views []*directView
	spine []dstSpineRow
}

func (sc *dstScenario) view(name string) *directView {
	for _, v := range sc.views {
		if v.name == name {
			return v
		}
	}
	panic("pittest: no view " + name)
}

// dstGen draws the values of a scenario.
type dstGen struct {
	r     *rand.Rand
	focus []time.Time
	zones []*time.Location
}

// near draws an instant within three hours of a focus, on a 10-minute
// step or anywhere to the microsecond.
func (g dstGen) near() time.Time {
	f := g.focus[g.r.IntN(len(g.focus))]
	if g.r.IntN(3) == 0 {
		return f.Add(time.Duration(g.r.Int64N(int64(6*time.Hour))) - 3*time.Hour).Truncate(time.Microsecond)
	}
	return f.Add(time.Duration(g.r.IntN(37)-18) * 10 * time.Minute)
}

// value draws a value of a column of type tt as the reference holds it: a
// timestamptz an instant, a timestamp the wall clock of an instant in
// some zone (read as UTC), a date the day of one.
func (g dstGen) value(tt pit.TimeType) time.Time {
	t := g.near()
	loc := g.zones[g.r.IntN(len(g.zones))]
	switch tt {
	case pit.Timestamp:
		return wallAsUTC(t.In(loc))
	case pit.Date:
		return dayOf(t.In(loc))
	}
	return t
}

func (g dstGen) key(name string) any {
	if g.r.IntN(12) == 0 {
		return nil
	}
	if name == "k2" {
		return int64(1 + g.r.IntN(2))
	}
	return []string{"a", "b", "c"}[g.r.IntN(3)]
}

// rows draws v's source rows; rows the rule cannot order get the same
// value.
func (g dstGen) rows(v *directView) []srcRow {
	var rows []srcRow
	for i := range 40 + g.r.IntN(30) {
		r := srcRow{feats: []any{int64(i + 1)}}
		for _, k := range v.keys {
			r.key = append(r.key, g.key(k))
		}
		if g.r.IntN(20) > 0 {
			r.ts = ptr(g.value(v.tsType))
		}
		if v.created && g.r.IntN(4) > 0 {
			r.c = ptr(g.value(v.cType))
		}
		rows = append(rows, r)
	}
	for i := range rows {
		for j := range i {
			a, b := &rows[j], &rows[i]
			if a.ts != nil && b.ts != nil && sameKey(a.key, b.key) && a.ts.Equal(*b.ts) && sameInstant(a.c, b.c) {
				b.feats = a.feats
			}
		}
	}
	return rows
}

// spineTime draws a spine time of type tt: near a focus, at a source
// row's ts (or its TTL boundary) give or take a microsecond, or NULL.
func (g dstGen) spineTime(sc *dstScenario, tt pit.TimeType) *time.Time {
	switch p := g.r.IntN(10); {
	case p == 0:
		return nil
	case p < 5:
		t := g.value(tt)
		return &t
	}
	v := sc.views[g.r.IntN(len(sc.views))]
	r := v.rows[g.r.IntN(len(v.rows))]
	if r.ts == nil {
		return nil
	}
	t := r.ts.Add(v.ttl).Add(time.Duration(g.r.IntN(3)-1) * time.Microsecond)
	switch tt {
	case pit.Date:
		t = dayOf(t)
	case pit.Timestamp:
		t = t.UTC()
	}
	return &t
}

// generateDST builds the scenario of a seed, with the example of
// docs/pit.md: naive rows at 01:50, 02:30 and 03:10 on the day New York
// skips 02:00 to 03:00.
func generateDST(seed uint64) *dstScenario {
	g := dstGen{r: rand.New(rand.NewPCG(seed, 0x5eed)), focus: focusInstants()}
	for _, z := range dstZones {
		loc, _ := time.LoadLocation(z)
		g.zones = append(g.zones, loc)
	}
	sc := &dstScenario{seed: seed, views: directViews()}
	for _, v := range sc.views {
		v.rows = g.rows(v)
	}
	ts := sc.view("d_nots")
	for i, hm := range [][2]int{{1, 50}, {2, 30}, {3, 10}} {
		at := time.Date(2024, 3, 10, hm[0], hm[1], 0, 0, time.UTC)
		ts.rows = append(ts.rows, srcRow{key: []any{"ny"}, ts: &at, feats: []any{int64(1001 + i)}})
	}
	for i := range 120 {
		s := dstSpineRow{id: int64(i + 1), k: g.key("k"), k2: g.key("k2")}
		s.tz, s.ts, s.d = g.spineTime(sc, pit.Timestamptz), g.spineTime(sc, pit.Timestamp), g.spineTime(sc, pit.Date)
		sc.spine = append(sc.spine, s)
	}
	for i, m := range []int{7*60 + 15, 7*60 + 35, 3*60 + 10, 2*60 + 30} {
		t := time.Date(2024, 3, 10, 0, m, 0, 0, time.UTC)
		sc.spine = append(sc.spine, dstSpineRow{id: int64(1000 + i), k: "ny", k2: int64(1), tz: &t, ts: &t, d: ptr(dayOf(t))})
	}
	for range 8 {
		sc.spine = append(sc.spine, sc.spine[g.r.IntN(len(sc.spine))])
	}
	return sc
}

// literal renders a value of type tt for SQL: an instant with its offset,
// a wall clock, a day.
func literal(t *time.Time, tt pit.TimeType) string {
	if t == nil {
		return "NULL::" + sqlType(tt)
	}
	switch tt {
	case pit.Timestamp:
		return "TIMESTAMP '" + t.UTC().Format("2006-01-02 15:04:05.999999") + "'"
	case pit.Date:
		return "DATE '" + t.UTC().Format("2006-01-02") + "'"
	}
	return lit(*t)
}

func sqlValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + x + "'"
	}
	return fmt.Sprint(v)
}

// loadDST creates the suite's tables (each source with its (keys, ts)
// index) and fills them with sc's rows, directly on PostgreSQL.
func loadDST(ctx context.Context, conn *pgx.Conn, sc *dstScenario) error {
	stmts := []string{
		"DROP TABLE IF EXISTS dspine",
		"CREATE TABLE dspine (id bigint, k text, k2 bigint, t_tz timestamptz, t_ts timestamp, t_d date)",
	}
	var spine []string
	for _, s := range sc.spine {
		spine = append(spine, fmt.Sprintf("(%d, %s, %s, %s, %s, %s)", s.id, sqlValue(s.k), sqlValue(s.k2),
			literal(s.tz, pit.Timestamptz), literal(s.ts, pit.Timestamp), literal(s.d, pit.Date)))
	}
	stmts = append(stmts, "INSERT INTO dspine VALUES "+strings.Join(spine, ", "))
	for _, v := range sc.views {
		stmts = append(stmts, v.tableDDL()...)
	}
	for _, s := range append(stmts, "ANALYZE") {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%.200s: %w", s, err)
		}
	}
	return nil
}

// tableDDL drops, creates, fills and indexes v's source.
func (v *directView) tableDDL() []string {
	cols := []string{}
	for i, k := range v.keys {
		cols = append(cols, k+" "+v.keyTypes[i])
	}
	cols = append(cols, "ts "+sqlType(v.tsType))
	if v.created {
		cols = append(cols, "c "+sqlType(v.cType))
	}
	cols = append(cols, "v bigint")
	var rows []string
	for _, r := range v.rows {
		vals := []string{}
		for _, k := range r.key {
			vals = append(vals, sqlValue(k))
		}
		vals = append(vals, literal(r.ts, v.tsType))
		if v.created {
			vals = append(vals, literal(r.c, v.cType))
		}
		rows = append(rows, "("+strings.Join(append(vals, sqlValue(r.feats[0])), ", ")+")")
	}
	return []string{
		"DROP TABLE IF EXISTS " + v.table,
		fmt.Sprintf("CREATE TABLE %s (%s)", v.table, strings.Join(cols, ", ")),
		"INSERT INTO " + v.table + " VALUES " + strings.Join(rows, ", "),
		fmt.Sprintf("CREATE INDEX ON %s (%s, ts)", v.table, strings.Join(v.keys, ", ")),
	}
}
