package stream

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate"
)

// The administrative SQL of a stream, run on a connection of the owner
// (offline.dsn).

// checkWALLevel refuses a server whose wal_level is below logical.
func checkWALLevel(ctx context.Context, conn *pgx.Conn) error {
	var level string
	if err := conn.QueryRow(ctx, "SHOW wal_level").Scan(&level); err != nil {
		return unavailable("read wal_level", err)
	}
	if level != "logical" {
		return featuregate.Errorf(featuregate.KindUnsupported,
			"the offline PostgreSQL has wal_level = %s: streaming needs wal_level = logical", level).
			WithHint("Set wal_level = logical in postgresql.conf (ALTER SYSTEM SET wal_level = logical) and restart PostgreSQL; until then run MATERIALIZE.")
	}
	return nil
}

// resolveTable returns the schema-qualified, quoted name of table as the
// owner's search_path finds it.
func resolveTable(ctx context.Context, conn *pgx.Conn, table string) (string, error) {
	var qualified *string
	err := conn.QueryRow(ctx, `SELECT format('%I.%I', n.nspname, c.relname)
		FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE c.oid = pg_catalog.to_regclass($1)`, table).Scan(&qualified)
	switch {
	case errors.Is(err, pgx.ErrNoRows) || err == nil && qualified == nil:
		return "", featuregate.Errorf(featuregate.KindUndefined, "table %s of the source does not exist", table).
			WithHint("Create the table, or ALTER SOURCE … SET (streaming = off).")
	case err != nil:
		return "", unavailable("find the source's table", err)
	}
	return *qualified, nil
}

// ensurePublication creates the publication pub of table's inserts and
// updates when it is missing. A table without a replica identity (no
// primary key) gets REPLICA IDENTITY FULL, without which PostgreSQL
// would refuse its UPDATEs once it is published.
func ensurePublication(ctx context.Context, conn *pgx.Conn, pub, table string) (created bool, err error) {
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = $1)", pub).Scan(&exists); err != nil {
		return false, unavailable("read the publications", err)
	}
	if exists {
		return false, nil
	}
	var needsIdentity bool
	err = conn.QueryRow(ctx, `SELECT c.relreplident = 'n' OR c.relreplident = 'd' AND NOT EXISTS (
			SELECT FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
		FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass`, table).Scan(&needsIdentity)
	if err != nil {
		return false, unavailable("read the table's replica identity", err)
	}
	if needsIdentity {
		if _, err := conn.Exec(ctx, "ALTER TABLE "+table+" REPLICA IDENTITY FULL"); err != nil {
			return false, privilege(err, "set REPLICA IDENTITY FULL on "+table)
		}
	}
	_, err = conn.Exec(ctx, "CREATE PUBLICATION "+pgx.Identifier{pub}.Sanitize()+" FOR TABLE "+table+
		" WITH (publish = 'insert, update')")
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42710" { // another gateway created it meanwhile
		return false, nil
	}
	if err != nil {
		return false, privilege(err, "create the publication "+pub+" of "+table)
	}
	return true, nil
}

// slotExists tells whether slot exists, and the PID of the process
// using it (0: none).
func slotExists(ctx context.Context, conn *pgx.Conn, slot string) (exists bool, activePID int32, err error) {
	var pid *int32
	err = conn.QueryRow(ctx, "SELECT active_pid FROM pg_catalog.pg_replication_slots WHERE slot_name = $1", slot).Scan(&pid)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, 0, nil
	case err != nil:
		return false, 0, unavailable("read the replication slots", err)
	case pid != nil:
		return true, *pid, nil
	}
	return true, 0, nil
}

// createSlot creates the logical replication slot (pgoutput).
func createSlot(ctx context.Context, conn *pgx.Conn, slot string) error {
	_, err := conn.Exec(ctx, "SELECT pg_catalog.pg_create_logical_replication_slot($1, 'pgoutput')", slot)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42710" {
		return nil
	}
	if err != nil {
		return privilege(err, "create the replication slot "+slot)
	}
	return nil
}

// dropSlot drops slot unless it is missing or in use.
func dropSlot(ctx context.Context, conn *pgx.Conn, slot string) error {
	_, err := conn.Exec(ctx, `SELECT pg_catalog.pg_drop_replication_slot(slot_name)
		FROM pg_catalog.pg_replication_slots WHERE slot_name = $1 AND NOT active`, slot)
	if err != nil {
		return unavailable("drop the replication slot "+slot, err)
	}
	exists, _, err := slotExists(ctx, conn, slot)
	if err == nil && exists {
		return fmt.Errorf("the replication slot %s is still in use", slot)
	}
	return err
}

// dropPublication drops pub if it exists.
func dropPublication(ctx context.Context, conn *pgx.Conn, pub string) error {
	if _, err := conn.Exec(ctx, "DROP PUBLICATION IF EXISTS "+pgx.Identifier{pub}.Sanitize()); err != nil {
		return unavailable("drop the publication "+pub, err)
	}
	return nil
}

// slotLag is how many bytes of WAL the slot holds back: from its
// confirmed position to the server's current one.
func slotLag(ctx context.Context, conn *pgx.Conn, slot string) (int64, error) {
	var lag *int64
	err := conn.QueryRow(ctx, `SELECT (pg_catalog.pg_current_wal_lsn() - confirmed_flush_lsn)::bigint
		FROM pg_catalog.pg_replication_slots WHERE slot_name = $1`, slot).Scan(&lag)
	if err != nil || lag == nil {
		return 0, err
	}
	return max(*lag, 0), nil
}

// ownSlots lists the inactive slots of the gateway id.
func ownSlots(ctx context.Context, conn *pgx.Conn, id string) ([]string, error) {
	rows, err := conn.Query(ctx, `SELECT slot_name::text FROM pg_catalog.pg_replication_slots
		WHERE starts_with(slot_name::text, $1) AND NOT active`, slotPrefix(id))
	if err != nil {
		return nil, unavailable("read the replication slots", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// tryLock takes the advisory lock of slot for the session of conn.
func tryLock(ctx context.Context, conn *pgx.Conn, slot string) (bool, error) {
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_catalog.pg_try_advisory_lock($1)", lockKey(slot)).Scan(&ok); err != nil {
		return false, unavailable("take the stream's lock", err)
	}
	return ok, nil
}

// unavailable wraps an error of the offline store.
func unavailable(what string, err error) error {
	return &featuregate.Error{Kind: featuregate.KindUnavailable, Message: what, Err: err}
}

// privilege wraps err, naming what the owner lacks when it is a missing
// privilege.
func privilege(err error, what string) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "42501" || pe.Code == "55000") {
		fe := &featuregate.Error{Kind: featuregate.KindPermission, Message: what, Err: err}
		if pe.Code == "55000" {
			fe.Kind = featuregate.KindUnsupported
			return fe.WithHint("Set wal_level = logical in postgresql.conf and restart PostgreSQL; until then run MATERIALIZE.")
		}
		return fe.WithHint("The gateway's own role (offline.dsn) needs REPLICATION and must own the source's table: ALTER ROLE <owner> REPLICATION; ALTER TABLE <table> OWNER TO <owner>; or use a superuser.")
	}
	return unavailable(what, err)
}
