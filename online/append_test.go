package online

import (
	"bytes"
	"math"
	"testing"
	"time"
)

// TestAppendPartsMatch: keys and values written part by part are the
// bytes AppendKey and AppendValue write for the same Go values.
func TestAppendPartsMatch(t *testing.T) {
	ts := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	before := time.Date(1901, 1, 1, 0, 0, 0, 0, time.UTC)
	keys := []struct {
		v    any
		part []byte
	}{
		{int64(-7), AppendIntKeyPart(nil, -7)},
		{int32(math.MaxInt32), AppendIntKeyPart(nil, math.MaxInt32)},
		{int16(5), AppendIntKeyPart(nil, 5)},
		{"a\x00b", AppendTextKeyPart(nil, "a\x00b")},
		{"", AppendTextKeyPart(nil, "")},
		{true, AppendBoolKeyPart(nil, true)},
		{false, AppendBoolKeyPart(nil, false)},
		{ts, AppendTimeKeyPart(nil, ts)},
		{before, AppendTimeKeyPart(nil, before)},
	}
	var tuple []any
	var parts []byte
	for _, k := range keys {
		want, err := EncodeKey([]any{k.v})
		if err != nil || !bytes.Equal(k.part, want) {
			t.Errorf("key part %#v: %x, want %x (%v)", k.v, k.part, want, err)
		}
		tuple, parts = append(tuple, k.v), append(parts, k.part...)
	}
	if want, _ := EncodeKey(tuple); !bytes.Equal(parts, want) {
		t.Errorf("key tuple: %x, want %x", parts, want)
	}
	values := []struct {
		v    any
		part []byte
	}{
		{nil, AppendNullValue(nil)},
		{true, AppendBoolValue(nil, true)},
		{false, AppendBoolValue(nil, false)},
		{int16(-300), AppendIntValue(nil, 16, -300)},
		{int32(1 << 30), AppendIntValue(nil, 32, 1<<30)},
		{int64(math.MinInt64), AppendIntValue(nil, 64, math.MinInt64)},
		{float32(1.5), AppendFloat32Value(nil, 1.5)},
		{math.Inf(-1), AppendFloat64Value(nil, math.Inf(-1))},
		{"é\x00", AppendTextValue(nil, "é\x00")},
		{ts, AppendTimeValue(nil, ts)},
		{before, AppendTimeValue(nil, before)},
	}
	for _, created := range []time.Time{{}, ts.Add(time.Second)} {
		var vals []any
		got := AppendValueHeader(nil, ts, created, len(values))
		for _, v := range values {
			vals, got = append(vals, v.v), append(got, v.part...)
		}
		want, err := EncodeValue(ts, created, vals)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("value (created %v): %x, want %x (%v)", created, got, want, err)
		}
	}
}
