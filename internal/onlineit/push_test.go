package onlineit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pushCatalog adds a view with a CHECK rule over events_source.
var pushCatalog = append(append([]string(nil), eventsCatalog...),
	`CREATE FEATURE VIEW checked_fv (amount BIGINT CHECK (amount >= 0), note TEXT) ENTITY customer SOURCE events_source TTL NONE ONLINE`)

// exec runs sql through conn and returns its command tag.
func execTag(t *testing.T, conn *pgx.Conn, sql string, args ...any) string {
	t.Helper()
	tag, err := conn.Exec(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return tag.String()
}

// TestPushInsert: INSERT INTO a feature view writes online, newer wins on
// (event_timestamp, created_timestamp), CHECK rejections are counted and
// never served, parameters of a prepared INSERT take the columns' types.
func TestPushInsert(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "push", st, eventsTable)
		e.define(t, pushCatalog...)
		tag := execTag(t, e.conn, `INSERT INTO events_fv (user_id, event_timestamp, amount, note) VALUES
			('u1', '2024-01-02T00:00:00Z', 1, 'one'), ('u2', '2024-01-02 00:00:00+00', 2, NULL)`)
		if tag != "INSERT 0 2" {
			t.Fatalf("tag %q, want INSERT 0 2", tag)
		}
		want := [][]any{{"u1", at("2024-01-02T00:00:00Z"), int64(1), "one"}, {"u2", at("2024-01-02T00:00:00Z"), int64(2), nil}}
		lookupEquals(t, e.conn, want, `SELECT user_id, event_timestamp, amount, note FROM events_fv WHERE user_id IN ('u1', 'u2')`)

		// An older event time does not replace the stored value; a newer
		// created timestamp at the same time does.
		if tag := execTag(t, e.conn, `INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ('u1', '2024-01-01T00:00:00Z', 100)`); tag != "INSERT 0 0" {
			t.Fatalf("older row: tag %q", tag)
		}
		if tag := execTag(t, e.conn, `INSERT INTO events_fv (user_id, event_timestamp, created_timestamp, amount, note) VALUES ($1, $2, $3, $4, $5)`,
			"u2", at("2024-01-02T00:00:00Z"), at("2024-01-03T00:00:00Z"), int64(22), "created"); tag != "INSERT 0 1" {
			t.Fatalf("prepared: tag %q", tag)
		}
		want[1] = []any{"u2", at("2024-01-02T00:00:00Z"), int64(22), "created"}
		lookupEquals(t, e.conn, want, `SELECT user_id, event_timestamp, amount, note FROM events_fv WHERE user_id IN ('u1', 'u2')`)

		// CHECK: the breaking row is rejected and never served.
		var notices []string
		cc, err := pgx.ParseConfig(e.gw.DSN("alice", e.db))
		if err != nil {
			t.Fatal(err)
		}
		cc.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { notices = append(notices, n.Message) }
		nc, err := pgx.ConnectConfig(context.Background(), cc)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close(context.Background())
		tag = execTag(t, nc, `INSERT INTO checked_fv (user_id, event_timestamp, amount) VALUES ('u1', '2024-01-02T00:00:00Z', -5), ('u2', '2024-01-02T00:00:00Z', 5)`)
		if tag != "INSERT 0 1" {
			t.Fatalf("checked: tag %q, want INSERT 0 1", tag)
		}
		if len(notices) != 1 || !strings.Contains(notices[0], "1 rows rejected: they break a CHECK rule of feature view checked_fv") {
			t.Errorf("notices %q", notices)
		}
		if tag := execTag(t, nc, `INSERT INTO checked_fv (user_id, event_timestamp, amount) VALUES ('u2', '2024-01-01T00:00:00Z', 3)`); tag != "INSERT 0 0" {
			t.Errorf("older row: %s", tag)
		}
		if len(notices) != 2 || !strings.Contains(notices[1], "1 rows not written: feature view checked_fv holds a value as new or newer") {
			t.Errorf("notices %q", notices)
		}
		lookupEquals(t, e.conn, [][]any{{"u1", nil}, {"u2", int64(5)}}, `SELECT user_id, amount FROM checked_fv WHERE user_id IN ('u1', 'u2')`)
	})
}

// TestPushInsertSelect: INSERT … SELECT pushes the rows of a query run on
// the offline PostgreSQL as the session's role, AS OF included; in a
// transaction block at COMMIT.
func TestPushInsertSelect(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "pushsel", st, eventsTable+`; INSERT INTO events_src VALUES
			('s1', '2024-01-01T00:00:00Z', NULL, 1, 'one'), ('s2', '2024-01-01T00:00:00Z', NULL, 2, 'two'),
			('s2', '2024-01-05T00:00:00Z', NULL, 3, 'three')`)
		e.define(t, pushCatalog...)
		tag := execTag(t, e.conn, `INSERT INTO events_fv (user_id, event_timestamp, amount, note)
			SELECT user_id, ts, amount * 10, upper(note) FROM events_src WHERE ts < '2024-01-02'`)
		if tag != "INSERT 0 2" {
			t.Fatalf("tag %q, want INSERT 0 2", tag)
		}
		lookupEquals(t, e.conn, [][]any{{"s1", int64(10), "ONE"}, {"s2", int64(20), "TWO"}},
			`SELECT user_id, amount, note FROM events_fv WHERE user_id IN ('s1', 's2')`)
		// AS OF in the SELECT: the values as of a time, pushed with a newer stamp.
		tag = execTag(t, e.conn, `INSERT INTO checked_fv (user_id, event_timestamp, amount)
			SELECT f.user_id, '2024-02-01T00:00:00Z'::timestamptz, f.amount FROM events_fv AS OF '2024-01-10T00:00:00Z' f WHERE f.user_id IN ('s1', 's2')`)
		if tag != "INSERT 0 2" {
			t.Fatalf("AS OF: tag %q, want INSERT 0 2", tag)
		}
		lookupEquals(t, e.conn, [][]any{{"s1", int64(1)}, {"s2", int64(3)}}, `SELECT user_id, amount FROM checked_fv WHERE user_id IN ('s1', 's2')`)
		// In a transaction block: nothing online before COMMIT, nothing after ROLLBACK.
		ctx := context.Background()
		for _, end := range []string{"ROLLBACK", "COMMIT"} {
			execTag(t, e.conn, "BEGIN")
			execTag(t, e.conn, `INSERT INTO events_fv (user_id, event_timestamp, amount) SELECT 's3', now(), 33`)
			lookupEquals(t, e.conn, [][]any{{"s3", nil}}, `SELECT user_id, amount FROM events_fv WHERE user_id = 's3'`)
			if _, err := e.conn.Exec(ctx, end); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"ROLLBACK": nil, "COMMIT": int64(33)}[end]
			lookupEquals(t, e.conn, [][]any{{"s3", want}}, `SELECT user_id, amount FROM events_fv WHERE user_id = 's3'`)
		}
	})
}

// TestPushErrors: every refused push has its SQLSTATE and writes nothing.
func TestPushErrors(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "pusherr", st, eventsTable)
		e.define(t, pushCatalog...)
		e.define(t, `CREATE FEATURE SERVICE events_svc AS events_fv.*`,
			`CREATE FEATURE VIEW offline_fv (amount BIGINT) ENTITY customer SOURCE events_source TTL NONE OFFLINE`)
		cases := []struct{ code, msg, hint, sql string }{
			{"42703", `column "nope" of feature view events_fv does not exist`, "the columns are user_id, event_timestamp", `INSERT INTO events_fv (user_id, event_timestamp, nope) VALUES ('u9', now(), 1)`},
			{"22P02", "invalid input syntax for type bigint", "", `INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ('u9', now(), 1), ('u8', now(), 'x')`},
			{"22007", "invalid input syntax for type timestamp with time zone", "", `INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ('u9', 'yesterday-ish', 1)`},
			{"23502", `must give column "event_timestamp"`, "name every join key", `INSERT INTO events_fv (user_id, amount) VALUES ('u9', 1)`},
			{"23502", `must give column "user_id"`, "name every join key", `INSERT INTO events_fv (event_timestamp, amount) VALUES (now(), 1)`},
			{"23502", `null value in column "user_id"`, "join keys and event_timestamp", `INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ('u9', now(), 1), (NULL, now(), 2)`},
			{"42701", `column "amount" specified more than once`, "", `INSERT INTO events_fv (user_id, event_timestamp, amount, amount) VALUES ('u9', now(), 1, 2)`},
			{"42601", "INSERT has 3 target columns and its SELECT returns 2", "user_id, event_timestamp, amount", `INSERT INTO events_fv (user_id, event_timestamp, amount) SELECT 'u9', now()`},
			{"0A000", "takes no parameters", "", `INSERT INTO events_fv (user_id, event_timestamp, amount) SELECT 'u9', now(), $1::bigint`},
			{"22P02", "invalid input syntax for type bigint", "", `INSERT INTO events_fv (user_id, event_timestamp, amount) SELECT 'u9', now(), 'x'`},
			{"42501", "permission denied", "", `INSERT INTO events_fv (user_id, event_timestamp, amount) SELECT 'u9', now(), count(*) FROM featuregate_registry.objects`},
			{"0A000", "constants, parameters and now()", "", `INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ('u9', now(), 1 + 1)`},
			{"42601", "VALUES lists have 2 values for 3 columns", "", `INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ('u9', now())`},
			{"0A000", "cannot push into feature service events_svc", "push into each of its feature views", `INSERT INTO events_svc (user_id, event_timestamp) VALUES ('u9', now())`},
			{"22023", "feature view offline_fv is OFFLINE", "", `INSERT INTO offline_fv (user_id, event_timestamp, amount) VALUES ('u9', now(), 1)`},
			{"0A000", "takes no WITH, ON CONFLICT or RETURNING", "", `INSERT INTO events_fv (user_id, event_timestamp) VALUES ('u9', now()) RETURNING user_id`},
			{"54000", "pushes at most 1048576 rows", "MATERIALIZE events_fv writes them online in batches",
				`INSERT INTO events_fv (user_id, event_timestamp, amount) SELECT 'u' || i, now(), i FROM generate_series(1, 1048577) i`},
		}
		for _, c := range cases {
			wantError(t, e.conn, c.code, c.msg, c.hint, c.sql)
		}
		lookupEquals(t, e.conn, [][]any{{"u8", nil}, {"u9", nil}, {"u1", nil}}, `SELECT user_id, amount FROM events_fv WHERE user_id IN ('u8', 'u9', 'u1')`)
		if !strings.Contains(e.db, "pusherr") {
			t.Fatal(e.db)
		}
	})
}

// TestPushCopy: COPY <view> FROM STDIN in the text and CSV formats, with
// a header, NULLs and escapes; binary is refused with a hint; a bad line
// writes nothing.
func TestPushCopy(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store) {
		e := newEnv(t, "pushcopy", st, eventsTable)
		e.define(t, pushCatalog...)
		ctx := context.Background()
		pc := e.conn.PgConn()
		text := "u1\t2024-01-02 00:00:00+00\t1\ttab\\there\nu2\t2024-01-02T00:00:00Z\t\\N\t\\N\n"
		tag, err := pc.CopyFrom(ctx, strings.NewReader(text), `COPY events_fv (user_id, event_timestamp, amount, note) FROM STDIN`)
		if err != nil || tag.String() != "COPY 2" {
			t.Fatalf("COPY text: %v %v", tag, err)
		}
		csv := "user_id,event_timestamp,created_timestamp,amount,note\nu3,2024-01-02T00:00:00Z,,3,\"a, \"\"quoted\"\"\nline\"\nu4,2024-01-02T00:00:00Z,2024-01-03T00:00:00Z,4,\n"
		tag, err = pc.CopyFrom(ctx, strings.NewReader(csv), `COPY events_fv (user_id, event_timestamp, created_timestamp, amount, note) FROM STDIN WITH (FORMAT csv, HEADER)`)
		if err != nil || tag.String() != "COPY 2" {
			t.Fatalf("COPY csv: %v %v", tag, err)
		}
		lookupEquals(t, e.conn, [][]any{
			{"u1", int64(1), "tab\there"}, {"u2", nil, nil}, {"u3", int64(3), "a, \"quoted\"\nline"}, {"u4", int64(4), nil},
		}, `SELECT user_id, amount, note FROM events_fv WHERE user_id IN ('u1', 'u2', 'u3', 'u4')`)

		for _, c := range []struct{ data, sql, code, msg string }{
			{"", `COPY events_fv (user_id, event_timestamp) FROM STDIN WITH (FORMAT binary)`, "0A000", "FORMAT binary"},
			{"u9\t2024-01-02T00:00:00Z\t1\nu8\t2024-01-02T00:00:00Z\n", `COPY events_fv (user_id, event_timestamp, amount) FROM STDIN`, "22P04", "COPY line 2: missing data"},
			{"u9\t2024-01-02T00:00:00Z\t1\nu8\t2024-01-02T00:00:00Z\tnan-ish\n", `COPY events_fv (user_id, event_timestamp, amount) FROM STDIN`, "22P02", "invalid input syntax for type bigint"},
		} {
			_, err := pc.CopyFrom(ctx, strings.NewReader(c.data), c.sql)
			pe := pgError(t, err, c.sql)
			if pe.Code != c.code || !strings.Contains(pe.Message, c.msg) {
				t.Errorf("%s: got %s %q, want %s %q", c.sql, pe.Code, pe.Message, c.code, c.msg)
			}
		}
		lookupEquals(t, e.conn, [][]any{{"u8", nil}, {"u9", nil}}, `SELECT user_id, amount FROM events_fv WHERE user_id IN ('u8', 'u9')`)

		// Several chunks of rows, keys repeated: the newest row of each key
		// wins whichever chunk it is in.
		var bulk strings.Builder
		for g := range 20000 {
			fmt.Fprintf(&bulk, "b%d,%s,%d\n", g%7000, time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g)*time.Second).Format(time.RFC3339), g)
		}
		if _, err := pc.CopyFrom(ctx, strings.NewReader(bulk.String()), `COPY events_fv (user_id, event_timestamp, amount) FROM STDIN (FORMAT csv)`); err != nil {
			t.Fatal(err)
		}
		lookupEquals(t, e.conn, [][]any{{"b0", int64(14000)}, {"b6999", int64(13999)}, {"b5999", int64(19999)}},
			`SELECT user_id, amount FROM events_fv WHERE user_id IN ('b0', 'b6999', 'b5999')`)
	})
}

// TestPushPgxTransaction: pgx's prepared INSERT inside a transaction is
// applied at Commit and dropped by Rollback.
func TestPushPgxTransaction(t *testing.T) {
	e := newEnv(t, "pushtx", stores[0], eventsTable)
	e.define(t, pushCatalog...)
	ctx := context.Background()
	const ins = `INSERT INTO events_fv (user_id, event_timestamp, amount) VALUES ($1, $2, $3)`
	tx, err := e.conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tag := execTag(t, tx.Conn(), ins, "t1", at("2024-01-01T00:00:00Z"), int64(1)); tag != "INSERT 0 1" {
		t.Fatalf("in a transaction: %s", tag)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	tx, err = e.conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	execTag(t, tx.Conn(), ins, "t2", at("2024-01-01T00:00:00Z"), int64(2))
	lookupEquals(t, e.conn, [][]any{{"t2", nil}}, `SELECT user_id, amount FROM events_fv WHERE user_id = 't2'`)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	lookupEquals(t, e.conn, [][]any{{"t1", nil}, {"t2", int64(2)}}, `SELECT user_id, amount FROM events_fv WHERE user_id IN ('t1', 't2')`)
}
