package pebblestore

import (
	"context"
	"fmt"
	"testing"

	"github.com/featuregate/featuregate/online"
)

// The behaviour every online store shares (newer wins, TTL, order, drops,
// errors, …) is tested by the conformance suite in onlinetest, run on this
// store by conformance_test.go. The tests here are Pebble's own.

// TestDropEscapedNames checks that drops of names that differ from others
// only by a NUL byte, which the key escaping must keep apart, remove only
// their own keys.
func TestDropEscapedNames(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	names := [][2]string{{"p", "v"}, {"p", "v\x00"}, {"p", "v\x00\x01"}, {"p\x00", "v"}, {"p\x00\x01", "v"}}
	for _, pv := range names {
		mustWrite(t, s, online.Row{Project: pv[0], View: pv[1], Key: key("k"), TS: t0, Values: []any{pv[0] + "." + pv[1]}})
		if err := s.SetWatermark(ctx, pv[0], pv[1], t0); err != nil {
			t.Fatal(err)
		}
	}
	present := func(pv [2]string) bool {
		_, ok, err := s.Watermark(ctx, pv[0], pv[1])
		if err != nil {
			t.Fatal(err)
		}
		return mustGet(t, s, pv[0], pv[1], key("k"))[0].Found && ok
	}
	if err := s.DropView(ctx, "p", "v"); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{false, true, true, true, true} {
		if present(names[i]) != want {
			t.Errorf("after DropView: %q present=%v, want %v", names[i], !want, want)
		}
	}
	if err := s.DropProject(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{false, false, false, true, true} {
		if present(names[i]) != want {
			t.Errorf("after DropProject: %q present=%v, want %v", names[i], !want, want)
		}
	}
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := openStore(t, dir)
	mustWrite(t, s, online.Row{Project: "p", View: "v", Key: key("k", int64(1)), TS: t0, Created: t0, Values: []any{[]float64{1, 2}}})
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

func TestOpenError(t *testing.T) {
	if _, err := Open("/dev/null/x"); err == nil {
		t.Fatal("Open of an impossible directory succeeded")
	}
}
