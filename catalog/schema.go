package catalog

import (
	"context"
	_ "embed"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/featuregate/featuregate"
)

// schemaSQL creates the registry's schema and tables; see schema.sql.
//
//go:embed schema.sql
var schemaSQL string

// schemaVersion is the registry layout this code reads and writes.
const schemaVersion = "2"

// bootstrapAttempts bounds how often Open runs the setup script when it
// loses races with other gateways running it at the same time.
const bootstrapAttempts = 10

// ensureSchema brings the registry's schema to this code's layout unless
// it is there already, and refuses a layout newer than this code's. It
// takes no lock of its own: several gateways may run the setup script at
// once, each in a transaction; the one that commits first wins, and the
// others fail on a duplicate catalog entry or a concurrent catalog update,
// find the schema ready and go on.
func ensureSchema(ctx context.Context, pool *pgxpool.Pool) error {
	for attempt := 1; ; attempt++ {
		ready, err := schemaReady(ctx, pool)
		if err != nil || ready {
			return err
		}
		err = createSchema(ctx, pool)
		switch {
		case err == nil:
			return schemaComplete(ctx, pool)
		case !isRace(err) || attempt == bootstrapAttempts:
			return dbError(err, "registry: create schema featuregate_registry")
		}
		if err := pause(ctx, time.Duration(10+rand.IntN(50))*time.Millisecond); err != nil {
			return dbError(err, "registry: create schema featuregate_registry")
		}
	}
}

// pause waits for d, or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// schemaComplete checks, after the setup script ran, that the schema is
// as it made it.
func schemaComplete(ctx context.Context, pool *pgxpool.Pool) error {
	ready, err := schemaReady(ctx, pool)
	if err != nil || ready {
		return err
	}
	return featuregate.Errorf(featuregate.KindInternal,
		"registry: schema featuregate_registry is incomplete, or open to PUBLIC, after its setup script ran")
}

// schemaReady reports whether the registry tables exist and PUBLIC holds
// no privilege on them, and fails when their layout is newer than this
// code's.
func schemaReady(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var exists bool
	err := pool.QueryRow(ctx, `SELECT to_regclass('featuregate_registry.meta') IS NOT NULL
		AND to_regclass('featuregate_registry.objects') IS NOT NULL
		AND to_regclass('featuregate_registry.versions') IS NOT NULL
		AND to_regclass('featuregate_registry.datasets') IS NOT NULL`).Scan(&exists)
	if err != nil {
		return false, dbError(err, "registry: look for schema featuregate_registry")
	}
	if !exists {
		return false, nil
	}
	var v string
	err = pool.QueryRow(ctx, `SELECT value FROM featuregate_registry.meta WHERE key = 'schema_version'`).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, dbError(err, "registry: read the registry's layout version")
	}
	if v == "1" {
		return false, nil // the setup script migrates layout 1
	}
	if v != schemaVersion {
		return false, featuregate.Errorf(featuregate.KindUnsupported,
			"registry: schema featuregate_registry has layout version %s; this featuregate reads version %s", v, schemaVersion).
			WithHint("Upgrade featuregate.")
	}
	return lockTableClosed(ctx, pool)
}

// lockTableClosed reports whether the project_locks table, which the first
// release of layout 1 lacked, exists, and whether PUBLIC holds no privilege
// on the registry's schema and tables: a session of another role can
// neither read the registry nor take its locks.
func lockTableClosed(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var ok bool
	err := pool.QueryRow(ctx, `SELECT to_regclass('featuregate_registry.project_locks') IS NOT NULL
		AND NOT has_schema_privilege('public', 'featuregate_registry', 'USAGE, CREATE')
		AND NOT EXISTS (SELECT FROM pg_class AS c
			WHERE c.relnamespace = 'featuregate_registry'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
			AND has_table_privilege('public', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'))`).Scan(&ok)
	if err != nil {
		return false, dbError(err, "registry: read the privileges on schema featuregate_registry")
	}
	return ok, nil
}

// createSchema runs the setup script in a transaction of its own.
func createSchema(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, schemaSQL); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// isRace reports an error from losing a race with another gateway running
// the setup script: a duplicate catalog entry, a serialization failure or
// deadlock, or a catalog row (a function, a privilege) that the other
// transaction updated first.
func isRace(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "23505", "42P06", "42P07", "42710", "42723", "40001", "40P01":
		return true
	}
	return pe.Code == "XX000" && strings.Contains(pe.Message, "concurrently")
}
