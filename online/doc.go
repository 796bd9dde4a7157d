// Package online is featuregate's online store: the latest feature values
// of every online feature view, by entity key, in one embedded Pebble
// database (SURFACE.md §2.1), written by materialization (§3).
//
// # Key layout
//
// Every key starts with one byte that tells what it holds: 'd' for an
// entity's values, 'w' for a view's watermark. Then come the project and
// view names and, for 'd' keys, the entity key values, each a component.
// Variable-length components (names, text, bytea) are escaped: byte 0x00 is
// written 0x00 0xFF and the component ends with 0x00 0x01. So no two
// different key tuples share an encoding (("a","bc") and ("ab","c") differ)
// and keys sort as their components do. Entity key values are typed by a
// leading tag byte:
//
//	0x08 boolean    one byte, 0 or 1
//	0x10 integer    8 bytes big-endian with the sign bit flipped
//	0x20 text       escaped bytes
//	0x21 bytea      escaped bytes
//	0x30 timestamp  8 bytes of Unix seconds (as integer), 4 bytes of nanoseconds
//
// Go int16, int32, int64 and int share the integer encoding, so int32(5)
// and int64(5) name the same entity: smallint, integer and bigint keys are
// canonical int64. All keys of a view share the prefix 'd' project view,
// and all of a project the prefix 'd' project, which is what DropView and
// DropProject range-delete.
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
//
// # Newer wins
//
// Write keeps, per key, the row with the greatest (TS, Created), compared
// as TS first and Created on ties; an absent Created is the zero time and
// loses to any set one. A row replaces the stored value only when it is
// strictly greater, so an equal row is a no-op and is not counted. Rows of
// one Write are also compared with each other, in order. Writes hold one
// store-wide mutex from their first read to their commit, so concurrent
// writers never interleave a read-compare-write; DropView and DropProject
// take the same mutex. Reads take no lock.
//
// # TTL
//
// Get with ttl > 0 treats a value as valid when TS >= now-ttl: the boundary
// itself is valid, as in the offline rule (SURFACE.md §2.2). An older value
// is reported Found and Expired, with its timestamps but never its values.
//
// # Crash safety
//
// Each Write is one Pebble batch committed with Sync, so after a crash
// (even SIGKILL mid-Write) each Write's rows are either all there or all
// absent, and a Write that returned is durable. Watermarks are written with
// Sync too; materialization advances a view's watermark only after Write
// returned, so a crash can lose nothing that a watermark vouches for.
package online
