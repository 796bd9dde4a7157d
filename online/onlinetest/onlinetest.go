// Package onlinetest is the conformance suite of featuregate's online
// stores: every implementation of online.Store (Pebble in
// online/pebblestore, PostgreSQL in online/pgstore) runs the same lookup and
// materialization tests, so that the configuration can choose either
// without changing what a query or a MATERIALIZE returns. It also holds the
// benchmarks the stores share (Bench), so that their figures compare.
//
//	func TestConformance(t *testing.T) {
//		onlinetest.Run(t, func(t *testing.T) online.Store { return openFresh(t) })
//	}
//
//	func BenchmarkStore(b *testing.B) {
//		onlinetest.Bench(b, func(b *testing.B) online.Store { return openFresh(b) }, nil)
//	}
package onlinetest

import (
	"context"
	"testing"
	"time"

	"github.com/featuregate/featuregate/online"
)

// Run runs the suite as subtests of t. open must return an empty store of
// its own (a fresh directory or database) and arrange for it to be closed
// when the test ends; a second Close (the suite closes some stores itself)
// may return an error, which is ignored.
func Run(t *testing.T, open func(t *testing.T) online.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s online.Store)
	}{
		{"value types round trip", testValueTypes},
		{"composite keys", testCompositeKeys},
		{"key component boundaries", testKeyBoundaries},
		{"rows encoded by the caller", testEncodedRows},
		{"newer wins", testNewerWins},
		{"in-call ordering", testInCallOrdering},
		{"write counts", testWriteCounts},
		{"get order and missing keys", testGetOrder},
		{"ttl boundary", testTTLBoundary},
		{"watermarks", testWatermarks},
		{"drop view", testDropView},
		{"drop project", testDropProject},
		{"bad rows", testBadRows},
		{"canceled context", testCanceled},
		{"concurrent writers keep newest", testConcurrentWriters},
		{"closed store", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

// T0 is the suite's base time. It has a nanosecond part on purpose: stores
// must keep nanoseconds wherever Pebble does.
var T0 = time.Date(2024, 1, 31, 12, 0, 0, 123456789, time.UTC)

func key(parts ...any) []any { return parts }

func mustWrite(t *testing.T, s online.Store, rows ...online.Row) int {
	t.Helper()
	n, err := s.Write(context.Background(), rows)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return n
}

func mustGet(t *testing.T, s online.Store, project, view string, keys ...[]any) []online.Result {
	t.Helper()
	res, err := s.Get(context.Background(), project, view, keys, T0, 0)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if len(res) != len(keys) {
		t.Fatalf("Get of %d keys returned %d results", len(keys), len(res))
	}
	return res
}
