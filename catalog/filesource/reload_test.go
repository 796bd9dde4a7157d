package filesource_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/filesource"
	"github.com/featuregate/featuregate/internal/parquettest"
)

// writeVersion writes n rows whose v is version.
func writeVersion(t *testing.T, path string, n, version int) {
	t.Helper()
	parquettest.Write(t, path, fmt.Sprintf(`SELECT i AS user_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' AS ts, %d AS v
		FROM range(%d) AS r(i)`, version, n))
}

// TestReloadAtomic reloads a changed file while another session reads the
// table: every read sees all the old rows or all the new ones.
func TestReloadAtomic(t *testing.T) {
	s, dsn := newStore(t)
	path := filepath.Join(t.TempDir(), "v.parquet")
	const create = "CREATE SOURCE v TIMESTAMP COLUMN ts AS FILE 'v.parquet'"
	writeVersion(t, path, 100000, 1)
	if err := createSource(t, s, create, path); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex // guards seen and readErr
	seen := map[string]int{}
	var readErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			mu.Lock()
			readErr = err
			mu.Unlock()
			return
		}
		defer conn.Close(context.Background())
		for ctx.Err() == nil {
			var n, lo, hi int64
			err := conn.QueryRow(context.Background(), "SELECT count(*), min(v), max(v) FROM "+fileTable("v")).Scan(&n, &lo, &hi)
			mu.Lock()
			if err != nil {
				readErr = err
			} else {
				seen[fmt.Sprintf("%d rows of v=%d..%d", n, lo, hi)]++
			}
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	writeVersion(t, path, 150000, 2)
	sn, err := s.Snapshot(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	data, err := filesource.Open(ctx, path, "v.parquet")
	if err != nil {
		t.Fatal(err)
	}
	desired := parseSource(t, create)
	fp := data.Fingerprint()
	desired.File = &fp
	changes := catalog.Diff(sn, []catalog.Object{desired})
	if len(changes) != 1 || changes[0].Op != catalog.OpCreateOrReplace {
		t.Fatalf("Diff of a changed file: %+v", changes)
	}
	lines := catalog.FieldChanges(sn.Sources[0], desired)
	if want := fmt.Sprintf("file changed (size %d -> %d bytes, rows 100000 -> 150000)", sn.Sources[0].File.Size, fp.Size); !slices.Equal(lines, []string{want}) {
		t.Errorf("plan shows %q, want %q", lines, want)
	}
	changes[0].Data = data
	if _, err := s.Apply(ctx, "p", "test", create, changes); err != nil {
		t.Fatal(err)
	}
	for done := false; !done; {
		time.Sleep(10 * time.Millisecond)
		mu.Lock()
		done = readErr != nil || seen["150000 rows of v=2..2"] > 0
		mu.Unlock()
	}
	stop()
	wg.Wait()
	if readErr != nil {
		t.Fatal(readErr)
	}
	for k := range seen {
		if k != "100000 rows of v=1..1" && k != "150000 rows of v=2..2" {
			t.Errorf("a reader saw %s (reads: %v)", k, seen)
		}
	}
	t.Logf("reads: %v", seen)
}

// TestUnchangedFile checks that a file with the content loaded is not
// loaded again, unless asked (REFRESH SOURCE), and that a dropped file
// source drops its table.
func TestUnchangedFile(t *testing.T) {
	s, dsn := newStore(t)
	path := filepath.Join(t.TempDir(), "v.parquet")
	const create = "CREATE SOURCE v TIMESTAMP COLUMN ts AS FILE 'v.parquet'"
	writeVersion(t, path, 10, 1)
	if err := createSource(t, s, create, path); err != nil {
		t.Fatal(err)
	}
	oid := func() string {
		return strings.Join(query(t, dsn, "SELECT coalesce(to_regclass('"+fileTable("v")+"')::oid::text, 'none')"), "")
	}
	first := oid()
	sn, _ := s.Snapshot(t.Context(), "p")
	data, err := filesource.Open(t.Context(), path, "v.parquet")
	if err != nil {
		t.Fatal(err)
	}
	desired := parseSource(t, create+"")
	fp := data.Fingerprint()
	desired.File, desired.Comment = &fp, "now with a comment"
	changes := catalog.Diff(sn, []catalog.Object{desired})
	changes[0].Data = data
	if _, err := s.Apply(t.Context(), "p", "test", "comment", changes); err != nil {
		t.Fatal(err)
	}
	if oid() != first {
		t.Error("an unchanged file was loaded again")
	}
	if err := createSource(t, s, create, path); err != nil { // Reload: true, as REFRESH SOURCE
		t.Fatal(err)
	}
	if oid() == first {
		t.Error("a reload kept the table")
	}
	if _, err := s.Apply(t.Context(), "p", "test", "drop", []catalog.Change{{Op: catalog.OpDrop, Kind: catalog.KindSource, Name: "v"}}); err != nil {
		t.Fatal(err)
	}
	if oid() != "none" {
		t.Error("a dropped file source kept its table")
	}
}

// TestCheckTakesNoLock: checking a changed file (plan) reads it into a
// temporary table: a session reading the source's table in a transaction
// does not hold it up, and the table keeps its rows.
func TestCheckTakesNoLock(t *testing.T) {
	s, dsn := newStore(t)
	path := filepath.Join(t.TempDir(), "v.parquet")
	const create = "CREATE SOURCE v TIMESTAMP COLUMN ts AS FILE 'v.parquet'"
	writeVersion(t, path, 10, 1)
	if err := createSource(t, s, create, path); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	reader, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close(ctx)
	tx, err := reader.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT count(*) FROM "+fileTable("v")); err != nil {
		t.Fatal(err)
	}
	writeVersion(t, path, 20, 2)
	data, err := filesource.Open(ctx, path, "v.parquet")
	if err != nil {
		t.Fatal(err)
	}
	src := parseSource(t, create)
	fp := data.Fingerprint()
	src.File = &fp
	checkCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.Check(checkCtx, "p", []catalog.Change{{Op: catalog.OpCreateOrReplace, Object: src, Data: data}}); err != nil {
		t.Fatalf("check while a session reads the table: %v", err)
	}
	if got := query(t, dsn, "SELECT count(*), max(v) FROM "+fileTable("v")); !slices.Equal(got, []string{"10 | 1"}) {
		t.Errorf("after the check the table holds %q", got)
	}
}
