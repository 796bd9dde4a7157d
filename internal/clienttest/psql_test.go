package clienttest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/featuregate/featuregate/internal/localpg"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// psql runs a psql script and returns everything it printed, errors included.
func psql(t *testing.T, dsn, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(localpg.BinDir, "psql"), "-X", "-q", "-f", script, dsn)
	cmd.Env = append(os.Environ(), "PGTZ=UTC", "PGCLIENTENCODING=UTF8")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("psql timed out: %s", out)
	}
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	return string(out)
}

// TestPsqlSession runs a psql session of queries, meta-commands (\d, \dt),
// errors, transactions, cursors, COPY and session statements through the
// gateway and directly, and requires the same output.
func TestPsqlSession(t *testing.T) {
	f := newFixture(t, "psql_session", readFile(t, "testdata/setup.sql"))
	want := psql(t, f.direct, "testdata/psql/session.sql")
	got := psql(t, f.via, "testdata/psql/session.sql")
	if got != want {
		t.Fatalf("psql output differs\n--- direct:\n%s\n--- gateway:\n%s", want, got)
	}
	for _, s := range []string{
		"is_postgres", " t\n", "Table \"public.customers\"", "active_customers",
		"22012", "42601", "42703", "25P02", "recovered", "C-00103",
		"2,C-00002,6.50,2024-01-01 02:00:00+00", " 2 | two", "Asia/Seoul",
		"2024-01-01 10:00:00+09", "C-00042", "prepared statement \"p\" does not exist",
		"LINE 1: SELEC 1;", "^",
	} {
		if !strings.Contains(got, s) {
			t.Errorf("psql output lacks %q:\n%s", s, got)
		}
	}
}

// TestPsqlReadOnly checks that a read-only session cannot write tables or
// change its role, and keeps working after each refusal.
func TestPsqlReadOnly(t *testing.T) {
	f := newFixture(t, "psql_readonly", "CREATE TABLE k (a int); INSERT INTO k VALUES (1);")
	script := filepath.Join(t.TempDir(), "ro.sql")
	body := `INSERT INTO k VALUES (2);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE public.k2 (a int);
\echo :LAST_ERROR_SQLSTATE
SET ROLE postgres;
\echo :LAST_ERROR_SQLSTATE
SELECT set_config('role', 'postgres', false);
\echo :LAST_ERROR_SQLSTATE
DO $$ BEGIN EXECUTE 'SET ROLE postgres'; END $$;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
SET SESSION AUTHORIZATION postgres;
SELECT 1;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
DISCARD ALL;
SELECT current_user, count(*) FROM k;
`
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	got := psql(t, f.via, script)
	for _, s := range []string{
		"permission denied for table k", "permission denied for schema public",
		"changing role is not allowed", "set_config() on role is not allowed",
		"DO blocks are not allowed", "changing session_authorization is not allowed",
		"featuregate_reader |     1",
	} {
		if !strings.Contains(got, s) {
			t.Errorf("output lacks %q:\n%s", s, got)
		}
	}
	if n := strings.Count(got, "42501"); n != 5 {
		t.Errorf("want five 42501 codes, got %d:\n%s", n, got)
	}
	if !strings.Contains(got, "25P02") {
		t.Errorf("a refusal inside a transaction must abort it (25P02):\n%s", got)
	}
}
