package onlinetest

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/featuregate/featuregate/online"
)

// testValueTypes writes one feature of every supported Go type (named by
// the catalog type it carries) and reads each back with its type.
func testValueTypes(t *testing.T, s online.Store) {
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	ns := time.Date(1969, 7, 20, 20, 17, 40, 123456789, time.UTC)
	tests := []struct {
		name   string // the catalog type
		v      any
		wantAs any // what reads back, when not v itself
	}{
		{"null", nil, nil},
		{"bigint", int64(math.MinInt64), nil},
		{"bigint max", int64(math.MaxInt64), nil},
		{"Go int reads as bigint", 42, int64(42)},
		{"integer", int32(-7), nil},
		{"smallint", int16(32767), nil},
		{"real", float32(3.25), nil},
		{"real -inf", float32(math.Inf(-1)), nil},
		{"double precision", 1e-300, nil},
		{"numeric", "12345678901234567890.000001", nil},
		{"boolean true", true, nil},
		{"boolean false", false, nil},
		{"text", "héllo\x00world", nil},
		{"text empty", "", nil},
		{"bytea", []byte{0, 1, 0xff}, nil},
		{"bytea empty", []byte{}, nil},
		{"date", day, nil},
		{"timestamp with nanoseconds", ns, nil},
		{"timestamptz other zone", day.In(time.FixedZone("x", 3600)), day},
		{"timestamptz zero", time.Time{}, nil},
		{"jsonb", []byte(`{"a":[1,2]}`), nil},
		{"bigint[]", []int64{1, -2, math.MaxInt64}, nil},
		{"integer[]", []int32{0, math.MinInt32}, nil},
		{"smallint[]", []int16{-1}, nil},
		{"real[]", []float32{1.5, -0}, nil},
		{"double precision[]", []float64{math.Pi}, nil},
		{"numeric[]", []string{"1.5", "NaN"}, nil},
		{"boolean[]", []bool{true, false, true}, nil},
		{"text[] empty", []string{}, nil},
		{"bytea[]", [][]byte{{1}, {}}, nil},
		{"timestamptz[]", []time.Time{day, ns}, nil},
		{"array with NULLs", []any{int64(1), nil, int64(3)}, nil},
		{"2-d array", []any{[]int64{1, 2}, []int64{3, 4}}, nil},
		{"text[] with NULL", []any{"a", nil}, nil},
	}
	var row []any
	for _, tc := range tests {
		row = append(row, tc.v)
	}
	mustWrite(t, s, online.Row{Project: "p", View: "all", Key: key("k"), TS: T0, Values: row})
	got := mustGet(t, s, "p", "all", key("k"))[0]
	if !got.Found || got.Expired || len(got.Values) != len(tests) {
		t.Fatalf("got %+v", got)
	}
	for i, tc := range tests {
		want := tc.v
		if tc.wantAs != nil {
			want = tc.wantAs
		}
		if !reflect.DeepEqual(got.Values[i], want) {
			t.Errorf("%s: got %#v (%T), want %#v (%T)", tc.name, got.Values[i], got.Values[i], want, want)
		}
	}
	// NaN is not equal to itself, so it is checked on its own.
	mustWrite(t, s, online.Row{Project: "p", View: "nan", Key: key("k"), TS: T0, Values: []any{math.NaN(), float32(math.NaN())}})
	vs := mustGet(t, s, "p", "nan", key("k"))[0].Values
	if len(vs) != 2 || !math.IsNaN(vs[0].(float64)) || !math.IsNaN(float64(vs[1].(float32))) {
		t.Errorf("NaN: got %#v", vs)
	}
}

// testCompositeKeys writes entities of a (text, bigint) key and checks that
// each reads back alone, that integer widths name the same entity, and that
// a prefix or extension of a key is another entity.
func testCompositeKeys(t *testing.T, s online.Store) {
	rows := []online.Row{
		{Project: "p", View: "v", Key: key("a", int64(1)), TS: T0, Values: []any{"a|1"}},
		{Project: "p", View: "v", Key: key("a", int64(2)), TS: T0, Values: []any{"a|2"}},
		{Project: "p", View: "v", Key: key("b", int64(1)), TS: T0, Values: []any{"b|1"}},
		{Project: "p", View: "v", Key: key("a", int64(-1)), TS: T0, Values: []any{"a|-1"}},
		{Project: "p", View: "trip", Key: key(int64(1), int64(2)), TS: T0, Values: []any{"1|2"}},
		{Project: "p", View: "trip", Key: key(int64(2), int64(1)), TS: T0, Values: []any{"2|1"}},
	}
	if n := mustWrite(t, s, rows...); n != len(rows) {
		t.Fatalf("written %d, want %d", n, len(rows))
	}
	for _, r := range rows {
		got := mustGet(t, s, r.Project, r.View, r.Key)[0]
		if !got.Found || len(got.Values) != 1 || got.Values[0] != r.Values[0] {
			t.Errorf("%v: got %+v", r.Key, got)
		}
	}
	for _, k := range []any{int32(2), int16(2), 2} {
		if got := mustGet(t, s, "p", "v", key("a", k))[0]; !got.Found || got.Values[0] != "a|2" {
			t.Errorf("key part %T(2): got %+v", k, got)
		}
	}
	absent := [][]any{key("a"), key("a", int64(1), "x"), key("a", "1"), key(int64(1)), key(int64(1), int64(2))}
	for i, r := range mustGet(t, s, "p", "v", absent...) {
		if r.Found {
			t.Errorf("%v found: %+v", absent[i], r)
		}
	}
}

// testKeyBoundaries writes keys whose bytes would collide if components were
// concatenated or untyped, each with its own value, and reads each back.
func testKeyBoundaries(t *testing.T, s online.Store) {
	keys := [][]any{
		key("a", "bc"), key("ab", "c"), key("abc"), key("a\x00", "bc"), key("a", "\x00bc"),
		key("a"), key("a", ""), key("", "a"), key(""), key(int64(1)), key("\x00\x00\x00\x00\x00\x00\x00\x01"),
		key([]byte("a"), "bc"), key([]byte("abc")), key(true), key(false), key(int64(0)),
		key(T0), key(T0.Add(time.Nanosecond)), key(int64(1), int64(2)), key(int64(1), "2"),
	}
	var rows []online.Row
	for i, k := range keys {
		rows = append(rows, online.Row{Project: "p", View: "v", Key: k, TS: T0, Values: []any{int64(i)}})
	}
	if n := mustWrite(t, s, rows...); n != len(rows) {
		t.Fatalf("written %d, want %d: some keys collide", n, len(rows))
	}
	for i, r := range mustGet(t, s, "p", "v", keys...) {
		if !r.Found || r.Values[0] != int64(i) {
			t.Errorf("key %#v: got %+v, want value %d", keys[i], r, i)
		}
	}
	// Project and view names are separate components as well.
	mustWrite(t, s, online.Row{Project: "ab", View: "c", Key: key("x"), TS: T0, Values: []any{"ab.c"}})
	if r := mustGet(t, s, "a", "bc", key("x"))[0]; r.Found {
		t.Errorf("a.bc sees ab.c: %+v", r)
	}
}
