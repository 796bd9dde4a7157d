package onlinetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/online"
)

// testBadRows checks that a Write with one bad row fails with the row's
// error kind and writes nothing, and that Get refuses a bad key.
func testBadRows(t *testing.T, s online.Store) {
	ctx := context.Background()
	good := online.Row{Project: "p", View: "v", Key: key("k"), TS: T0}
	bad := func(f func(*online.Row)) online.Row { r := good; f(&r); return r }
	tests := []struct {
		name string
		row  online.Row
		kind featuregate.Kind
	}{
		{"empty key", bad(func(r *online.Row) { r.Key = nil }), featuregate.KindInvalid},
		{"no view", bad(func(r *online.Row) { r.View = "" }), featuregate.KindInvalid},
		{"no project", bad(func(r *online.Row) { r.Project = "" }), featuregate.KindInvalid},
		{"float key", bad(func(r *online.Row) { r.Key = key(1.5) }), featuregate.KindDatatypeMismatch},
		{"unsigned key", bad(func(r *online.Row) { r.Key = key("a", uint(1)) }), featuregate.KindDatatypeMismatch},
		{"struct value", bad(func(r *online.Row) { r.Values = []any{struct{}{}} }), featuregate.KindDatatypeMismatch},
		{"bad array element", bad(func(r *online.Row) { r.Values = []any{[]any{uint8(1)}} }), featuregate.KindDatatypeMismatch},
	}
	for _, tc := range tests {
		n, err := s.Write(ctx, []online.Row{good, tc.row})
		if err == nil || featuregate.KindOf(err) != tc.kind || n != 0 {
			t.Errorf("%s: got n=%d err=%v (kind %v), want kind %v", tc.name, n, err, featuregate.KindOf(err), tc.kind)
		}
		if mustGet(t, s, "p", "v", key("k"))[0].Found {
			t.Fatalf("%s: a failed Write left rows behind", tc.name)
		}
	}
	keys := []struct {
		key  []any
		kind featuregate.Kind
	}{{key(uint(1)), featuregate.KindDatatypeMismatch}, {key(), featuregate.KindInvalid}}
	for _, tc := range keys {
		if _, err := s.Get(ctx, "p", "v", [][]any{key("k"), tc.key}, T0, 0); err == nil || featuregate.KindOf(err) != tc.kind {
			t.Errorf("Get with key %#v: %v, want kind %v", tc.key, err, tc.kind)
		}
	}
}

// testCanceled checks that every method returns the context's error when
// it is already canceled, and that a canceled Write writes nothing.
func testCanceled(t *testing.T, s online.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	row := online.Row{Project: "p", View: "v", Key: key("k"), TS: T0, Values: []any{"x"}}
	_, werr := s.Write(ctx, []online.Row{row})
	_, gerr := s.Get(ctx, "p", "v", [][]any{key("k")}, T0, 0)
	_, _, wmerr := s.Watermark(ctx, "p", "v")
	errs := map[string]error{
		"Write": werr, "Get": gerr, "Watermark": wmerr,
		"SetWatermark": s.SetWatermark(ctx, "p", "v", T0),
		"DropView":     s.DropView(ctx, "p", "v"),
		"DropProject":  s.DropProject(ctx, "p"),
	}
	for name, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context: %v", name, err)
		}
	}
	if r := mustGet(t, s, "p", "v", key("k"))[0]; r.Found {
		t.Errorf("canceled Write wrote %+v", r)
	}
	if _, ok, err := s.Watermark(context.Background(), "p", "v"); ok || err != nil {
		t.Errorf("canceled SetWatermark: ok=%v err=%v", ok, err)
	}
	// A deadline that passes while the store works also stops it.
	short, cancel2 := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel2()
	<-short.Done()
	if _, err := s.Get(short, "p", "v", [][]any{key("k")}, T0, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get past its deadline: %v", err)
	}
}

// testClosed checks that every method returns online.ErrClosed after Close.
func testClosed(t *testing.T, s online.Store) {
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, werr := s.Write(ctx, []online.Row{{Project: "p", View: "v", Key: key("k"), TS: T0}})
	_, gerr := s.Get(ctx, "p", "v", [][]any{key("k")}, T0, 0)
	_, _, wmerr := s.Watermark(ctx, "p", "v")
	errs := map[string]error{
		"Close": s.Close(), "Write": werr, "Get": gerr, "Watermark": wmerr,
		"SetWatermark": s.SetWatermark(ctx, "p", "v", T0),
		"DropView":     s.DropView(ctx, "p", "v"),
		"DropProject":  s.DropProject(ctx, "p"),
	}
	for name, err := range errs {
		if !errors.Is(err, online.ErrClosed) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
}
