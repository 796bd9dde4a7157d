package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/online"
)

// Store is the online store in a PostgreSQL database. It is safe for
// concurrent use; Close must not race with other calls. Any number of
// Stores, in one process or in several gateways, may share one database.
type Store struct {
	pool   *pgxpool.Pool
	closed atomic.Bool
}

var _ online.Store = (*Store)(nil)

// schemaLock is the key of the transaction-level advisory lock that
// serialises schema creation among concurrent Opens ("fgonline").
const schemaLock int64 = 0x66676f6e6c696e65

// schemaDDL creates the schema and tables when they are missing.
var schemaDDL = []string{
	`CREATE SCHEMA IF NOT EXISTS featuregate_online`,
	`CREATE TABLE IF NOT EXISTS featuregate_online.features (
		project    text        NOT NULL,
		view       text        NOT NULL,
		key        bytea       NOT NULL,
		ts         timestamptz NOT NULL,
		ts_ns      smallint    NOT NULL CHECK (ts_ns BETWEEN 0 AND 999),
		created    timestamptz,
		created_ns smallint    NOT NULL CHECK (created_ns BETWEEN 0 AND 999),
		value      bytea       NOT NULL,
		PRIMARY KEY (project, view, key))`,
	`CREATE TABLE IF NOT EXISTS featuregate_online.watermarks (
		project      text        NOT NULL,
		view         text        NOT NULL,
		watermark    timestamptz NOT NULL,
		watermark_ns smallint    NOT NULL CHECK (watermark_ns BETWEEN 0 AND 999),
		PRIMARY KEY (project, view))`,
}

// Open connects to the database of dsn (a PostgreSQL URL or keyword/value
// string, as pgx reads it) and creates the store's schema and tables if
// they are missing. Concurrent Opens on one database are safe.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	cfg.AfterConnect = durableCommits
	cfg.ConnConfig.BuildContextWatcherHandler = cancelOnServer
	// A prepared Get must probe the primary key for each key: a generic
	// plan made before the table has statistics scans it instead.
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	if err := createSchema(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool}, nil
}

// cancelGrace is how long a call whose context is done waits for
// PostgreSQL to answer the cancel request before dropping the connection.
const cancelGrace = 2 * time.Second

// cancelOnServer makes a done context cancel the running statement on the
// server (pgx's default only closes the socket, and a Write blocked on a
// row lock would then still commit after it returned an error). The call
// returns when PostgreSQL has answered, or after cancelGrace.
func cancelOnServer(c *pgconn.PgConn) ctxwatch.Handler {
	return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: cancelGrace}
}

// wrap wraps err from a call on the database; when ctx is done the context's
// error is wrapped too, since a canceled statement fails with PostgreSQL's
// own error 57014.
// PostgreSQL's disk_full (53100) becomes a featuregate.KindDiskFull error.
func wrap(ctx context.Context, what string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("pgstore: %s: %w (%w)", what, cerr, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == pgDiskFull {
		return &featuregate.Error{Kind: featuregate.KindDiskFull, Message: "pgstore: " + what + ": the online store's PostgreSQL has no room left",
			Hint: "free space on the PostgreSQL server of online.dsn, then run MATERIALIZE again", Err: err}
	}
	return fmt.Errorf("pgstore: %s: %w", what, err)
}

// pgDiskFull is PostgreSQL's SQLSTATE disk_full.
const pgDiskFull = "53100"

// diskUsageSQL is the size of the store's tables with their indexes and TOAST.
const diskUsageSQL = `SELECT pg_total_relation_size('featuregate_online.features') + pg_total_relation_size('featuregate_online.watermarks')`

// DiskUsage returns the bytes the store's tables take in PostgreSQL.
func (s *Store) DiskUsage(ctx context.Context) (uint64, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	var n int64
	if err := s.pool.QueryRow(ctx, diskUsageSQL).Scan(&n); err != nil {
		return 0, wrap(ctx, "disk usage", err)
	}
	return uint64(n), nil
}

// durableCommits raises synchronous_commit from off to on on a new
// connection, so that a commit that returned is on disk; stronger
// settings (remote_write, remote_apply) are kept.
func durableCommits(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, `SELECT set_config('synchronous_commit', 'on', false)
		WHERE current_setting('synchronous_commit') = 'off'`)
	if err != nil {
		return fmt.Errorf("pgstore: synchronous_commit: %w", err)
	}
	return nil
}

// createSchema runs schemaDDL in one transaction holding schemaLock:
// CREATE … IF NOT EXISTS alone fails when two sessions run it at once.
func createSchema(ctx context.Context, pool *pgxpool.Pool) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, schemaLock); err != nil {
			return err
		}
		for _, ddl := range schemaDDL {
			if _, err := tx.Exec(ctx, ddl); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrap(ctx, "create schema featuregate_online", err)
	}
	return nil
}

// Close closes the store's connections. Calls after Close return
// online.ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return online.ErrClosed
	}
	s.pool.Close()
	return nil
}

// check returns online.ErrClosed after Close and ctx's error when it is done.
func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return online.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	return nil
}

// split returns t for a timestamptz column, which keeps whole microseconds
// (pgx truncates towards the past), and the nanoseconds past them.
func split(t time.Time) (time.Time, int16) {
	return t, int16(t.Nanosecond() % 1000)
}

// join is the inverse of split, in UTC as the Pebble store returns times.
func join(t time.Time, ns int16) time.Time {
	return t.Add(time.Duration(ns)).UTC()
}
