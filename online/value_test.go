package online

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"
)

func TestFeatureTypesRoundTrip(t *testing.T) {
	s := newStore(t)
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	ns := time.Date(1969, 7, 20, 20, 17, 40, 123456789, time.UTC)
	tests := []struct {
		name string // the catalog type
		v    any
	}{
		{"null", nil},
		{"bigint", int64(math.MinInt64)},
		{"bigint max", int64(math.MaxInt64)},
		{"integer", int32(-7)},
		{"smallint", int16(32767)},
		{"real", float32(3.25)},
		{"real nan", float32(math.Inf(-1))},
		{"double precision", 1e-300},
		{"numeric", "12345678901234567890.000001"},
		{"boolean true", true},
		{"boolean false", false},
		{"text", "héllo\x00world"},
		{"text empty", ""},
		{"bytea", []byte{0, 1, 0xff}},
		{"bytea empty", []byte{}},
		{"date", day},
		{"timestamp", ns},
		{"timestamptz zero", time.Time{}},
		{"jsonb", []byte(`{"a":[1,2]}`)},
		{"bigint[]", []int64{1, -2, math.MaxInt64}},
		{"integer[]", []int32{0, math.MinInt32}},
		{"smallint[]", []int16{-1}},
		{"real[]", []float32{1.5, -0}},
		{"double precision[]", []float64{math.Pi}},
		{"numeric[]", []string{"1.5", "NaN"}},
		{"boolean[]", []bool{true, false, true}},
		{"text[] empty", []string{}},
		{"bytea[]", [][]byte{{1}, {}}},
		{"timestamptz[]", []time.Time{day, ns}},
		{"array with NULLs", []any{int64(1), nil, int64(3)}},
		{"2-d array", []any{[]int64{1, 2}, []int64{3, 4}}},
		{"text[] with NULL", []any{"a", nil}},
	}
	var row []any
	for _, tc := range tests {
		row = append(row, tc.v)
	}
	mustWrite(t, s, Row{Project: "p", View: "all", Key: key("k"), TS: t0, Values: row})
	got := mustGet(t, s, "p", "all", key("k"))[0]
	if !got.Found || len(got.Values) != len(tests) {
		t.Fatalf("got %+v", got)
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(got.Values[i], tc.v) {
				t.Errorf("got %#v (%T), want %#v (%T)", got.Values[i], got.Values[i], tc.v, tc.v)
			}
		})
	}
}

func TestFloatNaNRoundTrip(t *testing.T) {
	b, err := encodeValue(nil, t0, time.Time{}, []any{math.NaN(), float32(math.NaN())})
	if err != nil {
		t.Fatal(err)
	}
	_, _, vs, err := decodeValue(b)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(vs[0].(float64)) || !math.IsNaN(float64(vs[1].(float32))) {
		t.Fatalf("got %v", vs)
	}
}

func TestIntReadsBackAsInt64(t *testing.T) {
	b, _ := encodeValue(nil, t0, time.Time{}, []any{42})
	_, _, vs, err := decodeValue(b)
	if err != nil || vs[0] != int64(42) {
		t.Fatalf("got %#v, %v", vs, err)
	}
}

func TestTimestampsRoundTrip(t *testing.T) {
	tests := []struct {
		name        string
		ts, created time.Time
	}{
		{"no created", t0, time.Time{}},
		{"created", t0, t0.Add(time.Nanosecond)},
		{"pre-epoch", time.Date(1900, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)},
		{"other zone", t0.In(time.FixedZone("x", 3600)), t0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := encodeValue(nil, tc.ts, tc.created, nil)
			if err != nil {
				t.Fatal(err)
			}
			ts, created, vs, err := decodeValue(b)
			if err != nil || !ts.Equal(tc.ts) || !created.Equal(tc.created) || len(vs) != 0 {
				t.Fatalf("got %v %v %v %v", ts, created, vs, err)
			}
			if tc.created.IsZero() != created.IsZero() {
				t.Fatalf("created zero-ness changed: %v", created)
			}
		})
	}
}

func TestCorruptValues(t *testing.T) {
	good, err := encodeValue(nil, t0, t0, []any{"abc", []int64{1, 2}, []any{nil, 1.5}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"bad version", append([]byte{9}, good[1:]...)},
		{"extra byte", append(append([]byte{}, good...), 0)},
		{"huge count", []byte{valueVersion, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"bad tag", []byte{valueVersion, 0, 0, 0, 1, 99}},
		{"bad array tag", []byte{valueVersion, 0, 0, 0, 1, tagArrayOf | 99, 0}},
		{"bad nanos", []byte{valueVersion, 0, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0, 0}},
	}
	for i := 1; i < len(good); i++ {
		tests = append(tests, struct {
			name string
			b    []byte
		}{"truncated", good[:i]})
	}
	for _, tc := range tests {
		if _, _, _, err := decodeValue(tc.b); !errors.Is(err, errCorrupt) {
			t.Errorf("%s %x: err = %v, want errCorrupt", tc.name, tc.b, err)
		}
	}
}
