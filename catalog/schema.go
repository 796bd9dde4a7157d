package catalog

import (
	"context"
	_ "embed"
	"errors"
	"math/rand/v2"
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
const schemaVersion = "1"

// ensureSchema creates the registry tables unless they exist already, and
// refuses a layout newer than this code's.
func ensureSchema(ctx context.Context, pool *pgxpool.Pool) error {
	ok, err := schemaReady(ctx, pool)
	if err != nil || ok {
		return err
	}
	for attempt := 0; ; attempt++ {
		err = createSchema(ctx, pool)
		if err == nil || !isRace(err) || attempt == 4 {
			break
		}
		time.Sleep(time.Duration(10+rand.IntN(50)) * time.Millisecond)
	}
	if err != nil {
		return dbError(err, "registry: create schema featuregate_registry")
	}
	_, err = schemaReady(ctx, pool)
	return err
}

// schemaReady reports whether the registry tables exist, and fails when
// their layout is newer than this code's.
func schemaReady(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var exists bool
	err := pool.QueryRow(ctx, `SELECT to_regclass('featuregate_registry.meta') IS NOT NULL
		AND to_regclass('featuregate_registry.objects') IS NOT NULL
		AND to_regclass('featuregate_registry.versions') IS NOT NULL`).Scan(&exists)
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
	if v != schemaVersion {
		return false, featuregate.Errorf(featuregate.KindUnsupported,
			"registry: schema featuregate_registry has layout version %s; this featuregate reads version %s", v, schemaVersion).
			WithHint("Upgrade featuregate.")
	}
	return true, nil
}

func createSchema(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('featuregate:registry-schema', 0))`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, schemaSQL); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// isRace reports an error from losing a race with another gateway creating
// the same catalog objects.
func isRace(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "23505", "42P06", "42P07", "42710", "40001", "40P01":
		return true
	}
	return false
}
