// Package pebblestore is featuregate's default online store: the latest
// feature values of every online feature view, by entity key, in one
// embedded Pebble database (config `online: {type: pebble}`, in
// <data_dir>/online), written by materialization. Its Store implements
// online.Store, whose doc states the rules it follows; the conformance
// suite of online/onlinetest checks them. This package adds where the
// values live in Pebble and how the rules are kept there.
//
// # Key layout
//
// Every key starts with one byte that tells what it holds: 'd' for an
// entity's values, 'w' for a view's watermark, 'b' for a view's bound (the
// newest stamp of its values), and the one-byte key 'f' that says the
// store keeps bounds. Then come the project and
// view names, each an escaped component (online.AppendEscaped: byte 0x00 is
// written 0x00 0xFF and the component ends with 0x00 0x01), and, for 'd'
// keys, the entity key tuple as online.EncodeKey encodes it. So no two
// different (project, view, key) share a key, and keys sort as their
// components do. All keys of a view share the prefix 'd' project view, and
// all of a project the prefix 'd' project, which is what DropView and
// DropProject range-delete (with the same 'w' and 'b' prefixes).
//
// A 'd' key's value is online.EncodeValue of the row. A 'w' key's value is
// a version byte (1), then the watermark as the value encoding writes
// times: a zigzag varint of Unix seconds and a uvarint of nanoseconds. A
// 'b' key's value is a version byte (1), then the bound's TS and Created,
// each written so; the 'f' key's value is the byte 1.
//
// testdata/v1 is a Pebble directory written before this package was split
// from online, and testdata/format.golden every key and value it holds: the
// tests check that the store opens it, reads it back, and writes the same
// bytes. testdata/bounds.golden holds the 'b' and 'f' keys the same rows
// make, which opening testdata/v1 (written before bounds) must compute.
//
// # Newer wins
//
// Write sets a row only when its (TS, Created) is strictly greater than
// its key's stored value's and than the rows of the same call set before
// it for that key. It reads the stored value's stamp only for a row that
// is not newer than its view's bound (bound.go): rows newer than all a
// view holds, the common case for pushes, streams and materialization of
// new data, cost no read. Writes hold one store-wide writer token from
// their first read to the end of their commit, so concurrent writers
// never interleave a read-compare-write; SetWatermark, DropView and
// DropProject take the same token. Reads take no lock.
//
// # Crash safety
//
// Each Write is one Pebble batch committed with Sync, so after a crash
// (even SIGKILL mid-Write) each Write's rows are either all there or all
// absent, and a Write that returned is durable. Watermarks are written with
// Sync too; materialization advances a view's watermark only after Write
// returned, so a crash can lose nothing that a watermark vouches for.
// crash_test.go kills a writing process to check it.
//
// # A full disk
//
// A Write fails at once with a featuregate.KindDiskFull error when the
// disk would keep less than a reserve free (WithDiskReserve; default two
// memtables and a MiB), which Pebble needs to flush and compact. When a
// flush or compaction fails anyway (ENOSPC, EDQUOT, EIO, EROFS: another
// process filled the disk), Pebble retries it for ever; the store's event
// listener pauses each retry (10ms, doubling up to 1s), logs the failures
// at most once per 30 seconds, and a write waiting on the failed flush
// (or on the writer token its commit holds) gives Pebble two seconds to
// recover, then fails with KindDiskFull. Its commit goes on in the
// background and lands once space is freed; a write that failed may
// therefore still be applied, which the newer-wins rule makes harmless
// (materialization advances no watermark for it). Reads go on meanwhile.
// Once a flush succeeds again, so do writes. When the write-ahead log
// itself cannot be written, Pebble panics: the store turns that into a
// KindDiskFull error and refuses every later write until the process
// restarts. diskfull_test.go fills a 20 MB tmpfs both ways.
package pebblestore
