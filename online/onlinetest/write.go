package onlinetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/featuregate/featuregate/online"
)

// at is T0 plus h hours.
func at(h int) time.Time { return T0.Add(time.Duration(h) * time.Hour) }

// testNewerWins writes two rows of one key, in two Writes and in one, and
// checks which stays and what is counted. Each case has keys of its own.
func testNewerWins(t *testing.T, s online.Store) {
	none := time.Time{}
	tests := []struct {
		name          string
		first, second stamp
		counted       int // second row counted
	}{
		{"newer ts replaces", stamp{at(0), none}, stamp{at(1), none}, 1},
		{"one ns newer ts replaces", stamp{at(0), at(9)}, stamp{at(0).Add(time.Nanosecond), none}, 1},
		{"older ts skipped", stamp{at(1), none}, stamp{at(0), at(5)}, 0},
		{"one ns older ts skipped", stamp{at(0), none}, stamp{at(0).Add(-time.Nanosecond), at(5)}, 0},
		{"equal ts and created skipped", stamp{at(0), at(1)}, stamp{at(0), at(1)}, 0},
		{"equal ts, no created, skipped", stamp{at(0), none}, stamp{at(0), none}, 0},
		{"equal ts, greater created replaces", stamp{at(0), at(1)}, stamp{at(0), at(2)}, 1},
		{"equal ts, created one ns greater replaces", stamp{at(0), at(1)}, stamp{at(0), at(1).Add(time.Nanosecond)}, 1},
		{"equal ts, smaller created skipped", stamp{at(0), at(2)}, stamp{at(0), at(1)}, 0},
		{"created beats absent created", stamp{at(0), none}, stamp{at(0), at(-100)}, 1},
		{"absent created loses", stamp{at(0), at(-100)}, stamp{at(0), none}, 0},
		{"same instant other zone skipped", stamp{at(0), none}, stamp{at(0).In(time.FixedZone("x", 7200)), none}, 0},
	}
	row := func(k []any, st stamp, v string) online.Row {
		return online.Row{Project: "p", View: "v", Key: k, TS: st.ts, Created: st.created, Values: []any{v}}
	}
	for i, tc := range tests {
		want := "first"
		if tc.counted == 1 {
			want = "second"
		}
		k := key("separate", int64(i))
		mustWrite(t, s, row(k, tc.first, "first"))
		if n := mustWrite(t, s, row(k, tc.second, "second")); n != tc.counted {
			t.Errorf("%s, separate writes: written %d, want %d", tc.name, n, tc.counted)
		}
		checkValue(t, s, tc.name+", separate writes", k, want)
		k = key("one write", int64(i))
		if n := mustWrite(t, s, row(k, tc.first, "first"), row(k, tc.second, "second")); n != 1+tc.counted {
			t.Errorf("%s, one write: written %d, want %d", tc.name, n, 1+tc.counted)
		}
		checkValue(t, s, tc.name+", one write", k, want)
	}
}

// stamp is a row's (TS, Created).
type stamp struct{ ts, created time.Time }

func (a stamp) after(b stamp) bool {
	if c := a.ts.Compare(b.ts); c != 0 {
		return c > 0
	}
	return a.created.After(b.created)
}

func checkValue(t *testing.T, s online.Store, what string, k []any, want any) {
	t.Helper()
	r := mustGet(t, s, "p", "v", k)[0]
	if !r.Found || len(r.Values) != 1 || r.Values[0] != want {
		t.Errorf("%s: got %+v, want value %v", what, r, want)
	}
}

// testInCallOrdering writes many rows of the same keys in one call: each row
// is compared with the store and the call's earlier rows, in order, and
// counted when it replaces; an equal row keeps the first.
func testInCallOrdering(t *testing.T, s online.Store) {
	row := func(k string, h int, v string) online.Row {
		return online.Row{Project: "p", View: "v", Key: key(k), TS: at(h), Values: []any{v}}
	}
	mustWrite(t, s, row("stored", 3, "stored"))
	rows := []online.Row{
		row("fresh", 1, "f1"), row("stored", 1, "s1"), row("fresh", 3, "f3"), row("stored", 3, "s3"),
		row("fresh", 2, "f2"), row("stored", 4, "s4"), row("fresh", 3, "f3bis"), row("stored", 2, "s2"),
		row("fresh", 5, "f5"), row("stored", 5, "s5"), row("fresh", 4, "f4"), row("equal", 1, "e1"),
		row("equal", 1, "e1bis"),
	}
	// fresh: f1, f3, f5 replace; stored: s4, s5; equal: e1.
	if n := mustWrite(t, s, rows...); n != 6 {
		t.Errorf("written %d, want 6", n)
	}
	checkValue(t, s, "fresh", key("fresh"), "f5")
	checkValue(t, s, "stored", key("stored"), "s5")
	checkValue(t, s, "equal", key("equal"), "e1")
}

// testWriteCounts checks that only replacing rows are counted.
func testWriteCounts(t *testing.T, s online.Store) {
	var rows []online.Row
	for i := range 10 {
		rows = append(rows, online.Row{Project: "p", View: "v", Key: key(int64(i)), TS: T0, Values: []any{int64(i)}})
	}
	if n := mustWrite(t, s, rows...); n != 10 {
		t.Fatalf("first write: %d, want 10", n)
	}
	for i := range rows {
		if i%2 == 0 {
			rows[i].TS = T0.Add(time.Microsecond)
		}
	}
	if n := mustWrite(t, s, rows...); n != 5 {
		t.Fatalf("second write: %d, want 5", n)
	}
	if n := mustWrite(t, s, rows...); n != 0 {
		t.Fatalf("same rows again: %d, want 0", n)
	}
	if n := mustWrite(t, s); n != 0 {
		t.Fatalf("empty write: %d", n)
	}
}

// testConcurrentWriters has writers write every key with shuffled stamps at
// once; the newest stamp of all must win whatever the interleaving.
func testConcurrentWriters(t *testing.T, s online.Store) {
	const writers, keys, rounds = 4, 20, 8
	gen := func(w int, each func(k int, st stamp)) {
		rng := rand.New(rand.NewPCG(uint64(w), 1))
		for range rounds {
			for k := range keys {
				each(k, stamp{T0.Add(time.Duration(rng.IntN(50)) * time.Second), T0.Add(time.Duration(w) * time.Millisecond)})
			}
		}
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			var rows []online.Row
			gen(w, func(k int, st stamp) {
				rows = append(rows, online.Row{Project: "p", View: "v", Key: key(int64(k)), TS: st.ts, Created: st.created,
					Values: []any{st.ts, st.created}})
				if len(rows) == keys {
					if _, err := s.Write(context.Background(), rows); err != nil {
						t.Error(err)
					}
					rows = nil
				}
			})
		})
	}
	wg.Wait()
	want := make([]stamp, keys)
	for w := range writers {
		gen(w, func(k int, st stamp) {
			if st.after(want[k]) {
				want[k] = st
			}
		})
	}
	for k := range keys {
		r := mustGet(t, s, "p", "v", key(int64(k)))[0]
		got := fmt.Sprint(r.TS, r.Created, r.Values)
		if exp := fmt.Sprint(want[k].ts, want[k].created, []any{want[k].ts, want[k].created}); got != exp {
			t.Errorf("key %d: got %s, want %s", k, got, exp)
		}
	}
}
