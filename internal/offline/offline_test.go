package offline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

// pg asks every role but postgres for its password, as a production
// server would: a wrong or missing secret fails to log in.
var pg *localpg.Server

func TestMain(m *testing.M) { pgtest.MainWith(m, &pg, localpg.Options{Passwords: true}) }

// roles are per-test role names: roles belong to the whole cluster, and
// the tests share one.
func roles(prefix string) Roles { return Roles{Reader: prefix + "_reader", Writer: prefix + "_writer"} }

// newDB creates database db and returns its owner's URL: postgres, or a
// role of its own with CREATEROLE and a password when super is false.
func newDB(t *testing.T, db string, super bool) string {
	t.Helper()
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if super {
		return dsn
	}
	owner := db + "_owner"
	run(t, pg.DSN("postgres"), fmt.Sprintf(`DO $$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%[1]s') THEN
			CREATE ROLE %[1]s LOGIN CREATEROLE PASSWORD 'owner-pw';
		END IF; END $$;
		ALTER DATABASE %[2]s OWNER TO %[1]s`, owner, db))
	return fmt.Sprintf("postgres://%s:owner-pw@127.0.0.1:%d/%s?sslmode=disable", owner, pg.Port, db)
}

func run(t *testing.T, dsn, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func prepare(t *testing.T, dsn string, r Roles, schemas ...string) *Upstream {
	t.Helper()
	up, err := Prepare(context.Background(), dsn, Options{Roles: r, ReadSchemas: schemas})
	if err != nil {
		t.Fatal(err)
	}
	return up
}

// login connects as access level a's role, with its secret.
func login(t *testing.T, up *Upstream, a Access) *pgconn.PgConn {
	t.Helper()
	ctx := context.Background()
	cfg, err := up.ConnConfig(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("log in as %s: %v", cfg.User, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// try runs sql and returns its SQLSTATE ("" when it succeeded).
func try(conn *pgconn.PgConn, sql string) string {
	_, err := conn.Exec(context.Background(), sql).ReadAll()
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func value(t *testing.T, conn *pgconn.PgConn, sql string) string {
	t.Helper()
	res, err := conn.Exec(context.Background(), sql).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return string(res[len(res)-1].Rows[0][0])
}

// TestPrepareConcurrently sets the roles up from several gateways at once,
// for a superuser owner and for an owner with CREATEROLE, then checks what
// each role may do.
func TestPrepareConcurrently(t *testing.T) {
	for _, super := range []bool{true, false} {
		t.Run(fmt.Sprintf("super=%v", super), func(t *testing.T) {
			db := fmt.Sprintf("conc_%v", super)
			dsn := newDB(t, db, super)
			run(t, dsn, `CREATE TABLE facts (a int); INSERT INTO facts VALUES (1); CREATE SEQUENCE s`)
			run(t, pg.DSN(db), `CREATE TABLE public.postgres_owned (a int)`) // not the owner's to grant, unless super
			r := roles(db)
			var wg sync.WaitGroup
			errs := make(chan error, 6)
			for i := 0; i < 6; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := Prepare(context.Background(), dsn, Options{Roles: r})
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			up := prepare(t, dsn, r)
			checkReader(t, up, dsn)
			checkWriter(t, up)
		})
	}
}

func checkReader(t *testing.T, up *Upstream, dsn string) {
	t.Helper()
	c := login(t, up, ReadOnly)
	if got := value(t, c, "SELECT current_user || ' ' || session_user || ' ' || count(*) FROM facts"); got != up.Roles().Reader+" "+up.Roles().Reader+" 1" {
		t.Fatalf("reader reads %q", got)
	}
	run(t, dsn, "CREATE TABLE later (a int)") // created by the owner after Prepare
	for sql, want := range map[string]string{
		"SELECT count(*) FROM later":                                       "",
		"CREATE TEMP TABLE spine (k text); INSERT INTO spine VALUES ('a')": "",
		"INSERT INTO facts VALUES (2)":                                     "42501",
		"CREATE TABLE mine (a int)":                                        "42501",
		"SELECT nextval('s')":                                              "42501",
		"SELECT rolpassword FROM pg_authid":                                "42501",
		"SELECT * FROM featuregate_registry.upstream_credentials":          "42501",
		"SELECT pg_read_file('/etc/hostname')":                             "42501",
		"SET ROLE " + up.owner.User:                                        "42501",
		"SET SESSION AUTHORIZATION " + up.owner.User:                       "42501",
		"GRANT pg_read_all_data TO " + up.Roles().Reader:                   "42501",
	} {
		if got := try(c, sql); got != want {
			t.Errorf("reader: %s: got %q, want %q", sql, got, want)
		}
	}
}

func checkWriter(t *testing.T, up *Upstream) {
	t.Helper()
	w := login(t, up, ReadWrite)
	for sql, want := range map[string]string{
		"INSERT INTO facts VALUES (2)": "",
		"SELECT nextval('s')":          "",
		"CREATE TABLE by_writer (a int); INSERT INTO by_writer VALUES (7)": "",
		"SELECT rolpassword FROM pg_authid":                                "42501",
		"SELECT * FROM featuregate_registry.upstream_credentials":          "42501",
		"COPY (SELECT 1) TO PROGRAM 'true'":                                "42501",
		"CREATE SCHEMA mine":                                               "42501",
		"GRANT pg_execute_server_program TO " + up.Roles().Writer:          "42501",
	} {
		if got := try(w, sql); got != want {
			t.Errorf("writer: %s: got %q, want %q", sql, got, want)
		}
	}
	r := login(t, up, ReadOnly)
	if got := value(t, r, "SELECT sum(a) FROM by_writer"); got != "7" {
		t.Errorf("reader reads the writer's table: %q", got)
	}
}

// TestPrepareConvertsOldReader takes over the NOLOGIN role of older
// featuregates: it logs in now, and holds neither pg_read_all_data nor a
// place in the owner's roles.
func TestPrepareConvertsOldReader(t *testing.T) {
	dsn := newDB(t, "convert", true)
	r := roles("convert")
	run(t, dsn, fmt.Sprintf(`CREATE ROLE %[1]s NOLOGIN; GRANT pg_read_all_data TO %[1]s;
		GRANT TEMPORARY ON DATABASE convert TO %[1]s; GRANT %[1]s TO postgres`, r.Reader))
	up := prepare(t, dsn, r)
	c := login(t, up, ReadOnly)
	if got := try(c, "SELECT * FROM featuregate_registry.upstream_credentials"); got != "42501" {
		t.Fatalf("converted reader reads the secrets: %q", got)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var members int
	var login, inherit bool
	err = conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_auth_members WHERE member = r.oid OR roleid = r.oid),
		r.rolcanlogin, r.rolinherit FROM pg_roles r WHERE rolname = $1`, r.Reader).Scan(&members, &login, &inherit)
	if err != nil || members != 0 || !login || inherit {
		t.Fatalf("converted role: %d memberships, login %v, inherit %v, %v", members, login, inherit, err)
	}
}

// TestPrepareNeedsCreateRole names the SQL an administrator must run.
func TestPrepareNeedsCreateRole(t *testing.T) {
	dsn := newDB(t, "nocreaterole", false)
	run(t, pg.DSN("postgres"), "ALTER ROLE nocreaterole_owner NOCREATEROLE")
	_, err := Prepare(context.Background(), dsn, Options{Roles: roles("nocreaterole")})
	if err == nil || !strings.Contains(err.Error(), `ALTER ROLE "nocreaterole_owner" CREATEROLE;`) {
		t.Fatalf("want the SQL to run, got %v", err)
	}
}

// TestRolesOfAnotherDatabase: roles belong to the cluster and their
// secrets to one database, so a second database needs roles of its own.
func TestRolesOfAnotherDatabase(t *testing.T) {
	r := roles("shared")
	prepare(t, newDB(t, "shared_a", true), r)
	dsn := newDB(t, "shared_b", true)
	_, err := Prepare(context.Background(), dsn, Options{Roles: r})
	if err == nil || !strings.Contains(err.Error(), "offline.roles") {
		t.Fatalf("want an error naming offline.roles, got %v", err)
	}
	login(t, prepare(t, dsn, roles("shared_b")), ReadOnly)
}

// TestRotate gives the roles new secrets: the old one no longer logs in,
// and a gateway that held it reads the new one when refused.
func TestRotate(t *testing.T) {
	ctx := context.Background()
	dsn := newDB(t, "rotate", false)
	r := roles("rotate")
	up := prepare(t, dsn, r)
	old, err := up.ConnConfig(ctx, ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := up.OpenReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := Rotate(ctx, dsn, r); err != nil {
		t.Fatal(err)
	}
	if _, err := pgconn.ConnectConfig(ctx, old); !isAuthFailure(err) {
		t.Fatalf("the old secret still logs in: %v", err)
	}
	rows, err := pool.Query(ctx, "SELECT 1")
	if err != nil {
		t.Fatalf("the reader pool after rotation: %v", err)
	}
	rows.Close()
	login(t, up, ReadOnly) // the pool renewed the reader's secret
	oldWriter, _ := up.Login(ReadWrite).Password(ctx, false)
	if pw, err := up.Login(ReadWrite).Password(ctx, true); err != nil || pw == oldWriter {
		t.Fatalf("the writer's secret after rotation: %v, same as before: %v", err, pw == oldWriter)
	}
	login(t, up, ReadWrite)
	if err := Rotate(ctx, dsn, roles("other")); err == nil {
		t.Fatal("rotated roles this database does not manage")
	}
}

// TestHeal: a session may change its own role's password; the gateway
// sets it back from the stored secret when refused.
func TestHeal(t *testing.T) {
	ctx := context.Background()
	dsn := newDB(t, "heal", true)
	up := prepare(t, dsn, roles("heal"))
	c := login(t, up, ReadOnly)
	if got := try(c, "ALTER ROLE heal_reader PASSWORD 'mine'"); got != "" {
		t.Fatalf("a role changes its own password: %q", got)
	}
	if _, err := up.ConnConfig(ctx, ReadOnly); err != nil {
		t.Fatal(err)
	}
	cfg, _ := up.ConnConfig(ctx, ReadOnly)
	if _, err := pgconn.ConnectConfig(ctx, cfg); !isAuthFailure(err) {
		t.Fatalf("the stored secret should fail now: %v", err)
	}
	if _, err := up.Login(ReadOnly).Password(ctx, true); err != nil {
		t.Fatal(err)
	}
	login(t, up, ReadOnly)
}

// TestSchemas grants read_schemas and the schemas of table sources, never
// featuregate's own.
func TestSchemas(t *testing.T) {
	dsn := newDB(t, "schemas", true)
	run(t, dsn, `CREATE SCHEMA analytics; CREATE TABLE analytics.events (a int);
		CREATE SCHEMA raw; CREATE TABLE raw.clicks (a int);
		CREATE SCHEMA hr; CREATE TABLE hr.salaries (a int);
		CREATE SCHEMA featuregate_registry;
		CREATE TABLE featuregate_registry.objects (project text, kind text, name text, definition jsonb);
		INSERT INTO featuregate_registry.objects VALUES
			('p', 'SOURCE', 'a', '{"table": "raw.clicks"}'),
			('p', 'SOURCE', 'b', '{"table": "featuregate_registry.objects"}'),
			('p', 'SOURCE', 'c', '{"query": "SELECT * FROM hr.salaries"}')`)
	up := prepare(t, dsn, roles("schemas"), "analytics", "missing")
	c := login(t, up, ReadOnly)
	for sql, want := range map[string]string{
		"SELECT * FROM analytics.events":             "",
		"SELECT * FROM raw.clicks":                   "",
		"SELECT * FROM hr.salaries":                  "42501",
		"SELECT * FROM featuregate_registry.objects": "42501",
		"SELECT * FROM facts_missing":                "42P01",
	} {
		if got := try(c, sql); got != want {
			t.Errorf("%s: got %q, want %q", sql, got, want)
		}
	}
	if _, err := Prepare(context.Background(), dsn, Options{Roles: roles("schemas"), ReadSchemas: []string{"featuregate_registry"}}); err == nil {
		t.Fatal("granted featuregate_registry")
	}
}

// TestCheckRole refuses mappings that would run sessions as the owner.
func TestCheckRole(t *testing.T) {
	dsn := newDB(t, "checkrole", false)
	up := prepare(t, dsn, roles("checkrole"))
	run(t, pg.DSN("postgres"), `CREATE ROLE analyst LOGIN; CREATE ROLE owner_friend LOGIN;
		GRANT checkrole_owner TO owner_friend; CREATE ROLE admin2 LOGIN SUPERUSER; CREATE ROLE nologin`)
	ctx := context.Background()
	if err := up.CheckRole(ctx, "analyst"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"checkrole_owner", "owner_friend", "admin2", "nologin", "checkrole_reader", "missing"} {
		if err := up.CheckRole(ctx, r); err == nil {
			t.Errorf("%s accepted", r)
		}
	}
}

// TestDatasetSchemas: the saved datasets of a registry written by an
// earlier release (granted to PUBLIC) are readable by the session roles
// only once the roles are set up.
func TestDatasetSchemas(t *testing.T) {
	dsn := newDB(t, "dsschemas", true)
	run(t, dsn, `CREATE SCHEMA featuregate_registry;
		CREATE TABLE featuregate_registry.datasets (project text, name text);
		INSERT INTO featuregate_registry.datasets VALUES ('p', 'train');
		CREATE SCHEMA fg_datasets_p; CREATE TABLE fg_datasets_p.train (a int);
		GRANT USAGE ON SCHEMA fg_datasets_p TO PUBLIC; GRANT SELECT ON fg_datasets_p.train TO PUBLIC;
		DO $$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dsschemas_other') THEN
				CREATE ROLE dsschemas_other;
			END IF; END $$`)
	up := prepare(t, dsn, roles("dsschemas"))
	for _, a := range []Access{ReadOnly, ReadWrite} {
		if got := try(login(t, up, a), "SELECT * FROM fg_datasets_p.train"); got != "" {
			t.Errorf("access %v reads a dataset: %q", a, got)
		}
	}
	conn := login(t, up, ReadOnly)
	if got := value(t, conn, `SELECT has_table_privilege('dsschemas_other', 'fg_datasets_p.train', 'SELECT')
		OR has_schema_privilege('dsschemas_other', 'fg_datasets_p', 'USAGE')`); got != "f" {
		t.Errorf("another role may still read the dataset: %s", got)
	}
}
