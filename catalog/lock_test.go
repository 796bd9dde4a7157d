package catalog

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// registryV1 is the registry's setup script as the first release wrote it:
// no project_locks table, and whatever default privileges the database
// gives.
//
//go:embed testdata/registry_v1.sql
var registryV1 string

// connectAs opens a session on dsn's database as role (the superuser when
// role is ""), closed when the test ends.
func connectAs(t *testing.T, dsn, role string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if role != "" {
		cfg.User = role
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// plainRole creates a login role with no privileges beyond PUBLIC's.
func plainRole(t *testing.T, dsn string) string {
	t.Helper()
	role := fmt.Sprintf("plain_%d", dbCount.Add(1))
	execSQL(t, dsn, "CREATE ROLE "+role+" LOGIN")
	return role
}

// TestAdvisoryLocksDoNotBlock has another session hold the advisory locks
// the registry once took, for its setup and for project p: neither Open
// nor Apply waits for them.
func TestAdvisoryLocksDoNotBlock(t *testing.T) {
	dsn := streamFlowDB(t)
	other := connectAs(t, dsn, plainRole(t, dsn))
	if _, err := other.Exec(context.Background(), `SELECT pg_advisory_lock(hashtextextended('featuregate:registry-schema', 0)),
		pg_advisory_lock(hashtextextended('featuregate:p', 0))`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open while another session holds an advisory lock: %v", err)
	}
	defer s.Close()
	v, err := s.Apply(ctx, "p", "alice", "CREATE ENTITY user", creates(OpCreate, streamFlow()[0]))
	if err != nil || v != 1 {
		t.Fatalf("Apply while another session holds an advisory lock: version %d, %v", v, err)
	}
}

// TestProjectLockSerialisesApply holds project p's registry lock in
// another transaction: Apply to p waits for it, Apply to another project
// does not.
func TestProjectLockSerialisesApply(t *testing.T) {
	ctx := context.Background()
	dsn := streamFlowDB(t)
	s := openStore(t, dsn)
	mustApply(t, s, "p", creates(OpCreate, streamFlow()[0])...)
	holder := connectAs(t, dsn, "")
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var locked string
	if err := tx.QueryRow(ctx, `SELECT project FROM featuregate_registry.project_locks
		WHERE project = 'p' FOR UPDATE`).Scan(&locked); err != nil {
		t.Fatalf("p's lock row: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Apply(ctx, "p", "bob", "CREATE SOURCE", creates(OpCreate, streamFlow()[1]))
		done <- err
	}()
	waitForLockWait(t, holder)
	select {
	case err := <-done:
		t.Fatalf("Apply to p did not wait for p's lock: %v", err)
	default:
	}
	other, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := s.Apply(other, "q", "bob", "", creates(OpCreate, streamFlow()[0])); err != nil {
		t.Fatalf("Apply to q while p is locked: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if v, err := s.Version(ctx, "p"); err != nil || v != 2 {
		t.Fatalf("p version %d, %v", v, err)
	}
}

// waitForLockWait waits until a session other than conn's waits for a
// lock.
func waitForLockWait(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no session waits for a lock")
}

// TestRegistryClosedToPublic checks that a role with only PUBLIC's
// privileges can neither read the registry nor take its locks.
func TestRegistryClosedToPublic(t *testing.T) {
	dsn := streamFlowDB(t)
	s := openStore(t, dsn)
	mustApply(t, s, "p", creates(OpCreate, streamFlow()[0])...)
	assertClosedToPublic(t, dsn)
}

// TestRegistryV1Upgraded has several gateways open at once a registry the
// first release set up, in a database that grants everything to PUBLIC by
// default: they add the lock table and revoke PUBLIC's privileges, and the
// definitions are kept.
func TestRegistryV1Upgraded(t *testing.T) {
	dsn := streamFlowDB(t)
	execSQL(t, dsn, `ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO PUBLIC;
		CREATE SCHEMA featuregate_registry; GRANT ALL ON SCHEMA featuregate_registry TO PUBLIC;`)
	execSQL(t, dsn, registryV1)
	execSQL(t, dsn, `INSERT INTO featuregate_registry.objects (project, kind, name, definition)
		VALUES ('p', 'ENTITY', 'user', '{"name": "user", "keys": [{"name": "user_id", "type": "text"}]}');
		INSERT INTO featuregate_registry.versions (project, version, who, statement) VALUES ('p', 1, 'alice', 'CREATE ENTITY user')`)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s *Store
			if s, errs[i] = Open(context.Background(), dsn); errs[i] == nil {
				s.Close()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, dsn)
	if v := mustApply(t, s, "p", creates(OpCreate, streamFlow()[1])...); v != 2 {
		t.Fatalf("version %d after upgrade", v)
	}
	if snap := mustSnapshot(t, s, "p"); len(snap.Entities) != 1 || len(snap.Sources) != 1 {
		t.Fatalf("after upgrade: %s", dump(snap))
	}
	assertClosedToPublic(t, dsn)
}

// assertClosedToPublic checks that PUBLIC holds no privilege on the
// registry's schema and tables, that a plain role can neither read nor
// lock them, and that a role reading every table cannot lock them.
func assertClosedToPublic(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	var open []string
	rows, err := connectAs(t, dsn, "").Query(ctx, `SELECT 'schema' WHERE has_schema_privilege('public', 'featuregate_registry', 'USAGE, CREATE')
		UNION ALL SELECT c.relname::text FROM pg_class AS c
		WHERE c.relnamespace = 'featuregate_registry'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
		AND has_table_privilege('public', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')`)
	if err != nil {
		t.Fatal(err)
	}
	if open, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if len(open) > 0 {
		t.Fatalf("PUBLIC has privileges on %v", open)
	}
	plain := connectAs(t, dsn, plainRole(t, dsn))
	for _, q := range []string{
		`SELECT * FROM featuregate_registry.project_locks FOR UPDATE`,
		`SELECT * FROM featuregate_registry.objects`,
		`LOCK TABLE featuregate_registry.project_locks IN ACCESS SHARE MODE`,
	} {
		err := inTx(ctx, plain, q)
		if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("%s as a plain role: %v, want permission denied", q, err)
		}
	}
	// A role that reads every table (the gateway's read-only sessions)
	// cannot lock a project's row either.
	reader := plainRole(t, dsn)
	execSQL(t, dsn, "GRANT pg_read_all_data TO "+reader)
	readerConn := connectAs(t, dsn, reader)
	for _, q := range []string{
		`SELECT * FROM featuregate_registry.project_locks FOR UPDATE`,
		`SELECT * FROM featuregate_registry.project_locks FOR KEY SHARE`,
	} {
		err := inTx(ctx, readerConn, q)
		if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("%s as a role with pg_read_all_data: %v, want permission denied", q, err)
		}
	}
}

// inTx runs q in a transaction of its own on conn, and rolls it back.
func inTx(ctx context.Context, conn *pgx.Conn, q string) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, q)
	return err
}
