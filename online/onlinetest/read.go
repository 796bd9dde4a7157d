package onlinetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/featuregate/featuregate/online"
)

// testGetOrder checks one result per requested key in request order,
// duplicates included, and NotFound for keys, views and projects without a
// value.
func testGetOrder(t *testing.T, s online.Store) {
	mustWrite(t, s,
		online.Row{Project: "p", View: "v", Key: key("a"), TS: T0, Created: T0.Add(time.Minute), Values: []any{int64(1), nil}},
		online.Row{Project: "p", View: "v", Key: key("c"), TS: T0.Add(time.Hour), Values: []any{int64(3), "x"}},
		online.Row{Project: "p", View: "other", Key: key("b"), TS: T0, Values: []any{int64(2)}},
		online.Row{Project: "q", View: "v", Key: key("b"), TS: T0, Values: []any{int64(2)}},
	)
	c := online.Result{Found: true, TS: T0.Add(time.Hour), Values: []any{int64(3), "x"}}
	a := online.Result{Found: true, TS: T0, Created: T0.Add(time.Minute), Values: []any{int64(1), nil}}
	got := mustGet(t, s, "p", "v", key("c"), key("b"), key("a"), key("c"), key(int64(1)), key("a"), key("zz"))
	want := []online.Result{c, {}, a, c, {}, a, {}}
	for i := range want {
		if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
			t.Errorf("result %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	// Duplicates are separate values: changing one leaves the other alone.
	got[0].Values[0] = "changed"
	if got[3].Values[0] != int64(3) {
		t.Errorf("duplicate results share their values: %v", got[3].Values)
	}
	if res := mustGet(t, s, "p", "v"); len(res) != 0 {
		t.Errorf("no keys: %v", res)
	}
	for _, pv := range [][2]string{{"p", "nope"}, {"nope", "v"}} {
		if r := mustGet(t, s, pv[0], pv[1], key("a"))[0]; r.Found {
			t.Errorf("%s.%s: found %+v", pv[0], pv[1], r)
		}
	}
}

// testTTLBoundary checks that a value is valid when TS >= now-ttl, to the
// nanosecond, and that an expired one has its timestamps but no values.
func testTTLBoundary(t *testing.T, s online.Store) {
	const ttl = 90 * 24 * time.Hour
	now := T0
	tests := []struct {
		name    string
		ts      time.Time
		ttl     time.Duration
		expired bool
	}{
		{"fresh", now.Add(-time.Hour), ttl, false},
		{"exactly now-ttl is valid", now.Add(-ttl), ttl, false},
		{"one ns older expires", now.Add(-ttl - time.Nanosecond), ttl, true},
		{"one µs older expires", now.Add(-ttl - time.Microsecond), ttl, true},
		{"far older expires", now.Add(-10 * ttl), ttl, true},
		{"future is valid", now.Add(time.Hour), ttl, false},
		{"ttl 0 never expires", now.Add(-100 * ttl), 0, false},
		{"ttl 1ns, TS now", now, time.Nanosecond, false},
		{"ttl 1ns, TS 1ns older", now.Add(-time.Nanosecond), time.Nanosecond, false},
		{"ttl 1ns, TS 2ns older", now.Add(-2 * time.Nanosecond), time.Nanosecond, true},
	}
	for i, tc := range tests {
		k := key(int64(i))
		created := tc.ts.Add(time.Minute)
		mustWrite(t, s, online.Row{Project: "p", View: "v", Key: k, TS: tc.ts, Created: created, Values: []any{"v"}})
		res, err := s.Get(context.Background(), "p", "v", [][]any{k}, now, tc.ttl)
		if err != nil {
			t.Fatal(err)
		}
		r := res[0]
		if !r.Found || r.Expired != tc.expired || !r.TS.Equal(tc.ts) || !r.Created.Equal(created) {
			t.Errorf("%s: got %+v, want expired=%v ts=%v", tc.name, r, tc.expired, tc.ts)
		}
		if tc.expired && r.Values != nil {
			t.Errorf("%s: expired value returned values %v", tc.name, r.Values)
		}
		if !tc.expired && (len(r.Values) != 1 || r.Values[0] != "v") {
			t.Errorf("%s: valid value: %v", tc.name, r.Values)
		}
	}
}
