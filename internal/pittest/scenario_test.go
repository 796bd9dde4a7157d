package pittest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// A scenario is one random data set: the rows of every view's source and a
// spine, all small domains so that keys collide, timestamps are equal,
// created timestamps tie or are NULL, and spine times fall exactly on TTL
// boundaries.

// gridBase is the first of the instants source timestamps are drawn from.
// The grid crosses the start of daylight saving time in New York
// (2024-03-10 07:00 UTC), where a day of local time lasts 23 hours.
var gridBase = time.Date(2024, 3, 9, 6, 0, 0, 0, time.UTC)

// gridStep and gridSize shape the grid: gridSize instants gridStep apart.
const (
	gridStep = 3 * time.Hour
	gridSize = 16
)

func gridInstant(i int) time.Time { return gridBase.Add(time.Duration(i) * gridStep) }

// dstUser has one fixed row in v_uc (TTL 1 day) and spine rows 23.5 hours,
// exactly 24 hours and 24 hours plus a microsecond later, across the New
// York change of time: a TTL computed in local days would differ.
const dstUser = "u_dst"

var dstRowTS = time.Date(2024, 3, 9, 12, 0, 0, 0, time.UTC)

// suiteViews returns the feature views of the suite, without rows.
func suiteViews() []*refView {
	usr := func(v refView) *refView {
		v.entity, v.keys, v.keyTypes = "usr", []string{"user_id"}, []string{"text"}
		return &v
	}
	return []*refView{
		usr(refView{name: "v_ua", features: []string{"a", "b"}, types: []string{"bigint", "double precision"},
			table: "src_ua", created: true}),
		usr(refView{name: "v_ub", features: []string{"x", "n"}, types: []string{"bigint", "text"},
			table: "src_ub", ttl: 6 * time.Hour, ttlSQL: "INTERVAL '6 hours'"}),
		usr(refView{name: "v_uc", features: []string{"x", "flag"}, types: []string{"bigint", "boolean"},
			table: "src_uc", ttl: 24 * time.Hour, ttlSQL: "INTERVAL '1 day'", created: true}),
		{name: "v_item", entity: "item", keys: []string{"item_id"}, keyTypes: []string{"bigint"},
			features: []string{"price", "stock"}, types: []string{"double precision", "bigint"},
			table: "src_item", ttl: 3 * time.Hour, ttlSQL: "INTERVAL '3 hours'", created: true},
		{name: "v_pair", entity: "pair", keys: []string{"region", "shop"}, keyTypes: []string{"text", "bigint"},
			features: []string{"score"}, types: []string{"bigint"},
			table: "src_pair", ttl: 9 * time.Hour, ttlSQL: "INTERVAL '9 hours'"},
	}
}

// serviceDDL defines svc_user: all of v_ua, x from v_uc, n from v_ub.
const serviceDDL = "CREATE OR REPLACE FEATURE SERVICE svc_user AS v_ua.*, v_uc.x, v_ub.n"

// spineDDL creates the spine table and a view over it.
const spineDDL = `CREATE TABLE IF NOT EXISTS spine (id bigint, user_id text, item_id bigint, region text, shop bigint, t timestamptz);
CREATE OR REPLACE VIEW spine_v AS SELECT * FROM spine`

// tableDDL creates the source table of v (timestamp ts, created c).
func tableDDL(v *refView) string {
	var cols []string
	for i, k := range v.keys {
		cols = append(cols, k+" "+v.keyTypes[i])
	}
	cols = append(cols, "ts timestamptz")
	if v.created {
		cols = append(cols, "c timestamptz")
	}
	for i, f := range v.features {
		cols = append(cols, f+" "+v.types[i])
	}
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s)", v.table, strings.Join(cols, ", "))
}

// indexDDL creates the index on (keys, ts) the LATERAL plan wants.
func indexDDL(v *refView) string {
	return fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s_pit ON %s (%s, ts)", v.table, v.table, strings.Join(v.keys, ", "))
}

// catalogDDL returns the featuregate statements defining the entities,
// sources, views and the service. v_ub's source is a query, the others
// tables.
func catalogDDL(views []*refView) []string {
	out := []string{
		"CREATE OR REPLACE ENTITY usr (user_id TEXT)",
		"CREATE OR REPLACE ENTITY item (item_id BIGINT)",
		"CREATE OR REPLACE ENTITY pair (region TEXT, shop BIGINT)",
	}
	for _, v := range views {
		src := "s_" + strings.TrimPrefix(v.name, "v_")
		created := ""
		if v.created {
			created = " CREATED COLUMN c"
		}
		body := "TABLE " + v.table
		if v.name == "v_ub" {
			body = "SELECT user_id, ts, x, n FROM " + v.table
		}
		out = append(out, fmt.Sprintf("CREATE OR REPLACE SOURCE %s TIMESTAMP COLUMN ts%s AS %s", src, created, body))
		var feats []string
		for i, f := range v.features {
			feats = append(feats, f+" "+strings.ToUpper(v.types[i]))
		}
		ttl := "TTL NONE"
		if v.ttl > 0 {
			ttl = "TTL " + v.ttlSQL
		}
		out = append(out, fmt.Sprintf("CREATE OR REPLACE FEATURE VIEW %s (%s) ENTITY %s SOURCE %s %s",
			v.name, strings.Join(feats, ", "), v.entity, src, ttl))
	}
	return append(out, serviceDDL)
}

// spineRow is one row of the spine; nil fields are NULL. Duplicated rows
// keep their id.
type spineRow struct {
	id                           int64
	userID, itemID, region, shop any
	t                            *time.Time
}

// keysFor returns the spine's values of the given join keys.
func (s spineRow) keysFor(names []string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		switch n {
		case "user_id":
			out[i] = s.userID
		case "item_id":
			out[i] = s.itemID
		case "region":
			out[i] = s.region
		case "shop":
			out[i] = s.shop
		default:
			panic("pittest: the spine has no key " + n)
		}
	}
	return out
}

// scenario is a generated data set.
type scenario struct {
	seed  uint64
	views []*refView
	spine []spineRow
}

// view returns the scenario's view called name.
func (sc *scenario) view(name string) *refView {
	for _, v := range sc.views {
		if v.name == name {
			return v
		}
	}
	panic("pittest: no view " + name)
}

// ids are the ids of the spine's rows, duplicates repeated.
func (sc *scenario) ids() []int64 {
	var ids []int64
	for _, s := range sc.spine {
		ids = append(ids, s.id)
	}
	return ids
}

// val returns the reference value of view.feature for spine row s.
func (sc *scenario) val(s spineRow, view, feature string) any {
	v := sc.view(view)
	return v.value(s.keysFor(v.keys), s.t, feature)
}

// found reports whether the rule finds a row of view for spine row s.
func (sc *scenario) found(s spineRow, view string) bool {
	v := sc.view(view)
	return v.match(s.keysFor(v.keys), s.t) != nil
}

// generator draws a scenario's values.
type generator struct{ r *rand.Rand }

func (g generator) pct(p int) bool { return g.r.IntN(100) < p }

func (g generator) pick(vals ...any) any { return vals[g.r.IntN(len(vals))] }

func (g generator) orNull(p int, v any) any {
	if g.pct(p) {
		return nil
	}
	return v
}

// keyValue draws a value of a join key (8% NULL), from a domain of a few
// values; extra adds values that have no source rows.
func (g generator) keyValue(name string, extra bool) any {
	switch name {
	case "user_id":
		vals := []any{"u0", "u1", "u2", "u3", "u4"}
		if extra {
			vals = append(vals, "u_none")
		}
		return g.orNull(8, g.pick(vals...))
	case "item_id":
		n := 4
		if extra {
			n = 5
		}
		return g.orNull(8, int64(1+g.r.IntN(n)))
	case "region":
		vals := []any{"eu", "us"}
		if extra {
			vals = append(vals, "ap")
		}
		return g.orNull(8, g.pick(vals...))
	case "shop":
		return g.orNull(8, int64(1+g.r.IntN(2)))
	}
	panic("pittest: unknown key " + name)
}

// featureValue draws a value of an SQL type (10% NULL). Doubles are
// multiples of 1/4, exact in binary and in text.
func (g generator) featureValue(typ string) any {
	var v any
	switch typ {
	case "bigint":
		v = int64(g.r.IntN(26) - 5)
	case "double precision":
		v = float64(g.r.IntN(81)-40) / 4
	case "text":
		v = g.pick("", "plain", "O'Brien", "α β", `back\slash`, "two\nlines")
	case "boolean":
		v = g.pct(50)
	default:
		panic("pittest: unknown type " + typ)
	}
	return g.orNull(10, v)
}

func ptr(t time.Time) *time.Time { return &t }

// sourceRows draws the rows of v's source: keys from a small domain, ts on
// the grid (5% NULL), created among three instants (25% NULL). Rows the
// rule cannot order (same key, ts and created) get the same features, so
// that every answer is defined.
func (g generator) sourceRows(v *refView) []srcRow {
	created := []time.Time{gridBase.Add(-time.Hour), gridBase.Add(-time.Minute), gridBase.Add(-time.Minute + time.Microsecond)}
	n := 25 + g.r.IntN(20)
	rows := make([]srcRow, 0, n)
	for range n {
		r := srcRow{}
		for _, k := range v.keys {
			r.key = append(r.key, g.keyValue(k, false))
		}
		if !g.pct(5) {
			r.ts = ptr(gridInstant(g.r.IntN(gridSize)))
		}
		if v.created && !g.pct(25) {
			r.c = ptr(created[g.r.IntN(len(created))])
		}
		for _, typ := range v.types {
			r.feats = append(r.feats, g.featureValue(typ))
		}
		rows = append(rows, r)
	}
	for i := range rows {
		for j := range i {
			a, b := &rows[j], &rows[i]
			if a.ts != nil && b.ts != nil && sameKey(a.key, b.key) && a.ts.Equal(*b.ts) && sameInstant(a.c, b.c) {
				b.feats = append([]any(nil), a.feats...)
				break
			}
		}
	}
	return rows
}

// sameKey compares keys, NULL equal to NULL (for the generator only).
func sameKey(a, b []any) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// spineTime draws a spine time: a grid instant (some beyond the data), a
// source row's ts + ttl exactly (the TTL boundary) or a microsecond either
// side, an instant between grid points, one before any data, or NULL. A
// boundary time comes with that row's key.
func (g generator) spineTime(sc *scenario, s *spineRow) {
	switch p := g.r.IntN(100); {
	case p < 40:
		s.t = ptr(gridInstant(g.r.IntN(gridSize+3) - 1))
	case p < 70:
		g.boundary(sc, s)
	case p < 85:
		s.t = ptr(gridInstant(g.r.IntN(gridSize)).Add(time.Duration(1+g.r.IntN(179)) * time.Minute))
	case p < 93:
		s.t = ptr(gridBase.Add(-time.Hour))
	}
}

// boundary sets s to a TTL view's row key at that row's ts + ttl, give or
// take a microsecond.
func (g generator) boundary(sc *scenario, s *spineRow) {
	var ttlViews []*refView
	for _, v := range sc.views {
		if v.ttl > 0 {
			ttlViews = append(ttlViews, v)
		}
	}
	v := ttlViews[g.r.IntN(len(ttlViews))]
	r := v.rows[g.r.IntN(len(v.rows))]
	if r.ts == nil {
		return
	}
	t := r.ts.Add(v.ttl)
	switch p := g.r.IntN(10); {
	case p == 0:
		t = t.Add(time.Microsecond)
	case p == 1:
		t = t.Add(-time.Microsecond)
	}
	s.t = &t
	for i, k := range v.keys {
		switch k {
		case "user_id":
			s.userID = r.key[i]
		case "item_id":
			s.itemID = r.key[i]
		case "region":
			s.region = r.key[i]
		case "shop":
			s.shop = r.key[i]
		}
	}
}

// generate builds the scenario of a seed.
func generate(seed uint64) *scenario {
	g := generator{rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
	sc := &scenario{seed: seed, views: suiteViews()}
	for _, v := range sc.views {
		v.rows = g.sourceRows(v)
	}
	uc := sc.view("v_uc")
	uc.rows = append(uc.rows, srcRow{key: []any{dstUser}, ts: ptr(dstRowTS), feats: []any{int64(7), true}})
	n := 60 + g.r.IntN(30)
	for i := range n {
		s := spineRow{id: int64(i + 1), userID: g.keyValue("user_id", true), itemID: g.keyValue("item_id", true),
			region: g.keyValue("region", true), shop: g.keyValue("shop", true)}
		g.spineTime(sc, &s)
		sc.spine = append(sc.spine, s)
	}
	for i, d := range []time.Duration{23*time.Hour + 30*time.Minute, 24 * time.Hour, 24*time.Hour + time.Microsecond} {
		sc.spine = append(sc.spine, spineRow{id: int64(n + 1 + i), userID: dstUser, itemID: int64(1),
			region: "eu", shop: int64(1), t: ptr(dstRowTS.Add(d))})
	}
	for range 10 {
		sc.spine = append(sc.spine, sc.spine[g.r.IntN(len(sc.spine))])
	}
	return sc
}

// nullable turns a nil *time.Time into an untyped nil for pgx.
func nullable(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

// createSchema creates the source tables, the spine and, when indexed,
// the (keys, ts) indexes, directly on PostgreSQL.
func createSchema(ctx context.Context, conn *pgx.Conn, indexed bool) error {
	stmts := []string{spineDDL}
	for _, v := range suiteViews() {
		stmts = append(stmts, tableDDL(v))
		if indexed {
			stmts = append(stmts, indexDDL(v))
		}
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// load replaces the rows of the source tables and the spine with the
// scenario's, directly on PostgreSQL.
func (sc *scenario) load(ctx context.Context, conn *pgx.Conn) error {
	tables := []string{"spine"}
	for _, v := range sc.views {
		tables = append(tables, v.table)
	}
	if _, err := conn.Exec(ctx, "TRUNCATE "+strings.Join(tables, ", ")); err != nil {
		return fmt.Errorf("truncate: %w", err)
	}
	for _, v := range sc.views {
		if err := copyRows(ctx, conn, v.table, sourceCopyRows(v)); err != nil {
			return err
		}
	}
	var spine [][]any
	for _, s := range sc.spine {
		spine = append(spine, []any{s.id, s.userID, s.itemID, s.region, s.shop, nullable(s.t)})
	}
	if err := copyRows(ctx, conn, "spine", spine); err != nil {
		return err
	}
	_, err := conn.Exec(ctx, "ANALYZE")
	return err
}

// sourceCopyRows is v's rows in its table's column order.
func sourceCopyRows(v *refView) [][]any {
	var out [][]any
	for _, r := range v.rows {
		row := append([]any(nil), r.key...)
		row = append(row, nullable(r.ts))
		if v.created {
			row = append(row, nullable(r.c))
		}
		out = append(out, append(row, r.feats...))
	}
	return out
}

// copyRows fills a table with COPY, columns in table order.
func copyRows(ctx context.Context, conn *pgx.Conn, table string, rows [][]any) error {
	var cols []string
	err := conn.QueryRow(ctx, `SELECT array_agg(attname ORDER BY attnum) FROM pg_attribute
		WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`, table).Scan(&cols)
	if err != nil {
		return fmt.Errorf("columns of %s: %w", table, err)
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	return nil
}
