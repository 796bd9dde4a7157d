package clienttest

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/gatewaytest"
)

// fixture is a gateway over database db, with a few tables created directly
// on PostgreSQL (the gateway's sessions are read-only).
type fixture struct {
	gw     *gatewaytest.Gateway
	direct string // DSN straight to PostgreSQL
	via    string // DSN through the gateway
}

// newFixture starts a gateway over a fresh database named db, after running
// setup (SQL) on it directly.
func newFixture(t *testing.T, db string, setup string) *fixture {
	t.Helper()
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if setup != "" {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, setup); err != nil {
			t.Fatalf("setup: %v", err)
		}
	}
	gw := gatewaytest.Start(t, pg, db)
	return &fixture{gw: gw, direct: dsn, via: gw.DSN("alice", db)}
}

// run runs a command with a timeout and returns its standard output; it
// fails the test with the standard error when the command fails.
func run(t *testing.T, timeout time.Duration, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\nstdout:\n%s\nstderr:\n%s", name, args, err, out.String(), errb.String())
	}
	return out.String()
}

// sameOutput runs the same client against PostgreSQL and the gateway and
// fails when their outputs differ. It returns the gateway's output.
func sameOutput(t *testing.T, f *fixture, timeout time.Duration, name string, args func(dsn string) []string) string {
	t.Helper()
	want := run(t, timeout, name, args(f.direct)...)
	got := run(t, timeout, name, args(f.via)...)
	if got != want {
		t.Errorf("%s through the gateway differs from PostgreSQL directly\n--- direct:\n%s\n--- gateway:\n%s", name, want, got)
	}
	return got
}

// mustContain fails for each of want that a client's output lacks, and
// then shows the output.
func mustContain(t *testing.T, client, out string, want ...string) {
	t.Helper()
	missing := false
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s output lacks %q", client, w)
			missing = true
		}
	}
	if missing {
		t.Logf("%s output:\n%s", client, out)
	}
}

// withPrefix returns the lines that start with prefix.
func withPrefix(lines []string, prefix string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}
