package pebblestore

import (
	"context"
	"fmt"
	"log/slog"
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
	// writer is held (a token in it) by one write at a time, from the
	// read-compare-write of Write to the end of its commit, so that
	// concurrent writers to the same keys keep the newer-wins rule. It is
	// a channel so that a write can stop waiting for it.
	writer chan struct{}
	disk   *diskState
	// broken is set when a commit panicked (Pebble panics when its
	// write-ahead log cannot be written): the store refuses writes until
	// the process restarts.
	broken atomic.Pointer[error]
	// rows caches the stored bytes of keys read recently (rowcache.go).
	rows *rowCache
	// bounds are the views' bounds read or raised so far, by data key
	// prefix (bound.go); formatPending is true until a Write sets the
	// format key in a store that had none. Only the holder of the writer
	// token uses them.
	bounds        map[string]stamp
	formatPending bool
}

var _ online.Store = (*Store)(nil)

// Option configures Open.
type Option func(*options)

// options are what Open is given.
type options struct {
	pebble   *pebble.Options
	log      *slog.Logger
	reserve  uint64 // 0: 2 memtables and a MiB
	rowCache int64  // bytes of the row cache; 0: none
}

// WithCacheSize sets the size in bytes of Pebble's block cache (default 64 MiB).
func WithCacheSize(bytes int64) Option {
	return func(o *options) {
		if o.pebble.Cache != nil {
			o.pebble.Cache.Unref()
		}
		o.pebble.Cache = pebble.NewCache(bytes)
	}
}

// WithRowCacheSize sets the size in bytes of the row cache in front of
// Pebble (default 0: none), which keeps the stored bytes of recently read
// keys; see rowCache for how it keeps newer-wins, TTL and crash safety.
func WithRowCacheSize(bytes int64) Option {
	return func(o *options) { o.rowCache = bytes }
}

// WithLogger sends the store's and Pebble's messages to log (default
// slog.Default()): errors at a bounded rate, Pebble's informational
// messages at debug level.
func WithLogger(log *slog.Logger) Option {
	return func(o *options) { o.log = log }
}

// WithDiskReserve sets the bytes a data write leaves free on the disk
// for Pebble's flushes and compactions (default: twice the memtable size
// and a MiB, 9 MiB): a Write that would leave less fails at once with a
// KindDiskFull error.
func WithDiskReserve(bytes uint64) Option {
	return func(o *options) { o.reserve = bytes }
}

// WithPebbleOptions lets the caller adjust Pebble's options directly, e.g.
// to tune memtables; it runs after the other options.
func WithPebbleOptions(f func(*pebble.Options)) Option {
	return func(o *options) { f(o.pebble) }
}

const defaultCacheSize = 64 << 20

// Open opens (creating if needed) the online store in dir.
func Open(dir string, opts ...Option) (*Store, error) {
	o := &options{pebble: &pebble.Options{Cache: pebble.NewCache(defaultCacheSize)}, log: slog.Default()}
	for _, opt := range opts {
		opt(o)
	}
	disk := newDiskState(dir, 0, o.log)
	po := o.pebble
	po.Logger = &pebbleLogger{log: o.log}
	po.AddEventListener(disk.listener()) // before EnsureDefaults, which adds a logging one
	po.EnsureDefaults()
	if o.reserve == 0 {
		o.reserve = 2*po.MemTableSize + smallWrite
	}
	disk.reserve = o.reserve
	db, err := pebble.Open(dir, po)
	if po.Cache != nil {
		po.Cache.Unref() // the DB holds its own reference
	}
	if err != nil {
		return nil, fmt.Errorf("pebblestore: open %s: %w", dir, err)
	}
	pending, err := keepBounds(db, o.log)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("pebblestore: open %s: %w", dir, err)
	}
	return &Store{db: db, writer: make(chan struct{}, 1), disk: disk, rows: newRowCache(o.rowCache),
		bounds: map[string]stamp{}, formatPending: pending}, nil
}

// Close flushes nothing (every write is already durable) and releases the
// database. Calls after Close return online.ErrClosed. A store whose
// write-ahead log failed cannot be closed cleanly: Close then reports
// that and leaves the files to the end of the process.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return online.ErrClosed
	}
	if b := s.broken.Load(); b != nil {
		return fmt.Errorf("pebblestore: close: the store stopped writing: %w", *b)
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

// DiskUsage returns the bytes the store's files take on disk.
func (s *Store) DiskUsage(ctx context.Context) (uint64, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	return s.db.Metrics().DiskSpaceUsage(), nil
}
