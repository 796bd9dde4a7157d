package online

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/featuregate/featuregate"
)

func TestEncodeKeyIsTheDataKeySuffix(t *testing.T) {
	keys := [][]any{key("a", "bc"), key(int64(-1), "x\x00"), key([]byte{0}, true, t0), key(int32(5))}
	for _, k := range keys {
		full, err := appendDataKey(nil, "p", "v", k)
		if err != nil {
			t.Fatal(err)
		}
		got, err := EncodeKey(k)
		if err != nil {
			t.Fatal(err)
		}
		prefix := appendViewPrefix(nil, prefixData, "p", "v")
		if !bytes.Equal(append(prefix, got...), full) {
			t.Errorf("%#v: EncodeKey %x, data key %x", k, got, full)
		}
	}
}

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
	if _, _, _, err := DecodeValue(b[:len(b)-1]); !errors.Is(err, errCorrupt) {
		t.Errorf("truncated value: %v", err)
	}
}
