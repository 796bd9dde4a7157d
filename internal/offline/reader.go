// Package offline prepares the offline PostgreSQL for the gateway.
package offline

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultReaderRole is the role read-only sessions assume.
const DefaultReaderRole = "featuregate_reader"

// EnsureReaderRole makes sure role exists on the offline database, may read
// every table (pg_read_all_data) and create temporary tables, and can be
// assumed by the gateway's own user. It changes nothing when all of that
// holds already.
func EnsureReaderRole(ctx context.Context, dsn, role string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("offline store: %w", err)
	}
	defer conn.Close(ctx)
	var ok bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)
		AND pg_has_role(current_user, $1, 'MEMBER')
		AND has_database_privilege($1, current_database(), 'TEMPORARY')
		AND pg_has_role($1, 'pg_read_all_data', 'USAGE')`, role).Scan(&ok)
	if err != nil && !isUndefinedRole(err) {
		return fmt.Errorf("offline store: check reader role: %w", err)
	}
	if ok {
		return nil
	}
	// Gateways starting together race on the shared role catalog; the
	// loser of a race retries.
	for attempt := 0; attempt < 5; attempt++ {
		if err = createReaderRole(ctx, conn, role); !isRace(err) {
			break
		}
		time.Sleep(time.Duration(20+rand.IntN(80)) * time.Millisecond)
	}
	if err != nil {
		id := pgx.Identifier{role}.Sanitize()
		return fmt.Errorf("offline store: cannot set up the read-only role %s (%w); "+
			"ask an administrator to run: CREATE ROLE %s NOLOGIN; GRANT pg_read_all_data TO %s; "+
			"GRANT TEMPORARY ON DATABASE <db> TO %s; GRANT %s TO <gateway user>; "+
			"or give every user access: read-write in featuregate.yaml", role, err, id, id, id, id)
	}
	return nil
}

// isRace reports an error from losing a race with another gateway setting
// up the same role: a duplicate role, or a concurrent GRANT.
func isRace(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "42710", "23505", "40001", "40P01":
		return true
	}
	return pe.Code == "XX000" && strings.Contains(pe.Message, "concurrently")
}

func isUndefinedRole(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42704"
}

func createReaderRole(ctx context.Context, conn *pgx.Conn, role string) error {
	id := pgx.Identifier{role}.Sanitize()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('featuregate.reader_role'))"); err != nil {
		return err
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := tx.Exec(ctx, "CREATE ROLE "+id+" NOLOGIN"); err != nil {
			return err
		}
	}
	var db, me string
	if err := tx.QueryRow(ctx, `SELECT current_database(), current_user`).Scan(&db, &me); err != nil {
		return err
	}
	for _, stmt := range []string{
		"GRANT pg_read_all_data TO " + id,
		"GRANT TEMPORARY ON DATABASE " + pgx.Identifier{db}.Sanitize() + " TO " + id,
		"GRANT " + id + " TO " + pgx.Identifier{me}.Sanitize(),
	} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}
