// Package online is the contract of featuregate's online stores, which
// hold the latest feature values of every online feature view by entity
// key, written by materialization and read by key lookups. It holds what
// every store and its users share, and no store itself:
//
//   - Store, the interface the planner uses, whose doc states the rules
//     every store follows: newer wins, TTL, watermarks, drops, errors;
//   - Row (what materialization writes) and Result (what Get returns);
//   - ErrClosed and ErrCorrupt;
//   - the encodings of entity key tuples (EncodeKey, AppendKey,
//     AppendEscaped) and of stored values (EncodeValue, AppendValue,
//     DecodeValue, DecodeHeader), which both stores write byte for byte,
//     and the same encodings written part by part for callers that read
//     typed values (Append*KeyPart, AppendValueHeader, Append*Value) and
//     hand rows over already encoded (Row.EncodedKey, Row.EncodedValue).
//
// The stores are online/pebblestore (an embedded Pebble database, the
// default) and online/pgstore (tables in PostgreSQL); online/onlinetest is
// the conformance suite both pass. This package imports neither Pebble nor
// a PostgreSQL driver.
//
// # Key encoding
//
// An entity key tuple is encoded as its parts in order, each a typed
// component: a tag byte, then the value. Variable-length components (text,
// bytea) are escaped: byte 0x00 is written 0x00 0xFF and the component
// ends with 0x00 0x01. So no two different tuples share an encoding
// (("a","bc") and ("ab","c") differ) and encodings sort as their tuples do
// within each type:
//
//	0x08 boolean    one byte, 0 or 1
//	0x10 integer    8 bytes big-endian with the sign bit flipped
//	0x20 text       escaped bytes
//	0x21 bytea      escaped bytes
//	0x30 timestamp  8 bytes of Unix seconds (as integer), 4 bytes of nanoseconds
//
// Go int16, int32, int64 and int share the integer encoding, so int32(5)
// and int64(5) name the same entity: smallint, integer and bigint keys are
// canonical int64. AppendEscaped writes a name (a project, a view) as an
// escaped component without tag, as the Pebble store's keys begin.
//
// # Value encoding
//
// A stored value is a version byte (1); the event timestamp TS as a zigzag
// varint of Unix seconds and a uvarint of nanoseconds; a byte 0 when the
// created timestamp is absent or 1 followed by it in the same form; a
// uvarint count of features; then each feature as a tag byte and a payload:
//
//	0 NULL (nil)           1 false, 2 true (bool)
//	3 int16, 4 int32, 5 int64 (and int): zigzag varint
//	6 float32, 7 float64: IEEE bits, little-endian
//	8 string (text, numeric as text), 9 []byte (bytea, jsonb): uvarint length, bytes
//	10 time.Time (date, timestamp, timestamptz): seconds and nanoseconds, read back in UTC
//	11 []any: uvarint count, tagged elements (NULL elements, nested arrays)
//	0x40|t []bool, []int16, []int32, []int64, []float32, []float64,
//	       []string, [][]byte, []time.Time: uvarint count, untagged payloads of tag t
//
// Values decode to the Go types they were written with, except int, which
// reads back as int64, and times, which read back in UTC without a
// monotonic clock reading.
package online
