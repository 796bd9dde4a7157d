package online

import (
	"encoding/binary"
	"time"
)

// Escaping of variable-length components: 0x00 is written 0x00 0xFF and a
// component ends with 0x00 0x01, so components never collide and sort as
// their raw bytes do.
const (
	escByte  byte = 0x00
	escZero  byte = 0xFF
	escTerm  byte = 0x01
	tagBool  byte = 0x08 // then 0 or 1
	tagInt   byte = 0x10 // then 8 bytes big-endian, sign bit flipped
	tagText  byte = 0x20 // then escaped bytes
	tagBytes byte = 0x21 // then escaped bytes
	tagTime  byte = 0x30 // then 8 bytes seconds (sign flipped) and 4 bytes nanoseconds
)

// appendEscaped appends b escaped and terminated.
func appendEscaped(dst []byte, b string) []byte {
	for i := 0; i < len(b); i++ {
		if b[i] == escByte {
			dst = append(dst, escByte, escZero)
			continue
		}
		dst = append(dst, b[i])
	}
	return append(dst, escByte, escTerm)
}

// appendKeyParts appends the typed components of an entity key; bad is the
// index of the first part of an unsupported type, or -1.
func appendKeyParts(dst []byte, key []any) (_ []byte, bad int) {
	for i, v := range key {
		var ok bool
		if dst, ok = appendKeyPart(dst, v); !ok {
			return dst, i
		}
	}
	return dst, -1
}

// appendKeyPart appends one typed key component. Integers of every width
// share one canonical encoding, so int32(5) and int64(5) give the same key.
func appendKeyPart(dst []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case string:
		return appendEscaped(append(dst, tagText), x), true
	case []byte:
		return appendEscaped(append(dst, tagBytes), string(x)), true
	case int64:
		return appendOrderedInt(append(dst, tagInt), x), true
	case int32:
		return appendOrderedInt(append(dst, tagInt), int64(x)), true
	case int16:
		return appendOrderedInt(append(dst, tagInt), int64(x)), true
	case int:
		return appendOrderedInt(append(dst, tagInt), int64(x)), true
	case bool:
		return append(dst, tagBool, boolByte(x)), true
	case time.Time:
		dst = appendOrderedInt(append(dst, tagTime), x.Unix())
		return binary.BigEndian.AppendUint32(dst, uint32(x.Nanosecond())), true
	}
	return dst, false
}

// appendOrderedInt appends v so that byte order is numeric order.
func appendOrderedInt(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v)^(1<<63))
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
