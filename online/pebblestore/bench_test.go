package pebblestore

import (
	"testing"

	"github.com/featuregate/featuregate/online"
	"github.com/featuregate/featuregate/online/onlinetest"
)

// BenchmarkStore runs the benchmarks the online stores share
// (onlinetest.Bench) on a fresh Pebble store each.
func BenchmarkStore(b *testing.B) {
	onlinetest.Bench(b, func(b *testing.B) online.Store { return newStore(b) }, nil)
}
