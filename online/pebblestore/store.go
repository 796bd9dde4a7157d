package pebblestore

import (
	"context"
	"fmt"
	"log"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"

	"github.com/featuregate/featuregate/online"
)

// Store is the online store in one Pebble database in a directory: the
// latest feature values of every online feature view, keyed by project, view
// and entity key, plus each view's materialization watermark. It implements
// online.Store. A Store is safe for concurrent use; Close must not race with
// other calls.
type Store struct {
	db     *pebble.DB
	closed atomic.Bool
	// writeMu serialises the read-compare-write of Write so that
	// concurrent writers to the same keys keep the newer-wins rule.
	writeMu sync.Mutex
}

var _ online.Store = (*Store)(nil)

// Option configures Open.
type Option func(*pebble.Options)

// WithCacheSize sets the size in bytes of Pebble's block cache (default 64 MiB).
func WithCacheSize(bytes int64) Option {
	return func(o *pebble.Options) {
		if o.Cache != nil {
			o.Cache.Unref()
		}
		o.Cache = pebble.NewCache(bytes)
	}
}

// WithPebbleOptions lets the caller adjust Pebble's options directly, e.g.
// to set a logger or tune memtables; it runs after the other options.
func WithPebbleOptions(f func(*pebble.Options)) Option {
	return f
}

const defaultCacheSize = 64 << 20

// Open opens (creating if needed) the online store in dir. Pebble logs only
// its errors, through the standard log package, unless an option sets a logger.
func Open(dir string, opts ...Option) (*Store, error) {
	po := &pebble.Options{Cache: pebble.NewCache(defaultCacheSize), Logger: quietLogger{}}
	for _, o := range opts {
		o(po)
	}
	db, err := pebble.Open(dir, po)
	if po.Cache != nil {
		po.Cache.Unref() // the DB holds its own reference
	}
	if err != nil {
		return nil, fmt.Errorf("pebblestore: open %s: %w", dir, err)
	}
	return &Store{db: db}, nil
}

// Close flushes nothing (every write is already durable) and releases the
// database. Calls after Close return online.ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return online.ErrClosed
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("pebblestore: close: %w", err)
	}
	return nil
}

// check returns online.ErrClosed after Close and ctx's error when it is done.
func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return online.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pebblestore: %w", err)
	}
	return nil
}

// quietLogger drops Pebble's informational messages (one per Open and per
// compaction) and keeps its errors.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}

func (quietLogger) Errorf(format string, args ...any) { log.Printf("pebble: "+format, args...) }

func (quietLogger) Fatalf(format string, args ...any) { log.Fatalf("pebble: "+format, args...) }
