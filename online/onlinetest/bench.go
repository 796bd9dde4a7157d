package onlinetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/featuregate/featuregate/online"
)

// Bench runs the benchmarks every online store shares, as sub-benchmarks
// of b, with the same keys, values and sizes for every store:
//
//	GetSingleKey6Features  Get of one key of 10,000, 6 features, with a TTL
//	Get100Keys50Features   Get of 100 keys of 10,000, 50 features
//	Write1000RowBatches    Writes of 1,000 newer rows of mixed keys, 10 features
//
// open must return an empty store of its own and arrange for it to be
// closed when the benchmark ends. settle, when not nil, runs on a store
// once it is filled, before its reads are timed (the PostgreSQL store
// analyzes its table there).
func Bench(b *testing.B, open func(b *testing.B) online.Store, settle func(b *testing.B, s online.Store)) {
	fill := func(b *testing.B, n, features int) online.Store {
		s := fillStore(b, open(b), n, features)
		if settle != nil {
			settle(b, s)
		}
		return s
	}
	b.Run("GetSingleKey6Features", func(b *testing.B) {
		benchGet(b, fill(b, 10000, 6), [][]any{key("user-004242")}, 24*time.Hour)
	})
	b.Run("Get100Keys50Features", func(b *testing.B) {
		keys := make([][]any, 100)
		for i := range keys {
			keys[i] = key(fmt.Sprintf("user-%06d", i*97))
		}
		benchGet(b, fill(b, 10000, 50), keys, 0)
	})
	b.Run("Write1000RowBatches", func(b *testing.B) { benchWrite(b, open(b)) })
}

// benchValues returns n feature values of mixed types.
func benchValues(n int) []any {
	vs := make([]any, n)
	for i := range vs {
		switch i % 4 {
		case 0:
			vs[i] = int64(i * 1000)
		case 1:
			vs[i] = float32(i) / 3
		case 2:
			vs[i] = i%3 == 0
		default:
			vs[i] = fmt.Sprintf("value-%d", i)
		}
	}
	return vs
}

// fillStore writes n keys, user-000000 on, of features values each into s.
func fillStore(b *testing.B, s online.Store, n, features int) online.Store {
	rows := make([]online.Row, n)
	for i := range rows {
		rows[i] = online.Row{Project: "p", View: "v", Key: key(fmt.Sprintf("user-%06d", i)), TS: T0, Values: benchValues(features)}
	}
	if _, err := s.Write(context.Background(), rows); err != nil {
		b.Fatal(err)
	}
	return s
}

// benchGet times a Get of keys, which must all be in the filled store;
// the first and last must be found (and fresh).
func benchGet(b *testing.B, s online.Store, keys [][]any, ttl time.Duration) {
	ctx := context.Background()
	for b.Loop() {
		res, err := s.Get(ctx, "p", "v", keys, T0, ttl)
		if err != nil || !res[0].Found || res[0].Expired || !res[len(res)-1].Found {
			b.Fatal(res, err)
		}
	}
}

// benchWrite times Writes of 1,000 rows, each batch newer than the last so
// that every row is written, and reports rows per second.
func benchWrite(b *testing.B, s online.Store) {
	ctx := context.Background()
	rows := make([]online.Row, 1000)
	n := 0
	for b.Loop() {
		for i := range rows {
			rows[i] = online.Row{Project: "p", View: "v", Key: key(int64(i * 7919 % 100000)), TS: T0.Add(time.Duration(n) * time.Second), Values: benchValues(10)}
		}
		n++
		if w, err := s.Write(ctx, rows); err != nil || w != len(rows) {
			b.Fatal(w, err)
		}
	}
	b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "rows/s")
}
