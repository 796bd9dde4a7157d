package clienttest

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

const typesQuery = `SELECT id, code, big, score, amount, active, born, seen_at, attrs, blob, tags
FROM customers WHERE id = ANY($1) ORDER BY id`

// collect reads every row of a query as generic values.
func collect(t *testing.T, ctx context.Context, conn *pgx.Conn, sql string, args ...any) [][]any {
	t.Helper()
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func connect(t *testing.T, ctx context.Context, dsn string, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestPgxModes reads every core type in each of pgx's query modes (cached
// prepared statements with binary results, cached descriptions, describe
// each time, exec, simple protocol) and requires the values PostgreSQL
// gives directly.
func TestPgxModes(t *testing.T) {
	f := newFixture(t, "pgx_modes", readFile(t, "testdata/setup.sql"))
	ctx := context.Background()
	ids := []int32{0, 1, 2, 4999}
	direct := collect(t, ctx, connect(t, ctx, f.direct, pgx.QueryExecModeCacheStatement), typesQuery, ids)
	if len(direct) != 4 {
		t.Fatalf("direct: want 4 rows, got %d", len(direct))
	}
	modes := map[string]pgx.QueryExecMode{
		"cache_statement": pgx.QueryExecModeCacheStatement, "cache_describe": pgx.QueryExecModeCacheDescribe,
		"describe_exec": pgx.QueryExecModeDescribeExec, "exec": pgx.QueryExecModeExec,
		"simple": pgx.QueryExecModeSimpleProtocol,
	}
	for name, mode := range modes {
		t.Run(name, func(t *testing.T) {
			conn := connect(t, ctx, f.via, mode)
			for i := 0; i < 8; i++ { // past any "prepare after N uses" threshold
				got := collect(t, ctx, conn, typesQuery, ids)
				if !reflect.DeepEqual(got, direct) {
					t.Fatalf("run %d: got %v\nwant %v", i, got, direct)
				}
			}
		})
	}
}

// TestPgxBatchAndErrors sends a pipelined batch with an error in the middle:
// the statements before it succeed, the rest are skipped, and the
// connection stays usable.
func TestPgxBatchAndErrors(t *testing.T) {
	f := newFixture(t, "pgx_batch", readFile(t, "testdata/setup.sql"))
	ctx := context.Background()
	conn := connect(t, ctx, f.via, pgx.QueryExecModeCacheStatement)
	b := &pgx.Batch{}
	b.Queue("SELECT count(*) FROM customers")
	b.Queue("SELECT code FROM customers WHERE id = $1", 7)
	b.Queue("SELECT 1/0")
	b.Queue("SELECT 2")
	br := conn.SendBatch(ctx, b)
	var n int64
	var code string
	if err := br.QueryRow().Scan(&n); err != nil || n != 5001 {
		t.Fatalf("count: %v %d", err, n)
	}
	if err := br.QueryRow().Scan(&code); err != nil || code != "C-00007" {
		t.Fatalf("code: %v %q", err, code)
	}
	var x int
	err := br.QueryRow().Scan(&x)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "22012" {
		t.Fatalf("want 22012, got %v", err)
	}
	if err := br.Close(); err == nil {
		t.Fatal("closing a batch with a failed statement should report the error")
	}
	if err := conn.QueryRow(ctx, "SELECT 41 + 1").Scan(&x); err != nil || x != 42 {
		t.Fatalf("after batch: %v %d", err, x)
	}
}

// TestPgxCopy streams COPY TO STDOUT and fills a temporary table with COPY
// FROM STDIN.
func TestPgxCopy(t *testing.T) {
	f := newFixture(t, "pgx_copy", readFile(t, "testdata/setup.sql"))
	ctx := context.Background()
	const q = "COPY (SELECT * FROM customers ORDER BY id) TO STDOUT WITH (FORMAT binary)"
	var want, got bytes.Buffer
	if _, err := connect(t, ctx, f.direct, pgx.QueryExecModeCacheStatement).PgConn().CopyTo(ctx, &want, q); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, ctx, f.via, pgx.QueryExecModeCacheStatement)
	tag, err := conn.PgConn().CopyTo(ctx, &got, q)
	if err != nil || tag.RowsAffected() != 5001 {
		t.Fatalf("copy to: %v %v", err, tag)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("COPY output differs: %d bytes through the gateway, %d directly", got.Len(), want.Len())
	}
	if _, err := conn.Exec(ctx, "CREATE TEMP TABLE tmp_ids (id int, label text)"); err != nil {
		t.Fatal(err)
	}
	rows := make([][]any, 20000)
	for i := range rows {
		rows[i] = []any{int32(i), "row"}
	}
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"tmp_ids"}, []string{"id", "label"}, pgx.CopyFromRows(rows))
	if err != nil || n != 20000 {
		t.Fatalf("copy from: %v %d", err, n)
	}
	var sum int64
	if err := conn.QueryRow(ctx, "SELECT sum(id) FROM tmp_ids").Scan(&sum); err != nil || sum != 19999*20000/2 {
		t.Fatalf("sum: %v %d", err, sum)
	}
}

// TestPgxCancel cancels a long query with a CancelRequest (pgx sends one
// when the context ends) and uses the connection again.
func TestPgxCancel(t *testing.T) {
	f := newFixture(t, "pgx_cancel", "")
	cfg, err := pgx.ParseConfig(f.via)
	if err != nil {
		t.Fatal(err)
	}
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 10 * time.Second}
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = conn.Exec(ctx, "SELECT pg_sleep(30)")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("want 57014 query_canceled, got %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("cancel took %v", d)
	}
	var x int
	if err := conn.QueryRow(context.Background(), "SELECT 7").Scan(&x); err != nil || x != 7 {
		t.Fatalf("after cancel: %v %d", err, x)
	}
}

// TestPgxTransactions checks the transaction status through commit,
// rollback and a failed transaction.
func TestPgxTransactions(t *testing.T) {
	f := newFixture(t, "pgx_tx", "")
	ctx := context.Background()
	conn := connect(t, ctx, f.via, pgx.QueryExecModeCacheStatement)
	status := func() byte { return conn.PgConn().TxStatus() }
	if _, err := conn.Exec(ctx, "CREATE TEMP TABLE t (a int)"); err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil || status() != 'T' {
		t.Fatalf("begin: %v %c", err, status())
	}
	if _, err := tx.Exec(ctx, "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT 1/0"); err == nil || status() != 'E' {
		t.Fatalf("want failed transaction, got %v %c", err, status())
	}
	if err := tx.Rollback(ctx); err != nil || status() != 'I' {
		t.Fatalf("rollback: %v %c", err, status())
	}
	if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO t VALUES (2)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var got []int32
	rows, _ := conn.Query(ctx, "SELECT a FROM t")
	got, err = pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil || !reflect.DeepEqual(got, []int32{2}) {
		t.Fatalf("rows: %v %v", got, err)
	}
}
