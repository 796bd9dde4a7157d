package online

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/featuregate/featuregate"
)

func TestNewerWins(t *testing.T) {
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	row := func(ts, created time.Time, v string) Row {
		return Row{Project: "p", View: "v", Key: key("u1"), TS: ts, Created: created, Values: []any{v}}
	}
	tests := []struct {
		name    string
		first   Row
		second  Row
		counted int
		want    string
	}{
		{"newer ts replaces", row(at(0), time.Time{}, "old"), row(at(1), time.Time{}, "new"), 1, "new"},
		{"older ts skipped", row(at(1), time.Time{}, "new"), row(at(0), at(5), "old"), 0, "new"},
		{"equal ts and created skipped", row(at(0), at(1), "first"), row(at(0), at(1), "second"), 0, "first"},
		{"equal ts, no created, skipped", row(at(0), time.Time{}, "first"), row(at(0), time.Time{}, "second"), 0, "first"},
		{"equal ts, greater created replaces", row(at(0), at(1), "old"), row(at(0), at(2), "new"), 1, "new"},
		{"equal ts, smaller created skipped", row(at(0), at(2), "new"), row(at(0), at(1), "old"), 0, "new"},
		{"created beats absent created", row(at(0), time.Time{}, "old"), row(at(0), at(-100), "new"), 1, "new"},
		{"absent created loses", row(at(0), at(-100), "new"), row(at(0), time.Time{}, "old"), 0, "new"},
		{"same instant other zone skipped", row(at(0), time.Time{}, "first"), row(at(0).In(time.FixedZone("x", 7200)), time.Time{}, "second"), 0, "first"},
	}
	for _, tc := range tests {
		t.Run(tc.name+"/separate writes", func(t *testing.T) {
			s := newStore(t)
			mustWrite(t, s, tc.first)
			if n := mustWrite(t, s, tc.second); n != tc.counted {
				t.Errorf("written %d, want %d", n, tc.counted)
			}
			if got := mustGet(t, s, "p", "v", key("u1"))[0]; got.Values[0] != tc.want {
				t.Errorf("got %v, want %s", got.Values, tc.want)
			}
		})
		t.Run(tc.name+"/one write", func(t *testing.T) {
			s := newStore(t)
			if n := mustWrite(t, s, tc.first, tc.second); n != 1+tc.counted {
				t.Errorf("written %d, want %d", n, 1+tc.counted)
			}
			if got := mustGet(t, s, "p", "v", key("u1"))[0]; got.Values[0] != tc.want {
				t.Errorf("got %v, want %s", got.Values, tc.want)
			}
		})
	}
}

func TestWriteCounts(t *testing.T) {
	s := newStore(t)
	var rows []Row
	for i := range 10 {
		rows = append(rows, Row{Project: "p", View: "v", Key: key(int64(i)), TS: t0, Values: []any{int64(i)}})
	}
	if n := mustWrite(t, s, rows...); n != 10 {
		t.Fatalf("first write: %d", n)
	}
	for i := range rows {
		if i%2 == 0 {
			rows[i].TS = t0.Add(time.Second)
		}
	}
	if n := mustWrite(t, s, rows...); n != 5 {
		t.Fatalf("second write: %d, want 5", n)
	}
	if n := mustWrite(t, s, nil...); n != 0 {
		t.Fatalf("empty write: %d", n)
	}
}

func TestGetOrderAndMissing(t *testing.T) {
	s := newStore(t)
	mustWrite(t, s,
		Row{Project: "p", View: "v", Key: key("a"), TS: t0, Created: t0.Add(time.Minute), Values: []any{int64(1), nil}},
		Row{Project: "p", View: "v", Key: key("c"), TS: t0.Add(time.Hour), Values: []any{int64(3), "x"}},
		Row{Project: "p", View: "other", Key: key("b"), TS: t0, Values: []any{int64(2)}},
		Row{Project: "q", View: "v", Key: key("b"), TS: t0, Values: []any{int64(2)}},
	)
	got := mustGet(t, s, "p", "v", key("c"), key("b"), key("a"), key("c"), key(int64(1)))
	want := []Result{
		{Found: true, TS: t0.Add(time.Hour), Values: []any{int64(3), "x"}},
		{},
		{Found: true, TS: t0, Created: t0.Add(time.Minute), Values: []any{int64(1), nil}},
		{Found: true, TS: t0.Add(time.Hour), Values: []any{int64(3), "x"}},
		{},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d results", len(got))
	}
	for i := range want {
		if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
			t.Errorf("result %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if res := mustGet(t, s, "p", "v"); len(res) != 0 {
		t.Errorf("no keys: %v", res)
	}
}

func TestTTLBoundary(t *testing.T) {
	s := newStore(t)
	const ttl = 90 * 24 * time.Hour
	now := t0
	tests := []struct {
		name    string
		ts      time.Time
		ttl     time.Duration
		expired bool
	}{
		{"fresh", now.Add(-time.Hour), ttl, false},
		{"exactly now-ttl is valid", now.Add(-ttl), ttl, false},
		{"one ns older expires", now.Add(-ttl - time.Nanosecond), ttl, true},
		{"far older expires", now.Add(-10 * ttl), ttl, true},
		{"future is valid", now.Add(time.Hour), ttl, false},
		{"ttl 0 never expires", now.Add(-100 * ttl), 0, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := key(int64(i))
			mustWrite(t, s, Row{Project: "p", View: "v", Key: k, TS: tc.ts, Values: []any{"v"}})
			res, err := s.Get(context.Background(), "p", "v", [][]any{k}, now, tc.ttl)
			if err != nil {
				t.Fatal(err)
			}
			r := res[0]
			if !r.Found || r.Expired != tc.expired || !r.TS.Equal(tc.ts) {
				t.Fatalf("got %+v, want expired=%v", r, tc.expired)
			}
			if tc.expired && r.Values != nil {
				t.Errorf("expired value returned values %v", r.Values)
			}
			if !tc.expired && (len(r.Values) != 1 || r.Values[0] != "v") {
				t.Errorf("valid value: %v", r.Values)
			}
		})
	}
}

func TestWatermarks(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, ok, err := s.Watermark(ctx, "p", "v"); ok || err != nil {
		t.Fatalf("unset watermark: ok=%v err=%v", ok, err)
	}
	marks := []struct {
		project, view string
		t             time.Time
	}{
		{"p", "v", t0}, {"p", "w", t0.Add(time.Hour)}, {"q", "v", t0.Add(-time.Hour)}, {"p", "v", t0.Add(time.Nanosecond)},
	}
	for _, m := range marks {
		if err := s.SetWatermark(ctx, m.project, m.view, m.t); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range marks[1:] {
		got, ok, err := s.Watermark(ctx, m.project, m.view)
		if err != nil || !ok || !got.Equal(m.t) {
			t.Errorf("%s.%s: got %v %v %v, want %v", m.project, m.view, got, ok, err, m.t)
		}
	}
	// Watermarks never show up as feature values.
	if r := mustGet(t, s, "p", "v", key("v"))[0]; r.Found {
		t.Errorf("watermark read as data: %+v", r)
	}
}

func TestDrop(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, pv := range [][2]string{{"p", "v"}, {"p", "v2"}, {"p", "v\x00"}, {"pq", "v"}, {"p\x00", "v"}} {
		mustWrite(t, s, Row{Project: pv[0], View: pv[1], Key: key("k"), TS: t0, Values: []any{pv[0] + "." + pv[1]}})
		if err := s.SetWatermark(ctx, pv[0], pv[1], t0); err != nil {
			t.Fatal(err)
		}
	}
	present := func(project, view string) bool {
		_, ok, err := s.Watermark(ctx, project, view)
		if err != nil {
			t.Fatal(err)
		}
		return mustGet(t, s, project, view, key("k"))[0].Found && ok
	}
	if err := s.DropView(ctx, "p", "v"); err != nil {
		t.Fatal(err)
	}
	if present("p", "v") || !present("p", "v2") || !present("p", "v\x00") || !present("pq", "v") {
		t.Fatal("DropView removed the wrong keys")
	}
	if err := s.DropProject(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if present("p", "v2") || present("p", "v\x00") || !present("pq", "v") || !present("p\x00", "v") {
		t.Fatal("DropProject removed the wrong keys")
	}
	// A dropped view can be written again from scratch, even with older rows.
	if n := mustWrite(t, s, Row{Project: "p", View: "v", Key: key("k"), TS: t0.Add(-time.Hour)}); n != 1 {
		t.Fatalf("write after drop: %d", n)
	}
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := openStore(t, dir)
	mustWrite(t, s, Row{Project: "p", View: "v", Key: key("k", int64(1)), TS: t0, Created: t0, Values: []any{[]float64{1, 2}}})
	if err := s.SetWatermark(ctx, "p", "v", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir)
	defer s.Close()
	r := mustGet(t, s, "p", "v", key("k", int64(1)))[0]
	if !r.Found || !r.TS.Equal(t0) || !r.Created.Equal(t0) || fmt.Sprint(r.Values) != "[[1 2]]" {
		t.Errorf("after reopen: %+v", r)
	}
	if w, ok, err := s.Watermark(ctx, "p", "v"); !ok || err != nil || !w.Equal(t0) {
		t.Errorf("watermark after reopen: %v %v %v", w, ok, err)
	}
}

func TestErrors(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	good := Row{Project: "p", View: "v", Key: key("k"), TS: t0}
	bad := func(f func(*Row)) Row { r := good; f(&r); return r }
	tests := []struct {
		name string
		row  Row
		kind featuregate.Kind
	}{
		{"empty key", bad(func(r *Row) { r.Key = nil }), featuregate.KindInvalid},
		{"no view", bad(func(r *Row) { r.View = "" }), featuregate.KindInvalid},
		{"float key", bad(func(r *Row) { r.Key = key(1.5) }), featuregate.KindDatatypeMismatch},
		{"struct value", bad(func(r *Row) { r.Values = []any{struct{}{}} }), featuregate.KindDatatypeMismatch},
		{"bad array element", bad(func(r *Row) { r.Values = []any{[]any{uint8(1)}} }), featuregate.KindDatatypeMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := s.Write(ctx, []Row{good, tc.row})
			if err == nil || featuregate.KindOf(err) != tc.kind || n != 0 {
				t.Fatalf("got n=%d err=%v (kind %v), want kind %v", n, err, featuregate.KindOf(err), tc.kind)
			}
			if mustGet(t, s, "p", "v", key("k"))[0].Found {
				t.Fatal("a failed Write left rows behind")
			}
		})
	}
	if _, err := s.Get(ctx, "p", "v", [][]any{key(uint(1))}, t0, 0); featuregate.KindOf(err) != featuregate.KindDatatypeMismatch {
		t.Errorf("Get with bad key: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Write(cctx, []Row{good}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Write: %v", err)
	}
	if _, err := s.Get(cctx, "p", "v", [][]any{key("k")}, t0, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Get: %v", err)
	}
}

func TestClosedStore(t *testing.T) {
	s := openStore(t, t.TempDir())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	errs := []error{s.Close(), s.SetWatermark(ctx, "p", "v", t0), s.DropView(ctx, "p", "v"), s.DropProject(ctx, "p")}
	_, err := s.Write(ctx, nil)
	errs = append(errs, err)
	_, err = s.Get(ctx, "p", "v", nil, t0, 0)
	errs = append(errs, err)
	_, _, err = s.Watermark(ctx, "p", "v")
	errs = append(errs, err)
	for i, err := range errs {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("call %d after Close: %v", i, err)
		}
	}
}

func TestOpenError(t *testing.T) {
	if _, err := Open("/dev/null/x"); err == nil {
		t.Fatal("Open of an impossible directory succeeded")
	}
}

func TestConcurrentWritersKeepNewest(t *testing.T) {
	s := newStore(t)
	const writers, keys, rounds = 8, 20, 30
	type stamp struct{ ts, created time.Time }
	// Every writer writes every key with stamps from a shuffled set; the
	// newest stamp overall must win whatever the interleaving.
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for range rounds {
				var rows []Row
				for k := range keys {
					st := stamp{t0.Add(time.Duration(rng.IntN(50)) * time.Second), t0.Add(time.Duration(w) * time.Millisecond)}
					rows = append(rows, Row{Project: "p", View: "v", Key: key(int64(k)), TS: st.ts, Created: st.created,
						Values: []any{st.ts, st.created}})
				}
				if _, err := s.Write(context.Background(), rows); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	want := make([]stamp, keys)
	for w := range writers {
		rng := rand.New(rand.NewPCG(uint64(w), 1))
		for range rounds {
			for k := range keys {
				st := stamp{t0.Add(time.Duration(rng.IntN(50)) * time.Second), t0.Add(time.Duration(w) * time.Millisecond)}
				if st.ts.After(want[k].ts) || st.ts.Equal(want[k].ts) && st.created.After(want[k].created) {
					want[k] = st
				}
			}
		}
	}
	for k := range keys {
		r := mustGet(t, s, "p", "v", key(int64(k)))[0]
		if !r.TS.Equal(want[k].ts) || !r.Created.Equal(want[k].created) || !r.Values[0].(time.Time).Equal(want[k].ts) {
			t.Errorf("key %d: got %v/%v, want %v/%v", k, r.TS, r.Created, want[k].ts, want[k].created)
		}
	}
}
