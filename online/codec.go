package online

import "time"

// EncodeKey returns the encoding of an entity key tuple: its typed
// components exactly as they follow the project and view in a Pebble data
// key (see the package doc), without that prefix. Two tuples get the same
// bytes only when they name the same entity (int16, int32, int and int64
// parts share one encoding), and encodings sort as their tuples do within
// each type. Other stores use it as their key column. An empty key is a
// KindInvalid error, a part of an unsupported type KindDatatypeMismatch.
func EncodeKey(key []any) ([]byte, error) {
	if len(key) == 0 {
		return nil, invalid("empty entity key")
	}
	b, bad := appendKeyParts(make([]byte, 0, 16*len(key)), key)
	if bad >= 0 {
		return nil, mismatch("entity key part %d: unsupported type %T", bad+1, key[bad])
	}
	return b, nil
}

// EncodeValue returns the stored value of one row exactly as the Pebble store
// writes it (see the package doc): the version, TS, Created (absent when
// zero) and the feature values. A value of an unsupported type is a
// KindDatatypeMismatch error.
func EncodeValue(ts, created time.Time, values []any) ([]byte, error) {
	return encodeValue(nil, ts, created, values)
}

// DecodeValue decodes what EncodeValue returned. Values come back as the Go
// types they were written with, except int (int64) and times (UTC, no
// monotonic reading); an absent Created is the zero time. Nothing returned
// aliases b. Bytes that are not such a value give an error wrapping a
// corruption error.
func DecodeValue(b []byte) (ts, created time.Time, values []any, err error) {
	return decodeValue(b)
}
