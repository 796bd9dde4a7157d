package clienttest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/lib/pq"
)

// scanAll renders every row of a query as text, through database/sql.
func scanAll(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%q", vals))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func openPQ(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestLibPQ runs lib/pq through database/sql: parameters, core types,
// prepared statements reused, transactions, errors and COPY FROM STDIN.
func TestLibPQ(t *testing.T) {
	f := newFixture(t, "libpq", readFile(t, "testdata/setup.sql"))
	direct, via := openPQ(t, f.direct), openPQ(t, f.via)
	const q = `SELECT id, code, big, score, amount, active, born, seen_at, attrs, blob, tags
		FROM customers WHERE id <= $1 ORDER BY id`
	want := scanAll(t, direct, q, 3)
	if got := scanAll(t, via, q, 3); !reflect.DeepEqual(got, want) || len(got) != 4 {
		t.Fatalf("rows differ:\n got %v\nwant %v", got, want)
	}

	stmt, err := via.Prepare("SELECT code FROM customers WHERE id = $1")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	for i := 1; i <= 10; i++ {
		var code string
		if err := stmt.QueryRow(i * 100).Scan(&code); err != nil || code != fmt.Sprintf("C-%05d", i*100) {
			t.Fatalf("prepared run %d: %v %q", i, err, code)
		}
	}

	var n int
	err = via.QueryRow("SELECT 1/0").Scan(&n)
	var pqe *pq.Error
	if !errors.As(err, &pqe) || pqe.Code != "22012" {
		t.Fatalf("want 22012, got %v", err)
	}

	conn, err := via.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, "CREATE TEMP TABLE pq_tmp (id int, name text)"); err != nil {
		t.Fatal(err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := tx.Prepare(pq.CopyIn("pq_tmp", "id", "name"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		if _, err := cp.Exec(i, fmt.Sprint("n", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cp.Exec(); err != nil {
		t.Fatal(err)
	}
	if err := cp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM pq_tmp WHERE name LIKE 'n%'").Scan(&n); err != nil || n != 1000 {
		t.Fatalf("copied rows: %v %d", err, n)
	}
}
