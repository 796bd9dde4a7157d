package wire_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/featuregate/featuregate/internal/gatewaytest"
	"github.com/featuregate/featuregate/internal/localpg"
)

// heapPeak samples the heap while fn runs and returns the growth of its
// peak over the heap before fn.
func heapPeak(fn func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	if peak.Load() < base {
		return 0
	}
	return peak.Load() - base
}

// TestStreamingMemoryIsFlat relays far more data than the bound on the
// gateway's heap growth, as rows and as COPY data, to an external client.
func TestStreamingMemoryIsFlat(t *testing.T) {
	gw := gatewaytest.Start(t, pg, "stream")
	psql := filepath.Join(localpg.BinDir, "psql")
	const bound = 24 << 20 // bytes of heap growth allowed
	for name, sql := range map[string]string{
		// about 230 MB of DataRow messages in one result
		"rows": "SELECT i, repeat('x', 200) FROM generate_series(1, 1000000) AS i",
		// about 450 MB of CopyData messages
		"copy": "COPY (SELECT i, repeat('y', 400) FROM generate_series(1, 1000000) AS i) TO STDOUT",
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			var out []byte
			var err error
			growth := heapPeak(func() {
				cmd := exec.CommandContext(ctx, psql, "-X", "-q", "-o", "/dev/null", gw.DSN("alice", "stream"), "-c", sql)
				out, err = cmd.CombinedOutput()
			})
			if err != nil {
				t.Fatalf("psql: %v\n%s", err, out)
			}
			t.Logf("heap growth while streaming: %.1f MiB", float64(growth)/(1<<20))
			if growth > bound {
				t.Fatalf("heap grew by %d MiB while streaming; the relay must not hold results", growth>>20)
			}
		})
	}
}
