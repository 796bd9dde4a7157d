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

// owner is the offline DSN's role, which the gateway runs as.
type owner struct {
	name, db          string
	super, createRole bool
}

func whoAmI(ctx context.Context, conn *pgx.Conn) (owner, error) {
	var w owner
	err := conn.QueryRow(ctx, `SELECT current_user, current_database(), rolsuper, rolcreaterole
		FROM pg_roles WHERE rolname = current_user`).Scan(&w.name, &w.db, &w.super, &w.createRole)
	if err != nil {
		return w, fmt.Errorf("offline store: who am I: %w", err)
	}
	return w, nil
}

// check refuses an owner that is one of the managed roles, or that may not
// manage roles.
func (w owner) check(r Roles) error {
	if w.name == r.Reader || w.name == r.Writer {
		return fmt.Errorf("offline store: offline.dsn logs in as %s, a role featuregate manages for client sessions; "+
			"offline.dsn must be the gateway's own role (the owner of the database)", w.name)
	}
	if !w.super && !w.createRole {
		return fmt.Errorf("offline store: role %s (the user of offline.dsn) can neither create roles nor is a superuser; "+
			"featuregate needs CREATEROLE to keep the roles client sessions log in as (%s, %s). "+
			"Ask an administrator to run: ALTER ROLE %s CREATEROLE;", w.name, r.Reader, r.Writer, ident(w.name))
	}
	return nil
}

// marker is the comment that says which database's gateways manage role:
// roles belong to the whole cluster, their secrets to one database.
func marker(db string, a Access) string {
	return fmt.Sprintf("managed by featuregate: %s sessions of database %q", a, db)
}

const markerPrefix = "managed by featuregate: "

// roleState is what ensureRole found and did.
type roleState struct {
	ours  bool // the role's marker names this database
	fresh bool // created or claimed now: its password is to be set
}

// ensureRole creates role, or brings an existing one to what a managed
// role must be: LOGIN, NOINHERIT, no other attribute, a member of no role,
// and not granted to the owner (as older featuregates did).
func ensureRole(ctx context.Context, tx pgx.Tx, w owner, role string, a Access) (roleState, error) {
	var oid uint32
	var super, inherit, createRole, createDB, login, repl, bypass bool
	var comment string
	err := tx.QueryRow(ctx, `SELECT oid, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin,
			rolreplication, rolbypassrls, coalesce(shobj_description(oid, 'pg_authid'), '')
		FROM pg_roles WHERE rolname = $1`, role).
		Scan(&oid, &super, &inherit, &createRole, &createDB, &login, &repl, &bypass, &comment)
	id := ident(role)
	if errors.Is(err, pgx.ErrNoRows) {
		err = execAll(ctx, tx,
			"CREATE ROLE "+id+" LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
			"COMMENT ON ROLE "+id+" IS "+literal(marker(w.db, a)))
		return roleState{ours: true, fresh: true}, err
	}
	if err != nil {
		return roleState{}, err
	}
	if super || repl || bypass {
		if !w.super {
			return roleState{}, fmt.Errorf("role %s is a superuser or has REPLICATION or BYPASSRLS; "+
				"ask an administrator to run: ALTER ROLE %s NOSUPERUSER NOREPLICATION NOBYPASSRLS;", role, id)
		}
		if err := execAll(ctx, tx, "ALTER ROLE "+id+" NOSUPERUSER NOREPLICATION NOBYPASSRLS"); err != nil {
			return roleState{}, err
		}
	}
	if !login || inherit || createRole || createDB {
		if err := execAll(ctx, tx, "ALTER ROLE "+id+" LOGIN NOINHERIT NOCREATEROLE NOCREATEDB"); err != nil {
			return roleState{}, err
		}
	}
	if err := revokeMemberships(ctx, tx, w, role, oid); err != nil {
		return roleState{}, err
	}
	st := roleState{ours: comment == marker(w.db, a)}
	if !strings.HasPrefix(comment, markerPrefix) {
		// An older featuregate's NOLOGIN role, or one an administrator
		// made for featuregate: this database's gateways take it over.
		st = roleState{ours: true, fresh: true}
		err = execAll(ctx, tx, "COMMENT ON ROLE "+id+" IS "+literal(marker(w.db, a)))
	}
	return st, err
}

// revokeMemberships takes role out of every role it is a member of
// (pg_read_all_data, the owner, …), and takes the owner out of role.
func revokeMemberships(ctx context.Context, tx pgx.Tx, w owner, role string, oid uint32) error {
	rows, err := tx.Query(ctx, `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
		WHERE m.member = $1
		UNION ALL
		SELECT '' FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
		WHERE m.roleid = $1 AND r.rolname = current_user`, oid)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, granted := range names {
		stmt := "REVOKE " + ident(granted) + " FROM " + ident(role)
		if granted == "" {
			stmt = "REVOKE " + ident(role) + " FROM " + ident(w.name)
		}
		if err := execAll(ctx, tx, stmt); err != nil {
			return fmt.Errorf("%w; ask an administrator to run: %s;", err, stmt)
		}
	}
	return nil
}

// setUp creates or repairs the roles, their grants and secrets, in one
// transaction under a lock that serialises the gateways of the database.
func setUp(ctx context.Context, conn *pgx.Conn, w owner, o Options) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := execAll(ctx, tx, lockSQL); err != nil {
		return err
	}
	if err := ensureCredentialsTable(ctx, tx); err != nil {
		return err
	}
	for _, a := range []Access{ReadOnly, ReadWrite} {
		role := o.Roles.of(a)
		st, err := ensureRole(ctx, tx, w, role, a)
		if err != nil {
			return err
		}
		if err := ensureSecret(ctx, tx, role, st); err != nil {
			return err
		}
	}
	if err := grantAll(ctx, tx, w, o); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// lockSQL serialises the gateways that set up or change the roles of one
// database.
const lockSQL = `SELECT pg_advisory_xact_lock(hashtextextended('featuregate:upstream-roles', 0))`

// retryRace runs f again when it lost a race with a gateway of another
// database on the cluster's shared role catalog.
func retryRace(ctx context.Context, f func() error) error {
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		if err = f(); !isRace(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(20+rand.IntN(80)) * time.Millisecond):
		}
	}
	return err
}

// isRace reports an error from losing a race with another gateway setting
// up the same roles: a duplicate role or schema, or a concurrent change of
// one catalog row.
func isRace(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "42710", "42P06", "23505", "40001", "40P01":
		return true
	}
	return pe.Code == "XX000" && strings.Contains(pe.Message, "concurrently")
}

func execAll(ctx context.Context, tx pgx.Tx, stmts ...string) error {
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
