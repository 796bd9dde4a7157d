package pgstore

import (
	"context"
	"testing"

	"github.com/featuregate/featuregate/online"
	"github.com/featuregate/featuregate/online/onlinetest"
)

// BenchmarkStore runs the benchmarks the online stores share
// (onlinetest.Bench) on a fresh database each, analyzed once filled so
// that reads are planned as in a running gateway.
func BenchmarkStore(b *testing.B) {
	onlinetest.Bench(b, func(b *testing.B) online.Store { return open(b, newDB(b)) }, func(b *testing.B, s online.Store) {
		if _, err := s.(*Store).pool.Exec(context.Background(), "VACUUM ANALYZE featuregate_online.features"); err != nil {
			b.Fatal(err)
		}
	})
}
