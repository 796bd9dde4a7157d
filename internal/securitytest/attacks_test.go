package securitytest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// attack is one attempt to leave the session's role, run on a session of
// its own. mustFail attacks must get an error; the others may succeed but
// must change nothing.
type attack struct {
	name     string
	mustFail bool
	run      func(conn *pgx.Conn) error
}

// sql is an attack of one query string, in the simple protocol.
func sql(name string, mustFail bool, text string) attack {
	return attack{name, mustFail, func(conn *pgx.Conn) error { return exec(conn, text) }}
}

// attacks are what any session tries, with owner the gateway's own role,
// ownerPID the backend of a connection of the owner, self the session's
// upstream role and file a path a server program would write.
func attacks(owner string, ownerPID uint32, self, file string) []attack {
	setRole := func(r string) string { return fmt.Sprintf("SELECT set_config(''role'', ''%s'', false)", r) }
	return []attack{
		sql("query_to_xml resets the role", false, fmt.Sprintf("SELECT query_to_xml('%s', true, false, '')", setRole("none"))),
		sql("query_to_xml sets the owner's role", true, fmt.Sprintf("SELECT query_to_xml('%s', true, false, '')", setRole(owner))),
		sql("ts_stat sets the owner's role", true, fmt.Sprintf("SELECT * FROM ts_stat('%s::tsvector')", setRole(owner))),
		{"bind parameter resets the role", false, func(conn *pgx.Conn) error {
			_, err := conn.Exec(context.Background(), "SELECT query_to_xml($1, true, false, '')", "SELECT set_config('role', 'none', false)")
			return err
		}},
		{"bind parameter sets the owner's role", true, func(conn *pgx.Conn) error {
			_, err := conn.Exec(context.Background(), "SELECT query_to_xml($1, true, false, '')",
				fmt.Sprintf("SELECT set_config('role', '%s', false)", owner))
			return err
		}},
		{"standard_conforming_strings off hides SET ROLE NONE", false, func(conn *pgx.Conn) error {
			if err := exec(conn, "SET standard_conforming_strings = off"); err != nil {
				return err
			}
			return exec(conn, `SELECT 'a\''; SET ROLE NONE; -- '`)
		}},
		{"standard_conforming_strings off hides SET ROLE owner", true, func(conn *pgx.Conn) error {
			if err := exec(conn, "SET standard_conforming_strings = off"); err != nil {
				return err
			}
			return exec(conn, fmt.Sprintf(`SELECT 'a\''; SET ROLE %s; -- '`, owner))
		}},
		sql("SET ROLE owner", true, "SET ROLE "+owner),
		sql("SET ROLE postgres", true, "SET ROLE postgres"),
		sql("set_config role", true, fmt.Sprintf("SELECT set_config('role', '%s', false)", owner)),
		sql("SET SESSION AUTHORIZATION", true, "SET SESSION AUTHORIZATION "+owner),
		sql("RESET ROLE", false, "RESET ROLE"),
		sql("RESET SESSION AUTHORIZATION", false, "RESET SESSION AUTHORIZATION"),
		sql("DO SET ROLE", true, fmt.Sprintf("DO $$ BEGIN EXECUTE 'SET ROLE %s'; END $$", owner)),
		sql("COPY TO PROGRAM", true, fmt.Sprintf("COPY (SELECT 1) TO PROGRAM 'id > %s'", file)),
		sql("COPY TO a file", true, fmt.Sprintf("COPY (SELECT 1) TO '%s'", file)),
		sql("COPY FROM a file", true, "CREATE TEMP TABLE f (t text); COPY f FROM '/etc/hostname'"),
		sql("pg_read_file", true, "SELECT pg_read_file('/etc/hostname')"),
		sql("pg_ls_dir", true, "SELECT pg_ls_dir('.')"),
		sql("lo_import", true, "SELECT lo_import('/etc/hostname')"),
		sql("pg_authid", true, "SELECT rolname, rolpassword FROM pg_authid"),
		sql("registry objects", true, "SELECT * FROM featuregate_registry.objects"),
		sql("registry secrets", true, "SELECT * FROM featuregate_registry.upstream_credentials"),
		sql("registry versions", true, "SELECT * FROM featuregate_registry.versions"),
		sql("a schema not granted", true, "SELECT * FROM hr.salaries"),
		sql("GRANT pg_execute_server_program TO owner", true, "GRANT pg_execute_server_program TO "+owner),
		sql("GRANT pg_execute_server_program TO self", true, "GRANT pg_execute_server_program TO "+self),
		sql("GRANT pg_read_all_data TO self", true, "GRANT pg_read_all_data TO "+self),
		sql("GRANT owner TO self", true, fmt.Sprintf("GRANT %s TO %s", owner, self)),
		sql("ALTER ROLE self SUPERUSER", true, "ALTER ROLE "+self+" SUPERUSER"),
		sql("ALTER ROLE self CREATEROLE", true, "ALTER ROLE "+self+" CREATEROLE"),
		sql("ALTER ROLE self BYPASSRLS", true, "ALTER ROLE "+self+" BYPASSRLS"),
		sql("CREATE ROLE", true, "CREATE ROLE intruder LOGIN SUPERUSER"),
		sql("CREATE SCHEMA", true, "CREATE SCHEMA intruder"),
		sql("CREATE DATABASE", true, "CREATE DATABASE intruder"),
		sql("terminate the owner's session", true, fmt.Sprintf("SELECT pg_terminate_backend(%d)", ownerPID)),
		sql("cancel the owner's session", true, fmt.Sprintf("SELECT pg_cancel_backend(%d)", ownerPID)),
		sql("CREATE SOURCE on the registry", true,
			"CREATE SOURCE leak TIMESTAMP COLUMN created_at AS TABLE featuregate_registry.objects"),
		sql("CREATE SOURCE on a schema not granted", true, "CREATE SOURCE leak2 TIMESTAMP COLUMN ts AS SELECT now() AS ts, * FROM hr.salaries"),
	}
}

// writes are what a read-only session may not do.
var writes = []attack{
	sql("CREATE TABLE", true, "CREATE TABLE public.alice_t (a int)"),
	sql("CREATE TABLE (the session's temporary one)", false, "CREATE TABLE alice_tmp (a int)"),
	sql("UPDATE", true, "UPDATE items SET v = 'pwned'"),
	sql("INSERT", true, "INSERT INTO items VALUES (666, 'pwned')"),
	sql("DELETE", true, "DELETE FROM items"),
	sql("TRUNCATE", true, "TRUNCATE items"),
	sql("nextval", true, "SELECT nextval('victim_seq')"),
	sql("setval", true, "BEGIN; SELECT setval('victim_seq', 777); COMMIT"),
	sql("CREATE FUNCTION", true, "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'"),
	sql("CREATE VIEW", true, "CREATE VIEW public.v AS SELECT 1"),
}

// startupAttacks are startup parameters that would set the role.
func startupAttacks(owner string) []map[string]string {
	return []map[string]string{
		{"ROLE": "none"}, {"Role": "postgres"}, {"role": owner}, {"rOlE": owner},
		{"SESSION_AUTHORIZATION": owner}, {"Session_Authorization": "postgres"},
		{"options": "-c RoLe=" + owner}, {"options": "-c role=postgres"},
		{"options": "--ROLE=" + owner}, {"options": "-c session_authorization=" + owner},
		{"options": `-c ro\le=` + owner},
	}
}

// TestEscapes runs every attack as alice (read-only) and etl
// (read-write), for both owners: the attacks fail or change nothing,
// and no session runs as the owner.
func TestEscapes(t *testing.T) {
	for _, o := range owners {
		t.Run(o.name, func(t *testing.T) {
			e := newEnv(t, o.super)
			file := filepath.Join(os.TempDir(), fmt.Sprintf("featuregate-escape-%d", e.pg.Port))
			before := e.state(t)
			for _, u := range []struct{ user, role string }{{"alice", "featuregate_reader"}, {"etl", "featuregate_writer"}} {
				list := attacks(e.owner, e.oc.PgConn().PID(), u.role, file)
				if u.user == "alice" {
					list = append(list, writes...)
				}
				for _, a := range list {
					conn := e.session(t, u.user)
					err := a.run(conn)
					if a.mustFail && err == nil {
						t.Errorf("%s as %s: succeeded", a.name, u.user)
					}
					if cur, sess := whoAmI(t, conn); cur != u.role || sess != u.role {
						t.Errorf("%s as %s: runs as %s (session %s), want %s", a.name, u.user, cur, sess, u.role)
					}
				}
				for _, p := range startupAttacks(e.owner) {
					pw := map[string]string{"alice": alicePW, "etl": etlPW}[u.user]
					conn, err := e.connect(t, u.user, pw, p)
					if err != nil {
						continue // refused at startup
					}
					if cur, sess := whoAmI(t, conn); cur != u.role || sess != u.role {
						t.Errorf("startup %v as %s: runs as %s (session %s)", p, u.user, cur, sess)
					}
				}
			}
			if _, err := os.Stat(file); !os.IsNotExist(err) {
				t.Errorf("a server program or COPY wrote %s", file)
			}
			if after := e.state(t); after != before {
				t.Errorf("the attacks changed the offline store:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestWriterWrites: etl writes the granted schema, and what it creates
// is readable by read-only sessions; the owner sees the writes.
func TestWriterWrites(t *testing.T) {
	e := newEnv(t, false)
	etl, alice := e.session(t, "etl"), e.session(t, "alice")
	for _, s := range []string{
		"INSERT INTO items VALUES (100, 'etl')", "UPDATE items SET v = 'seen' WHERE id = 1",
		"CREATE TABLE etl_t (a int)", "INSERT INTO etl_t VALUES (7)", "CREATE SEQUENCE etl_seq", "SELECT nextval('etl_seq')",
	} {
		if err := exec(etl, s); err != nil {
			t.Fatalf("etl: %s: %v", s, err)
		}
	}
	var n int
	if err := alice.QueryRow(context.Background(), "SELECT sum(a) FROM etl_t").Scan(&n); err != nil || n != 7 {
		t.Fatalf("alice reads etl's table: %d, %v", n, err)
	}
	var v string
	if err := e.oc.QueryRow(context.Background(), "SELECT string_agg(v, ',' ORDER BY id) FROM items WHERE id IN (1, 100)").Scan(&v); err != nil || v != "seen,etl" {
		t.Fatalf("the owner sees %q, %v", v, err)
	}
}

// TestMaterializeAsReader: materialization reads sources as the read-only
// role in read-only transactions, so a source that writes or reads server
// files fails (when defined or when materialized) and changes nothing,
// whoever defined it.
func TestMaterializeAsReader(t *testing.T) {
	for _, o := range owners {
		t.Run(o.name, func(t *testing.T) {
			e := newEnv(t, o.super)
			// Only administrators define sources; even theirs are read
			// as the read-only role.
			if err := exec(e.session(t, "alice"), "CREATE SOURCE mine TIMESTAMP COLUMN ts AS TABLE events"); err == nil ||
				!strings.Contains(err.Error(), `user "alice" may not CREATE source`) {
				t.Fatalf("alice defined a source: %v", err)
			}
			alice := e.session(t, "root")
			for _, s := range []string{
				"CREATE SOURCE good TIMESTAMP COLUMN ts AS TABLE events",
				"CREATE FEATURE VIEW good_fv (score REAL) ENTITY usr SOURCE good TTL NONE ONLINE",
			} {
				if err := exec(alice, s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			if err := exec(alice, "MATERIALIZE good_fv FROM '2024-01-01T00:00:00Z' TO '2024-02-01T00:00:00Z'"); err != nil {
				t.Fatalf("materialize a plain source: %v", err)
			}
			before := e.state(t)
			for name, query := range map[string]string{
				"evil_seq":  "SELECT user_id, ts, score, (SELECT setval('victim_seq', 777))::text AS g FROM events",
				"evil_file": "SELECT user_id, ts, score, pg_read_file('/etc/hostname') AS g FROM events",
				"evil_lo":   "SELECT user_id, ts, score, lo_import('/etc/hostname')::text AS g FROM events",
			} {
				err := exec(alice, fmt.Sprintf("CREATE SOURCE %s TIMESTAMP COLUMN ts AS %s", name, query))
				if err == nil {
					err = exec(alice, fmt.Sprintf("CREATE FEATURE VIEW %[1]s_fv (g TEXT) ENTITY usr SOURCE %[1]s TTL NONE ONLINE", name))
				}
				if err == nil {
					err = exec(alice, fmt.Sprintf("MATERIALIZE %s_fv FROM '2024-01-01T00:00:00Z' TO '2024-02-01T00:00:00Z'", name))
				}
				if err == nil {
					t.Errorf("%s: defined and materialized", name)
				} else if !strings.Contains(err.Error(), "permission denied") && !strings.Contains(err.Error(), "read-only transaction") {
					t.Errorf("%s: failed for another reason: %v", name, err)
				}
			}
			// The definitions are in the registry; nothing else changed.
			if after := e.state(t); after != before {
				t.Errorf("materialization changed the offline store:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestChangedPassword: a session may change its own role's password (any
// PostgreSQL role may); the gateway sets it back from the stored secret
// when the next login is refused, and the changed password no longer
// logs in.
func TestChangedPassword(t *testing.T) {
	e := newEnv(t, false)
	alice := e.session(t, "alice")
	if err := exec(alice, "ALTER ROLE featuregate_reader PASSWORD 'pwned'"); err != nil {
		t.Fatalf("a role changes its own password: %v", err)
	}
	again := e.session(t, "alice") // refused once upstream, then healed
	if cur, _ := whoAmI(t, again); cur != "featuregate_reader" {
		t.Fatalf("runs as %s", cur)
	}
	direct := fmt.Sprintf("postgres://featuregate_reader:pwned@127.0.0.1:%d/sec?sslmode=disable", e.pg.Port)
	if conn, err := pgx.Connect(context.Background(), direct); err == nil {
		conn.Close(context.Background())
		t.Fatal("the changed password still logs in")
	}
}
