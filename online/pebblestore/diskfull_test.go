package pebblestore

import (
	"context"
	"github.com/featuregate/featuregate/internal/syncbuf"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/internal/smallfs"
	"github.com/featuregate/featuregate/online"
)

// bigBatch is rowsPerBatch rows of 200 random (incompressible) bytes each,
// keys from i*1000 on.
func bigBatch(i int) []online.Row {
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	rows := make([]online.Row, rowsPerBatch)
	for j := range rows {
		payload := make([]byte, 200)
		for k := range payload {
			payload[k] = byte(rng.UintN(256))
		}
		rows[j] = online.Row{Project: "p", View: "v", Key: key(int64(i*1000 + j)), TS: t0, Values: []any{payload}}
	}
	return rows
}

// writeUntilFull writes batches until one fails, each within 10 seconds,
// and returns the number written and the error.
func writeUntilFull(t *testing.T, s *Store) (int, error) {
	t.Helper()
	for i := 0; i < 10000; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		start := time.Now()
		_, err := s.Write(ctx, bigBatch(i))
		cancel()
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("batch %d took %s (%v)", i, d, err)
		}
		if err != nil {
			return i, err
		}
	}
	t.Fatal("10000 batches fit on a 20 MB disk")
	return 0, nil
}

// rowsPerBatch is the size of bigBatch.
var rowsPerBatch = 1000

// cpuTime is the process's user and system CPU time.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestDiskFull fills a store on a 20 MB filesystem: the write that does
// not fit fails at once with KindDiskFull, the store neither spins nor
// floods the log, reads go on, and once space is freed writes succeed.
func TestDiskFull(t *testing.T) {
	for _, c := range []struct {
		name    string
		reserve uint64 // 0: the default
		full    bool   // the disk stays full: a second write fails too
	}{
		{"refused before the write", 0, true},
		// Without a reserve, small batches' log records fit but a flush
		// of a memtable does not: the write waiting for room fails.
		{"a flush fails", 1, false},
	} {
		rowsPerBatch = 1000
		if !c.full {
			rowsPerBatch = 100
		}
		t.Run(c.name, func(t *testing.T) {
			fs := smallfs.Mount(t, 20<<20)
			freeBallast := smallfs.Ballast(t, fs, 16<<20)
			dir := filepath.Join(fs, "online")
			var logs syncbuf.Buffer
			opts := []Option{WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))}
			if c.reserve != 0 {
				opts = append(opts, WithDiskReserve(c.reserve),
					WithPebbleOptions(func(o *pebble.Options) { o.MemTableSize = 1 << 20 }))
			}
			s, err := Open(dir, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			n, err := writeUntilFull(t, s)
			if featuregate.KindOf(err) != featuregate.KindDiskFull || n < 2 {
				t.Fatalf("after %d batches: want a disk-full error, got %v", n, err)
			}
			cpu := cpuTime(t)
			time.Sleep(2 * time.Second)
			if used := cpuTime(t) - cpu; used > time.Second {
				t.Errorf("the full store used %s of CPU in 2s", used)
			}
			if _, err := s.Write(context.Background(), bigBatch(n)); c.full && featuregate.KindOf(err) != featuregate.KindDiskFull {
				t.Errorf("a second write on the full disk: %v", err)
			}
			if r := mustGet(t, s, "p", "v", key(int64(0))); !r[0].Found {
				t.Error("the first row cannot be read on the full disk")
			}
			if lines := strings.Count(logs.String(), "\n"); lines > 10 {
				t.Errorf("%d log lines:\n%.2000s", lines, logs.String())
			}
			t.Logf("%d batches, then: %v", n, err)
			freeBallast()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if _, err := s.Write(ctx, bigBatch(n)); err != nil {
				t.Fatalf("a write once space was freed: %v\n%s", err, logs.String())
			}
			if r := mustGet(t, s, "p", "v", key(int64(n*1000+rowsPerBatch-1))); !r[0].Found {
				t.Error("the write after space was freed cannot be read")
			}
			if !c.full && !strings.Contains(logs.String(), "no space left on device") {
				t.Errorf("no background write failed, so this tests nothing:\n%s", logs.String())
			}
		})
	}
}
