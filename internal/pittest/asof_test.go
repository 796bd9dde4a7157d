package pittest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pitCase is one AS OF query checked against the reference.
type pitCase struct {
	name    string
	sql     string
	args    []any
	ordered bool     // the query has an ORDER BY: compare in order
	views   []string // the views whose source rows explain a difference
	want    func(sc *scenario) [][]any
	// card is the number of rows the query must give: by default one per
	// spine row (its id first), or as many as spine gives (nil: the
	// scenario's spine).
	card  cardinality
	spine func(sc *scenario) []int64
}

// atMostOne is the cardinality of JOINs and filtered per-row queries.
var atMostOne = cardinality{kind: cardSpine, atMost: true}

// eachSpine builds the expected rows of a per-row query: row(s) for every
// spine row s that keep accepts (nil: all).
func eachSpine(sc *scenario, keep func(spineRow) bool, row func(spineRow) []any) [][]any {
	var out [][]any
	for _, s := range sc.spine {
		if keep == nil || keep(s) {
			out = append(out, row(s))
		}
	}
	return out
}

// lit renders an instant as a timestamptz literal with an offset.
func lit(t time.Time) string {
	return "TIMESTAMPTZ '" + t.UTC().Format("2006-01-02 15:04:05.999999-07:00") + "'"
}

// perRowCases are the per-row forms over the spine table: a view (ON and
// USING), a service, features, inner joins, composite keys, two entities,
// filters with ORDER BY and LIMIT, aggregates, and other spines.
func perRowCases() []pitCase {
	user := []string{"v_ua", "v_ub", "v_uc"}
	return []pitCase{
		{name: "view ON", views: []string{"v_ua"},
			sql: "SELECT s.id, s.user_id, s.t, f.a, f.b FROM spine s LEFT JOIN v_ua AS OF s.t AS f ON f.user_id = s.user_id",
			want: func(sc *scenario) [][]any {
				return eachSpine(sc, nil, func(s spineRow) []any {
					return []any{s.id, s.userID, s.t, sc.val(s, "v_ua", "a"), sc.val(s, "v_ua", "b")}
				})
			}},
		{name: "view USING full names", views: []string{"v_ub"},
			sql: "SELECT s.id, s.t, f.v_ub__x, f.n, f.v_ub__n FROM spine s LEFT JOIN v_ub AS OF s.t f USING (user_id)",
			want: func(sc *scenario) [][]any {
				return eachSpine(sc, nil, func(s spineRow) []any {
					n := sc.val(s, "v_ub", "n")
					return []any{s.id, s.t, sc.val(s, "v_ub", "x"), n, n}
				})
			}},
		{name: "features USING", views: user, sql: featuresUsingSQL, want: featuresUsingWant},
		{name: "service USING", views: user,
			sql: "SELECT s.id, s.t, f.a, f.v_ua__b, f.x, f.v_uc__x, f.n FROM spine s LEFT JOIN svc_user AS OF s.t f USING (user_id)",
			want: func(sc *scenario) [][]any {
				return eachSpine(sc, nil, func(s spineRow) []any {
					x := sc.val(s, "v_uc", "x")
					return []any{s.id, s.t, sc.val(s, "v_ua", "a"), sc.val(s, "v_ua", "b"), x, x, sc.val(s, "v_ub", "n")}
				})
			}},
		{name: "service ON", views: []string{"v_ua", "v_ub"},
			sql: "SELECT s.id, s.t, f.b, f.n FROM spine s LEFT JOIN svc_user AS OF s.t AS f ON f.user_id = s.user_id",
			want: func(sc *scenario) [][]any {
				return eachSpine(sc, nil, func(s spineRow) []any {
					return []any{s.id, s.t, sc.val(s, "v_ua", "b"), sc.val(s, "v_ub", "n")}
				})
			}},
		{name: "features ON", views: []string{"v_ub", "v_uc"},
			sql: "SELECT s.id, s.t, f.v_ub__x, f.v_uc__x, f.flag FROM spine s LEFT JOIN features AS OF s.t AS f ON f.user_id = s.user_id",
			want: func(sc *scenario) [][]any {
				return eachSpine(sc, nil, func(s spineRow) []any {
					return []any{s.id, s.t, sc.val(s, "v_ub", "x"), sc.val(s, "v_uc", "x"), sc.val(s, "v_uc", "flag")}
				})
			}},
		{name: "inner JOIN view", card: atMostOne, views: []string{"v_ub"},
			sql: "SELECT s.id, s.t, f.x, f.n FROM spine s JOIN v_ub AS OF s.t f USING (user_id)",
			want: func(sc *scenario) [][]any {
				return eachSpine(sc, func(s spineRow) bool { return sc.found(s, "v_ub") }, func(s spineRow) []any {
					return []any{s.id, s.t, sc.val(s, "v_ub", "x"), sc.val(s, "v_ub", "n")}
				})
			}},
		{name: "inner JOIN features two views", card: atMostOne, views: []string{"v_ua", "v_uc"},
			sql: "SELECT s.id, s.t, f.a, f.flag FROM spine s JOIN features AS OF s.t f USING (user_id)",
			want: func(sc *scenario) [][]any {
				keep := func(s spineRow) bool { return sc.found(s, "v_ua") && sc.found(s, "v_uc") }
				return eachSpine(sc, keep, func(s spineRow) []any {
					return []any{s.id, s.t, sc.val(s, "v_ua", "a"), sc.val(s, "v_uc", "flag")}
				})
			}},
		{name: "composite key USING", views: []string{"v_pair"},
			sql: "SELECT s.id, s.region, s.shop, s.t, p.score FROM spine s LEFT JOIN v_pair AS OF s.t p USING (region, shop)",
			want: func(sc *scenario) [][]any {
				return eachSpine(sc, nil, func(s spineRow) []any {
					return []any{s.id, s.region, s.shop, s.t, sc.val(s, "v_pair", "score")}
				})
			}},
		{name: "composite key ON", views: []string{"v_pair"},
			sql: "SELECT s.id, s.t, p.score FROM spine s LEFT JOIN v_pair AS OF s.t AS p ON p.region = s.region AND p.shop = s.shop",
			want: func(sc *scenario) [][]any {
				return eachSpine(sc, nil, func(s spineRow) []any { return []any{s.id, s.t, sc.val(s, "v_pair", "score")} })
			}},
		{name: "two entities", views: []string{"v_ua", "v_item"}, sql: twoEntitiesSQL, want: twoEntitiesWant},
		{name: "two entities inner", card: atMostOne, views: []string{"v_ub", "v_item"},
			sql: "SELECT s.id, a.n, b.stock FROM spine s JOIN v_ub AS OF s.t a USING (user_id) JOIN v_item AS OF s.t b USING (item_id)",
			want: func(sc *scenario) [][]any {
				keep := func(s spineRow) bool { return sc.found(s, "v_ub") && sc.found(s, "v_item") }
				return eachSpine(sc, keep, func(s spineRow) []any {
					return []any{s.id, sc.val(s, "v_ub", "n"), sc.val(s, "v_item", "stock")}
				})
			}},
		{name: "features of three entities", views: []string{"v_ua", "v_item", "v_pair"},
			sql: "SELECT s.id, s.t, f.a, f.price, f.score FROM spine s LEFT JOIN features AS OF s.t f USING (user_id, item_id, region, shop)",
			want: func(sc *scenario) [][]any {
				// Each view is read on its own keys, as Feast does: a NULL
				// in one key blanks only the views that read it
				// (docs/pit.md).
				return eachSpine(sc, nil, func(s spineRow) []any {
					return []any{s.id, s.t, sc.val(s, "v_ua", "a"), sc.val(s, "v_item", "price"), sc.val(s, "v_pair", "score")}
				})
			}},
		{name: "filter ORDER BY LIMIT", card: atMostOne, views: []string{"v_ua"}, ordered: true,
			sql: "SELECT s.id, s.t, f.a FROM spine s LEFT JOIN v_ua AS OF s.t f USING (user_id) WHERE s.t IS NOT NULL AND s.user_id <> 'u0' ORDER BY s.id LIMIT 25",
			want: func(sc *scenario) [][]any {
				rows := eachSpine(sc, func(s spineRow) bool { return s.t != nil && s.userID != nil && s.userID != "u0" },
					func(s spineRow) []any { return []any{s.id, s.t, sc.val(s, "v_ua", "a")} })
				slices.SortStableFunc(rows, func(a, b []any) int { return cmp.Compare(a[0].(int64), b[0].(int64)) })
				return rows[:min(25, len(rows))]
			}},
		{name: "filter on a feature", card: atMostOne, views: []string{"v_ua"},
			sql: "SELECT s.id, f.b FROM spine s LEFT JOIN v_ua AS OF s.t f USING (user_id) WHERE f.b > 0",
			want: func(sc *scenario) [][]any {
				keep := func(s spineRow) bool { b, ok := sc.val(s, "v_ua", "b").(float64); return ok && b > 0 }
				return eachSpine(sc, keep, func(s spineRow) []any { return []any{s.id, sc.val(s, "v_ua", "b")} })
			}},
		{name: "aggregate", card: cardinality{kind: cardOne}, views: user,
			sql: "SELECT count(*), count(f.a), coalesce(sum(f.a), 0)::bigint, count(f.n), count(f.x) FROM spine s LEFT JOIN svc_user AS OF s.t f USING (user_id)",
			want: func(sc *scenario) [][]any {
				var n, na, sum, nn, nx int64
				for _, s := range sc.spine {
					n++
					if a := sc.val(s, "v_ua", "a"); a != nil {
						na, sum = na+1, sum+a.(int64)
					}
					if sc.val(s, "v_ub", "n") != nil {
						nn++
					}
					if sc.val(s, "v_uc", "x") != nil {
						nx++
					}
				}
				return [][]any{{n, na, sum, nn, nx}}
			}},
		{name: "spine VIEW", views: []string{"v_ua", "v_uc"},
			sql: "SELECT s.id, s.t, f.a, f.flag FROM spine_v s LEFT JOIN features AS OF s.t f USING (user_id)",
			want: func(sc *scenario) [][]any {
				return eachSpine(sc, nil, func(s spineRow) []any {
					return []any{s.id, s.t, sc.val(s, "v_ua", "a"), sc.val(s, "v_uc", "flag")}
				})
			}},
		{name: "spine CTE", card: atMostOne, views: []string{"v_ub"},
			sql: "WITH sp AS (SELECT id, user_id, t FROM spine WHERE id % 2 = 0) SELECT sp.id, sp.t, f.n FROM sp LEFT JOIN v_ub AS OF sp.t f USING (user_id)",
			want: func(sc *scenario) [][]any {
				return eachSpine(sc, func(s spineRow) bool { return s.id%2 == 0 }, func(s spineRow) []any {
					return []any{s.id, s.t, sc.val(s, "v_ub", "n")}
				})
			}},
	}
}

// featuresUsingSQL reads every feature of the user views from features.
const featuresUsingSQL = "SELECT s.id, s.t, f.a, f.b, f.v_ub__x, f.n, f.v_uc__x, f.flag FROM spine s LEFT JOIN features AS OF s.t f USING (user_id)"

func featuresUsingWant(sc *scenario) [][]any {
	return eachSpine(sc, nil, func(s spineRow) []any {
		return []any{s.id, s.t, sc.val(s, "v_ua", "a"), sc.val(s, "v_ua", "b"), sc.val(s, "v_ub", "x"),
			sc.val(s, "v_ub", "n"), sc.val(s, "v_uc", "x"), sc.val(s, "v_uc", "flag")}
	})
}

// twoEntitiesSQL joins views of two entities to one spine.
const twoEntitiesSQL = "SELECT s.id, s.t, a.a, a.b, b.price, b.stock FROM spine s LEFT JOIN v_ua AS OF s.t a USING (user_id) LEFT JOIN v_item AS OF s.t b USING (item_id)"

func twoEntitiesWant(sc *scenario) [][]any {
	return eachSpine(sc, nil, func(s spineRow) []any {
		return []any{s.id, s.t, sc.val(s, "v_ua", "a"), sc.val(s, "v_ua", "b"),
			sc.val(s, "v_item", "price"), sc.val(s, "v_item", "stock")}
	})
}

// valuesCase reads v_uc over a VALUES spine made of the scenario's first
// spine rows (NULLs and a duplicate included).
func valuesCase(sc *scenario) pitCase {
	rows := append(slices.Clone(sc.spine[:25]), sc.spine[3])
	var vals []string
	for _, s := range rows {
		user, t := "NULL::text", "NULL::timestamptz"
		if s.userID != nil {
			user = "'" + s.userID.(string) + "'"
		}
		if s.t != nil {
			t = lit(*s.t)
		}
		vals = append(vals, fmt.Sprintf("(%d::bigint, %s, %s)", s.id, user, t))
	}
	return pitCase{name: "spine VALUES", views: []string{"v_uc"},
		spine: func(*scenario) []int64 {
			var ids []int64
			for _, s := range rows {
				ids = append(ids, s.id)
			}
			return ids
		},
		sql: "SELECT s.id, s.t, f.x, f.flag FROM (VALUES " + strings.Join(vals, ", ") +
			") AS s(id, user_id, t) LEFT JOIN v_uc AS OF s.t f USING (user_id)",
		want: func(sc *scenario) [][]any {
			var out [][]any
			for _, s := range rows {
				out = append(out, []any{s.id, s.t, sc.val(s, "v_uc", "x"), sc.val(s, "v_uc", "flag")})
			}
			return out
		}}
}

// perUser is the cardinality of constant-time queries of user views: one
// row per user.
var perUser = cardinality{kind: cardKey, n: 1}

// constantCases are the constant-time forms at instant at: with a key
// predicate (keys without data included) and without one (then the
// entities present in the sources read, with ts <= at).
func constantCases(at time.Time) []pitCase {
	present := func(sc *scenario, at time.Time, names ...string) [][]any {
		var keys [][]any
		for _, n := range names {
			for _, k := range sc.view(n).present(at) {
				if !slices.ContainsFunc(keys, func(o []any) bool { return slices.Equal(o, k) }) {
					keys = append(keys, k)
				}
			}
		}
		return keys
	}
	value := func(sc *scenario, k []any, view, feature string) any { return sc.view(view).value(k, &at, feature) }
	return []pitCase{
		{name: "key predicate", card: perUser,
			sql: "SELECT user_id, a, b FROM v_ua AS OF " + lit(at) + " WHERE user_id IN ('u1', 'u3', 'u_none')",
			want: func(sc *scenario) [][]any {
				var out [][]any
				for _, k := range present(sc, at, "v_ua") {
					if k[0] == "u1" || k[0] == "u3" {
						out = append(out, []any{k[0], value(sc, k, "v_ua", "a"), value(sc, k, "v_ua", "b")})
					}
				}
				return out
			}},
		{name: "every entity of a TTL view", card: perUser,
			sql: "SELECT user_id, x, n FROM v_ub AS OF " + lit(at),
			want: func(sc *scenario) [][]any {
				var out [][]any
				for _, k := range present(sc, at, "v_ub") {
					out = append(out, []any{k[0], value(sc, k, "v_ub", "x"), value(sc, k, "v_ub", "n")})
				}
				return out
			}},
		{name: "every entity of two views of features", card: perUser,
			sql: "SELECT user_id, a, flag FROM features AS OF " + lit(at),
			want: func(sc *scenario) [][]any {
				var out [][]any
				for _, k := range present(sc, at, "v_ua", "v_uc") {
					out = append(out, []any{k[0], value(sc, k, "v_ua", "a"), value(sc, k, "v_uc", "flag")})
				}
				return out
			}},
		{name: "every entity, composite key", card: cardinality{kind: cardKey, n: 2},
			sql: "SELECT region, shop, score FROM v_pair AS OF " + lit(at),
			want: func(sc *scenario) [][]any {
				var out [][]any
				for _, k := range present(sc, at, "v_pair") {
					out = append(out, []any{k[0], k[1], value(sc, k, "v_pair", "score")})
				}
				return out
			}},
		{name: "service with key predicate", card: perUser,
			sql: "SELECT user_id, a, x, n FROM svc_user AS OF " + lit(at) + " WHERE user_id = 'u2'",
			want: func(sc *scenario) [][]any {
				var out [][]any
				for _, k := range present(sc, at, "v_ua", "v_uc", "v_ub") {
					if k[0] == "u2" {
						out = append(out, []any{k[0], value(sc, k, "v_ua", "a"), value(sc, k, "v_uc", "x"), value(sc, k, "v_ub", "n")})
					}
				}
				return out
			}},
	}
}

// checkCase runs c on conn and compares its rows with the reference.
func checkCase(t *testing.T, conn *pgx.Conn, sc *scenario, c pitCase) {
	t.Helper()
	_, got, err := queryRows(context.Background(), conn, c.sql, c.args...)
	if err != nil {
		t.Errorf("%s: %v", c.sql, err)
		return
	}
	ids := sc.ids()
	if c.spine != nil {
		ids = c.spine(sc)
	}
	if err := c.card.check(ids, got); err != nil {
		t.Errorf("seed %d: %s\n%v", sc.seed, c.sql, err)
	}
	want, gotRows := canonRows(c.want(sc), c.ordered), canonRows(got, c.ordered)
	if slices.Equal(want, gotRows) {
		return
	}
	missing, extra := multisetDiff(want, gotRows)
	t.Errorf("seed %d: %s\n%s%s", sc.seed, c.sql, diffReport(want, gotRows, c.ordered, 6),
		sc.evidence(append(missing, extra...), c.views))
}

// modes are the protocols every case runs under: pgx's extended protocol
// with cached statements, and the simple protocol (as psql and psycopg2).
var modes = map[string]pgx.QueryExecMode{
	"extended": pgx.QueryExecModeCacheStatement,
	"simple":   pgx.QueryExecModeSimpleProtocol,
}

// TestAsOfAgainstReference runs every per-row and constant-time form over
// random scenarios, with and without (keys, ts) indexes on the sources
// (LATERAL and set-based plans), in both protocols, against the reference.
func TestAsOfAgainstReference(t *testing.T) {
	ctx := context.Background()
	for _, indexed := range []bool{true, false} {
		f := newGateway(t, fmt.Sprintf("pit_suite_%v", indexed), indexed)
		conns := map[string]*pgx.Conn{}
		for name, mode := range modes {
			conns[name] = f.connect(t, mode)
		}
		for _, seed := range suiteSeeds {
			sc := generate(seed)
			if err := sc.load(ctx, f.direct); err != nil {
				t.Fatal(err)
			}
			cases := append(perRowCases(), valuesCase(sc))
			for _, at := range constantTimes() {
				for _, c := range constantCases(at) {
					c.name = fmt.Sprintf("at %s/%s", at.Format(time.RFC3339Nano), c.name)
					cases = append(cases, c)
				}
			}
			for mode, conn := range conns {
				for _, c := range cases {
					t.Run(fmt.Sprintf("indexed=%v/seed=%d/%s/%s", indexed, seed, mode, c.name), func(t *testing.T) {
						checkCase(t, conn, sc, c)
					})
				}
			}
		}
	}
}
