// Package pgstore is featuregate's online store on PostgreSQL, the second
// implementation of online.Store beside the embedded Pebble store of
// online/pebblestore (config `online: {type: postgres, dsn: …}`). It follows
// the rules online.Store states, as the Pebble store does, which the
// conformance suite of online/onlinetest checks on both; it uses package
// online only for that contract and its encodings, and does not link
// Pebble. What differs is where the data lives: several gateways
// pointed at one database share one copy of the values and one set of
// watermarks, so any of them can serve a key another materialized.
//
// # Tables
//
// Open creates, if they are missing, the schema featuregate_online and two
// tables (the DSN's role needs CREATE on the database the first time):
//
//	features   (project text, view text, key bytea,
//	            ts timestamptz, ts_ns smallint,
//	            created timestamptz NULL, created_ns smallint,
//	            value bytea,
//	            PRIMARY KEY (project, view, key))
//	watermarks (project text, view text,
//	            watermark timestamptz, watermark_ns smallint,
//	            PRIMARY KEY (project, view))
//
// One features row holds all the features of one entity in one view. key
// is online.EncodeKey of the entity key tuple and value is online.EncodeValue
// of the row, byte for byte what Pebble stores, so keys are typed and
// canonical (int32(5) and int64(5) are one entity) and values read back with
// their Go types. timestamptz keeps microseconds while Go times, and the
// Pebble store, keep nanoseconds: the *_ns columns hold the nanoseconds
// past the microsecond (0 to 999), so that comparisons, the TTL boundary
// and watermarks are exact to the nanosecond. created is NULL when the row
// has no created timestamp. Project and view names must be valid UTF-8
// without NUL bytes (as PostgreSQL identifiers are), and times must lie in
// timestamptz's range (4713 BC to 294276 AD).
//
// # Newer wins
//
// Write upserts the rows of one call with a single batched statement,
// INSERT … SELECT FROM unnest(arrays) ON CONFLICT (project, view, key) DO
// UPDATE … WHERE the stored (ts, ts_ns, created, created_ns) is less than
// the new one, an absent created comparing as Go's zero time (year 1), as
// in Pebble. The row lock taken by ON CONFLICT makes the compare and the
// replace one step, so concurrent writers from any number of gateways can
// only ever leave the newest row. Rows of one call are first compared in Go,
// in order, per key: only the rows that beat every earlier row of their key
// (the call's records) are sent, the newest last; equal rows keep the first.
// A key with several records is written in several statements (rounds), so
// the count of written rows is exactly Pebble's: each row that replaced the
// value at its turn. Every statement sends its rows sorted by (project,
// view, key) and the drops lock rows in the same order, so concurrent
// callers cannot deadlock. All statements of one call run in one pipelined
// batch, which PostgreSQL runs as one implicit transaction: a call's rows
// are all written or none are.
//
// # Durability
//
// The store's connections raise synchronous_commit from off to on (any
// stronger setting is kept), so a Write or SetWatermark that returned is
// durable, and a watermark never vouches for rows a crash could lose.
//
// # Reads
//
// Get is one query for all the keys (key = ANY($3)), answered in request
// order in Go. With a TTL the query returns the value bytes only when
// (ts, ts_ns) >= now-ttl, the boundary being valid; an older value is
// reported Found and Expired with its timestamps and no values, as Pebble
// does.
package pgstore
