package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestKillDuringApply: `featuregate apply` killed with SIGKILL in the
// middle of its transaction (every object written, the version record
// not yet) leaves the registry as it was, and the same apply then
// succeeds. The test holds a lock that stops the apply at the version
// record, so that the kill falls there every time.
func TestKillDuringApply(t *testing.T) {
	ctx := context.Background()
	dsn := ridesDB(t)
	const project = "killed_apply"
	hold, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close(ctx)
	tx, err := hold.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE featuregate_registry.versions IN EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "apply", ridesRepo, "--offline", dsn, "--project", project)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	watch, err := pgx.Connect(ctx, dsn) // outside the transaction, which sees one snapshot of pg_stat_activity
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(ctx)
	waitForVersionInsert(t, watch, cmd, done, &out)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	if n := registryRows(t, hold, project); n != 0 {
		t.Fatalf("after the kill the registry holds %d rows of %s", n, project)
	}
	mustFG(t, "apply", ridesRepo, "--offline", dsn, "--project", project)
	if n := registryRows(t, hold, project); n == 0 {
		t.Fatal("the apply after the kill recorded nothing")
	}
	if got := mustFG(t, "feature-views", "list", "--offline", dsn, "--project", project); !strings.Contains(got, "driver_stats_fv") {
		t.Fatalf("feature views after the second apply:\n%s", got)
	}
}

// waitForVersionInsert waits until the apply's transaction waits for the
// lock on the versions table: everything else of it is written.
func waitForVersionInsert(t *testing.T, conn *pgx.Conn, cmd *exec.Cmd, done chan error, out *strings.Builder) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO featuregate_registry.versions%'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("the apply ended (%v) before it waited at its version record:\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Signal(os.Interrupt)
			<-done
			t.Fatalf("the apply never waited at its version record:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// registryRows counts what the registry holds of project: objects and
// versions.
func registryRows(t *testing.T, conn *pgx.Conn, project string) int {
	t.Helper()
	var n int
	err := conn.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM featuregate_registry.objects WHERE project = $1) +
		(SELECT count(*) FROM featuregate_registry.versions WHERE project = $1)`, project).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
