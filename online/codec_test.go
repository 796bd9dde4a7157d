package online

import (
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/featuregate/featuregate"
)

func TestEncodeKeyErrors(t *testing.T) {
	tests := []struct {
		key  []any
		kind featuregate.Kind
	}{
		{nil, featuregate.KindInvalid},
		{key("a", 1.5), featuregate.KindDatatypeMismatch},
		{key(uint64(1)), featuregate.KindDatatypeMismatch},
	}
	for _, tc := range tests {
		if b, err := EncodeKey(tc.key); featuregate.KindOf(err) != tc.kind || b != nil {
			t.Errorf("%#v: %x, %v, want kind %v", tc.key, b, err, tc.kind)
		}
	}
}

func TestEncodeValueRoundTrip(t *testing.T) {
	values := []any{nil, int64(1), "x", []any{nil, []int32{1}}, t0.Add(time.Nanosecond)}
	b, err := EncodeValue(t0, t0.Add(time.Minute), values)
	if err != nil {
		t.Fatal(err)
	}
	ts, created, got, err := DecodeValue(b)
	if err != nil || !ts.Equal(t0) || !created.Equal(t0.Add(time.Minute)) || !reflect.DeepEqual(got, values) {
		t.Fatalf("got %v %v %#v %v", ts, created, got, err)
	}
	if _, err := EncodeValue(t0, time.Time{}, []any{uint(1)}); featuregate.KindOf(err) != featuregate.KindDatatypeMismatch {
		t.Errorf("unsupported value: %v", err)
	}
	if _, _, _, err := DecodeValue(b[:len(b)-1]); !errors.Is(err, ErrCorrupt) {
		t.Errorf("truncated value: %v", err)
	}
}

// TestEncodingsAreStable pins the bytes of some keys and values: they are
// what the stores hold on disk (pebblestore's testdata/format.golden, where
// these come from, has them all), so they must never change.
func TestEncodingsAreStable(t *testing.T) {
	t1 := time.Date(2024, 1, 31, 12, 0, 0, 123456789, time.UTC)
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	ns := time.Date(1969, 7, 20, 20, 17, 40, 123456789, time.UTC)
	keys := []struct {
		key  []any
		want string
	}{
		{key("u1"), "2075310001"},
		{key(""), "200001"},
		{key("x\x00y", 7), "207800ff790001108000000000000007"},
		{key("a", int64(-1)), "20610001107fffffffffffffff"},
		{key(int32(5), true, []byte{0, 0}), "10800000000000000508012100ff00ff0001"},
		{key(ns, false, int16(-3)), "307fffffffff2795e4075bcd150800107ffffffffffffffd"},
	}
	for _, tc := range keys {
		if b, err := EncodeKey(tc.key); err != nil || hex.EncodeToString(b) != tc.want {
			t.Errorf("EncodeKey(%#v) = %x, %v, want %s", tc.key, b, err, tc.want)
		}
	}
	values := []struct {
		ts, created time.Time
		values      []any
		want        string
	}{
		{t1, t1.Add(time.Nanosecond), []any{"second"}, "0180d9d1db0c959aef3a0180d9d1db0c969aef3a0108067365636f6e64"},
		{day, time.Time{}, nil, "0180a4fedd0c000000"},
		{day, time.Time{}, []any{nil}, "0180a4fedd0c00000100"},
		{ns, time.Time{}, []any{int64(1)}, "01b7a8c30d959aef3a00010502"},
		{time.Unix(-1, 1), time.Time{}, []any{[]any{}}, "01010100010b00"},
	}
	for _, tc := range values {
		if b, err := EncodeValue(tc.ts, tc.created, tc.values); err != nil || hex.EncodeToString(b) != tc.want {
			t.Errorf("EncodeValue(%v, %v, %#v) = %x, %v, want %s", tc.ts, tc.created, tc.values, b, err, tc.want)
		}
	}
}
