package online

import (
	"encoding/binary"
	"math"
	"time"
)

// The functions below write the encodings one part at a time, for
// callers that read values of known types and would otherwise box each
// into an any only for AppendKey and AppendValue to take it apart (a
// push reads them from text). A key is the Append*KeyPart of each part
// in order; a value is AppendValueHeader, then one Append*Value per
// feature in order. The bytes are those of AppendKey and AppendValue
// (TestAppendPartsMatch holds them to that).

// AppendIntKeyPart appends an integer key part (smallint, integer and
// bigint share it).
func AppendIntKeyPart(dst []byte, v int64) []byte { return appendOrderedInt(append(dst, tagInt), v) }

// AppendTextKeyPart appends a text key part.
func AppendTextKeyPart(dst []byte, s string) []byte { return appendEscaped(append(dst, tagText), s) }

// AppendBoolKeyPart appends a boolean key part.
func AppendBoolKeyPart(dst []byte, b bool) []byte { return append(dst, tagBool, boolByte(b)) }

// AppendTimeKeyPart appends a time key part.
func AppendTimeKeyPart(dst []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint32(appendOrderedInt(append(dst, tagTime), t.Unix()), uint32(t.Nanosecond()))
}

// AppendValueHeader appends the start of a value of n features with
// timestamps ts and created (absent when zero).
func AppendValueHeader(dst []byte, ts, created time.Time, n int) []byte {
	dst = appendTime(append(dst, valueVersion), ts)
	if created.IsZero() {
		dst = append(dst, 0)
	} else {
		dst = appendTime(append(dst, 1), created)
	}
	return binary.AppendUvarint(dst, uint64(n))
}

// AppendNullValue appends a NULL feature.
func AppendNullValue(dst []byte) []byte { return append(dst, tagNull) }

// AppendBoolValue appends a boolean feature.
func AppendBoolValue(dst []byte, b bool) []byte { return append(dst, tagFalse+boolByte(b)) }

// AppendIntValue appends an integer feature of bits bits (16: int16, 32:
// int32, otherwise int64), read back as that Go type.
func AppendIntValue(dst []byte, bits int, v int64) []byte {
	tag := tagInt64
	switch bits {
	case 16:
		tag = tagInt16
	case 32:
		tag = tagInt32
	}
	return binary.AppendVarint(append(dst, tag), v)
}

// AppendFloat32Value appends a real feature.
func AppendFloat32Value(dst []byte, f float32) []byte {
	return binary.LittleEndian.AppendUint32(append(dst, tagFloat32), math.Float32bits(f))
}

// AppendFloat64Value appends a double precision feature.
func AppendFloat64Value(dst []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(append(dst, tagFloat64), math.Float64bits(f))
}

// AppendTextValue appends a text feature.
func AppendTextValue(dst []byte, s string) []byte { return appendBlob(append(dst, tagString), s) }

// AppendTimeValue appends a date or timestamp feature.
func AppendTimeValue(dst []byte, t time.Time) []byte { return appendTime(append(dst, tagTimeV), t) }
