package onlineit

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// store is one online store the behaviours run against.
type store struct {
	name string
	kind gatewaytest.OnlineKind
}

// stores are both online stores: every behaviour test runs on each.
var stores = []store{{"pebble", gatewaytest.Pebble}, {"postgres", gatewaytest.Postgres}}

// forEachStore runs f as a subtest per online store.
func forEachStore(t *testing.T, f func(t *testing.T, st store)) {
	t.Helper()
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) { f(t, st) })
	}
}

// dbSeq keeps database names unique when -count reruns tests in one process.
var dbSeq atomic.Int64

// env is one project: its own database holding the source tables, a
// gateway over it, a direct connection to PostgreSQL and a session
// through the gateway.
type env struct {
	db     string
	st     store
	direct *pgx.Conn // to the offline PostgreSQL as its owner, in UTC
	gw     *gatewaytest.Gateway
	conn   *pgx.Conn // through the gateway as the read-only user alice
}

// newEnv creates a database for base and st, runs tables on it directly,
// starts a gateway with the online store st and connects through it.
func newEnv(t *testing.T, base string, st store, tables string) *env {
	t.Helper()
	e := &env{db: fmt.Sprintf("%s_%s_%d", base, st.name, dbSeq.Add(1)), st: st}
	e.direct = createDB(t, e.db)
	if tables != "" {
		offlineExec(t, e.direct, tables)
	}
	e.gw = gatewaytest.StartOnline(t, pg, e.db, st.kind)
	e.conn = connect(t, e.gw, e.db)
	return e
}

// createDB creates database db and connects to it directly, in UTC.
func createDB(t *testing.T, db string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn+"&timezone=UTC") // localpg's DSN has a query string
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// connect opens a session through gw as alice (read-only), in UTC, closed
// when the test ends.
func connect(t *testing.T, gw *gatewaytest.Gateway, db string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), gw.DSN("alice", db)+"&timezone=UTC")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// offlineExec runs sql directly on PostgreSQL.
func offlineExec(t *testing.T, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("on PostgreSQL: %s: %v", sql, err)
	}
}

// define sends catalog statements through the gateway, one at a time.
func (e *env) define(t *testing.T, ddl ...string) {
	t.Helper()
	for _, d := range ddl {
		if _, err := e.conn.Exec(context.Background(), d); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
	}
}

// queryAll runs sql and returns its field descriptions and rows.
func queryAll(ctx context.Context, conn *pgx.Conn, sql string, args ...any) ([]pgconn.FieldDescription, [][]any, error) {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	fields := append([]pgconn.FieldDescription(nil), rows.FieldDescriptions()...)
	var out [][]any
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, nil, err
		}
		out = append(out, vals)
	}
	return fields, out, rows.Err()
}

// mustQuery runs sql and returns its rows, failing the test on an error.
func mustQuery(t *testing.T, conn *pgx.Conn, sql string, args ...any) [][]any {
	t.Helper()
	_, rows, err := queryAll(context.Background(), conn, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

// pgError returns err's PostgreSQL error, failing the test without one.
func pgError(t *testing.T, err error, what string) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("%s: want a PostgreSQL error, got %v", what, err)
	}
	return pe
}

// wantError runs sql and checks it fails with SQLSTATE code, a message
// containing msg and, when hint is not empty, a hint containing it.
func wantError(t *testing.T, conn *pgx.Conn, code, msg, hint, sql string, args ...any) *pgconn.PgError {
	t.Helper()
	_, _, err := queryAll(context.Background(), conn, sql, args...)
	if err == nil {
		t.Fatalf("%s: succeeded, want SQLSTATE %s", sql, code)
	}
	pe := pgError(t, err, sql)
	if pe.Code != code || !strings.Contains(pe.Message, msg) || !strings.Contains(pe.Hint, hint) {
		t.Errorf("%s:\n got %s %q (hint %q)\nwant %s containing %q (hint containing %q)", sql, pe.Code, pe.Message, pe.Hint, code, msg, hint)
	}
	return pe
}

// at parses an RFC 3339 time of the tests.
func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// matRow is one row of a MATERIALIZE result.
type matRow struct {
	view                    string
	start                   *time.Time // nil: NULL (an incremental run's first)
	end                     time.Time
	read, written, rejected int64
	seconds                 float64
}

// materializeColumns are the result's columns, in order.
var materializeColumns = []string{"feature_view", "start", "end", "rows_read", "rows_written", "rows_rejected", "seconds"}

// materialize runs a MATERIALIZE statement through conn and returns its
// rows by view, checking the result's columns.
func materialize(t *testing.T, conn *pgx.Conn, sql string) map[string]matRow {
	t.Helper()
	fields, rows, err := queryAll(context.Background(), conn, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var names []string
	for _, f := range fields {
		names = append(names, f.Name)
	}
	if !reflect.DeepEqual(names, materializeColumns) {
		t.Fatalf("%s: columns %v, want %v", sql, names, materializeColumns)
	}
	out := map[string]matRow{}
	for _, r := range rows {
		m := matRow{view: r[0].(string), end: r[2].(time.Time),
			read: r[3].(int64), written: r[4].(int64), rejected: r[5].(int64), seconds: r[6].(float64)}
		if r[1] != nil {
			s := r[1].(time.Time)
			m.start = &s
		}
		if m.seconds < 0 {
			t.Errorf("%s: %s took %v seconds", sql, m.view, m.seconds)
		}
		out[m.view] = m
	}
	return out
}

// counts checks a view's rows read, written and rejected.
func (m matRow) counts(t *testing.T, what string, read, written, rejected int64) {
	t.Helper()
	if m.read != read || m.written != written || m.rejected != rejected {
		t.Errorf("%s: %s read %d, written %d, rejected %d; want %d, %d, %d",
			what, m.view, m.read, m.written, m.rejected, read, written, rejected)
	}
}

// window checks a view's start (nil for NULL) and end.
func (m matRow) window(t *testing.T, what string, start *time.Time, end time.Time) {
	t.Helper()
	startOK := (m.start == nil) == (start == nil) && (start == nil || m.start.Equal(*start))
	if !startOK || !m.end.Equal(end) {
		t.Errorf("%s: %s window [%v, %v), want [%v, %v)", what, m.view, fmtTime(m.start), m.end, fmtTime(start), end)
	}
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "NULL"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// ptr returns a pointer to t.
func ptr(t time.Time) *time.Time { return &t }

// sameRows compares result rows with wanted ones: times by instant,
// everything else by Go value and type.
func sameRows(got, want [][]any) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return false
		}
		for j := range got[i] {
			if !sameValue(got[i][j], want[i][j]) {
				return false
			}
		}
	}
	return true
}

func sameValue(a, b any) bool {
	ta, ok1 := a.(time.Time)
	tb, ok2 := b.(time.Time)
	if ok1 || ok2 {
		return ok1 && ok2 && ta.Equal(tb)
	}
	return reflect.DeepEqual(a, b)
}

// render prints rows, one a line, with the Go types of their values.
func render(rows [][]any) string {
	var b strings.Builder
	for _, r := range rows {
		for j, v := range r {
			if j > 0 {
				b.WriteString(" | ")
			}
			if tv, ok := v.(time.Time); ok {
				v = tv.UTC().Format(time.RFC3339Nano)
			}
			fmt.Fprintf(&b, "%v (%T)", v, v)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// lookupEquals runs a lookup through conn and compares its rows.
func lookupEquals(t *testing.T, conn *pgx.Conn, want [][]any, sql string, args ...any) {
	t.Helper()
	_, got, err := queryAll(context.Background(), conn, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if !sameRows(got, want) {
		t.Errorf("%s %v:\n--- got\n%s--- want\n%s", sql, args, render(got), render(want))
	}
}
