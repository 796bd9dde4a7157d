package filesource_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate"
	"github.com/featuregate/featuregate/catalog"
	"github.com/featuregate/featuregate/catalog/ddl"
	"github.com/featuregate/featuregate/catalog/filesource"
	"github.com/featuregate/featuregate/internal/localpg"
	"github.com/featuregate/featuregate/internal/pgtest"
)

var pg *localpg.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pg) }

var dbCount atomic.Int64

// newStore opens a registry on a database of the test's own and returns it
// with its DSN.
func newStore(t *testing.T) (*catalog.Store, string) {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", dbCount.Add(1),
		strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "_")))
	if len(name) > 60 {
		name = name[:60]
	}
	dsn, err := pg.CreateDB(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := catalog.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, dsn
}

// createSource applies the CREATE SOURCE statement sql, reading its file
// at path (a local path), and returns the error of Open or Apply.
func createSource(t *testing.T, s *catalog.Store, sql, path string) error {
	t.Helper()
	src := parseSource(t, sql)
	data, err := filesource.Open(context.Background(), path, src.File.Path)
	if err != nil {
		return err
	}
	_, err = s.Apply(context.Background(), "p", "test", sql,
		[]catalog.Change{{Op: catalog.OpCreateOrReplace, Object: src, Data: data, Reload: true}})
	return err
}

func parseSource(t *testing.T, sql string) *catalog.Source {
	t.Helper()
	stmt, ok, err := ddl.Parse(sql)
	if err != nil || !ok {
		t.Fatalf("parse %s: %v %v", sql, ok, err)
	}
	return stmt.(*ddl.CreateStmt).Object.(*catalog.Source)
}

// query returns the rows of sql on dsn in a session at UTC, every value
// as text ("NULL" for NULL), columns separated by " | ".
func query(t *testing.T, dsn, sql string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SET TIME ZONE 'UTC'"); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var vals []string
		for _, raw := range rows.RawValues() {
			if raw == nil {
				vals = append(vals, "NULL")
			} else {
				vals = append(vals, string(raw))
			}
		}
		out = append(out, strings.Join(vals, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// wantKind fails unless err is a featuregate error of kind k whose message
// contains each of parts.
func wantKind(t *testing.T, err error, k featuregate.Kind, parts ...string) {
	t.Helper()
	var fe *featuregate.Error
	if !errors.As(err, &fe) || fe.Kind != k {
		t.Fatalf("got %v (%T), want a featuregate error of kind %d", err, err, k)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error()+" "+fe.Detail, p) {
			t.Errorf("error %q (detail %q) does not say %q", err, fe.Detail, p)
		}
	}
}

// fileTable is the table of project p's file source.
func fileTable(name string) string {
	return pgx.Identifier{catalog.FileSchema, catalog.FileTable("p", name)}.Sanitize()
}
