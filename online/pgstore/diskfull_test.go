package pgstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/internal/smallfs"
	"github.com/featuregate/featuregate/online"
)

// TestDiskFull puts the store's tables in a tablespace on a 20 MB
// filesystem: once it is full, Write fails at once with a KindDiskFull
// error that keeps PostgreSQL's 53100, reads go on, and after space is
// freed writes succeed again.
func TestDiskFull(t *testing.T) {
	ctx := context.Background()
	fs := smallfs.Mount(t, 20<<20)
	loc := filepath.Join(fs, "ts")
	if err := os.Mkdir(loc, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := pg.Own(loc); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("diskfull_%d", dbSeq.Add(1))
	admin(t, "CREATE TABLESPACE "+name+" LOCATION '"+loc+"'", "CREATE DATABASE "+name+" TABLESPACE "+name)
	// Before the filesystem is unmounted (cleanups run last first).
	t.Cleanup(func() { admin(t, "DROP DATABASE "+name+" WITH (FORCE)", "DROP TABLESPACE "+name) })
	s, err := Open(ctx, pg.DSN(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	freeBallast := smallfs.Ballast(t, fs, 6<<20)

	payload := strings.Repeat("x", 1000)
	batch := func(i int) []online.Row {
		rows := make([]online.Row, 1000)
		for j := range rows {
			rows[j] = online.Row{Project: "p", View: "v", Key: []any{int64(i*1000 + j)}, TS: time.Unix(1, 0), Values: []any{payload}}
		}
		return rows
	}
	var full error
	n := 0
	for ; n < 100 && full == nil; n++ {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, full = s.Write(wctx, batch(n))
		cancel()
	}
	if full == nil || featuregate.KindOf(full) != featuregate.KindDiskFull || !strings.Contains(full.Error(), "53100") {
		t.Fatalf("after %d batches: want a disk-full error keeping 53100, got %v", n, full)
	}
	if n < 2 {
		t.Fatalf("the disk was full after %d batches: the ballast left too little room", n)
	}
	if got, err := s.Get(ctx, "p", "v", [][]any{{int64(0)}}, time.Now(), 0); err != nil || !got[0].Found {
		t.Fatalf("read while full: %v %+v", err, got)
	}
	freeBallast()
	if _, err := s.Write(ctx, batch(n)); err != nil {
		t.Fatalf("write after space was freed: %v", err)
	}
	if u, err := s.DiskUsage(ctx); err != nil || u < 1<<20 {
		t.Fatalf("disk usage %d: %v", u, err)
	}
}

// admin runs statements as the superuser, in database postgres.
func admin(t *testing.T, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range stmts {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}
