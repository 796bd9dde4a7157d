package pittest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The reference is itself checked against hand-written point-in-time SQL
// run directly on PostgreSQL (no gateway): one LEFT JOIN LATERAL (… ORDER
// BY ts DESC, c DESC NULLS LAST LIMIT 1) per view, the TTL as an absolute
// number of seconds.

// lateralSQL is the hand-written per-row query of v over the spine: id,
// t, then v's features.
func lateralSQL(v *refView, timeExpr string) string {
	var on []string
	for _, k := range v.keys {
		on = append(on, fmt.Sprintf("r.%s = s.%s", k, k))
	}
	cond := strings.Join(on, " AND ") + " AND r.ts <= " + timeExpr
	if v.ttl > 0 {
		cond += fmt.Sprintf(" AND r.ts >= %s - make_interval(secs => %d)", timeExpr, int64(v.ttl/time.Second))
	}
	order := "r.ts DESC"
	if v.created {
		order += ", r.c DESC NULLS LAST"
	}
	return fmt.Sprintf("LEFT JOIN LATERAL (SELECT %s FROM %s r WHERE %s ORDER BY %s LIMIT 1) f ON true",
		"r."+strings.Join(v.features, ", r."), v.table, cond, order)
}

// TestOracleAgreesWithLateral compares the reference with hand-written
// LATERAL queries on PostgreSQL, per view and seed: over the spine, and at
// constant times over the keys present in the source.
func TestOracleAgreesWithLateral(t *testing.T) {
	ctx := context.Background()
	for _, indexed := range []bool{true, false} {
		f := newDirect(t, fmt.Sprintf("pit_oracle_%v", indexed), indexed)
		for _, seed := range suiteSeeds {
			sc := generate(seed)
			if err := sc.load(ctx, f.direct); err != nil {
				t.Fatal(err)
			}
			for _, v := range sc.views {
				t.Run(fmt.Sprintf("indexed=%v/seed=%d/%s", indexed, seed, v.name), func(t *testing.T) {
					checkLateralSpine(t, f, sc, v)
					for _, at := range constantTimes() {
						checkLateralConstant(t, f, v, at)
					}
				})
			}
		}
	}
}

// checkLateralSpine compares the reference with the LATERAL query over
// the spine table.
func checkLateralSpine(t *testing.T, f *fixture, sc *scenario, v *refView) {
	t.Helper()
	sql := "SELECT s.id, s.t, f.* FROM spine s " + lateralSQL(v, "s.t")
	_, got, err := queryRows(context.Background(), f.direct, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if err := (cardinality{kind: cardSpine}).check(sc.ids(), got); err != nil {
		t.Errorf("%s\n%v", sql, err)
	}
	var want [][]any
	for _, s := range sc.spine {
		row := []any{s.id, s.t}
		for _, feat := range v.features {
			row = append(row, sc.val(s, v.name, feat))
		}
		want = append(want, row)
	}
	w, g := canonRows(want, false), canonRows(got, false)
	if missing, extra := multisetDiff(w, g); len(missing)+len(extra) > 0 {
		t.Errorf("%s\n%s%s", sql, diffReport(w, g, false, 5), sc.evidence(append(missing, extra...), []string{v.name}))
	}
}

// checkLateralConstant compares the reference with the LATERAL query at a
// constant time over the keys present in the source by then.
func checkLateralConstant(t *testing.T, f *fixture, v *refView, at time.Time) {
	t.Helper()
	keys := strings.Join(v.keys, ", ")
	var notNull []string
	for _, k := range v.keys {
		notNull = append(notNull, k+" IS NOT NULL")
	}
	sql := fmt.Sprintf("SELECT s.*, f.* FROM (SELECT DISTINCT %s FROM %s WHERE ts <= $1 AND %s) s %s",
		keys, v.table, strings.Join(notNull, " AND "), lateralSQL(v, "$1::timestamptz"))
	_, got, err := queryRows(context.Background(), f.direct, sql, at)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if err := (cardinality{kind: cardKey, n: len(v.keys)}).check(nil, got); err != nil {
		t.Errorf("at %s: %s\n%v", at.Format(time.RFC3339Nano), sql, err)
	}
	var want [][]any
	for _, k := range v.present(at) {
		row := append([]any(nil), k...)
		for _, feat := range v.features {
			row = append(row, v.value(k, &at, feat))
		}
		want = append(want, row)
	}
	w, g := canonRows(want, false), canonRows(got, false)
	if missing, extra := multisetDiff(w, g); len(missing)+len(extra) > 0 {
		t.Errorf("at %s: %s\n%s", at.Format(time.RFC3339Nano), sql, diffReport(w, g, false, 5))
	}
}

// constantTimes are the instants the constant-time forms are read at:
// before any data, on grid points (TTL boundaries of earlier points),
// between them, and after the last.
func constantTimes() []time.Time {
	return []time.Time{
		gridBase.Add(-time.Microsecond),
		gridInstant(3),
		gridInstant(7).Add(time.Microsecond),
		gridInstant(9),
		time.Date(2024, 3, 10, 11, 30, 0, 0, time.UTC),
		gridInstant(gridSize).Add(time.Hour),
	}
}

// TestGeneratedData checks that the scenarios hold what the suite claims
// to test: collisions, ties, NULLs, boundaries and duplicates, and no tie
// the rule cannot decide.
func TestGeneratedData(t *testing.T) {
	for _, seed := range suiteSeeds {
		sc := generate(seed)
		var ties, nullKeys, nullC, boundary, dups, nullT int
		for _, v := range sc.views {
			if a, b := v.ambiguousTie(); a != nil {
				t.Fatalf("seed %d: %s has undecidable rows %s / %s", seed, v.name, canonRow(a.feats), canonRow(b.feats))
			}
			for i, r := range v.rows {
				if hasNull(r.key) {
					nullKeys++
				}
				if r.c == nil && v.created {
					nullC++
				}
				for _, o := range v.rows[:i] {
					if r.ts != nil && o.ts != nil && sameKey(r.key, o.key) && r.ts.Equal(*o.ts) {
						ties++
					}
				}
			}
		}
		seen := map[string]bool{}
		for _, s := range sc.spine {
			row := canonRow([]any{s.id, s.userID, s.itemID, s.region, s.shop, s.t})
			if seen[row] {
				dups++
			}
			seen[row] = true
			if s.t == nil {
				nullT++
				continue
			}
			for _, v := range sc.views {
				for _, r := range v.rows {
					if v.ttl > 0 && r.ts != nil && r.ts.Add(v.ttl).Equal(*s.t) && sameKey(r.key, s.keysFor(v.keys)) {
						boundary++
					}
				}
			}
		}
		t.Logf("seed %d: %d spine rows, %d duplicates, %d NULL t, %d at a TTL boundary; %d ts ties, %d NULL keys, %d NULL created",
			seed, len(sc.spine), dups, nullT, boundary, ties, nullKeys, nullC)
		if ties == 0 || nullKeys == 0 || nullC == 0 || boundary == 0 || dups == 0 || nullT == 0 {
			t.Errorf("seed %d lacks a case the suite must cover", seed)
		}
	}
}
