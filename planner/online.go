package planner

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/online"
)

// Offline runs queries on the offline PostgreSQL for materialization. The
// gateway gives it a pool that logs in as the read-only role, in read-only
// transactions (internal/offline.Pool); *pgxpool.Pool implements it too.
type Offline interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// WithOnline gives the planner its online store, for lookups and
// MATERIALIZE: the embedded Pebble store (online/pebblestore) or its
// PostgreSQL twin (online/pgstore).
func WithOnline(s online.Store) Option { return func(o *options) { o.online = s } }

// WithOffline gives the planner a connection pool to the offline store for
// materialization.
func WithOffline(q Offline) Option { return func(o *options) { o.offline = q } }
