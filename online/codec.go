package online

import "time"

// EncodeKey returns the encoding of an entity key tuple: its typed
// components (see the package doc). Two tuples get the same bytes only
// when they name the same entity (int16, int32, int and int64 parts share
// one encoding), and encodings sort as their tuples do within each type.
// An empty key is a KindInvalid error, a part of an unsupported type
// KindDatatypeMismatch.
func EncodeKey(key []any) ([]byte, error) {
	return AppendKey(make([]byte, 0, 16*len(key)), key)
}

// AppendKey appends EncodeKey(key) to dst, for callers that reuse a buffer
// or put a prefix of their own before the key. On error the returned
// slice is nil.
func AppendKey(dst []byte, key []any) ([]byte, error) {
	if len(key) == 0 {
		return nil, invalid("empty entity key")
	}
	b, bad := appendKeyParts(dst, key)
	if bad >= 0 {
		return nil, mismatch("entity key part %d: unsupported type %T", bad+1, key[bad])
	}
	return b, nil
}

// AppendEscaped appends s as one variable-length key component, escaped
// and terminated as text key parts are (without their type tag): 0x00 is
// written 0x00 0xFF and the component ends with 0x00 0x01. Components so
// written never run into each other and sort as their bytes do.
func AppendEscaped(dst []byte, s string) []byte {
	return appendEscaped(dst, s)
}

// EncodeValue returns the encoding of one row's timestamps and feature
// values (see the package doc): the version, TS, Created (absent when zero)
// and the values. A value of an unsupported type is a KindDatatypeMismatch
// error.
func EncodeValue(ts, created time.Time, values []any) ([]byte, error) {
	return encodeValue(nil, ts, created, values)
}

// AppendValue appends EncodeValue(ts, created, values) to dst, for callers
// that reuse a buffer. On error the returned slice is nil.
func AppendValue(dst []byte, ts, created time.Time, values []any) ([]byte, error) {
	return encodeValue(dst, ts, created, values)
}

// DecodeValue decodes what EncodeValue returned. Values come back as the Go
// types they were written with, except int (int64) and times (UTC, no
// monotonic reading); an absent Created is the zero time. Nothing returned
// aliases b. Bytes that are not such a value give an error wrapping
// ErrCorrupt.
func DecodeValue(b []byte) (ts, created time.Time, values []any, err error) {
	return decodeValue(b)
}

// DecodeHeader decodes only the timestamps of what EncodeValue returned,
// which is all that comparing a row with a stored one needs. It checks the
// version and the timestamps, not the values.
func DecodeHeader(b []byte) (ts, created time.Time, err error) {
	return decodeHeader(b)
}
