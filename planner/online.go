package planner

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/online"
)

// OnlineStore holds the latest feature values by entity key: the embedded
// Pebble store (online.Store) or its PostgreSQL twin (online/pgstore).
type OnlineStore interface {
	Get(ctx context.Context, project, view string, keys [][]any, now time.Time, ttl time.Duration) ([]online.Result, error)
	Write(ctx context.Context, rows []online.Row) (written int, err error)
	Watermark(ctx context.Context, project, view string) (t time.Time, ok bool, err error)
	SetWatermark(ctx context.Context, project, view string, t time.Time) error
	DropView(ctx context.Context, project, view string) error
	DropProject(ctx context.Context, project string) error
}

// Offline runs queries on the offline PostgreSQL for materialization, as
// the gateway's own user; *pgxpool.Pool implements it.
type Offline interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// WithOnline gives the planner its online store: lookups and MATERIALIZE.
func WithOnline(s OnlineStore) Option { return func(o *options) { o.online = s } }

// WithOffline gives the planner a connection pool to the offline store for
// materialization.
func WithOffline(q Offline) Option { return func(o *options) { o.offline = q } }
