package onlinetest

import (
	"context"
	"testing"
	"time"

	"github.com/featuregate/featuregate/online"
)

// testWatermarks sets, overwrites (also backwards) and reads watermarks, to
// the nanosecond, per project and view.
func testWatermarks(t *testing.T, s online.Store) {
	ctx := context.Background()
	if _, ok, err := s.Watermark(ctx, "p", "v"); ok || err != nil {
		t.Fatalf("unset watermark: ok=%v err=%v", ok, err)
	}
	marks := []struct {
		project, view string
		t             time.Time
	}{
		{"p", "v", T0}, {"p", "w", T0.Add(time.Hour)}, {"q", "v", T0.Add(-time.Hour)},
		{"p", "v", T0.Add(time.Nanosecond)}, {"q", "v", T0.Add(-2 * time.Hour).In(time.FixedZone("x", 3600))},
	}
	want := map[[2]string]time.Time{} // the last mark of each view
	for _, m := range marks {
		if err := s.SetWatermark(ctx, m.project, m.view, m.t); err != nil {
			t.Fatal(err)
		}
		want[[2]string{m.project, m.view}] = m.t
	}
	for pv, w := range want {
		got, ok, err := s.Watermark(ctx, pv[0], pv[1])
		if err != nil || !ok || !got.Equal(w) {
			t.Errorf("%s.%s: got %v %v %v, want %v", pv[0], pv[1], got, ok, err, w)
		}
	}
	if _, ok, err := s.Watermark(ctx, "p", "x"); ok || err != nil {
		t.Errorf("other view: ok=%v err=%v", ok, err)
	}
	// Watermarks never show up as feature values.
	if r := mustGet(t, s, "p", "v", key("v"))[0]; r.Found {
		t.Errorf("watermark read as data: %+v", r)
	}
}

// views are the (project, view) pairs the drop tests fill; names that are
// prefixes of others catch a drop that matches by prefix.
var views = [][2]string{{"p", "v"}, {"p", "v2"}, {"p", "w"}, {"pq", "v"}, {"q", "p"}}

// fill writes one row and a watermark in every view of views.
func fill(t *testing.T, s online.Store) {
	for _, pv := range views {
		mustWrite(t, s, online.Row{Project: pv[0], View: pv[1], Key: key("k"), TS: T0, Values: []any{pv[0] + "." + pv[1]}})
		if err := s.SetWatermark(context.Background(), pv[0], pv[1], T0); err != nil {
			t.Fatal(err)
		}
	}
}

// checkPresent checks, for each view of views, that its row and its
// watermark are both there or both gone, as gone says.
func checkPresent(t *testing.T, s online.Store, gone func(project, view string) bool) {
	t.Helper()
	for _, pv := range views {
		_, ok, err := s.Watermark(context.Background(), pv[0], pv[1])
		if err != nil {
			t.Fatal(err)
		}
		found := mustGet(t, s, pv[0], pv[1], key("k"))[0].Found
		if want := !gone(pv[0], pv[1]); found != want || ok != want {
			t.Errorf("%s.%s: row present %v, watermark present %v, want %v", pv[0], pv[1], found, ok, want)
		}
	}
}

// testDropView drops one view and checks that only it is gone, and that it
// can be written again from scratch, even with an older row.
func testDropView(t *testing.T, s online.Store) {
	fill(t, s)
	if err := s.DropView(context.Background(), "p", "v"); err != nil {
		t.Fatal(err)
	}
	checkPresent(t, s, func(p, v string) bool { return p == "p" && v == "v" })
	if n := mustWrite(t, s, online.Row{Project: "p", View: "v", Key: key("k"), TS: T0.Add(-time.Hour)}); n != 1 {
		t.Fatalf("write after drop: %d", n)
	}
	if err := s.DropView(context.Background(), "p", "never"); err != nil {
		t.Errorf("dropping an empty view: %v", err)
	}
}

// testDropProject drops one project and checks that only it is gone.
func testDropProject(t *testing.T, s online.Store) {
	fill(t, s)
	if err := s.DropProject(context.Background(), "p"); err != nil {
		t.Fatal(err)
	}
	checkPresent(t, s, func(p, _ string) bool { return p == "p" })
	if n := mustWrite(t, s, online.Row{Project: "p", View: "w", Key: key("k"), TS: T0.Add(-time.Hour)}); n != 1 {
		t.Fatalf("write after drop: %d", n)
	}
	if err := s.DropProject(context.Background(), "never"); err != nil {
		t.Errorf("dropping an empty project: %v", err)
	}
}
