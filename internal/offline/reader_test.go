package offline

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

var pg *localpg.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }

// TestEnsureReaderRoleConcurrently sets the role up from several gateways
// at once, on two databases of one cluster, then checks what it may do.
func TestEnsureReaderRoleConcurrently(t *testing.T) {
	ctx := context.Background()
	var dsns []string
	for _, db := range []string{"reader_a", "reader_b"} {
		dsn, err := pg.CreateDB(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		dsns = append(dsns, dsn)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(dsn string) {
			defer wg.Done()
			errs <- EnsureReaderRole(ctx, dsn, "reader_race")
		}(dsns[i%2])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pgx.Connect(ctx, dsns[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS facts; CREATE TABLE facts (a int); INSERT INTO facts VALUES (1); SET ROLE reader_race"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM facts").Scan(&n); err != nil || n != 1 {
		t.Fatalf("reader cannot read: %v", err)
	}
	if _, err := conn.Exec(ctx, "CREATE TEMP TABLE spine (k text)"); err != nil {
		t.Fatalf("reader cannot create a temporary table: %v", err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO facts VALUES (2)"); err == nil {
		t.Fatal("reader could write a table")
	}
}
