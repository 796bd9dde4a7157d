package pebblestore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/featuregate/featuregate/online"
	"github.com/featuregate/featuregate/online/pebblestore"
)

// TestRowCacheNeverGoesBack races readers against a writer that writes
// ever newer values of a few keys: a reader must never see a key go back
// to an older value than one it saw (a value read before a commit and
// cached after it would), and once the writer is done every read must
// return the last value written.
func TestRowCacheNeverGoesBack(t *testing.T) {
	ctx := context.Background()
	s, err := pebblestore.Open(t.TempDir(), pebblestore.WithRowCacheSize(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const keys, writes, readers = 4, 300, 4
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	key := func(k int) [][]any { return [][]any{{int64(k)}} }
	var done sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, readers+1)
	for r := 0; r < readers; r++ {
		done.Add(1)
		go func() {
			defer done.Done()
			seen := make([]int64, keys)
			for {
				select {
				case <-stop:
					return
				default:
				}
				for k := 0; k < keys; k++ {
					res, err := s.Get(ctx, "p", "v", key(k), base.Add(time.Hour*24*365), 0)
					if err != nil {
						errs <- err
						return
					}
					if !res[0].Found {
						continue
					}
					n := res[0].Values[0].(int64)
					if n < seen[k] {
						errs <- fmt.Errorf("key %d went back from %d to %d", k, seen[k], n)
						return
					}
					seen[k] = n
				}
			}
		}()
	}
	for i := int64(1); i <= writes; i++ {
		rows := make([]online.Row, keys)
		for k := range rows {
			rows[k] = online.Row{Project: "p", View: "v", Key: []any{int64(k)}, TS: base.Add(time.Duration(i) * time.Second), Values: []any{i}}
		}
		if _, err := s.Write(ctx, rows); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	done.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for k := 0; k < keys; k++ {
		res, err := s.Get(ctx, "p", "v", key(k), base.Add(time.Hour*24*365), 0)
		if err != nil || !res[0].Found || res[0].Values[0].(int64) != writes {
			t.Errorf("key %d after the writes: %+v, %v; want %d", k, res, err, writes)
		}
	}
}
