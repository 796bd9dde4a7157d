package pgstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/featuregate/featuregate/online"
)

// The benchmarks mirror online/bench_test.go (same keys, values and sizes)
// so that the two stores' figures can be compared.

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

// fillStore writes n keys of features values each into a fresh database.
func fillStore(b *testing.B, n, features int) *Store {
	s := open(b, newDB(b))
	rows := make([]online.Row, n)
	for i := range rows {
		rows[i] = online.Row{Project: "p", View: "v", Key: key(fmt.Sprintf("user-%06d", i)), TS: t0, Values: benchValues(features)}
	}
	mustWrite(b, s, rows...)
	if _, err := s.pool.Exec(context.Background(), "VACUUM ANALYZE featuregate_online.features"); err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	b.Run("SingleKey6Features", func(b *testing.B) {
		s := fillStore(b, 10000, 6)
		keys := [][]any{key("user-004242")}
		b.ResetTimer()
		for b.Loop() {
			if res, err := s.Get(ctx, "p", "v", keys, t0, 24*time.Hour); err != nil || !res[0].Found {
				b.Fatal(res, err)
			}
		}
	})
	b.Run("100Keys50Features", func(b *testing.B) {
		s := fillStore(b, 10000, 50)
		keys := make([][]any, 100)
		for i := range keys {
			keys[i] = key(fmt.Sprintf("user-%06d", i*97))
		}
		b.ResetTimer()
		for b.Loop() {
			if res, err := s.Get(ctx, "p", "v", keys, t0, 0); err != nil || !res[99].Found {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkWrite1000RowBatches(b *testing.B) {
	s := open(b, newDB(b))
	ctx := context.Background()
	rows := make([]online.Row, 1000)
	n := 0
	for b.Loop() {
		for i := range rows {
			rows[i] = online.Row{Project: "p", View: "v", Key: key(int64(i * 7919 % 100000)), TS: t0.Add(time.Duration(n) * time.Second), Values: benchValues(10)}
		}
		n++
		if w, err := s.Write(ctx, rows); err != nil || w != len(rows) {
			b.Fatal(w, err)
		}
	}
	b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "rows/s")
}
