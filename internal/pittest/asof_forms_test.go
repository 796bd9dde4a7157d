package pittest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The forms that need more than a query and its rows: parameters and
// Describe, a spine the client copies in, `*`, ambiguous names, EXPLAIN,
// and sessions in another time zone. They run over one scenario.

// formsSeed is the scenario of these tests.
const formsSeed = 3

// newFormsFixture starts a gateway over a database holding the forms
// scenario, with the (keys, ts) indexes.
func newFormsFixture(t *testing.T, db string) (*fixture, *scenario) {
	t.Helper()
	f := newGateway(t, db, true)
	sc := generate(formsSeed)
	if err := sc.load(context.Background(), f.direct); err != nil {
		t.Fatal(err)
	}
	return f, sc
}

// OIDs of the types the suite reads.
const (
	oidBool        = 16
	oidInt8        = 20
	oidText        = 25
	oidFloat8      = 701
	oidTimestamptz = 1184
)

// TestAsOfDescribe prepares AS OF statements (Parse and Describe, no
// Execute) and checks their parameters and result columns.
func TestAsOfDescribe(t *testing.T) {
	f, _ := newFormsFixture(t, "pit_describe")
	conn := f.connect(t, pgx.QueryExecModeCacheStatement)
	type col struct {
		name string
		oid  uint32
	}
	for i, c := range []struct {
		sql    string
		params []uint32
		cols   []col
	}{
		{"SELECT s.id, s.t, f.a, f.b, f.n, f.flag FROM spine s LEFT JOIN features AS OF s.t f USING (user_id) WHERE s.t < $1",
			[]uint32{oidTimestamptz},
			[]col{{"id", oidInt8}, {"t", oidTimestamptz}, {"a", oidInt8}, {"b", oidFloat8}, {"n", oidText}, {"flag", oidBool}}},
		{"SELECT * FROM v_ua AS OF $1 WHERE user_id = $2",
			[]uint32{oidTimestamptz, oidText},
			[]col{{"user_id", oidText}, {"event_timestamp", oidTimestamptz}, {"a", oidInt8}, {"b", oidFloat8}}},
		{"SELECT f.* FROM spine s LEFT JOIN svc_user AS OF s.t f USING (user_id)", nil,
			[]col{{"user_id", oidText}, {"event_timestamp", oidTimestamptz}, {"a", oidInt8}, {"b", oidFloat8}, {"x", oidInt8}, {"n", oidText}}},
		{"SELECT s.id, p.v_pair__score FROM spine s JOIN v_pair AS OF s.t p USING (region, shop) WHERE s.region = $1 AND s.shop = $2",
			[]uint32{oidText, oidInt8}, []col{{"id", oidInt8}, {"v_pair__score", oidInt8}}},
	} {
		sd, err := conn.Prepare(context.Background(), fmt.Sprintf("pit_describe_%d", i), c.sql)
		if err != nil {
			t.Errorf("prepare %s: %v", c.sql, err)
			continue
		}
		var got []col
		for _, fd := range sd.Fields {
			got = append(got, col{fd.Name, fd.DataTypeOID})
		}
		if !slices.Equal(got, c.cols) || !slices.Equal(sd.ParamOIDs, c.params) {
			t.Errorf("%s\n  want params %v columns %v\n  got  params %v columns %v", c.sql, c.params, c.cols, sd.ParamOIDs, got)
		}
	}
}

// TestAsOfParameters runs AS OF queries whose time and key are $n
// parameters, each prepared statement executed with many values.
func TestAsOfParameters(t *testing.T) {
	f, sc := newFormsFixture(t, "pit_params")
	for mode, qm := range modes {
		conn := f.connect(t, qm)
		for _, at := range constantTimes() {
			for _, user := range []string{"u0", "u1", "u2", "u3", "u4", "u_none"} {
				c := pitCase{name: "constant", views: []string{"v_ua"}, args: []any{at, user}, card: perUser,
					sql: "SELECT user_id, a, b FROM v_ua AS OF $1 WHERE user_id = $2",
					want: func(sc *scenario) [][]any {
						v := sc.view("v_ua")
						if !slices.ContainsFunc(v.present(at), func(k []any) bool { return k[0] == user }) {
							return nil
						}
						k := []any{user}
						return [][]any{{user, v.value(k, &at, "a"), v.value(k, &at, "b")}}
					}}
				t.Run(fmt.Sprintf("%s/at %s/%s", mode, at.Format(time.RFC3339Nano), user), func(t *testing.T) { checkCase(t, conn, sc, c) })
			}
		}
		for _, user := range []string{"u0", "u1", "u2", "u3", "u4", dstUser} {
			c := pitCase{name: "per row", views: []string{"v_ub", "v_uc"}, args: []any{user}, card: atMostOne,
				sql: "SELECT s.id, s.t, f.n, f.flag FROM spine s LEFT JOIN features AS OF s.t f USING (user_id) WHERE s.user_id = $1",
				want: func(sc *scenario) [][]any {
					return eachSpine(sc, func(s spineRow) bool { return s.userID == user }, func(s spineRow) []any {
						return []any{s.id, s.t, sc.val(s, "v_ub", "n"), sc.val(s, "v_uc", "flag")}
					})
				}}
			t.Run(fmt.Sprintf("%s/per row/%s", mode, user), func(t *testing.T) { checkCase(t, conn, sc, c) })
		}
	}
}

// TestAsOfCopiedSpine fills a temporary spine table through the gateway
// with COPY FROM STDIN (pgx CopyFrom), then joins features to it.
func TestAsOfCopiedSpine(t *testing.T) {
	f, sc := newFormsFixture(t, "pit_copy")
	ctx := context.Background()
	for mode, qm := range modes {
		conn := f.connect(t, qm)
		if _, err := conn.Exec(ctx, "CREATE TEMPORARY TABLE tspine (id bigint, user_id text, item_id bigint, t timestamptz)"); err != nil {
			t.Fatal(err)
		}
		var rows [][]any
		for _, s := range sc.spine {
			rows = append(rows, []any{s.id, s.userID, s.itemID, nullable(s.t)})
		}
		n, err := conn.CopyFrom(ctx, pgx.Identifier{"tspine"}, []string{"id", "user_id", "item_id", "t"}, pgx.CopyFromRows(rows))
		if err != nil || n != int64(len(rows)) {
			t.Fatalf("%s: copy %d of %d rows: %v", mode, n, len(rows), err)
		}
		c := pitCase{name: "copied spine", views: []string{"v_ua", "v_ub", "v_item"},
			sql: "SELECT s.id, s.t, f.a, f.n, f.price FROM tspine s LEFT JOIN features AS OF s.t f USING (user_id, item_id)",
			want: func(sc *scenario) [][]any {
				return eachSpine(sc, nil, func(s spineRow) []any { // each view on its own keys (docs/pit.md)
					return []any{s.id, s.t, sc.val(s, "v_ua", "a"), sc.val(s, "v_ub", "n"), sc.val(s, "v_item", "price")}
				})
			}}
		t.Run(mode, func(t *testing.T) { checkCase(t, conn, sc, c) })
	}
}

// TestAsOfStar checks what `*` and `f.*` expand to: the keys, which are
// the spine's, event_timestamp, the time the features are read as of (as
// Feast's entity_df event_timestamp), and the features.
func TestAsOfStar(t *testing.T) {
	f, sc := newFormsFixture(t, "pit_star")
	at := gridInstant(9)
	// spineSide is what a LEFT JOIN … ON f.user_id = s.user_id gives for
	// the relation's key and event_timestamp: NULL when the key is.
	spineSide := func(s spineRow) (key, ts any) {
		if s.userID == nil {
			return nil, nil
		}
		return s.userID, s.t
	}
	for mode, qm := range modes {
		conn := f.connect(t, qm)
		for _, c := range []struct {
			sql   string
			names []string
			want  func(sc *scenario) [][]any
			card  cardinality
			from  int // the column the cardinality's id or key starts at
		}{
			{"SELECT s.id, f.* FROM spine s LEFT JOIN v_ua AS OF s.t f ON f.user_id = s.user_id",
				[]string{"id", "user_id", "event_timestamp", "a", "b"},
				func(sc *scenario) [][]any {
					return eachSpine(sc, nil, func(s spineRow) []any {
						key, ts := spineSide(s)
						return []any{s.id, key, ts, sc.val(s, "v_ua", "a"), sc.val(s, "v_ua", "b")}
					})
				}, cardinality{kind: cardSpine}, 0},
			{"SELECT * FROM spine s LEFT JOIN svc_user AS OF s.t f USING (user_id)",
				[]string{"user_id", "id", "item_id", "region", "shop", "t", "event_timestamp", "a", "b", "x", "n"},
				func(sc *scenario) [][]any {
					return eachSpine(sc, nil, func(s spineRow) []any {
						_, ts := spineSide(s)
						return []any{s.userID, s.id, s.itemID, s.region, s.shop, s.t, ts,
							sc.val(s, "v_ua", "a"), sc.val(s, "v_ua", "b"), sc.val(s, "v_uc", "x"), sc.val(s, "v_ub", "n")}
					})
				}, cardinality{kind: cardSpine}, 1},
			{"SELECT * FROM v_ub AS OF " + lit(at) + " WHERE user_id IN ('u1', 'u2', 'u4')",
				[]string{"user_id", "event_timestamp", "x", "n"},
				func(sc *scenario) [][]any {
					var out [][]any
					v := sc.view("v_ub")
					for _, k := range v.present(at) {
						if k[0] == "u1" || k[0] == "u2" || k[0] == "u4" {
							out = append(out, []any{k[0], at, v.value(k, &at, "x"), v.value(k, &at, "n")})
						}
					}
					return out
				}, perUser, 0},
		} {
			names, rows, err := queryRows(context.Background(), conn, c.sql)
			if err != nil {
				t.Errorf("%s: %s: %v", mode, c.sql, err)
				continue
			}
			if !slices.Equal(names, c.names) {
				t.Errorf("%s: %s\n  columns %v, want %v", mode, c.sql, names, c.names)
				continue
			}
			var from [][]any
			for _, r := range rows {
				from = append(from, r[c.from:])
			}
			if err := c.card.check(sc.ids(), from); err != nil {
				t.Errorf("%s: %s\n%v", mode, c.sql, err)
			}
			w, g := canonRows(c.want(sc), false), canonRows(rows, false)
			if !slices.Equal(w, g) {
				t.Errorf("%s: %s\n%s", mode, c.sql, diffReport(w, g, false, 6))
			}
		}
	}
}

// TestAsOfAmbiguousName reads a feature name two views of `features`
// share: an error listing both full names.
func TestAsOfAmbiguousName(t *testing.T) {
	f, _ := newFormsFixture(t, "pit_ambiguous")
	conn := f.connect(t, pgx.QueryExecModeCacheStatement)
	for _, sql := range []string{
		"SELECT s.id, f.x FROM spine s LEFT JOIN features AS OF s.t f USING (user_id)",
		"SELECT user_id, x FROM features AS OF TIMESTAMPTZ '2024-03-10 00:00:00+00' WHERE user_id = 'u1'",
	} {
		_, _, err := queryRows(context.Background(), conn, sql)
		code, msg := sqlState(err)
		if code != "42702" || !strings.Contains(msg, "v_ub__x") || !strings.Contains(msg, "v_uc__x") {
			t.Errorf("%s: want 42702 naming v_ub__x and v_uc__x, got %s %q", sql, code, msg)
		}
	}
}

// TestAsOfExplainJoinsOnlyUsedViews checks with EXPLAIN that the plan
// reads the sources of the views whose columns the query uses, and no
// other.
func TestAsOfExplainJoinsOnlyUsedViews(t *testing.T) {
	f, _ := newFormsFixture(t, "pit_explain")
	conn := f.connect(t, pgx.QueryExecModeSimpleProtocol)
	all := []string{"src_ua", "src_ub", "src_uc", "src_item", "src_pair"}
	for _, c := range []struct {
		sql  string
		used []string
	}{
		{"SELECT s.id, f.a FROM spine s LEFT JOIN features AS OF s.t f USING (user_id)", []string{"src_ua"}},
		{"SELECT s.id, f.n FROM spine s LEFT JOIN svc_user AS OF s.t f USING (user_id)", []string{"src_ub"}},
		{"SELECT s.id, f.price, f.flag FROM spine s LEFT JOIN features AS OF s.t f USING (user_id, item_id)", []string{"src_item", "src_uc"}},
		{"SELECT user_id, b FROM svc_user AS OF TIMESTAMPTZ '2024-03-10 00:00:00+00'", []string{"src_ua"}},
	} {
		_, rows, err := queryRows(context.Background(), conn, "EXPLAIN "+c.sql)
		if err != nil {
			t.Errorf("EXPLAIN %s: %v", c.sql, err)
			continue
		}
		var b strings.Builder
		for _, r := range rows {
			fmt.Fprintln(&b, r...)
		}
		plan := b.String()
		for _, table := range all {
			if strings.Contains(plan, table) != slices.Contains(c.used, table) {
				t.Errorf("EXPLAIN %s: the plan should read %v only, and %s is %v in it:\n%s",
					c.sql, c.used, table, map[bool]string{true: "present", false: "absent"}[strings.Contains(plan, table)], plan)
			}
		}
	}
}

// TestAsOfTimeZones runs the suite's queries in a session set to New
// York, where the data crosses the start of daylight saving time (a local
// day of 23 hours): the rows are those of UTC, TTLs being durations, and
// a timestamptz literal with an offset, or in local time, names the same
// instant.
func TestAsOfTimeZones(t *testing.T) {
	f, sc := newFormsFixture(t, "pit_tz")
	ctx := context.Background()
	for mode, qm := range modes {
		ny := f.connect(t, qm)
		if _, err := ny.Exec(ctx, "SET TIME ZONE 'America/New_York'"); err != nil {
			t.Fatal(err)
		}
		utc := f.connect(t, qm)
		at := time.Date(2024, 3, 10, 11, 30, 0, 0, time.UTC) // 07:30 EDT
		var cases []pitCase
		for _, c := range perRowCases() {
			if c.name == "features USING" || c.name == "two entities" || c.name == "service USING" || c.name == "composite key USING" {
				cases = append(cases, c)
			}
		}
		for _, literal := range []string{"TIMESTAMPTZ '2024-03-10 07:30:00-04'", "TIMESTAMPTZ '2024-03-10 07:30:00'", "'2024-03-10 11:30:00+00'::timestamptz"} {
			for _, c := range constantCases(at) {
				c.name += " " + literal
				c.sql = strings.Replace(c.sql, lit(at), literal, 1)
				cases = append(cases, c)
			}
		}
		for _, c := range cases {
			t.Run(mode+"/New_York/"+c.name, func(t *testing.T) { checkCase(t, ny, sc, c) })
		}
		for _, c := range constantCases(at) {
			t.Run(mode+"/UTC/"+c.name, func(t *testing.T) { checkCase(t, utc, sc, c) })
		}
	}
}
