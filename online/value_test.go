package online

import (
	"errors"
	"math"
	"testing"
	"time"
)

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
		if _, _, _, err := decodeValue(tc.b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s %x: err = %v, want ErrCorrupt", tc.name, tc.b, err)
		}
	}
}
