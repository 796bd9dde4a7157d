package online

import (
	"encoding/binary"
	"math"
	"time"
)

// valueVersion is the first byte of every encoded value.
const valueVersion byte = 1

// Value tags. A typed array is tagArrayOf|element tag followed by a count
// and untagged elements; tagArray holds tagged elements (NULLs allowed).
const (
	tagNull    byte = 0
	tagFalse   byte = 1 // also the element tag of a bool array
	tagTrue    byte = 2
	tagInt16   byte = 3
	tagInt32   byte = 4
	tagInt64   byte = 5
	tagFloat32 byte = 6
	tagFloat64 byte = 7
	tagString  byte = 8
	tagBlob    byte = 9
	tagTimeV   byte = 10
	tagArray   byte = 11
	tagArrayOf byte = 0x40
)

// encodeValue encodes a row's timestamps and feature values.
func encodeValue(dst []byte, ts, created time.Time, values []any) ([]byte, error) {
	dst = AppendValueHeader(dst, ts, created, len(values))
	for i, v := range values {
		var ok bool
		if dst, ok = appendValue(dst, v); !ok {
			return nil, mismatch("feature %d: unsupported type %T", i+1, v)
		}
	}
	return dst, nil
}

func appendTime(dst []byte, t time.Time) []byte {
	dst = binary.AppendVarint(dst, t.Unix())
	return binary.AppendUvarint(dst, uint64(t.Nanosecond()))
}

// appendValue appends one tagged value; false when its type is unsupported.
func appendValue(dst []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(dst, tagNull), true
	case bool:
		return append(dst, tagFalse+boolByte(x)), true
	case int16:
		return binary.AppendVarint(append(dst, tagInt16), int64(x)), true
	case int32:
		return binary.AppendVarint(append(dst, tagInt32), int64(x)), true
	case int64:
		return binary.AppendVarint(append(dst, tagInt64), x), true
	case int:
		return binary.AppendVarint(append(dst, tagInt64), int64(x)), true
	case float32:
		return binary.LittleEndian.AppendUint32(append(dst, tagFloat32), math.Float32bits(x)), true
	case float64:
		return binary.LittleEndian.AppendUint64(append(dst, tagFloat64), math.Float64bits(x)), true
	case string:
		return appendBlob(append(dst, tagString), x), true
	case []byte:
		return appendBlob(append(dst, tagBlob), string(x)), true
	case time.Time:
		return appendTime(append(dst, tagTimeV), x), true
	case []any:
		return appendAnyArray(dst, x)
	}
	return appendTypedArray(dst, v)
}

func appendBlob(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

func appendAnyArray(dst []byte, xs []any) ([]byte, bool) {
	dst = binary.AppendUvarint(append(dst, tagArray), uint64(len(xs)))
	for _, x := range xs {
		var ok bool
		if dst, ok = appendValue(dst, x); !ok {
			return dst, false
		}
	}
	return dst, true
}

// appendTypedArray appends a slice of one scalar type without per-element tags.
func appendTypedArray(dst []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case []bool:
		return appendElems(dst, tagFalse, x, func(d []byte, e bool) []byte { return append(d, boolByte(e)) }), true
	case []int16:
		return appendElems(dst, tagInt16, x, func(d []byte, e int16) []byte { return binary.AppendVarint(d, int64(e)) }), true
	case []int32:
		return appendElems(dst, tagInt32, x, func(d []byte, e int32) []byte { return binary.AppendVarint(d, int64(e)) }), true
	case []int64:
		return appendElems(dst, tagInt64, x, binary.AppendVarint), true
	case []float32:
		return appendElems(dst, tagFloat32, x, func(d []byte, e float32) []byte {
			return binary.LittleEndian.AppendUint32(d, math.Float32bits(e))
		}), true
	case []float64:
		return appendElems(dst, tagFloat64, x, func(d []byte, e float64) []byte {
			return binary.LittleEndian.AppendUint64(d, math.Float64bits(e))
		}), true
	case []string:
		return appendElems(dst, tagString, x, appendBlob), true
	case [][]byte:
		return appendElems(dst, tagBlob, x, func(d []byte, e []byte) []byte { return appendBlob(d, string(e)) }), true
	case []time.Time:
		return appendElems(dst, tagTimeV, x, appendTime), true
	}
	return dst, false
}

func appendElems[T any](dst []byte, elem byte, xs []T, f func([]byte, T) []byte) []byte {
	dst = binary.AppendUvarint(append(dst, tagArrayOf|elem), uint64(len(xs)))
	for _, x := range xs {
		dst = f(dst, x)
	}
	return dst
}
