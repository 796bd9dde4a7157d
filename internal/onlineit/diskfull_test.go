package onlineit

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/featuregate/featuregate/internal/gatewaytest"
	"github.com/featuregate/featuregate/internal/smallfs"
)

// diskFullTables is a source of 150,000 entities of about 200 bytes.
const diskFullTables = `
CREATE TABLE big_src (entity_id bigint, ts timestamptz, payload text);
INSERT INTO big_src SELECT i, '2024-01-10', md5(i::text) || md5((i * 7)::text) || md5((i * 13)::text) ||
	md5((i * 17)::text) || md5((i * 19)::text) || md5((i * 23)::text) FROM generate_series(1, 150000) i;
CREATE TABLE small_src (entity_id bigint, ts timestamptz, v bigint);
INSERT INTO small_src VALUES (1, '2024-01-10', 42);`

// diskFullEnv starts a gateway whose Pebble store is on a 96 MB file
// system with 16 MB free, over big_fv (150,000 rows of about 200 bytes)
// and small_fv, with small_fv materialized; free frees the rest.
func diskFullEnv(t *testing.T, base string) (e *env, free func()) {
	t.Helper()
	fs := smallfs.Mount(t, 96<<20)
	free = smallfs.Ballast(t, fs, 16<<20)
	db := fmt.Sprintf("%s_%d", base, dbSeq.Add(1))
	direct := createDB(t, db)
	offlineExec(t, direct, diskFullTables)
	gw := gatewaytest.StartOnlineDir(t, pg, db, filepath.Join(fs, "online"))
	e = &env{db: db, st: stores[0], direct: direct, gw: gw, conn: connect(t, gw, db)}
	e.define(t,
		`CREATE ENTITY thing (entity_id BIGINT)`,
		`CREATE SOURCE big_source TIMESTAMP COLUMN ts AS TABLE big_src`,
		`CREATE SOURCE small_source TIMESTAMP COLUMN ts AS TABLE small_src`,
		`CREATE FEATURE VIEW big_fv (payload TEXT) ENTITY thing SOURCE big_source ONLINE`,
		`CREATE FEATURE VIEW small_fv (v BIGINT) ENTITY thing SOURCE small_source ONLINE`)
	materialize(t, e.conn, `MATERIALIZE small_fv FROM '2024-01-01T00:00:00Z' TO '2024-02-01T00:00:00Z'`)
	return e, free
}

// TestMaterializeDiskFull runs MATERIALIZE of 30 MB into a Pebble store
// with 16 MB free: it fails within seconds with SQLSTATE 53100 (disk_full);
// lookups of what was materialized before go on; once space is freed the
// same MATERIALIZE completes.
func TestMaterializeDiskFull(t *testing.T) {
	ctx := context.Background()
	e, freeBallast := diskFullEnv(t, "diskfull")

	run := func() (time.Duration, error) {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		start := time.Now()
		_, err := e.conn.Exec(ctx, `MATERIALIZE big_fv FROM '2024-01-01T00:00:00Z' TO '2024-02-01T00:00:00Z'`)
		return time.Since(start), err
	}
	took, err := run()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "53100" {
		t.Fatalf("MATERIALIZE on a full disk: want 53100, got %v after %s", err, took)
	}
	t.Logf("MATERIALIZE failed after %s: %v", took, err)
	var v int64
	if err := e.conn.QueryRow(ctx, "SELECT v FROM small_fv WHERE entity_id = 1").Scan(&v); err != nil || v != 42 {
		t.Fatalf("a lookup while the disk is full: %d %v", v, err)
	}
	freeBallast()
	if took, err := run(); err != nil {
		t.Fatalf("MATERIALIZE once space was freed: %v after %s", err, took)
	}
	var payload string
	if err := e.conn.QueryRow(ctx, "SELECT payload FROM big_fv WHERE entity_id = 150000").Scan(&payload); err != nil || len(payload) != 192 {
		t.Fatalf("the last entity after the second MATERIALIZE: %q %v", payload, err)
	}
}

// TestPushCommitDiskFull pushes 150,000 rows (about 30 MB) into a view
// inside a transaction block on a Pebble store with 16 MB free: the push
// is checked and staged, and the COMMIT that writes it fails with 53100,
// rolls the block back and writes nothing; the session goes on, lookups
// of other views still answer, and the same block commits once space is
// freed.
func TestPushCommitDiskFull(t *testing.T) {
	ctx := context.Background()
	e, freeBallast := diskFullEnv(t, "pushfull")
	block := func() error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		for _, sql := range []string{"BEGIN",
			`INSERT INTO big_fv (entity_id, event_timestamp, payload) SELECT entity_id, ts, payload FROM big_src`} {
			if _, err := e.conn.Exec(ctx, sql); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		_, err := e.conn.Exec(ctx, "COMMIT")
		return err
	}
	var pe *pgconn.PgError
	if err := block(); !errors.As(err, &pe) || pe.Code != "53100" {
		t.Fatalf("COMMIT of the push on a full disk: want 53100, got %v", err)
	}
	if st := e.conn.PgConn().TxStatus(); st != 'I' {
		t.Errorf("after the failed COMMIT the session is in transaction status %q, want I", st)
	}
	var payload *string
	if err := e.conn.QueryRow(ctx, "SELECT payload FROM big_fv WHERE entity_id = 1").Scan(&payload); err != nil || payload != nil {
		t.Fatalf("a pushed row after the failed COMMIT: %v %v, want no value", payload, err)
	}
	var v int64
	if err := e.conn.QueryRow(ctx, "SELECT v FROM small_fv WHERE entity_id = 1").Scan(&v); err != nil || v != 42 {
		t.Fatalf("a lookup while the disk is full: %d %v", v, err)
	}
	freeBallast()
	if err := block(); err != nil {
		t.Fatalf("COMMIT of the push once space was freed: %v", err)
	}
	if err := e.conn.QueryRow(ctx, "SELECT payload FROM big_fv WHERE entity_id = 150000").Scan(&payload); err != nil || payload == nil || len(*payload) != 192 {
		t.Fatalf("the last entity after the second COMMIT: %v %v", payload, err)
	}
}
