package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/featuregate/featuregate/internal/config"
	"github.com/featuregate/featuregate/internal/offline"
	"github.com/featuregate/featuregate/online"
	"github.com/featuregate/featuregate/online/pebblestore"
	"github.com/featuregate/featuregate/online/pgstore"
)

// engine holds what the planner needs beyond the registry: the online
// store and a pool to the offline store for materialization, as the
// read-only role.
type engine struct {
	online online.Store
	pool   *offline.Pool
	closer func() error
}

// Close releases the engine's stores.
func (e *engine) Close() {
	e.pool.Close()
	if err := e.closer(); err != nil {
		fmt.Fprintln(os.Stderr, "featuregate: close the online store:", err)
	}
}

// openEngine opens the online store the config chooses and the offline
// pool. The Pebble store lives in <data_dir>/online; the PostgreSQL store
// is the owner's.
func openEngine(ctx context.Context, cfg config.Config, up *offline.Upstream, log *slog.Logger) (*engine, error) {
	pool, err := up.OpenReader(ctx)
	if err != nil {
		return nil, err
	}
	e := &engine{pool: pool}
	switch cfg.Online.Type {
	case "postgres":
		dsn := cfg.Online.DSN
		if dsn == "" {
			dsn = cfg.Offline.DSN
		}
		s, err := pgstore.Open(ctx, dsn)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("online store: %w", err)
		}
		e.online, e.closer = s, s.Close
	default:
		dir := filepath.Join(cfg.DataDir, "online")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			pool.Close()
			return nil, fmt.Errorf("online store: %w", err)
		}
		cache := cfg.Online.CacheMiB
		if cache <= 0 {
			cache = config.DefaultCacheMiB
		}
		s, err := pebblestore.Open(dir, pebblestore.WithLogger(log), pebblestore.WithCacheSize(int64(cache)<<20),
			pebblestore.WithRowCacheSize(int64(cfg.Online.RowCacheMiB)<<20))
		if err != nil {
			pool.Close()
			if errors.Is(err, os.ErrExist) || isLocked(err) {
				return nil, fmt.Errorf("online store %s is in use by another featuregate serve: stop it, or give this one another --data directory", dir)
			}
			return nil, fmt.Errorf("online store: %w", err)
		}
		e.online, e.closer = s, s.Close
	}
	return e, nil
}

// isLocked reports whether err says the Pebble directory is locked.
func isLocked(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "lock") || strings.Contains(msg, "resource temporarily unavailable")
}
