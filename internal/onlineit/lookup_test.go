package onlineit

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/featuregate/featuregate/plan"
)

// lookupTables: profiles (every common type, TTL NONE), usage (TTL of
// one day: u1's row is recent, u2's is old) and trips (a composite key).
// %[1]s is the recent time.
const lookupTables = `
CREATE TABLE profile_src (user_id text, as_of timestamptz, months_active bigint, monthly_fee real,
	plan text, active boolean, score numeric(6,2));
INSERT INTO profile_src VALUES
	('u1', '2024-01-10T00:00:00Z', 3, 29.5, 'basic', true, 1.25),
	('u1', '2024-01-31T00:00:00Z', 4, 30.5, 'premium', false, 2.50),
	('u2', '2024-01-20T00:00:00Z', 12, 55.25, 'DSL', true, NULL),
	('u3', '2024-01-15T00:00:00Z', 7, 10, NULL, NULL, 0.01);
CREATE TABLE usage_src (user_id text, as_of timestamptz, watch_hours double precision);
INSERT INTO usage_src VALUES ('u1', '%[1]s', 47.5), ('u2', '2024-01-25T00:00:00Z', 30.25);
CREATE TABLE trips_src (driver_id bigint, trip_id bigint, ts timestamptz, fare numeric, rating real);
INSERT INTO trips_src VALUES
	(7, 1, '2024-01-10T00:00:00Z', 12.5, 4.5),
	(7, 2, '2024-01-11T00:00:00Z', 20.75, 5),
	(7, 2, '2024-01-05T00:00:00Z', 1, 1),
	(8, 1, '2024-01-12T00:00:00Z', 9.99, 3.5);
CREATE TABLE small_src (k integer, ts timestamptz, v real);
INSERT INTO small_src VALUES (5, '2024-01-10T00:00:00Z', 0.5);
`

var lookupCatalog = []string{
	`CREATE ENTITY customer (user_id TEXT)`,
	`CREATE ENTITY trip (driver_id BIGINT, trip_id BIGINT)`,
	`CREATE SOURCE profile_source TIMESTAMP COLUMN as_of AS TABLE profile_src`,
	`CREATE SOURCE usage_source TIMESTAMP COLUMN as_of AS TABLE usage_src`,
	`CREATE SOURCE trips_source TIMESTAMP COLUMN ts AS TABLE trips_src`,
	`CREATE FEATURE VIEW profile_fv (months_active BIGINT, monthly_fee REAL, plan TEXT, active BOOLEAN, score NUMERIC)
		ENTITY customer SOURCE profile_source TTL NONE`,
	`CREATE FEATURE VIEW usage_fv (watch_hours DOUBLE PRECISION) ENTITY customer SOURCE usage_source TTL INTERVAL '1 day'`,
	`CREATE FEATURE VIEW trip_fv (fare NUMERIC, rating REAL) ENTITY trip SOURCE trips_source`,
	`CREATE FEATURE SERVICE churn_v1 AS profile_fv.months_active, profile_fv.plan, usage_fv.watch_hours`,
	`CREATE ENTITY small (k INTEGER)`,
	`CREATE SOURCE small_source TIMESTAMP COLUMN ts AS TABLE small_src`,
	`CREATE FEATURE VIEW small_fv (v REAL) ENTITY small SOURCE small_source`,
}

// numeric is the text of a numeric value, as lookups compare them.
type numeric string

// num converts pgx's numerics in rows to their text.
func num(rows [][]any) [][]any {
	for _, r := range rows {
		for j, v := range r {
			if n, ok := v.(pgtype.Numeric); ok {
				if s, err := n.Value(); err == nil && s != nil {
					r[j] = numeric(s.(string))
				}
			}
		}
	}
	return rows
}

// lookupEnv is an env with the lookup fixture materialized.
type lookupEnv struct {
	*env
	recent time.Time // u1's usage time, inside the TTL
}

func newLookupEnv(t *testing.T, st store) *lookupEnv {
	t.Helper()
	recent := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	e := newEnv(t, "lookup", st, fmt.Sprintf(lookupTables, recent.Format(time.RFC3339Nano)))
	e.define(t, lookupCatalog...)
	to := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
	res := materialize(t, e.conn, `MATERIALIZE FROM '2024-01-01T00:00:00Z' TO '`+to+`'`)
	res["profile_fv"].counts(t, "profile_fv", 3, 3, 0)
	res["usage_fv"].counts(t, "usage_fv", 2, 2, 0)
	res["trip_fv"].counts(t, "trip_fv", 3, 3, 0)
	return &lookupEnv{env: e, recent: recent}
}

// equals runs a lookup and compares its rows, numerics as text.
func (e *lookupEnv) equals(t *testing.T, want [][]any, sql string, args ...any) {
	t.Helper()
	_, got, err := queryAll(context.Background(), e.conn, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if got = num(got); !sameRows(got, want) {
		t.Errorf("%s %v:\n--- got\n%s--- want\n%s", sql, args, render(got), render(want))
	}
}

// TestLookups reads the fixture by key in every accepted form.
func TestLookups(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newLookupEnv(t, st)
		t.Run("missing keys and IN order", func(t *testing.T) { testInOrder(t, e) })
		t.Run("ANY", func(t *testing.T) { testAny(t, e) })
		t.Run("composite key", func(t *testing.T) { testComposite(t, e) })
		t.Run("service across two views", func(t *testing.T) { testService(t, e) })
		t.Run("select star names and types", func(t *testing.T) { testStar(t, e) })
		t.Run("features relation", func(t *testing.T) { testFeatures(t, e) })
		t.Run("prepared", func(t *testing.T) { testPrepared(t, e) })
		t.Run("TTL", func(t *testing.T) { testTTL(t, e) })
		t.Run("refused reads", func(t *testing.T) { testRefused(t, e) })
		t.Run("one-time form", func(t *testing.T) { testOneTime(t, e) })
		t.Run("read-only spine upload", func(t *testing.T) { testReadOnlySpine(t, e) })
		t.Run("cursors and SQL PREPARE", func(t *testing.T) { testCursorsAndPrepare(t, e) })
		t.Run("EXPLAIN", func(t *testing.T) { testExplain(t, e) })
		t.Run("constants in the text", func(t *testing.T) { testConstantsInText(t, e) })
	})
}

// testConstantsInText: lookups whose keys are constants in the text (the
// simple protocol of psql and psycopg2) share one plan per shape, bound to
// each string's constants; every string, the first of its shape or not,
// gets the rows of its own keys. Shapes whose constants are not all keys
// take the full parse every time, with the same results.
func testConstantsInText(t *testing.T, e *lookupEnv) {
	simple := pgx.QueryExecModeSimpleProtocol
	profile := func(key string, months any, plan any) [][]any { return [][]any{{key, months, plan}} }
	for range 2 { // the second round finds every shape cached
		e.equals(t, profile("u1", int64(4), "premium"), `SELECT user_id, months_active, plan FROM profile_fv WHERE user_id = 'u1'`, simple)
		e.equals(t, profile("u2", int64(12), "DSL"), `SELECT user_id, months_active, plan FROM profile_fv WHERE user_id = 'u2'`, simple)
		e.equals(t, profile("it's", nil, nil), `SELECT user_id, months_active, plan FROM profile_fv WHERE user_id = 'it''s'`, simple)
		e.equals(t, profile("u3", int64(7), nil), `SELECT user_id, months_active, plan FROM profile_fv WHERE 'u3' = user_id`, simple)
		e.equals(t, profile("u3", int64(7), nil), `SELECT user_id, months_active, plan FROM profile_fv WHERE user_id = 'u3'::text`, simple)
		e.equals(t, [][]any{{"u2", int64(12)}, {"u9", nil}}, `SELECT user_id, months_active FROM profile_fv WHERE user_id IN ('u2', 'u9')`, simple)
		e.equals(t, [][]any{{"u1", int64(4)}, {"u3", int64(7)}}, `SELECT user_id, months_active FROM profile_fv WHERE user_id IN ('u1', 'u3')`, simple)
		e.equals(t, [][]any{{int64(7), int64(2), float32(5)}}, `SELECT driver_id, trip_id, rating FROM trip_fv WHERE driver_id = 7 AND trip_id = 2`, simple)
		e.equals(t, [][]any{{int64(8), int64(1), float32(3.5)}}, `SELECT driver_id, trip_id, rating FROM trip_fv WHERE driver_id = '8' AND trip_id = 1`, simple)
		e.equals(t, [][]any{{int64(3000000000), int64(1), nil}}, `SELECT driver_id, trip_id, rating FROM trip_fv WHERE driver_id = 3000000000 AND trip_id = 1`, simple)
		e.equals(t, nil, `SELECT user_id, months_active FROM profile_fv WHERE user_id = 'u1' LIMIT 0`, simple)
		e.equals(t, [][]any{{int32(5), float32(0.5)}}, `SELECT k, v FROM small_fv WHERE k = 5`, simple)
		e.equals(t, [][]any{{int32(6), nil}}, `SELECT k, v FROM small_fv WHERE k = 6`, simple)
	}
	_, _, err := queryAll(context.Background(), e.conn, `SELECT k, v FROM small_fv WHERE k = 3000000000`, simple)
	if pgErr := (*pgconn.PgError)(nil); !errors.As(err, &pgErr) || pgErr.Code != "42804" {
		t.Errorf("a key out of the integer range: %v, want 42804", err)
	}
}

func testInOrder(t *testing.T, e *lookupEnv) {
	want := [][]any{{"u3", int64(7), nil}, {"nobody", nil, nil}, {"u1", int64(4), "premium"}, {"u3", int64(7), nil}}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		e.equals(t, want, `SELECT user_id, months_active, plan FROM profile_fv WHERE user_id IN ('u3', 'nobody', 'u1', 'u3')`, mode)
	}
	e.equals(t, want[2:3], `SELECT user_id, months_active, plan FROM profile_fv WHERE user_id = $1`, "u1")
	e.equals(t, want[2:3], `SELECT user_id, months_active, plan FROM profile_fv WHERE 'u1' = user_id`)
	e.equals(t, nil, `SELECT user_id, months_active FROM profile_fv WHERE user_id = 'u1' LIMIT 0`)
}

func testAny(t *testing.T, e *lookupEnv) {
	want := [][]any{{"u2", int64(12)}, {"x", nil}, {"u1", int64(4)}, {"u2", int64(12)}}
	const sql = `SELECT user_id, months_active FROM profile_fv WHERE user_id = ANY($1)`
	e.equals(t, want, sql, []string{"u2", "x", "u1", "u2"})
	e.equals(t, nil, sql, []string{})
	e.equals(t, want, `SELECT user_id, months_active FROM profile_fv WHERE user_id = ANY('{u2,x,u1,u2}')`)
	e.equals(t, want, `SELECT user_id, months_active FROM profile_fv WHERE user_id = ANY(ARRAY['u2', 'x', 'u1', 'u2'])`)
	// Many keys in one batch keep their order.
	var keys []string
	var many [][]any
	for i := range 500 {
		k := []string{"u1", "u2", "u3", fmt.Sprintf("none-%d", i)}[i%4]
		keys = append(keys, k)
		var v any
		switch k {
		case "u1":
			v = int64(4)
		case "u2":
			v = int64(12)
		case "u3":
			v = int64(7)
		}
		many = append(many, []any{k, v})
	}
	e.equals(t, many, sql, keys)
}

func testComposite(t *testing.T, e *lookupEnv) {
	e.equals(t, [][]any{{int64(7), int64(2), numeric("20.75"), float32(5), at("2024-01-11T00:00:00Z")}},
		`SELECT driver_id, trip_id, fare, rating, event_timestamp FROM trip_fv WHERE driver_id = 7 AND trip_id = 2`)
	e.equals(t, [][]any{{int64(8), int64(1), float32(3.5)}},
		`SELECT driver_id, trip_id, rating FROM trip_fv WHERE trip_id = $1 AND driver_id = $2`, int64(1), int64(8))
	e.equals(t, [][]any{{int64(8), int64(1), float32(3.5)}}, // a quoted integer, as PostgreSQL accepts it
		`SELECT driver_id, trip_id, rating FROM trip_fv WHERE driver_id = '8' AND trip_id = 1`)
	e.equals(t, [][]any{
		{int64(8), int64(1), numeric("9.99")},
		{int64(7), int64(99), nil},
		{int64(7), int64(1), numeric("12.5")},
	}, `SELECT driver_id, trip_id, fare FROM trip_fv WHERE (driver_id, trip_id) IN ((8, 1), (7, 99), (7, 1))`)
}

func testService(t *testing.T, e *lookupEnv) {
	fields, rows, err := queryAll(context.Background(), e.conn, `SELECT * FROM churn_v1 WHERE user_id IN ('u1', 'u2', 'zz')`)
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, fields, []string{"user_id", "event_timestamp", "months_active", "plan", "watch_hours"},
		[]uint32{pgtype.TextOID, pgtype.TimestamptzOID, pgtype.Int8OID, pgtype.TextOID, pgtype.Float8OID})
	want := [][]any{
		{"u1", e.recent, int64(4), "premium", 47.5},               // usage is the newer value
		{"u2", at("2024-01-20T00:00:00Z"), int64(12), "DSL", nil}, // usage expired: not its ts either
		{"zz", nil, nil, nil, nil},                                // unknown
	}
	if !sameRows(rows, want) {
		t.Errorf("churn_v1:\n--- got\n%s--- want\n%s", render(rows), render(want))
	}
}

func testStar(t *testing.T, e *lookupEnv) {
	fields, rows, err := queryAll(context.Background(), e.conn, `SELECT * FROM profile_fv WHERE user_id = 'u1'`)
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, fields,
		[]string{"user_id", "event_timestamp", "months_active", "monthly_fee", "plan", "active", "score"},
		[]uint32{pgtype.TextOID, pgtype.TimestamptzOID, pgtype.Int8OID, pgtype.Float4OID, pgtype.TextOID, pgtype.BoolOID, pgtype.NumericOID})
	want := [][]any{{"u1", at("2024-01-31T00:00:00Z"), int64(4), float32(30.5), "premium", false, numeric("2.50")}}
	if rows = num(rows); !sameRows(rows, want) {
		t.Errorf("SELECT *:\n--- got\n%s--- want\n%s", render(rows), render(want))
	}
	fields, _, err = queryAll(context.Background(), e.conn, `SELECT p.plan AS p_plan, p.user_id FROM profile_fv p WHERE p.user_id = 'u3'`)
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, fields, []string{"p_plan", "user_id"}, []uint32{pgtype.TextOID, pgtype.TextOID})
}

func testFeatures(t *testing.T, e *lookupEnv) {
	e.equals(t, [][]any{{"u1", int64(4), 47.5}, {"u3", int64(7), nil}},
		`SELECT user_id, profile_fv__months_active, watch_hours FROM features WHERE user_id = ANY($1)`, []string{"u1", "u3"})
	// * of features: every online view the given keys answer (not trip_fv).
	fields, rows, err := queryAll(context.Background(), e.conn, `SELECT * FROM features WHERE user_id = 'u2'`)
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, fields,
		[]string{"user_id", "event_timestamp", "months_active", "monthly_fee", "plan", "active", "score", "watch_hours"},
		[]uint32{pgtype.TextOID, pgtype.TimestamptzOID, pgtype.Int8OID, pgtype.Float4OID, pgtype.TextOID, pgtype.BoolOID, pgtype.NumericOID, pgtype.Float8OID})
	want := [][]any{{"u2", at("2024-01-20T00:00:00Z"), int64(12), float32(55.25), "DSL", true, nil, nil}}
	if rows = num(rows); !sameRows(rows, want) {
		t.Errorf("SELECT * FROM features:\n--- got\n%s--- want\n%s", render(rows), render(want))
	}
}

// wantNames checks result column names and type OIDs.
func wantNames(t *testing.T, fields []pgconn.FieldDescription, names []string, oids []uint32) {
	t.Helper()
	var gotNames []string
	var gotOIDs []uint32
	for _, f := range fields {
		gotNames = append(gotNames, f.Name)
		gotOIDs = append(gotOIDs, f.DataTypeOID)
	}
	if !reflect.DeepEqual(gotNames, names) || !reflect.DeepEqual(gotOIDs, oids) {
		t.Errorf("columns %v %v, want %v %v", gotNames, gotOIDs, names, oids)
	}
}

func testPrepared(t *testing.T, e *lookupEnv) {
	ctx := context.Background()
	sd, err := e.conn.Prepare(ctx, "one_profile", `SELECT user_id, months_active, monthly_fee, event_timestamp FROM profile_fv WHERE user_id = $1`)
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, sd.Fields, []string{"user_id", "months_active", "monthly_fee", "event_timestamp"},
		[]uint32{pgtype.TextOID, pgtype.Int8OID, pgtype.Float4OID, pgtype.TimestamptzOID})
	if !reflect.DeepEqual(sd.ParamOIDs, []uint32{pgtype.TextOID}) {
		t.Errorf("parameters %v, want [text]", sd.ParamOIDs)
	}
	for _, c := range []struct {
		key  string
		want []any
	}{
		{"u2", []any{"u2", int64(12), float32(55.25), at("2024-01-20T00:00:00Z")}},
		{"u1", []any{"u1", int64(4), float32(30.5), at("2024-01-31T00:00:00Z")}},
		{"nobody", []any{"nobody", nil, nil, nil}},
	} {
		e.equals(t, [][]any{c.want}, "one_profile", c.key)
	}
	sd, err = e.conn.Prepare(ctx, "batch_churn", `SELECT * FROM churn_v1 WHERE user_id = ANY($1)`)
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, sd.Fields, []string{"user_id", "event_timestamp", "months_active", "plan", "watch_hours"},
		[]uint32{pgtype.TextOID, pgtype.TimestamptzOID, pgtype.Int8OID, pgtype.TextOID, pgtype.Float8OID})
	if !reflect.DeepEqual(sd.ParamOIDs, []uint32{pgtype.TextArrayOID}) {
		t.Errorf("parameters %v, want [text[]]", sd.ParamOIDs)
	}
	e.equals(t, [][]any{{"u3", at("2024-01-15T00:00:00Z"), int64(7), nil, nil}}, "batch_churn", []string{"u3"})
}

func testTTL(t *testing.T, e *lookupEnv) {
	e.equals(t, [][]any{{"u1", 47.5, e.recent}, {"u2", nil, nil}, {"u3", nil, nil}},
		`SELECT user_id, watch_hours, event_timestamp FROM usage_fv WHERE user_id IN ('u1', 'u2', 'u3')`)
	res, err := e.gw.Planner.Lookup(context.Background(), plan.LookupRequest{
		Project: e.db, Features: []string{"profile_fv:months_active", "usage_fv:watch_hours"},
		Keys: []string{"user_id"}, Rows: [][]any{{"u1"}, {"u2"}, {"u3"}, {"nobody"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Features) != 2 || res.Features[0].Name != "months_active" || res.Features[1].Name != "watch_hours" {
		t.Fatalf("Lookup features %+v", res.Features)
	}
	months, watch := res.Features[0], res.Features[1]
	P, N, O := plan.StatusPresent, plan.StatusNotFound, plan.StatusOutsideMaxAge
	checks := []struct {
		what   string
		got    any
		wanted any
	}{
		{"months_active statuses", months.Status, []plan.Status{P, P, P, N}},
		{"months_active values", months.Values, []any{int64(4), int64(12), int64(7), nil}},
		{"watch_hours statuses", watch.Status, []plan.Status{P, O, N, N}},
		{"watch_hours values", watch.Values, []any{47.5, nil, nil, nil}},
		{"key rows", res.KeyRows, [][]any{{"u1"}, {"u2"}, {"u3"}, {"nobody"}}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.wanted) {
			t.Errorf("Lookup %s: %v, want %v", c.what, c.got, c.wanted)
		}
	}
	if !watch.EventTS[0].Equal(e.recent) || !watch.EventTS[1].Equal(at("2024-01-25T00:00:00Z")) || !watch.EventTS[2].IsZero() {
		t.Errorf("Lookup watch_hours event times %v", watch.EventTS)
	}
	if fmt.Sprint(watch.Status) != "[PRESENT OUTSIDE_MAX_AGE NOT_FOUND NOT_FOUND]" {
		t.Errorf("status names %v", watch.Status)
	}
}

// testOneTime: a read of a feature relation that is not a key lookup (a
// BI tool's preview, a count, a filter on a feature, a join, a cursor) is
// the one-time form at now() on the offline store: the same rows as the
// statement written with AS OF now(), in both protocols, with a NOTICE
// saying where it ran.
func testOneTime(t *testing.T, e *lookupEnv) {
	ctx := context.Background()
	for _, tt := range []struct{ sql, asOf string }{
		{`SELECT user_id, months_active, plan, score FROM profile_fv ORDER BY user_id`, `SELECT user_id, months_active, plan, score FROM profile_fv AS OF now() ORDER BY user_id`},
		{`SELECT * FROM profile_fv LIMIT 0`, `SELECT * FROM profile_fv AS OF now() LIMIT 0`},
		{`SELECT * FROM profile_fv WHERE 1 = 0`, `SELECT * FROM profile_fv AS OF now() WHERE 1 = 0`},
		{`SELECT months_active FROM profile_fv WHERE months_active = 4`, `SELECT months_active FROM profile_fv AS OF now() WHERE months_active = 4`},
		{`SELECT user_id FROM profile_fv WHERE user_id > 'u1' ORDER BY 1`, `SELECT user_id FROM profile_fv AS OF now() WHERE user_id > 'u1' ORDER BY 1`},
		{`SELECT plan FROM profile_fv WHERE user_id = 'u1' OR user_id = 'u2' ORDER BY 1`, `SELECT plan FROM profile_fv AS OF now() WHERE user_id = 'u1' OR user_id = 'u2' ORDER BY 1`},
		{`SELECT count(*) FROM fg_` + e.db + `.profile_fv`, `SELECT count(*) FROM profile_fv AS OF now()`},
		{`SELECT p.plan FROM profile_fv p JOIN profile_src s USING (user_id) WHERE p.user_id = 'u1'`, `SELECT p.plan FROM profile_fv AS OF now() p JOIN profile_src s USING (user_id) WHERE p.user_id = 'u1'`},
		{`SELECT s.user_id FROM profile_src s WHERE s.user_id IN (SELECT user_id FROM profile_fv WHERE user_id = 'u1')`, `SELECT s.user_id FROM profile_src s WHERE s.user_id IN (SELECT user_id FROM profile_fv AS OF now() WHERE user_id = 'u1')`},
	} {
		_, want, err := queryAll(ctx, e.conn, tt.asOf)
		if err != nil {
			t.Fatalf("%s: %v", tt.asOf, err)
		}
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
			_, got, err := queryAll(ctx, e.conn, tt.sql, mode)
			if err != nil || !sameRows(num(got), num(want)) {
				t.Errorf("%s (%v): %v\n--- got\n%s--- want (%s)\n%s", tt.sql, mode, err, render(got), tt.asOf, render(want))
			}
		}
	}
	if n := len(mustQuery(t, e.conn, `SELECT * FROM profile_fv`)); n != 3 {
		t.Errorf("a preview of profile_fv has %d rows, want one per entity (3)", n)
	}
	var notices []string
	cfg, err := pgx.ParseConfig(e.gw.DSN("alice", e.db))
	if err != nil {
		t.Fatal(err)
	}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { notices = append(notices, n.Message) }
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	mustQuery(t, conn, `SELECT * FROM profile_fv LIMIT 10`)
	if len(notices) != 1 || !strings.Contains(notices[0], "profile_fv read at now() on the offline PostgreSQL") {
		t.Errorf("the notices of a preview: %q", notices)
	}
}

func testRefused(t *testing.T, e *lookupEnv) {
	// A misspelled feature relation is PostgreSQL's 42P01, with a hint
	// naming the feature relation meant, in both protocols.
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		wantError(t, e.conn, "42P01", `relation "profil_fv" does not exist`, `did you mean the feature relation "profile_fv"?`,
			`SELECT months_active FROM profil_fv WHERE user_id = 'u1'`, mode)
	}
	// Part of a composite key names the missing key and lists them all.
	wantError(t, e.conn, "22023", "trip_id", "driver_id, trip_id", `SELECT * FROM trip_fv WHERE driver_id = 7`)
	// A key its column's type cannot hold is the client's mistake, named
	// as such (not an internal error), in both protocols.
	for _, sql := range []string{`SELECT k, v FROM small_fv WHERE k IN (5, 2147483648)`, `SELECT k, v FROM small_fv WHERE k = -2147483649`} {
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
			wantError(t, e.conn, "42804", "out of range for type integer", "", sql, mode)
		}
	}
	// A NULL in an array of keys names no entity: its row is all NULL.
	// An array of more than one dimension is refused.
	e.equals(t, [][]any{{int32(5), float32(0.5)}, {nil, nil}}, `SELECT k, v FROM small_fv WHERE k = ANY('{5,NULL}')`)
	wantError(t, e.conn, "42601", "one dimension", "", `SELECT k, v FROM small_fv WHERE k = ANY('{1,2,{3}}')`)
	// The session is still usable after the refusals.
	e.equals(t, [][]any{{"u1", int64(4)}}, `SELECT user_id, months_active FROM profile_fv WHERE user_id = 'u1'`)
}

func testExplain(t *testing.T, e *lookupEnv) {
	fields, rows, err := queryAll(context.Background(), e.conn, `EXPLAIN SELECT * FROM churn_v1 WHERE user_id IN ('u1', 'u2')`)
	if err != nil {
		t.Fatal(err)
	}
	if len(fields) != 1 || fields[0].Name != "QUERY PLAN" {
		t.Fatalf("EXPLAIN columns %v", fields)
	}
	var text strings.Builder
	for _, r := range rows {
		fmt.Fprintln(&text, r[0])
	}
	for _, want := range []string{"Online lookup", "no query to the offline store", "profile_fv", "usage_fv", "TTL 24h0m0s", "TTL none"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("EXPLAIN does not say %q:\n%s", want, text.String())
		}
	}
}

// TestPreparedLookupAfterCatalogChange: a lookup prepared before CREATE OR
// REPLACE changes the view's features reads the new definition when
// executed after it (as PostgreSQL re-plans a prepared statement whose
// relations changed), and one prepared before DROP fails instead of
// serving the dropped view's values.
func TestPreparedLookupAfterCatalogChange(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		ctx := context.Background()
		e := newEnv(t, "prepared_change", st, incTable)
		e.define(t, incCatalog...)
		materialize(t, e.conn, `MATERIALIZE INCREMENTAL TO '2024-02-01T00:00:00Z'`)
		if _, err := e.conn.Prepare(ctx, "amount_of", `SELECT user_id, amount FROM inc_fv WHERE user_id = $1`); err != nil {
			t.Fatal(err)
		}
		lookupEquals(t, e.conn, [][]any{{"u1", int64(11)}}, "amount_of", "u1")

		offlineExec(t, e.direct, `ALTER TABLE inc_src ADD COLUMN bonus bigint DEFAULT 7`)
		e.define(t, `CREATE OR REPLACE FEATURE VIEW inc_fv (amount BIGINT, bonus BIGINT) ENTITY customer SOURCE inc_source`)
		lookupEquals(t, e.conn, [][]any{{"u1", nil}}, `SELECT user_id, amount FROM inc_fv WHERE user_id = $1`,
			pgx.QueryExecModeSimpleProtocol, "u1")
		lookupEquals(t, e.conn, [][]any{{"u1", nil}}, "amount_of", "u1")

		e.define(t, `DROP FEATURE VIEW inc_fv`)
		if _, rows, err := queryAll(ctx, e.conn, "amount_of", "u1"); err == nil {
			t.Errorf("a lookup prepared before DROP FEATURE VIEW still answers: %v", rows)
		}
	})
}

// testReadOnlySpine: a read-only session uploads a spine with a plain
// CREATE TABLE and INSERT, as pandas' to_sql does; the table is the
// session's temporary one, and an AS OF join reads it.
func testReadOnlySpine(t *testing.T, e *lookupEnv) {
	ctx := context.Background()
	conn := connect(t, e.gw, e.db) // alice is read-only
	for _, sql := range []string{
		`CREATE TABLE spine_df (user_id text, t timestamptz)`,
		`INSERT INTO spine_df VALUES ('u1', '2024-01-20T00:00:00Z'), ('u2', '2024-01-25T00:00:00Z'), ('zz', '2024-01-25T00:00:00Z')`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var persistence string
	if err := conn.QueryRow(ctx, `SELECT relpersistence::text FROM pg_class WHERE oid = 'spine_df'::regclass`).Scan(&persistence); err != nil || persistence != "t" {
		t.Errorf("spine_df's persistence: %q, %v; want t (temporary)", persistence, err)
	}
	lookupEquals(t, conn, [][]any{{"u1", int64(3)}, {"u2", int64(12)}, {"zz", nil}},
		`SELECT s.user_id, f.months_active FROM spine_df s LEFT JOIN profile_fv AS OF s.t f USING (user_id) ORDER BY s.user_id`)
}

// testCursorsAndPrepare: lookups inside DECLARE … CURSOR (as psqlODBC
// sends every SELECT with UseDeclareFetch) and SQL-level PREPARE/EXECUTE
// are lookups: one row per key, unknown keys included, from the online
// store; FETCH, MOVE and CLOSE work on the cursor as on PostgreSQL's.
func testCursorsAndPrepare(t *testing.T, e *lookupEnv) {
	ctx := context.Background()
	conn := connect(t, e.gw, e.db)
	simple := pgx.QueryExecModeSimpleProtocol
	const lookup = `SELECT user_id, months_active FROM profile_fv WHERE user_id IN ('u2', 'nobody', 'u1')`
	// psqlODBC's shape: one query string, BEGIN, DECLARE … WITH HOLD, FETCH.
	results, err := conn.PgConn().Exec(ctx, `BEGIN; DECLARE "SQL_CUR1" CURSOR WITH HOLD FOR `+lookup+`; FETCH 2 IN "SQL_CUR1"`).ReadAll()
	if err != nil || len(results) != 3 {
		t.Fatalf("psqlODBC's DECLARE string: %d results, %v", len(results), err)
	}
	var fetched []string
	for _, r := range results[2].Rows {
		fetched = append(fetched, string(r[0])+"="+string(r[1]))
	}
	if got := strings.Join(fetched, " "); got != "u2=12 nobody=" || results[2].CommandTag.String() != "FETCH 2" {
		t.Errorf("FETCH 2 of the lookup cursor: %q (%s)", got, results[2].CommandTag)
	}
	lookupEquals(t, conn, [][]any{{"u1", int64(4)}}, `FETCH 100 IN "SQL_CUR1"`, simple)
	lookupEquals(t, conn, nil, `FETCH NEXT FROM "SQL_CUR1"`, simple)
	for _, sql := range []string{`CLOSE "SQL_CUR1"`, `COMMIT`} {
		if _, err := conn.Exec(ctx, sql, simple); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	wantError(t, conn, "34000", "does not exist", "", `FETCH 1 IN "SQL_CUR1"`, simple)
	// A cursor without HOLD lives in its transaction block; MOVE skips rows.
	wantError(t, conn, "25P01", "transaction blocks", "", `DECLARE c CURSOR FOR `+lookup, simple)
	for _, sql := range []string{`BEGIN`, `DECLARE c CURSOR FOR ` + lookup, `MOVE 1 IN c`} {
		if _, err := conn.Exec(ctx, sql, simple); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	lookupEquals(t, conn, [][]any{{"nobody", nil}, {"u1", int64(4)}}, `FETCH ALL FROM c`, simple)
	for _, back := range []string{`FETCH PRIOR FROM c`, `FETCH -1 FROM c`, `FETCH 0 FROM c`, `MOVE BACKWARD 1 IN c`} {
		wantError(t, conn, "0A000", "only moves forward", "", back, simple)
		if _, err := conn.Exec(ctx, `ROLLBACK`, simple); err != nil {
			t.Fatal(err)
		}
		for _, sql := range []string{`BEGIN`, `DECLARE c CURSOR FOR ` + lookup} {
			if _, err := conn.Exec(ctx, sql, simple); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
	}
	// A session holds a bounded number of lookup cursors.
	for i := 0; ; i++ {
		_, err := conn.Exec(ctx, fmt.Sprintf(`DECLARE c%d CURSOR FOR `+lookup, i), simple)
		if err == nil {
			continue
		}
		if pe := pgError(t, err, "a cursor past the limit"); pe.Code != "54000" || i != 63 {
			t.Fatalf("cursor %d refused with %s %s, want 54000 at the 64th", i+1, pe.Code, pe.Message)
		}
		break
	}
	if _, err := conn.Exec(ctx, `ROLLBACK`, simple); err != nil {
		t.Fatal(err)
	}
	wantError(t, conn, "34000", "does not exist", "", `FETCH 1 IN c`, simple)
	// SQL-level PREPARE and EXECUTE, then DEALLOCATE.
	if _, err := conn.Exec(ctx, `PREPARE by_user(text) AS SELECT user_id, plan FROM profile_fv WHERE user_id = $1`, simple); err != nil {
		t.Fatal(err)
	}
	lookupEquals(t, conn, [][]any{{"u1", "premium"}}, `EXECUTE by_user('u1')`, simple)
	lookupEquals(t, conn, [][]any{{"nobody", nil}}, `EXECUTE by_user('nobody')`, simple)
	wantError(t, conn, "42601", "wrong number of parameters", "", `EXECUTE by_user('u1', 'u2')`, simple)
	if _, err := conn.Exec(ctx, `DEALLOCATE by_user`, simple); err != nil {
		t.Fatal(err)
	}
	wantError(t, conn, "26000", "does not exist", "", `EXECUTE by_user('u1')`, simple)
}
