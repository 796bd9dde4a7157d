package onlineit

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate/internal/gatewaytest"
	"github.com/featuregate/featuregate/wire"
)

// pushPsycopg2 pushes with psycopg2 in its default mode, where every
// statement runs in a transaction block: execute, executemany and
// copy_expert are applied at commit(); a rollback() drops them.
const pushPsycopg2 = `
import io, sys, psycopg2
conn = psycopg2.connect(sys.argv[1])
cur = conn.cursor()
cur.execute("INSERT INTO events_fv (user_id, event_timestamp, amount, note) VALUES (%s, %s, %s, %s)",
            ("p1", "2024-02-01T00:00:00Z", 10, "execute"))
cur.executemany("INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES (%s, %s, %s)",
                [("p2", "2024-02-01T00:00:00Z", 20), ("p3", "2024-02-01T00:00:00Z", 30)])
cur.copy_expert("COPY events_fv (user_id, event_timestamp, amount) FROM STDIN WITH (FORMAT csv)",
                io.StringIO("p4,2024-02-01T00:00:00Z,40\n"))
cur.execute("SELECT user_id, amount FROM events_fv WHERE user_id = 'p1'")
print("before commit", cur.fetchall())
conn.commit()
cur.execute("INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ('p5', '2024-02-01T00:00:00Z', 50)")
conn.rollback()
try:
    cur.execute("INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ('p6', 'not a time', 60)")
except psycopg2.Error as e:
    print("error", e.pgcode)
    conn.rollback()
cur.execute("SELECT user_id, amount FROM events_fv WHERE user_id IN ('p1', 'p2', 'p3', 'p4', 'p5', 'p6')")
print("after commit", cur.fetchall())
conn.commit()
`

// TestPushPsycopg2: psycopg2's default transaction mode pushes at commit.
func TestPushPsycopg2(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "pushpy", st, eventsTable)
		e.define(t, pushCatalog...)
		out, err := exec.Command("/usr/bin/python3", "-c", pushPsycopg2, e.gw.DSN("alice", e.db)).CombinedOutput()
		if err != nil {
			t.Fatalf("psycopg2: %v\n%s", err, out)
		}
		for _, want := range []string{
			"before commit [('p1', None)]",
			"error 22007",
			"after commit [('p1', 10), ('p2', 20), ('p3', 30), ('p4', 40), ('p5', None), ('p6', None)]",
		} {
			if !strings.Contains(string(out), want) {
				t.Errorf("psycopg2 output lacks %q:\n%s", want, out)
			}
		}
	})
}

// TestPushPermissions: pushing needs WRITE_ONLINE on the view and a
// read-write user (or an administrator); others get 42501 and write
// nothing.
func TestPushPermissions(t *testing.T) {
	ctx := context.Background()
	db := "pushperm"
	direct := createDB(t, db)
	offlineExec(t, direct, eventsTable)
	gw := gatewaytest.Start(t, pg, db, func(c *wire.Config) {
		c.Users = []wire.User{{Name: "root", ReadWrite: true, Admin: true},
			{Name: "reader", Roles: []string{"pusher"}},
			{Name: "etl", ReadWrite: true, Roles: []string{"etl"}},
			{Name: "writer", ReadWrite: true, Roles: []string{"pusher"}}}
		c.DefaultAdmin = false
	})
	root, err := pgx.Connect(ctx, gw.DSN("root", db)+"&timezone=UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close(ctx)
	e := &env{db: db, direct: direct, gw: gw, conn: root}
	e.define(t, eventsCatalog...)
	e.define(t, `CREATE PERMISSION pushers ON FEATURE VIEW ALLOW WRITE_ONLINE, READ_ONLINE TO pusher`)
	const insert = `INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ('u1', '2024-01-01T00:00:00Z', 1)`
	for _, user := range []string{"reader", "etl"} {
		conn, err := pgx.Connect(ctx, gw.DSN(user, db))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		wantError(t, conn, "42501", "permission denied", "", insert)
	}
	lookupEquals(t, root, [][]any{{"u1", nil}}, `SELECT user_id, amount FROM events_fv WHERE user_id = 'u1'`)
	writer, err := pgx.Connect(ctx, gw.DSN("writer", db))
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close(ctx)
	if tag := execTag(t, writer, insert); tag != "INSERT 0 1" {
		t.Fatalf("writer: %s", tag)
	}
	lookupEquals(t, root, [][]any{{"u1", int64(1)}}, `SELECT user_id, amount FROM events_fv WHERE user_id = 'u1'`)
}

// TestPushPsql: psql's simple query protocol, INSERT and \copy, inside a
// BEGIN … COMMIT block too.
func TestPushPsql(t *testing.T) {
	e := newEnv(t, "pushpsql", stores[0], eventsTable)
	e.define(t, pushCatalog...)
	script := `INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ('s1', '2024-01-01T00:00:00Z', 1);
BEGIN;
INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ('s2', '2024-01-01T00:00:00Z', 2);
\copy events_fv (user_id, event_timestamp, amount) from stdin (format csv)
s3,2024-01-01T00:00:00Z,3
\.
COMMIT;
BEGIN;
INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ('s4', '2024-01-01T00:00:00Z', 4);
ROLLBACK;
`
	cmd := exec.Command("psql", "-X", "-v", "ON_ERROR_STOP=1", e.gw.DSN("alice", e.db))
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	for _, want := range []string{"INSERT 0 1\nBEGIN\nINSERT 0 1\nCOPY 1\nCOMMIT\nBEGIN\nINSERT 0 1\nROLLBACK"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("psql output lacks %q:\n%s", want, out)
		}
	}
	lookupEquals(t, e.conn, [][]any{{"s1", int64(1)}, {"s2", int64(2)}, {"s3", int64(3)}, {"s4", nil}},
		`SELECT user_id, amount FROM events_fv WHERE user_id IN ('s1', 's2', 's3', 's4')`)
}

// pushPandas pushes a DataFrame with pandas' to_sql through SQLAlchemy
// (psycopg2), as a data scientist appends rows to a table, and reads the
// values back online with read_sql.
const pushPandas = `
import sys, pandas as pd, sqlalchemy as sa
eng = sa.create_engine(sys.argv[1].replace("postgres://", "postgresql+psycopg2://"))
df = pd.DataFrame({"user_id": ["pd1", "pd2"], "event_timestamp": pd.to_datetime(["2024-02-01T00:00:00Z"] * 2),
                   "amount": [11, 22], "note": ["a", None]})
print("to_sql", df.to_sql("events_fv", eng, if_exists="append", index=False))
older = pd.DataFrame({"user_id": ["pd1"], "event_timestamp": pd.to_datetime(["2024-01-01T00:00:00Z"]), "amount": [99]})
older.to_sql("events_fv", eng, if_exists="append", index=False)
got = pd.read_sql("SELECT user_id, amount, note FROM events_fv WHERE user_id IN ('pd1', 'pd2')", eng)
print(got.sort_values("user_id").to_dict("records"))
`

// TestPushPandas: DataFrame.to_sql into a feature view pushes its rows
// online; an older row does not replace a newer one.
func TestPushPandas(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "pushpandas", st, eventsTable)
		e.define(t, pushCatalog...)
		out, err := exec.Command("/usr/bin/python3", "-c", pushPandas, e.gw.DSN("alice", e.db)).CombinedOutput()
		if err != nil {
			t.Fatalf("pandas: %v\n%s", err, out)
		}
		for _, want := range []string{
			"to_sql 2",
			"[{'user_id': 'pd1', 'amount': 11, 'note': 'a'}, {'user_id': 'pd2', 'amount': 22, 'note': None}]",
		} {
			if !strings.Contains(string(out), want) {
				t.Errorf("pandas output lacks %q:\n%s", want, out)
			}
		}
	})
}

// pushSavepoints pushes inside savepoints with SQLAlchemy's nested
// transactions (SAVEPOINT, ROLLBACK TO SAVEPOINT, RELEASE) over psycopg2.
const pushSavepoints = `
import sys, sqlalchemy as sa
eng = sa.create_engine(sys.argv[1].replace("postgres://", "postgresql+psycopg2://"))
ins = sa.text("INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES (:u, '2024-02-01T00:00:00Z', :a)")
with eng.connect() as conn:
    with conn.begin():
        conn.execute(ins, {"u": "sp1", "a": 1})
        nested = conn.begin_nested()
        conn.execute(ins, {"u": "sp2", "a": 2})
        nested.rollback()
        nested = conn.begin_nested()
        try:
            conn.execute(sa.text("INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ('sp3', 'not a time', 3)"))
        except sa.exc.DBAPIError as e:
            print("error", e.orig.pgcode)
            nested.rollback()
        with conn.begin_nested():
            conn.execute(ins, {"u": "sp4", "a": 4})
    rows = conn.execute(sa.text("SELECT user_id, amount FROM events_fv WHERE user_id IN ('sp1', 'sp2', 'sp3', 'sp4')")).fetchall()
    print(sorted((r[0], r[1]) for r in rows))
`

// TestPushSavepoints: ROLLBACK TO SAVEPOINT drops the pushes staged since
// the savepoint; the others are applied at COMMIT.
func TestPushSavepoints(t *testing.T) {
	e := newEnv(t, "pushsp", stores[0], eventsTable)
	e.define(t, pushCatalog...)
	out, err := exec.Command("/usr/bin/python3", "-c", pushSavepoints, e.gw.DSN("alice", e.db)).CombinedOutput()
	if err != nil {
		t.Fatalf("sqlalchemy: %v\n%s", err, out)
	}
	for _, want := range []string{"error 22007", "[('sp1', 1), ('sp2', None), ('sp3', None), ('sp4', 4)]"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestPushSavepointsExtended: the same over the extended protocol (Parse,
// Bind, Execute of every statement, savepoints and transaction control
// included, as pgconn's ExecParams sends them), with a ROLLBACK TO
// SAVEPOINT out of a failed block.
func TestPushSavepointsExtended(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "pushspx", stores[0], eventsTable)
	e.define(t, pushCatalog...)
	conn, err := pgx.Connect(ctx, e.gw.DSN("alice", e.db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ins := "INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ($1, '2024-02-01T00:00:00Z', $2)"
	steps := []struct {
		sql     string
		args    [][]byte
		wantErr string // a SQLSTATE
	}{
		{"BEGIN", nil, ""},
		{ins, [][]byte{[]byte("sx1"), []byte("1")}, ""},
		{"SAVEPOINT a", nil, ""},
		{ins, [][]byte{[]byte("sx2"), []byte("2")}, ""},
		{"ROLLBACK TO SAVEPOINT a", nil, ""},
		{"SAVEPOINT b", nil, ""},
		{ins, [][]byte{[]byte("sx3"), []byte("3")}, ""},
		{"INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ('sx5', 'not a time', 5)", nil, "22007"},
		{"ROLLBACK TO b", nil, ""},
		{ins, [][]byte{[]byte("sx4"), []byte("4")}, ""},
		{"RELEASE SAVEPOINT b", nil, ""},
		{"COMMIT", nil, ""},
	}
	for _, st := range steps {
		_, err := conn.PgConn().ExecParams(ctx, st.sql, st.args, nil, nil, nil).Close()
		if code := sqlstate(err); code != st.wantErr {
			t.Fatalf("%s: error %v, want SQLSTATE %q", st.sql, err, st.wantErr)
		}
	}
	rows, err := conn.Query(ctx, "SELECT user_id, amount FROM events_fv WHERE user_id IN ('sx1', 'sx2', 'sx3', 'sx4', 'sx5')")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var id string
		var amount *int64
		if err := rows.Scan(&id, &amount); err != nil {
			t.Fatal(err)
		}
		if amount != nil {
			got = append(got, fmt.Sprintf("%s=%d", id, *amount))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := "[sx1=1 sx4=4]"; fmt.Sprint(got) != want {
		t.Errorf("pushed values served: %v, want %s", got, want)
	}
}

// sqlstate is err's SQLSTATE, "" for nil, "?" for an error without one.
func sqlstate(err error) string {
	var pe *pgconn.PgError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &pe):
		return pe.Code
	}
	return "?"
}
