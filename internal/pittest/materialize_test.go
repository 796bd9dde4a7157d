package pittest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Online after `MATERIALIZE … TO t` is what the constant form `AS OF t`
// reads, for every key: materialization reads its window with both ends
// included (docs/online.md). TTLs aside: the online store measures them
// from now, so the views compared have none (the suite's own views
// without a TTL, and a copy without TTL of each view that has one).

// materializedViews are the views compared, with their keys and
// features: v_ua, which has no TTL, and m_*, which read the sources of
// the suite's other views, with no TTL.
var materializedViews = []struct {
	name, like string
	keys       []string
	features   []string
}{
	{"v_ua", "v_ua", []string{"user_id"}, []string{"a", "b"}},
	{"m_pair", "v_pair", []string{"region", "shop"}, []string{"score"}},
	{"m_ub", "v_ub", []string{"user_id"}, []string{"x", "n"}},
	{"m_uc", "v_uc", []string{"user_id"}, []string{"x", "flag"}},
	{"m_item", "v_item", []string{"item_id"}, []string{"price", "stock"}},
}

// materializedDDL defines the m_* views.
var materializedDDL = []string{
	"CREATE FEATURE VIEW m_ub (x BIGINT, n TEXT) ENTITY usr SOURCE s_ub TTL NONE",
	"CREATE FEATURE VIEW m_uc (x BIGINT, flag BOOLEAN) ENTITY usr SOURCE s_uc TTL NONE",
	"CREATE FEATURE VIEW m_item (price DOUBLE PRECISION, stock BIGINT) ENTITY item SOURCE s_item TTL NONE",
	"CREATE FEATURE VIEW m_pair (score BIGINT) ENTITY pair SOURCE s_pair TTL NONE",
}

// keyDomain is every key a view's entity may have in the suite, with
// keys that have no rows.
func keyDomain(keys []string) [][]any {
	switch strings.Join(keys, ",") {
	case "user_id":
		return [][]any{{"u0"}, {"u1"}, {"u2"}, {"u3"}, {"u4"}, {"u_none"}, {dstUser}}
	case "item_id":
		return [][]any{{int64(1)}, {int64(2)}, {int64(3)}, {int64(4)}, {int64(5)}}
	}
	var out [][]any
	for _, r := range []string{"eu", "us", "ap"} {
		for _, s := range []int64{1, 2} {
			out = append(out, []any{r, s})
		}
	}
	return out
}

// TestMaterializeEqualsAsOf materializes up to each of the constant times
// in turn (grid points, where source rows are, among them) and compares, for every key of
// every view, the online lookup, the constant form AS OF that time, and
// the reference.
func TestMaterializeEqualsAsOf(t *testing.T) {
	ctx := context.Background()
	for _, seed := range suiteSeeds[:2] {
		f := newGateway(t, fmt.Sprintf("pit_materialize_%d", seed), true)
		sc := generate(seed)
		if err := sc.load(ctx, f.direct); err != nil {
			t.Fatal(err)
		}
		conn := f.connect(t, pgx.QueryExecModeCacheStatement)
		for _, ddl := range materializedDDL {
			if _, err := conn.Exec(ctx, ddl); err != nil {
				t.Fatalf("%s: %v", ddl, err)
			}
		}
		var names []string
		for _, v := range materializedViews {
			names = append(names, v.name)
		}
		for _, at := range constantTimes() { // in order, grid points (where rows are) among them

			stmt := fmt.Sprintf("MATERIALIZE %s FROM '%s' TO '%s'", strings.Join(names, ", "),
				gridBase.Add(-24*time.Hour).Format(time.RFC3339Nano), at.UTC().Format(time.RFC3339Nano))
			if _, err := conn.Exec(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
			for _, v := range materializedViews {
				t.Run(fmt.Sprintf("seed=%d/%s/TO %s", seed, v.name, at.Format(time.RFC3339Nano)), func(t *testing.T) {
					checkMaterialized(t, conn, sc, v.name, v.like, v.keys, v.features, at)
				})
			}
		}
	}
}

// checkMaterialized compares, for every key of view, the online value,
// the value AS OF at and the reference's (view like, without TTL).
func checkMaterialized(t *testing.T, conn *pgx.Conn, sc *scenario, view, like string, keys, features []string, at time.Time) {
	t.Helper()
	ref := *sc.view(like)
	ref.ttl = 0
	var cond []string
	for i, k := range keys {
		cond = append(cond, fmt.Sprintf("%s = $%d", k, i+1))
	}
	cols := strings.Join(features, ", ")
	online := fmt.Sprintf("SELECT %s FROM %s WHERE %s", cols, view, strings.Join(cond, " AND "))
	asOf := fmt.Sprintf("SELECT %s FROM %s AS OF %s WHERE %s", cols, view, lit(at), strings.Join(cond, " AND "))
	for _, k := range keyDomain(keys) {
		_, on, err := queryRows(context.Background(), conn, online, k...)
		if err != nil || len(on) != 1 {
			t.Fatalf("%s %v: %d rows, %v", online, k, len(on), err)
		}
		_, off, err := queryRows(context.Background(), conn, asOf, k...)
		if err != nil || len(off) > 1 {
			t.Fatalf("%s %v: %d rows, %v", asOf, k, len(off), err)
		}
		want := make([]any, len(features))
		for i, f := range features {
			want[i] = ref.value(k, &at, f)
		}
		got, asOfRow := canonRow(on[0]), canonRow(want) // no row AS OF: the key has no value
		if len(off) == 1 {
			asOfRow = canonRow(off[0])
		}
		if got != canonRow(want) || asOfRow != got {
			t.Errorf("key %s: online %s, AS OF %s, reference %s\n%s", canonRow(k), got, asOfRow, canonRow(want), ref.rowsFor(k))
		}
	}
}
