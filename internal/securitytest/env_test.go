package securitytest

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/gatewaytest"
	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/wire"
)

// Passwords of the gateway's users.
const (
	alicePW = "alice-pw" // read-only
	etlPW   = "etl-pw"   // read-write
	rootPW  = "root-pw"  // admin: defines the project
	bobPW   = "bob-pw"   // read-only, bound to another project
)

// data is the offline database's content, created by its owner.
const data = `CREATE TABLE items (id int PRIMARY KEY, v text);
	INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 10) g;
	CREATE SEQUENCE victim_seq;
	CREATE TABLE events (user_id bigint, ts timestamptz, score real);
	INSERT INTO events VALUES (1, '2024-01-01T00:00:00Z', 0.5), (2, '2024-01-02T00:00:00Z', 0.7);
	CREATE SCHEMA hr; CREATE TABLE hr.salaries (name text, amount int); INSERT INTO hr.salaries VALUES ('boss', 1000000)`

// env is one offline database and a gateway over it.
type env struct {
	pg    *localpg.Server
	owner string // the gateway's own role
	dsn   string // the owner's URL
	gw    *gatewaytest.Gateway
	oc    *pgx.Conn // the owner, directly
}

// owners are the two kinds of owner the suite runs for.
var owners = []struct {
	name  string
	super bool
}{{"superuser", true}, {"createrole", false}}

// newEnv starts a PostgreSQL of its own (roles belong to a cluster), the
// database with its owner, and a gateway with alice and etl.
func newEnv(t *testing.T, super bool) *env {
	t.Helper()
	ctx := context.Background()
	pg, err := localpg.StartWith(localpg.Options{Passwords: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	e := &env{pg: pg, owner: "postgres"}
	if super {
		if e.dsn, err = pg.CreateDB(ctx, "sec"); err != nil {
			t.Fatal(err)
		}
	} else {
		e.owner = "fg_owner"
		ownerExec(t, pg.DSN("postgres"), `CREATE ROLE fg_owner LOGIN CREATEROLE PASSWORD 'owner-pw'`)
		ownerExec(t, pg.DSN("postgres"), `CREATE DATABASE sec OWNER fg_owner`)
		e.dsn = fmt.Sprintf("postgres://fg_owner:owner-pw@127.0.0.1:%d/sec?sslmode=disable", pg.Port)
	}
	ownerExec(t, e.dsn, data)
	e.gw = gatewaytest.StartDSN(t, e.dsn, func(c *wire.Config) {
		c.AuthMethod = wire.AuthSCRAM
		c.Users = []wire.User{{Name: "alice", Password: alicePW, Roles: []string{"data_scientist"}},
			{Name: "etl", Password: etlPW, ReadWrite: true, Roles: []string{"etl"}},
			{Name: "root", Password: rootPW, ReadWrite: true, Admin: true},
			{Name: "bob", Password: bobPW, Projects: []string{"elsewhere"}}}
		c.DefaultAdmin = false
	})
	if e.oc, err = pgx.Connect(ctx, e.dsn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.oc.Close(context.Background()) })
	// The administrator makes the project: users may open only projects
	// that exist.
	if err := exec(e.session(t, "root"), "CREATE ENTITY usr (user_id BIGINT)"); err != nil {
		t.Fatal(err)
	}
	return e
}

func ownerExec(t *testing.T, dsn, sql string) {
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

// connect opens a session through the gateway as user, with startup
// parameters params.
func (e *env) connect(t *testing.T, user, password string, params map[string]string) (*pgx.Conn, error) {
	t.Helper()
	return e.connectWith(t, user, password, "sec", params)
}

// connectTo opens a session as user to project db.
func (e *env) connectTo(t *testing.T, user, password, db string) (*pgx.Conn, error) {
	t.Helper()
	return e.connectWith(t, user, password, db, nil)
}

func (e *env) connectWith(t *testing.T, user, password, db string, params map[string]string) (*pgx.Conn, error) {
	t.Helper()
	cc, err := pgx.ParseConfig(fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", user, password, e.gw.Addr, db))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range params {
		cc.RuntimeParams[k] = v
	}
	conn, err := pgx.ConnectConfig(context.Background(), cc)
	if err == nil {
		t.Cleanup(func() { conn.Close(context.Background()) })
	}
	return conn, err
}

func (e *env) session(t *testing.T, user string) *pgx.Conn {
	t.Helper()
	pw := map[string]string{"alice": alicePW, "etl": etlPW, "root": rootPW}[user]
	conn, err := e.connect(t, user, pw, nil)
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	return conn
}

// whoAmI returns current_user and session_user of conn, after rolling back
// whatever transaction an attack left.
func whoAmI(t *testing.T, conn *pgx.Conn) (string, string) {
	t.Helper()
	ctx := context.Background()
	_, _ = conn.Exec(ctx, "ROLLBACK")
	var cur, sess string
	if err := conn.QueryRow(ctx, "SELECT current_user, session_user").Scan(&cur, &sess); err != nil {
		t.Fatalf("who am I: %v", err)
	}
	return cur, sess
}

// state is what the owner sees of everything an attack could change
// (but the views of feature relations, which definitions change).
func (e *env) state(t *testing.T) string {
	t.Helper()
	var s string
	err := e.oc.QueryRow(context.Background(), `SELECT concat_ws(' | ',
		(SELECT count(*) || ' items, sum ' || sum(id) || ', ' || string_agg(v, ',' ORDER BY id) FROM items),
		(SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE nspname NOT LIKE 'pg\_%' AND nspname NOT LIKE 'fg\_%' AND nspname <> 'information_schema'),
		(SELECT 'victim_seq ' || last_value || ' ' || is_called FROM victim_seq),
		(SELECT string_agg(r.rolname || '>' || m.rolname, ',' ORDER BY r.rolname, m.rolname) FROM pg_auth_members a
			JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member),
		(SELECT string_agg(rolname || ':' || rolsuper || rolcreaterole || rolcreatedb || rolbypassrls || rolreplication, ',' ORDER BY rolname)
			FROM pg_roles WHERE rolname NOT LIKE 'pg\_%'),
		(SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname NOT LIKE 'pg\_temp%' AND nspname NOT LIKE 'pg\_toast\_temp%'))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// exec runs sql in the simple protocol, every statement of it.
func exec(conn *pgx.Conn, sql string) error {
	_, err := conn.PgConn().Exec(context.Background(), sql).ReadAll()
	return err
}
