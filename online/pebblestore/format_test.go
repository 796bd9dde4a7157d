package pebblestore

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/featuregate/featuregate/online"
)

// The on-disk format must never change by accident: testdata/v1 is a
// Pebble directory written by this store, and testdata/format.golden lists
// every value and watermark key ('d' and 'w') and its value, in hex. Both
// were made once, by the store as it was when they were added, and are
// never regenerated. testdata/bounds.golden lists the bound and format
// keys ('b' and 'f') the same fixture writes since the store keeps bounds,
// made once when bounds were added; testdata/v1, written before, has none,
// and opening it must compute the same ones.

// fixtureRows are the rows written into testdata/v1, in this order (the
// second write of ("p", "v", "u1") is newer and replaces the first, the
// third is older and is skipped).
func fixtureRows() []online.Row {
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	ns := time.Date(1969, 7, 20, 20, 17, 40, 123456789, time.UTC)
	values := []any{
		nil, int64(math.MinInt64), 42, int32(-7), int16(32767), float32(3.25), 1e-300,
		"12345678901234567890.000001", true, false, "héllo\x00world", "", []byte{0, 1, 0xff}, []byte{},
		day, ns, time.Time{}, []int64{1, -2, math.MaxInt64}, []int32{0, math.MinInt32}, []int16{-1},
		[]float32{1.5, -0}, []float64{math.Pi}, []string{"1.5", "NaN"}, []bool{true, false, true},
		[]string{}, [][]byte{{1}, {}}, []time.Time{day, ns}, []any{int64(1), nil, int64(3)},
		[]any{[]int64{1, 2}, []int64{3, 4}}, []any{"a", nil},
	}
	t1 := time.Date(2024, 1, 31, 12, 0, 0, 123456789, time.UTC)
	return []online.Row{
		{Project: "p", View: "v", Key: []any{"u1"}, TS: t1, Values: []any{"first"}},
		{Project: "p", View: "v", Key: []any{"u1"}, TS: t1, Created: t1.Add(time.Nanosecond), Values: []any{"second"}},
		{Project: "p", View: "v", Key: []any{"u1"}, TS: t1.Add(-time.Hour), Values: []any{"older"}},
		{Project: "p", View: "all", Key: []any{"k"}, TS: t1, Created: t1, Values: values},
		{Project: "p", View: "v", Key: []any{"a", int64(-1)}, TS: ns, Values: []any{int64(1)}},
		{Project: "p", View: "v", Key: []any{int32(5), true, []byte{0, 0}}, TS: day, Values: nil},
		{Project: "p", View: "v", Key: []any{ns, false, int16(-3)}, TS: day, Values: []any{nil}},
		{Project: "p\x00", View: "v\x00w", Key: []any{"x\x00y", 7}, TS: t1, Values: []any{"nul names"}},
		{Project: "q", View: "v@0011aabb", Key: []any{""}, TS: time.Unix(-1, 1).UTC(), Values: []any{[]any{}}},
	}
}

// fixtureMarks are the watermarks set in testdata/v1, after the rows.
func fixtureMarks() []online.Row {
	return []online.Row{
		{Project: "p", View: "v", TS: time.Date(2024, 2, 1, 0, 0, 0, 1, time.UTC)},
		{Project: "p", View: "all", TS: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Project: "p\x00", View: "v\x00w", TS: time.Unix(0, 0).UTC()},
	}
}

// writeFixture writes the fixture's rows and watermarks into s.
func writeFixture(t testing.TB, s *Store) {
	ctx := context.Background()
	for _, r := range fixtureRows() {
		if _, err := s.Write(ctx, []online.Row{r}); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range fixtureMarks() {
		if err := s.SetWatermark(ctx, m.Project, m.View, m.TS); err != nil {
			t.Fatal(err)
		}
	}
}

// dump lists every key of s whose first byte is in kinds, and its value,
// in key order, one "key value" line each in hex.
func dump(t *testing.T, s *Store, kinds string) string {
	it, err := s.db.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var b strings.Builder
	for it.First(); it.Valid(); it.Next() {
		if !strings.ContainsRune(kinds, rune(it.Key()[0])) {
			continue
		}
		fmt.Fprintf(&b, "%s %s\n", hex.EncodeToString(it.Key()), hex.EncodeToString(it.Value()))
	}
	if err := it.Error(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func readGolden(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFormatIsByteIdentical writes the fixture into a fresh store and
// compares every stored byte with the golden files.
func TestFormatIsByteIdentical(t *testing.T) {
	s := newStore(t)
	writeFixture(t, s)
	if got, want := dump(t, s, "dw"), readGolden(t, "format.golden"); got != want {
		t.Errorf("stored bytes differ from testdata/format.golden:\ngot:\n%swant:\n%s", got, want)
	}
	if got, want := dump(t, s, "bf"), readGolden(t, "bounds.golden"); got != want {
		t.Errorf("stored bounds differ from testdata/bounds.golden:\ngot:\n%swant:\n%s", got, want)
	}
}

// TestFixtureDirectoryOpens opens a copy of testdata/v1 and reads back
// every row and watermark of the fixture, and its bytes; opening it
// computes the bounds a fresh store writes.
func TestFixtureDirectoryOpens(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "v1"))); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, dir)
	defer s.Close()
	if got, want := dump(t, s, "dw"), readGolden(t, "format.golden"); got != want {
		t.Errorf("testdata/v1 holds other bytes than testdata/format.golden:\ngot:\n%swant:\n%s", got, want)
	}
	if got, want := dump(t, s, "bf"), readGolden(t, "bounds.golden"); got != want {
		t.Errorf("the bounds computed from testdata/v1 differ from testdata/bounds.golden:\ngot:\n%swant:\n%s", got, want)
	}
	want := newStore(t) // the fixture written now, to compare results with
	writeFixture(t, want)
	ctx := context.Background()
	for _, r := range fixtureRows() {
		got, err := s.Get(ctx, r.Project, r.View, [][]any{r.Key}, r.TS, 0)
		if err != nil {
			t.Fatal(err)
		}
		exp := mustGet(t, want, r.Project, r.View, r.Key)
		if !got[0].Found || !reflect.DeepEqual(got, exp) {
			t.Errorf("%q.%q %v: got %+v, want %+v", r.Project, r.View, r.Key, got[0], exp[0])
		}
	}
	for _, m := range fixtureMarks() {
		w, ok, err := s.Watermark(ctx, m.Project, m.View)
		if err != nil || !ok || !w.Equal(m.TS) {
			t.Errorf("watermark of %q.%q: %v %v %v, want %v", m.Project, m.View, w, ok, err, m.TS)
		}
	}
}
